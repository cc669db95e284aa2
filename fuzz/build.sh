#!/usr/bin/env bash
# Builds one libFuzzer target without SwiftPM: every module the target needs is compiled with
# swiftc (-sanitize=fuzzer,address, so coverage instrumentation and ASan reach the code under
# test), then linked with the harness, which holds LLVMFuzzerTestOneInput.
#
#   fuzz/build.sh decoder|stream|json      → fuzz/.work/bin/<target>
set -euo pipefail
target=${1:?usage: fuzz/build.sh decoder|stream|json}
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/fuzz/.work/build/$target"
bin="$root/fuzz/.work/bin"
mkdir -p "$out" "$bin"
SAN=${FUZZ_SANITIZE:-fuzzer,address}
OPT=${FUZZ_OPT:--O}
common=(-sanitize="$SAN" "$OPT" -g -parse-as-library -swift-version 6 -I "$out" -I "$root/Sources/CZlib")

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
stream) modules=(CaptureModel TCPReassembly HTTP1 JSONValidation HTTPExchanges Diagnosis); libs=(-lz) ;;
json) modules=(JSONValidation); libs=() ;;
*) echo "unknown target $target (decoder|stream|json)" >&2; exit 2 ;;
esac

rm -f "$out"/*.o "$out"/*.swiftmodule
for m in "${modules[@]}"; do compile_module "$m"; done
objects=()
for m in "${modules[@]}"; do objects+=("$out/$m.o"); done
swiftc "${common[@]}" -module-name "Fuzz_$target" "$root/fuzz/harnesses/$target.swift" "${objects[@]}" "${libs[@]}" \
    -o "$bin/$target" 2>&1 | grep -v "Cannot export local symbol" || true
test -x "$bin/$target"
echo "built $bin/$target"
