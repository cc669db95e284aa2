#!/usr/bin/env bash
# Builds the release of callback-doctor that needs no Swift toolchain on the target (issue #22)
# and writes into dist/:
#
#   callback-doctor-VERSION-linux-ARCH.tar.gz   the binary, man page, bash/zsh/fish completions,
#                                               README.md, LICENSE, NOTICE
#   callback-doctor_VERSION_DEBARCH.deb         /usr/bin/callback-doctor, the man page in
#                                               /usr/share/man/man1, the completions where bash-
#                                               completion, zsh and fish look for them, and
#                                               /usr/share/doc/callback-doctor/{copyright,NOTICE}
#   SHA256SUMS                                  sha256sum of both
#
# The binary has the Swift standard library and Foundation linked in (--static-swift-stdlib) and
# is stripped; it loads only libc, libstdc++/libgcc_s, libpcap, libcrypto (OpenSSL 3) and zlib
# from the system. The man page comes from the command definitions (swift-argument-parser's
# generate-manual plugin) and the completions from `--generate-completion-script`, so neither can
# drift from `--help`. The .deb's Depends is computed from the binary by dpkg-shlibdeps.
#
# Needs what .ci/run installs (the Swift toolchain, pkg-config, libpcap-dev, zlib1g-dev,
# libssl-dev) plus dpkg-dev (dpkg-shlibdeps) and binutils (strip, objdump); installs them when
# missing and run as root. Reproducible: every time stamp is SOURCE_DATE_EPOCH (default: the last
# commit's time). Usage: scripts/release.sh   (environment: DEB_MAINTAINER, SOURCE_DATE_EPOCH)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

name=callback-doctor
dist=$root/dist
stage=$dist/.stage
maintainer=${DEB_MAINTAINER:-"callback-doctor maintainers <maintainers@callback-doctor.invalid>"}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}

# The shared libraries the binary may load (ELF NEEDED), each with the Debian package NOTICE
# names for it. Anything else (a Swift runtime .so, libicu, libFoundation) means the static
# build did not happen as intended, or NOTICE and the Depends check need a look.
declare -A allowed_needed=(
    [libpcap.so.0.8]=libpcap0.8 [libcrypto.so.3]=libssl3 [libz.so.1]=zlib1g
    [libstdc++.so.6]=libstdc++6 [libgcc_s.so.1]=libgcc-s1
    [libc.so.6]=libc6 [libm.so.6]=libc6 [ld-linux-x86-64.so.2]=libc6 [ld-linux-aarch64.so.1]=libc6
)

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'release.sh: %s\n' "$*" >&2; exit 1; }

install_missing_tools() {
    local need=()
    pkg-config --exists libpcap 2>/dev/null || need+=(libpcap-dev)
    pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
    pkg-config --exists libcrypto 2>/dev/null || need+=(libssl-dev)
    command -v pkg-config >/dev/null || need+=(pkg-config)
    command -v dpkg-shlibdeps >/dev/null || need+=(dpkg-dev)
    command -v objdump >/dev/null || need+=(binutils)
    ((${#need[@]})) || return 0
    log "installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}"
}

# The version is the one the binary reports (CallbackDoctor.version).
read_version() {
    version=$(sed -n 's/^ *static let version = "\(.*\)"$/\1/p' Sources/callback-doctor/CallbackDoctor.swift)
    [[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+~][0-9A-Za-z.+~-]*)?$ ]] || die "cannot read the version from CallbackDoctor.swift"
    arch=$(uname -m)
    debarch=$(dpkg --print-architecture)
}

# Only the product: every target would include the test helpers, which import Testing, a module
# the static resource directory (usr/lib/swift_static) does not have. No `$ORIGIN` run path: the
# binary loads nothing from beside itself (/usr/bin).
build_binary() {
    local flags=(-c release --static-swift-stdlib --disable-local-rpath)
    log "swift build ${flags[*]} --product $name"
    swift build "${flags[@]}" --product "$name"
    built=$(swift build "${flags[@]}" --show-bin-path)/$name
    mkdir -p "$stage/bin"
    strip --strip-all -o "$stage/bin/$name" "$built"
    binary=$stage/bin/$name
    local shown
    shown=$("$binary" --version | head -1)
    [[ $shown == "$name $version" ]] || die "the binary says '$shown', expected '$name $version'"
    log "binary: $(stat -c %s "$built") bytes, $(stat -c %s "$binary") stripped"
}

# The stripped binary's NEEDED entries, each checked against allowed_needed.
check_needed() {
    local soname unexpected=()
    needed=$(objdump -p "$binary" | awk '$1 == "NEEDED" { print $2 }')
    for soname in $needed; do
        [[ -n ${allowed_needed[$soname]:-} ]] || unexpected+=("$soname")
    done
    ((${#unexpected[@]} == 0)) || die "unexpected shared libraries: ${unexpected[*]} (update NOTICE and allowed_needed)"
    ! objdump -p "$binary" | grep -qE '^ *(RPATH|RUNPATH) ' || die "the binary has a run path: $(objdump -p "$binary" | grep -E 'R(UN)?PATH')"
    log "loads: $(echo $needed)"
}

# ICU's data comes with Foundation (FoundationInternationalization); NOTICE carries its license.
check_icu_notice() {
    local icu
    icu=$(nm "$built" 2>/dev/null | sed -n 's/.* icudt\([0-9][0-9]*\)_dat$/\1/p' | head -1)
    if [[ -n $icu ]]; then
        grep -q "ICU $icu\." NOTICE || die "the binary links ICU $icu; NOTICE does not name it"
    else
        ! grep -q "^1\.[0-9] ICU" NOTICE || die "NOTICE names ICU, which the binary no longer links"
    fi
}

# The newest symbol versions the binary asks of glibc and libstdc++: the oldest systems it runs on.
log_minimum_versions() {
    local versions
    versions=$(objdump -T "$binary" | grep -oE '\((GLIBC|GLIBCXX)_[0-9.]+\)' | tr -d '()' | sort -u)
    log "needs at least: $(for lib in GLIBC GLIBCXX; do grep "^${lib}_" <<<"$versions" | sort -V | tail -1; done | tr '\n' ' ')"
}

# The man page through swift-argument-parser's plugin (it runs the tool's --experimental-dump-help).
# The plugin builds every target in the configuration given. Not release: its build is not asked
# for --static-swift-stdlib, so it would rebuild .build/release over the static build; the debug
# build is the one `swift test` uses anyway, and the page is the same.
generate_manual() {
    local date out=.build/plugins/GenerateManual/outputs/$name/$name.1
    date=$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%d)
    rm -f "$out"
    log "swift package plugin generate-manual"
    swift package plugin generate-manual --configuration debug --date "$date"
    [[ -s $out ]] || die "generate-manual wrote no $out"
    mkdir -p "$stage/man"
    # generate-manual copies a discussion's blank lines as they are, which mdoc warns about
    # ("Empty input line"); .Pp is mdoc's paragraph break.
    sed 's/^$/.Pp/' "$out" >"$stage/man/$name.1"
    if command -v man >/dev/null; then
        local warnings
        warnings=$(MANWIDTH=80 man -l "$stage/man/$name.1" 2>&1 >/dev/null)
        [[ -z $warnings ]] || die "the man page does not format cleanly: $warnings"
    fi
}

generate_completions() {
    mkdir -p "$stage/completions"
    # bash-completion sources the file; its #! line only makes lintian warn.
    "$binary" --generate-completion-script bash | sed '1{/^#!/d}' >"$stage/completions/$name.bash"
    "$binary" --generate-completion-script zsh >"$stage/completions/_$name"
    "$binary" --generate-completion-script fish >"$stage/completions/$name.fish"
}

# dpkg-shlibdeps maps each NEEDED library to its package (dpkg -S) and the minimum version from
# the symbols it uses; it wants a source tree (debian/control, the binary in debian/PACKAGE/), so
# it runs in a scratch directory.
compute_depends() {
    local work
    work=$(mktemp -d)
    install -D -m 0755 "$binary" "$work/debian/$name/usr/bin/$name"
    mkdir -p "$work/debian/$name/DEBIAN"
    printf 'Source: %s\n\nPackage: %s\nArchitecture: any\n' "$name" "$name" >"$work/debian/control"
    depends=$(cd "$work" && dpkg-shlibdeps -O "debian/$name/usr/bin/$name" | sed -n 's/^shlibs:Depends=//p')
    rm -rf "$work"
    [[ -n $depends ]] || die "dpkg-shlibdeps found no dependencies"
    local soname package
    for soname in $needed; do
        package=${allowed_needed[$soname]}
        [[ ", $depends" == *", $package "* || ", $depends," == *", $package,"* ]] ||
            die "Depends ($depends) lacks $package, the package of $soname"
    done
    log "Depends: $depends"
}

# The machine-readable copyright file Debian policy §12.5 asks for.
write_copyright() {
    cat <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: $name

Files: *
Copyright: 2026 The callback-doctor Authors
License: Apache-2.0
Comment: The binary also carries the Swift runtime and Foundation (Apache-2.0 with
 the Runtime Library Exception), swift-argument-parser (Apache-2.0 with the Runtime
 Library Exception) and ICU 76.1 (Unicode-3.0); their notices, and ICU's license
 in full, are in /usr/share/doc/$name/NOTICE.

License: Apache-2.0
 On Debian systems, the full text of the Apache License, Version 2.0 can be
 found in /usr/share/common-licenses/Apache-2.0.
EOF
}

# A native package's changelog (Debian policy 12.7): which commit this release was built from.
write_changelog() {
    local commit
    commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    cat <<EOF
$name ($version) unstable; urgency=medium

  * Built by scripts/release.sh from commit $commit.

 -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")
EOF
}

build_deb() {
    local tree=$stage/deb
    rm -rf "$tree"
    install -D -m 0755 "$binary" "$tree/usr/bin/$name"
    install -d "$tree/usr/share/man/man1"
    gzip -9n <"$stage/man/$name.1" >"$tree/usr/share/man/man1/$name.1.gz"
    install -D -m 0644 "$stage/completions/$name.bash" "$tree/usr/share/bash-completion/completions/$name"
    install -D -m 0644 "$stage/completions/_$name" "$tree/usr/share/zsh/vendor-completions/_$name"
    install -D -m 0644 "$stage/completions/$name.fish" "$tree/usr/share/fish/vendor_completions.d/$name.fish"
    install -d "$tree/usr/share/doc/$name"
    write_copyright >"$tree/usr/share/doc/$name/copyright"
    install -m 0644 NOTICE "$tree/usr/share/doc/$name/NOTICE"
    write_changelog | gzip -9n >"$tree/usr/share/doc/$name/changelog.gz"
    chmod 0644 "$tree/usr/share/man/man1/$name.1.gz" "$tree/usr/share/doc/$name/"*
    install -d "$tree/DEBIAN"
    (cd "$tree" && find usr -type f | LC_ALL=C sort | xargs md5sum) >"$tree/DEBIAN/md5sums"
    cat >"$tree/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: $debarch
Maintainer: $maintainer
Installed-Size: $(du -sk --apparent-size "$tree/usr" | cut -f1)
Depends: $depends
Section: net
Priority: optional
Description: diagnose Alibaba Cloud OSS upload callbacks from tcpdump captures
 Reads pcap and pcapng captures taken on an OSS callback server, rebuilds every
 HTTP exchange between OSS and the server, applies the rules OSS applies to the
 server's response, and says per callback what OSS saw and why it failed.
 "callback-doctor watch" does the same live, through libpcap; it needs root, or
 CAP_NET_RAW and CAP_NET_ADMIN on the binary (see the man page).
EOF
    find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
    deb=$dist/${name}_${version}_$debarch.deb
    dpkg-deb --root-owner-group -Zxz --build "$tree" "$deb" >/dev/null
    log "$(basename "$deb"): $(stat -c %s "$deb") bytes"
}

build_tarball() {
    local top=$name-$version-linux-$arch
    local tree=$stage/tar/$top
    rm -rf "$stage/tar"
    install -D -m 0755 "$binary" "$tree/$name"
    install -D -m 0644 "$stage/man/$name.1" "$tree/man/$name.1"
    install -D -m 0644 -t "$tree/completions" "$stage/completions/$name.bash" "$stage/completions/_$name" \
        "$stage/completions/$name.fish"
    install -m 0644 -t "$tree" README.md LICENSE NOTICE
    tarball=$dist/$top.tar.gz
    tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" -C "$stage/tar" -cf - "$top" |
        gzip -9n >"$tarball"
    log "$(basename "$tarball"): $(stat -c %s "$tarball") bytes"
}

write_checksums() {
    (cd "$dist" && sha256sum "$(basename "$tarball")" "$(basename "$deb")" >SHA256SUMS)
    cat "$dist/SHA256SUMS" >&2
}

main() {
    install_missing_tools
    read_version
    rm -rf "$stage"
    mkdir -p "$dist"
    build_binary
    check_needed
    check_icu_notice
    log_minimum_versions
    generate_manual
    generate_completions
    compute_depends
    build_deb
    build_tarball
    write_checksums
    rm -rf "$stage"
}

main "$@"
