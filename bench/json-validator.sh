#!/usr/bin/env bash
# The JSON validator's micro-benchmark (issue #21; not part of `swift test`): the validator of a
# given commit (BEFORE, default c414811, before its hot loop was split into state-family helpers)
# against the working tree's, linked side by side into one release executable, over the seeded
# workloads of bench/gen_json.py (valid, BOM-led, broken, deep nesting, long strings with escapes
# and multi-byte UTF-8, numbers), in the same run, alternating, REPS times; medians printed. Both
# copies' verdicts are first compared on every document (any difference: exit 1). Then, when
# `perf stat -e instructions:u` works here (else under valgrind's cachegrind), the user-space
# instructions of each copy alone (one repetition; reading the workloads is counted in both).
#
#   bench/json-validator.sh                   16 MB per workload, 7 repetitions
#   MB=64 REPS=11 bench/json-validator.sh
#   BEFORE=<commit> bench/json-validator.sh
#
# Needs swift and python3. Everything it writes goes to bench/out/json-validator/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."

BEFORE=${BEFORE:-c414811}
MB=${MB:-16}
REPS=${REPS:-7}
SEED=${SEED:-1}
OUT=bench/out/json-validator
PKG=$OUT/package

echo "== sources: Before = $BEFORE:Sources/JSONValidation, After = the working tree"
rm -rf "$PKG/Sources"
mkdir -p "$PKG/Sources/Before" "$PKG/Sources/After" "$PKG/Sources/ByteText" "$PKG/Sources/json-validator-bench"
for file in $(git ls-tree --name-only "$BEFORE" Sources/JSONValidation/); do
    git show "$BEFORE:$file" >"$PKG/Sources/Before/$(basename "$file")"
done
cp Sources/JSONValidation/*.swift "$PKG/Sources/After/"
cp Sources/ByteText/*.swift "$PKG/Sources/ByteText/"
cp bench/json_validator_bench.swift "$PKG/Sources/json-validator-bench/main.swift"
cat >"$PKG/Package.swift" <<'EOF'
// swift-tools-version: 6.1
import PackageDescription

let settings: [SwiftSetting] = [
    .swiftLanguageMode(.v6), .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]
let package = Package(
    name: "json-validator-bench",
    targets: [
        .target(name: "ByteText", swiftSettings: settings),
        .target(name: "Before", dependencies: ["ByteText"], swiftSettings: settings),
        .target(name: "After", dependencies: ["ByteText"], swiftSettings: settings),
        .executableTarget(name: "json-validator-bench", dependencies: ["Before", "After"]),
    ]
)
EOF

echo "== build (release)"
swift build -c release --package-path "$PKG" 2>&1 | tail -1
BIN=$PKG/.build/release/json-validator-bench

DATA=$OUT/data-$MB-seed$SEED-$(sha256sum bench/gen_json.py | cut -c1-8)
if [ ! -f "$DATA/numbers.docs" ]; then
    echo "== workloads (bench/gen_json.py, generated once)"
    python3 bench/gen_json.py "$DATA" --mb "$MB" --seed "$SEED"
fi

echo "== timings (medians of $REPS, ms)"
"$BIN" "$DATA" "$REPS"

PERF_PROBE=$(perf stat -e instructions:u true 2>&1 || true)
if command -v perf >/dev/null && ! grep -q 'not supported' <<<"$PERF_PROBE"; then
    for variant in before after; do
        echo "== perf stat -e instructions:u, $variant alone, 1 repetition"
        perf stat -e instructions:u "$BIN" "$DATA" 1 "$variant" 2>&1 | grep -E 'instructions|checksum'
    done
elif command -v valgrind >/dev/null; then
    # No hardware counters (a container): count the instructions exactly under cachegrind instead.
    echo "== perf stat -e instructions:u is not supported here; instructions counted by valgrind --tool=cachegrind"
    for variant in before after; do
        valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$BIN" "$DATA" 1 "$variant" 2>&1 |
            grep -E 'I *refs|checksum' | sed "s/^/  $variant: /"
    done
else
    echo "== instructions: neither perf stat -e instructions:u nor valgrind works here"
fi
