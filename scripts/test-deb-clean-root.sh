#!/usr/bin/env bash
# Installs the release .deb into a clean Debian bookworm root and uses it there, as a platform
# team would on a server without a Swift toolchain (issue #22): proof that nothing from the
# build machine leaks into the package. Not part of `swift test`; run after scripts/release.sh.
#
#   scripts/test-deb-clean-root.sh [dist/callback-doctor_VERSION_ARCH.deb]
#
# 1. A minimal root (`debootstrap --variant=minbase bookworm`, plus man-db, bash-completion, zsh
#    and fish: the user's tools, not the package's dependencies) is made once and cached as a
#    tarball under .cache/clean-root/ (gitignored); each run unpacks a fresh copy of it.
# 2. `apt-get install ./callback-doctor_….deb` inside it: apt must find every dependency from
#    the package's Depends alone.
# 3. In the root: every library the binary loads resolves (ldd), `--version` runs, `analyze` of
#    samples/captures/all-lo.pcap prints exactly the golden text report
#    (Tests/EndToEndTests/Goldens/analyze-text.txt) with exit status 1, a passing capture exits
#    0, `man callback-doctor` shows the page, and bash, zsh and fish complete the subcommands.
#
# Needs root (chroot, mounts), debootstrap (installed when missing) and a Debian mirror: the one
# apt uses here (/etc/apt/sources.list*), or DEBIAN_MIRROR. Prints PASS or stops at the first
# failed check with exit status 1.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

cache=$repo/.cache/clean-root
base=$cache/bookworm-minbase.tar
work=$cache/run
suite=bookworm
user_tools=man-db,bash-completion,zsh,fish

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

# The Debian mirror apt is configured with (one-line or deb822 sources), for debootstrap.
apt_mirror() {
    local file files=()
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -f $file ]] && files+=("$file")
    done
    ((${#files[@]})) || return 0
    {
        awk -v s="$suite" '$1 == "deb" && $3 == s { print $2 }' "${files[@]}" 2>/dev/null
        awk -v s="$suite" 'NF == 0 { u = "" } $1 == "URIs:" { u = $2 }
            $1 == "Suites:" { for (i = 2; i <= NF; i++) if ($i == s && u != "") print u }' "${files[@]}" 2>/dev/null
    } | head -1
}

make_base() {
    [[ -s $base ]] && return 0
    command -v debootstrap >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; }
    local mirror=${DEBIAN_MIRROR:-$(apt_mirror)}
    [[ -n $mirror ]] || fail "no Debian mirror for $suite in /etc/apt/sources.list*; set DEBIAN_MIRROR"
    step "debootstrap --variant=minbase --include=$user_tools $suite ($mirror), cached in $base"
    local building=$cache/base-root
    rm -rf "$building"
    mkdir -p "$cache"
    debootstrap --variant=minbase --include="$user_tools" "$suite" "$building" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
        { tail -20 "$cache/debootstrap.log"; fail "debootstrap failed (log: $cache/debootstrap.log)"; }
    rm -rf "$building/var/cache/apt/archives/"*.deb
    tar -C "$building" -cf "$base.partial" .
    mv "$base.partial" "$base"
    rm -rf "$building"
}

unmount_all() {
    local m
    for m in "$work/dev/pts" "$work/dev" "$work/proc" "$work/sys"; do
        mountpoint -q "$m" 2>/dev/null && umount -l "$m"
    done
    return 0
}

fresh_root() {
    unmount_all
    rm -rf "$work"
    mkdir -p "$work"
    tar -C "$work" -xf "$base"
    mount -t proc proc "$work/proc"
    mount --bind /dev "$work/dev"
    mount --bind /dev/pts "$work/dev/pts"
    mount -t sysfs sys "$work/sys"
    cp -L /etc/resolv.conf "$work/etc/resolv.conf"
}

in_root() { chroot "$work" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb "$@"; }

main() {
    [[ $(id -u) == 0 ]] || fail "needs root (debootstrap, chroot, mounts)"
    local deb=${1:-$(ls -t dist/callback-doctor_*.deb 2>/dev/null | head -1)}
    [[ -n $deb && -f $deb ]] || fail "no .deb given and none in dist/ (run scripts/release.sh first)"
    local started=$SECONDS
    make_base
    trap unmount_all EXIT
    fresh_root
    step "the clean root: $(in_root sh -c '. /etc/os-release; echo $PRETTY_NAME'), $(in_root dpkg-query -W -f '.\n' | wc -l) packages, no Swift toolchain: $(in_root sh -c 'command -v swift || echo none')"

    step "apt-get install ./$(basename "$deb")"
    cp "$deb" "$work/tmp/"
    in_root apt-get update -qq
    in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "/tmp/$(basename "$deb")" |
        grep -E '^(The following|  |Setting up|Unpacking)' || true
    in_root dpkg -s callback-doctor | grep -E '^(Status|Version|Depends):'

    step "ldd /usr/bin/callback-doctor (in the root)"
    local libs
    libs=$(in_root ldd /usr/bin/callback-doctor)
    echo "$libs"
    ! grep -q 'not found' <<<"$libs" || fail "a library the binary needs is missing"
    ! grep -qiE 'swift|icu|Foundation' <<<"$libs" || fail "the binary loads a Swift or ICU library"

    step "callback-doctor --version"
    in_root callback-doctor --version

    check_analyze
    check_man
    check_completions
    printf '\nPASS: clean-root install and use of %s (%d s)\n' "$(basename "$deb")" $((SECONDS - started))
}

# The golden text report of all-lo.pcap (what GoldenReportTests keeps), byte for byte.
check_analyze() {
    step "callback-doctor analyze samples/captures/all-lo.pcap (in the root; compared with the golden report)"
    mkdir -p "$work/tmp/cd/samples/captures" "$work/tmp/cd/samples/keys"
    cp samples/captures/all-lo.pcap samples/captures/good-json.pcap "$work/tmp/cd/samples/captures/"
    cp samples/keys/test-callback-public.pem "$work/tmp/cd/samples/keys/"
    local status=0
    chroot "$work" /usr/bin/env -i PATH=/usr/bin:/bin LANG=C.UTF-8 NO_COLOR=1 sh -c 'cd /tmp/cd &&
        callback-doctor analyze --public-key samples/keys/test-callback-public.pem --color never --server=:9001-9040 samples/captures/all-lo.pcap' \
        >"$work/tmp/report.txt" || status=$?
    sed -n '1,22p' "$work/tmp/report.txt"
    echo "… exit status $status"
    [[ $status == 1 ]] || fail "analyze exited $status, expected 1 (failed callbacks)"
    diff -u Tests/EndToEndTests/Goldens/analyze-text.txt "$work/tmp/report.txt" ||
        fail "the report differs from Tests/EndToEndTests/Goldens/analyze-text.txt"
    echo "identical to Tests/EndToEndTests/Goldens/analyze-text.txt ($(wc -l <"$work/tmp/report.txt") lines)"
    status=0
    chroot "$work" /usr/bin/env -i PATH=/usr/bin:/bin sh -c 'cd /tmp/cd &&
        callback-doctor analyze --public-key samples/keys/test-callback-public.pem samples/captures/good-json.pcap' >/dev/null ||
        status=$?
    echo "good-json.pcap: exit status $status"
    [[ $status == 0 ]] || fail "analyze of a passing capture exited $status"
}

check_man() {
    step "man callback-doctor"
    local page
    page=$(in_root env MANPAGER=cat MANWIDTH=80 man callback-doctor 2>"$work/tmp/man.err") ||
        fail "man callback-doctor: $(cat "$work/tmp/man.err")"
    head -24 <<<"$page"
    echo "… $(wc -l <<<"$page") lines; warnings: $(wc -l <"$work/tmp/man.err")"
    [[ ! -s $work/tmp/man.err ]] || fail "man warns: $(cat "$work/tmp/man.err")"
    grep -q 'SYNOPSIS' <<<"$page" || fail "the man page has no SYNOPSIS"
    grep -q 'analyze' <<<"$page" || fail "the man page does not name analyze"
}

# Each shell asked to complete `callback-doctor an` / to show what it would run.
check_completions() {
    step "bash: complete -p callback-doctor, and the completions of 'callback-doctor an'"
    local out
    out=$(in_root bash -lic '__load_completion callback-doctor; complete -p callback-doctor
        COMP_WORDS=(callback-doctor an); COMP_CWORD=1; COMP_LINE="callback-doctor an"; COMP_POINT=${#COMP_LINE}
        f=$(complete -p callback-doctor | sed -E "s/.* -F ([^ ]+) .*/\1/"); "$f" callback-doctor an callback-doctor
        printf "COMPREPLY: %s\n" "${COMPREPLY[*]}"' 2>/dev/null)
    echo "$out"
    grep -q '^complete .*callback-doctor$' <<<"$out" || fail "bash has no completion for callback-doctor"
    grep -q '^COMPREPLY: .*analyze' <<<"$out" || fail "bash does not complete 'an' to analyze"

    step "zsh: compinit finds _callback-doctor"
    out=$(in_root zsh -fc 'autoload -U compinit && compinit -u && print -r -- "callback-doctor -> ${_comps[callback-doctor]}"')
    echo "$out"
    [[ $out == "callback-doctor -> _callback-doctor" ]] || fail "zsh has no completion for callback-doctor"

    step "fish: complete -C 'callback-doctor '"
    out=$(in_root fish -c 'complete -C "callback-doctor "')
    echo "$out"
    grep -q '^analyze' <<<"$out" || fail "fish does not complete analyze"
}

main "$@"
