#!/usr/bin/env bash
# Builds captures/two-interfaces.pcapng: a pcapng with two interfaces of different link types, as
# `dumpcap -i eth0 -i lo` or `mergecap` of an Ethernet and a `tcpdump -i any` capture gives (issue #18).
# libpcap refuses such a file ("an interface has a type 276 different from the type of the first
# interface"); tshark reads it, and so does callback-doctor.
#
# Made from the committed recordings, no root needed: the scenarios on even ports are taken from
# captures/all-lo.pcapng (dumpcap, EN10MB, nanosecond time stamps), those on odd ports from
# captures/all-any.pcap (tcpdump -i any, LINUX_SLL2, microseconds), and mergecap interleaves the two
# by time stamp. Each scenario is on one interface only, so no connection appears twice.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
even=$(seq 9002 2 9040 | paste -sd, -)
odd=$(seq 9001 2 9039 | paste -sd, -)
tshark -r "$here/captures/all-lo.pcapng" -Y "tcp.port in {$even}" -F pcapng -w "$work/lo-even.pcapng"
tshark -r "$here/captures/all-any.pcap" -Y "tcp.port in {$odd}" -F pcapng -w "$work/any-odd.pcapng"
mergecap -F pcapng -w "$here/captures/two-interfaces.pcapng" "$work/lo-even.pcapng" "$work/any-odd.pcapng"
capinfos -t -E -I -c "$here/captures/two-interfaces.pcapng"
