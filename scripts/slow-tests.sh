#!/usr/bin/env bash
# Prints a `swift test --skip` regular expression matching every suite tagged as slow
# (`.endToEnd`, `.conformance` or `.live`, TestSupport/Tags.swift), read from the suites' own
# `@Suite(…, .tags(…))` attributes, so that tagging a suite is what moves it out of the everyday
# loop (README, "Testing"):
#
#   swift test --skip-build --skip "$(scripts/slow-tests.sh)"
#
# (Swift 6.3's `swift test` matches test identifiers `Module.Suite/test()`, not tags.)
# With a tag name as argument, only the suites carrying that tag: scripts/slow-tests.sh live.
set -euo pipefail
cd "$(dirname "$0")/.."
tags="${1:-endToEnd|conformance|live}"
suites=$(find Tests -name '*.swift' -print0 | xargs -0 perl -0777 -ne '
    while (/^\@Suite\((.*?)\)\s*(?:\n\s*)?(?:final\s+)?(?:struct|class|enum)\s+(\w+)/msg) {
        my ($traits, $name) = ($1, $2);
        print "$name\n" if $traits =~ /\.tags\([^)]*\.(?:'"$tags"')\b/;
    }' | sort -u | paste -sd'|' -)
[[ -n "$suites" ]] || { echo "scripts/slow-tests.sh: no suite is tagged $tags" >&2; exit 1; }
echo "^[A-Za-z0-9_]+\\.($suites)/"
