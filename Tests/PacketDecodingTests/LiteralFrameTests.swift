import CaptureModel
import PacketDecoding
import Testing

/// Real frames from the corpus, as byte literals with the `tcpdump -XX` text they came from.
@Suite struct LiteralFrameTests {
    /// zeek__get.pcap frame 1 — Ethernet, IPv4, TCP SYN with options:
    /// ```
    /// 21:42:06.869344 IP 141.142.228.5.59856 > 192.150.187.43.80: Flags [S], seq 4263588410, win 65535,
    ///   options [mss 1460,nop,wscale 4,nop,nop,TS val 374005024 ecr 0,sackOK,eol], length 0
    /// 0x0000:  0010 db88 d2ef c8bc c896 d2a0 0800 4500  ..............E.
    /// 0x0010:  0040 df8e 4000 4006 6dd3 8d8e e405 c096  .@..@.@.m.......
    /// 0x0020:  bb2b e9d0 0050 fe21 323a 0000 0000 b002  .+...P.!2:......
    /// 0x0030:  ffff 3bc0 0000 0204 05b4 0103 0304 0101  ..;.............
    /// 0x0040:  080a 164a dd20 0000 0000 0402 0000       ...J..........
    /// ```
    static let ethernetSYN = hexBytes(
        """
        0010 db88 d2ef c8bc c896 d2a0 0800 4500 0040 df8e 4000 4006 6dd3 8d8e e405 c096
        bb2b e9d0 0050 fe21 323a 0000 0000 b002 ffff 3bc0 0000 0204 05b4 0103 0304 0101
        080a 164a dd20 0000 0000 0402 0000
        """)

    /// zeek__http-vlan-0.pcap frame 1 — the same SYN inside an 802.1Q tag (PCP 5, VLAN 0):
    /// ```
    /// 0x0000:  0010 db88 d2ef c8bc c896 d2a0 8100 b000  ................
    /// 0x0010:  0800 4500 0040 df8e 4000 4006 6dd3 8d8e  ..E..@..@.@.m...
    /// 0x0020:  e405 c096 bb2b e9d0 0050 fe21 323a 0000  .....+...P.!2:..
    /// 0x0030:  0000 b002 ffff 3bc0 0000 0204 05b4 0103  ......;.........
    /// 0x0040:  0304 0101 080a 164a dd20 0000 0000 0402  .......J........
    /// 0x0050:  0000                                     ..
    /// ```
    static let vlanSYN = hexBytes(
        """
        0010 db88 d2ef c8bc c896 d2a0 8100 b000 0800 4500 0040 df8e 4000 4006 6dd3 8d8e
        e405 c096 bb2b e9d0 0050 fe21 323a 0000 0000 b002 ffff 3bc0 0000 0204 05b4 0103
        0304 0101 080a 164a dd20 0000 0000 0402 0000
        """)

    /// zeek__vlan-qinqinq.pcap frame 1 — three stacked 802.1Q tags (VLANs 30, 20, 10):
    /// ```
    /// 0x0000:  0010 db88 d2ef c8bc c896 d2a0 8100 001e  ................
    /// 0x0010:  8100 0014 8100 000a 0800 4500 0040 df8e  ..........E..@..
    /// 0x0020:  4000 4006 6dd3 8d8e e405 c096 bb2b e9d0  @.@.m........+..
    /// 0x0030:  0050 fe21 323a 0000 0000 b002 ffff 3bc0  .P.!2:........;.
    /// 0x0040:  0000 0204 05b4 0103 0304 0101 080a 164a  ...............J
    /// 0x0050:  dd20 0000 0000 0402 0000                 ..........
    /// ```
    static let qinqinqSYN = hexBytes(
        """
        0010 db88 d2ef c8bc c896 d2a0 8100 001e 8100 0014 8100 000a 0800 4500 0040 df8e
        4000 4006 6dd3 8d8e e405 c096 bb2b e9d0 0050 fe21 323a 0000 0000 b002 ffff 3bc0
        0000 0204 05b4 0103 0304 0101 080a 164a dd20 0000 0000 0402 0000
        """)

    /// tcpdump__tcp-handshake-nano.pcap frame 1 — Linux cooked v1:
    /// ```
    /// 17:16:09.924505 IP 131.155.215.69.46656 > 137.116.81.94.80: Flags [S], seq 797190859, win 27200, length 0
    /// 0x0000:  0004 0200 0000 0000 0000 0000 0000 0800  ................
    /// 0x0010:  4500 003c 29a9 4000 4006 db5f 839b d745  E..<).@.@.._...E
    /// 0x0020:  8974 515e b640 0050 2f84 2acb 0000 0000  .tQ^.@.P/.*.....
    /// 0x0030:  a002 6a40 50c4 0000 0204 0550 0402 080a  ..j@P......P....
    /// 0x0040:  436a 0362 0000 0000 0103 0307            Cj.b........
    /// ```
    static let sllSYN = hexBytes(
        """
        0004 0200 0000 0000 0000 0000 0000 0800 4500 003c 29a9 4000 4006 db5f 839b d745
        8974 515e b640 0050 2f84 2acb 0000 0000 a002 6a40 50c4 0000 0204 0550 0402 080a
        436a 0362 0000 0000 0103 0307
        """)

    /// suricata__decode-sll2-01.pcap frame 1 — Linux cooked v2 (`tcpdump -i any`):
    /// ```
    /// 00:11:23.613927 ifb0  Out IP 192.168.1.253.56478 > 192.168.1.21.80: Flags [S], seq 2332771219, win 64240, length 0
    /// 0x0000:  0800 0000 0000 0002 0001 0406 aa76 3071  .............v0q
    /// 0x0010:  b0e7 0000 4500 003c 45a9 4000 4006 70b0  ....E..<E.@.@.p.
    /// 0x0020:  c0a8 01fd c0a8 0115 dc9e 0050 8b0b 4393  ...........P..C.
    /// 0x0030:  0000 0000 a002 faf0 d70c 0000 0204 05b4  ................
    /// 0x0040:  0402 080a c5be 8053 0000 0000 0103 0307  .......S........
    /// ```
    static let sll2SYN = hexBytes(
        """
        0800 0000 0000 0002 0001 0406 aa76 3071 b0e7 0000 4500 003c 45a9 4000 4006 70b0
        c0a8 01fd c0a8 0115 dc9e 0050 8b0b 4393 0000 0000 a002 faf0 d70c 0000 0204 05b4
        0402 080a c5be 8053 0000 0000 0103 0307
        """)

    /// arkime__v6-http.pcap, first TCP frame — Ethernet, IPv6:
    /// ```
    /// 19:16:44.189852 IP6 2001:6f8:102d:0:2d0:9ff:fee3:e8de.59201 > 2001:6f8:900:7c0::2.80: Flags [S],
    ///   seq 2883376736, win 5760, length 0
    /// 0x0000:  0011 2582 95b5 00d0 09e3 e8de 86dd 6000  ..%...........`.
    /// 0x0010:  0000 0028 0640 2001 06f8 102d 0000 02d0  ...(.@.....-....
    /// 0x0020:  09ff fee3 e8de 2001 06f8 0900 07c0 0000  ................
    /// 0x0030:  0000 0000 0002 e741 0050 abdc d660 0000  .......A.P...`..
    /// 0x0040:  0000 a002 1680 41a2 0000 0204 05a0 0402  ......A.........
    /// 0x0050:  080a 000a 22a8 0000 0000 0103 0305       ....".........
    /// ```
    static let ipv6SYN = hexBytes(
        """
        0011 2582 95b5 00d0 09e3 e8de 86dd 6000 0000 0028 0640 2001 06f8 102d 0000 02d0
        09ff fee3 e8de 2001 06f8 0900 07c0 0000 0000 0000 0002 e741 0050 abdc d660 0000
        0000 a002 1680 41a2 0000 0204 05a0 0402 080a 000a 22a8 0000 0000 0103 0305
        """)

    /// gopacket__test_loopback.pcap frame 1 — BSD NULL (AF 30, macOS), IPv6, cut here to its
    /// first 80 of 560 bytes as a snaplen would:
    /// ```
    /// 17:22:32.275121 IP6 ::1.58799 > ::1.8080: Flags [P.], seq 144119398:144119882, ack 174417647,
    ///   win 10473, length 484: HTTP: GET /pkg/github.com/gconnell/gopacket/ HTTP/1.1
    /// 0x0000:  1e00 0000 6000 0000 0204 0640 0000 0000  ....`......@....
    /// 0x0010:  0000 0000 0000 0000 0000 0001 0000 0000  ................
    /// 0x0020:  0000 0000 0000 0000 0000 0001 e5af 1f90  ................
    /// 0x0030:  0897 1666 0a65 66ef 8018 28e9 020c 0000  ...f.ef...(.....
    /// 0x0040:  0101 080a 05c0 8cfc 05c0 388c 4745 5420  ..........8.GET.
    /// ```
    static let nullIPv6Snapped = hexBytes(
        """
        1e00 0000 6000 0000 0204 0640 0000 0000 0000 0000 0000 0000 0000 0001 0000 0000
        0000 0000 0000 0000 0000 0001 e5af 1f90 0897 1666 0a65 66ef 8018 28e9 020c 0000
        0101 080a 05c0 8cfc 05c0 388c 4745 5420
        """)

    /// tcpdump__LINKTYPE_RAW_ipv6.pcap — raw IPv6 carrying UDP (DNS):
    /// ```
    /// 17:59:17.215270 IP6 2001:db8::1.12345 > 2620:fe::9.53: 4660+ A? example.com. (29)
    /// 0x0000:  6000 0000 0025 1140 2001 0db8 0000 0000  `....%.@........
    /// 0x0010:  0000 0000 0000 0001 2620 00fe 0000 0000  ........&.......
    /// 0x0020:  0000 0000 0000 0009 3039 0035 0025 98b3  ........09.5.%..
    /// 0x0030:  1234 0100 0001 0000 0000 0000 0765 7861  .4...........exa
    /// 0x0040:  6d70 6c65 0363 6f6d 0000 0100 01         mple.com.....
    /// ```
    static let rawIPv6UDP = hexBytes(
        """
        6000 0000 0025 1140 2001 0db8 0000 0000 0000 0000 0000 0001 2620 00fe 0000 0000
        0000 0000 0000 0009 3039 0035 0025 98b3 1234 0100 0001 0000 0000 0000 0765 7861
        6d70 6c65 0363 6f6d 0000 0100 01
        """)

    static let zeekSYN = SegmentFields(
        endpoint("141.142.228.5", 59856), endpoint("192.150.187.43", 80), seq: 4_263_588_410, flags: [.syn],
        window: 65535)

    @Test(arguments: [
        ("Ethernet", ethernetSYN, LinkLayer.ethernet, zeekSYN),
        ("802.1Q", vlanSYN, .ethernet, zeekSYN),
        ("QinQinQ", qinqinqSYN, .ethernet, zeekSYN),
        (
            "Linux SLL", sllSYN, .linuxCooked,
            SegmentFields(
                endpoint("131.155.215.69", 46656), endpoint("137.116.81.94", 80), seq: 797_190_859,
                flags: [.syn], window: 27200)
        ),
        (
            "Linux SLL2", sll2SYN, .linuxCooked2,
            SegmentFields(
                endpoint("192.168.1.253", 56478), endpoint("192.168.1.21", 80), seq: 2_332_771_219,
                flags: [.syn], window: 64240)
        ),
        (
            "Ethernet IPv6", ipv6SYN, .ethernet,
            SegmentFields(
                endpoint("2001:6f8:102d:0:2d0:9ff:fee3:e8de", 59201), endpoint("2001:6f8:900:7c0::2", 80),
                seq: 2_883_376_736, flags: [.syn], window: 5760)
        ),
    ])
    func realFramesDecode(_ name: String, _ bytes: [UInt8], _ link: LinkLayer, _ expected: SegmentFields) throws {
        let segment = try #require(decode(bytes, link: link).segment, "\(name)")
        #expect(SegmentFields(segment) == expected)
    }

    @Test func snappedLoopbackFrameReportsMissingPayload() throws {
        let segment = try #require(decode(Self.nullIPv6Snapped, link: .bsdNull, originalLength: 560).segment)
        #expect(
            SegmentFields(segment)
                == SegmentFields(
                    endpoint("::1", 58799), endpoint("::1", 8080), seq: 144_119_398, ack: 174_417_647,
                    flags: [.psh, .ack],
                    window: 10473, payload: Array("GET ".utf8), missing: 480))
        #expect(segment.payload.startIndex == 76)
        #expect(segment.source.description == "[::1]:58799")
    }

    @Test func rawIPv6UDPIsNotTCP() {
        #expect(decode(Self.rawIPv6UDP, link: .rawIP).skipReason == .nonTCP(ipProtocol: 17))
        #expect(decode(Self.rawIPv6UDP, link: .ipv6).skipReason == .nonTCP(ipProtocol: 17))
        #expect(decode(Self.rawIPv6UDP, link: .ipv4).skipReason?.key == "malformed:ipv4")
    }
}
