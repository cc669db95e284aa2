#!/usr/bin/env bash
# The code's layout, by `swift format` (ships with the Swift 6 toolchain) and the repository's
# .swift-format (120 columns, 4-space indentation, layout rules only: see that file).
#
#   scripts/format.sh           rewrite Sources, Tests and Package.swift in place
#   scripts/format.sh --check   change nothing; list every deviation and exit 1 if there is one (CI)
set -euo pipefail
cd "$(dirname "$0")/.."

paths=(Sources Tests Package.swift)
case "${1:-}" in
    --check) exec swift format lint --strict --parallel --recursive "${paths[@]}" ;;
    "") exec swift format format --in-place --parallel --recursive "${paths[@]}" ;;
    *) echo "usage: scripts/format.sh [--check]" >&2; exit 64 ;;
esac
