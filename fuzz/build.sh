#!/usr/bin/env bash
# Builds one libFuzzer target without SwiftPM: every module the target needs is compiled with
# swiftc (-sanitize=fuzzer,address, so coverage instrumentation and ASan reach the code under
# test), then linked with the harness, which holds LLVMFuzzerTestOneInput.
#
#   fuzz/build.sh decoder|stream|json|tls|upload|pcapng      → fuzz/.work/bin/<target>
#
# Modules are compiled in dependency order (Package.swift); the C modules (CZlib, COpenSSL) are
# system-library module maps found through -I, their libraries linked with -lz / -lcrypto.
set -euo pipefail
extra=()
target=${1:?usage: fuzz/build.sh decoder|stream|json|tls|upload|pcapng}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/fuzz/.work/build/$target"
bin="$root/fuzz/.work/bin"
mkdir -p "$out" "$bin"
SAN=${FUZZ_SANITIZE:-fuzzer,address}
OPT=${FUZZ_OPT:--O}
common=(-sanitize="$SAN" "$OPT" -g -parse-as-library -swift-version 6 -I "$out" -I "$root/Sources/CZlib" -I "$root/Sources/COpenSSL")

# compile_module NAME: one object + .swiftmodule from Sources/NAME.
compile_module() {
    local name=$1
    mapfile -t sources < <(find "$root/Sources/$name" -name '*.swift' | sort)
    swiftc "${common[@]}" -module-name "$name" -wmo -c "${sources[@]}" \
        -emit-module -emit-module-path "$out/$name.swiftmodule" -o "$out/$name.o" 2>&1 \
        | grep -v "Cannot export local symbol" || true
    test -f "$out/$name.o"
}

case "$target" in
decoder) modules=(CaptureModel PacketDecoding); libs=() ;;
stream)
    modules=(CaptureModel TCPReassembly HTTP1 JSONValidation CallbackSignature TLSRecords HTTPExchanges UploadCallbacks Diagnosis)
    libs=(-lz -lcrypto) ;;
json) modules=(JSONValidation); libs=() ;;
tls) modules=(CaptureModel TCPReassembly TLSRecords); libs=() ;;
# JSONValidation: the upload harness checks SmallJSON against it.
upload) modules=(HTTP1 JSONValidation UploadCallbacks); libs=(-lz) ;;
# The pcapng reader has no C call: its sources are compiled into the harness's module, without the
# rest of PcapCapture (libpcap, zlib, the stdio cookie).
pcapng) modules=(CaptureModel); libs=(); extra=("$root"/Sources/PcapCapture/Pcapng/*.swift) ;;
*) echo "unknown target $target (decoder|stream|json|tls|upload|pcapng)" >&2; exit 2 ;;
esac

rm -f "$out"/*.o "$out"/*.swiftmodule
for m in "${modules[@]}"; do compile_module "$m"; done
objects=()
for m in "${modules[@]}"; do objects+=("$out/$m.o"); done
swiftc "${common[@]}" -module-name "Fuzz_$target" "$root/fuzz/harnesses/$target.swift" ${extra[@]+"${extra[@]}"} "${objects[@]}" "${libs[@]}" \
    -o "$bin/$target" 2>&1 | grep -v "Cannot export local symbol" || true
test -x "$bin/$target"
echo "built $bin/$target"
