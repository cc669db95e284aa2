import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// Records that are not TCP, or whose headers cannot be right.
@Suite struct SkippedPacketTests {
    static let a = endpoint("10.0.0.1", 1111)
    static let b = endpoint("10.0.0.2", 80)

    static func v4(
        _ tcp: [UInt8], protocol ipProtocol: UInt8 = 6, ihl: UInt8? = nil, totalLength: UInt16? = nil,
        version: UInt8 = 4, options: [UInt8] = []
    ) -> [UInt8] {
        PacketBuilder.ethernet(
            etherType: 0x0800,
            payload: PacketBuilder.ipv4(
                source: a.address, destination: b.address, protocol: ipProtocol, payload: tcp, options: options,
                headerLengthWords: ihl, totalLength: totalLength, version: version))
    }

    static let tcp = PacketBuilder.tcp(sourcePort: 1111, destinationPort: 80, payload: [1, 2, 3, 4])

    @Test(arguments: [
        ("IHL 4", v4(tcp, ihl: 4), SkipReason.malformed(layer: .ipv4, reason: "header length (IHL) is below 5 words")),
        ("IHL 0", v4(tcp, ihl: 0), .malformed(layer: .ipv4, reason: "header length (IHL) is below 5 words")),
        (
            "total length 19", v4(tcp, totalLength: 19),
            .malformed(layer: .ipv4, reason: "total length is smaller than the header length")
        ),
        (
            "total length below IHL 6", v4(tcp, totalLength: 22, options: [1, 1, 1, 1]),
            .malformed(layer: .ipv4, reason: "total length is smaller than the header length")
        ),
        (
            "version 6 in IPv4 EtherType", v4(tcp, version: 6),
            .malformed(layer: .ipv4, reason: "version field is not 4")
        ),
        (
            "TCP data offset 4", v4(PacketBuilder.tcp(sourcePort: 1, destinationPort: 2, dataOffsetWords: 4)),
            .malformed(layer: .tcp, reason: "data offset is below 5 words")
        ),
        (
            "TCP data offset past IP length",
            v4(
                PacketBuilder.tcp(
                    sourcePort: 1, destinationPort: 2, dataOffsetWords: 15, payload: [UInt8](repeating: 0, count: 40)),
                totalLength: 20 + 40),
            .malformed(layer: .tcp, reason: "data offset runs past the IP payload")
        ),
        (
            "IP length leaves 10 bytes for TCP", v4(tcp, totalLength: 30),
            .malformed(layer: .tcp, reason: "IP payload is shorter than a TCP header")
        ),
    ])
    func malformedHeaders(_ name: String, _ frame: [UInt8], _ expected: SkipReason) {
        #expect(decode(frame, link: .ethernet).skipReason == expected, "\(name)")
    }

    @Test func malformedAtOtherLayers() {
        let v6AsV4 = PacketBuilder.ipv6(
            source: endpoint("::1", 1).address, destination: endpoint("::2", 2).address, payload: Self.tcp)
        let v4Packet = PacketBuilder.ipv4(source: Self.a.address, destination: Self.b.address, payload: Self.tcp)
        #expect(decode(v6AsV4, link: .ipv4).skipReason == .malformed(layer: .ipv4, reason: "version field is not 4"))
        #expect(decode(v4Packet, link: .ipv6).skipReason == .malformed(layer: .ipv6, reason: "version field is not 6"))
        #expect(
            decode(PacketBuilder.ethernet(etherType: 0x86DD, payload: v4Packet), link: .ethernet).skipReason?.key
                == "malformed:ipv6")
        #expect(decode([0x50] + v4Packet.dropFirst(), link: .rawIP).skipReason?.key == "malformed:link")
        #expect(
            decode(PacketBuilder.bsdNull(addressFamily: 7, payload: v4Packet), link: .bsdNull).skipReason?.key
                == "malformed:link")
    }

    @Test(arguments: [
        (UInt8(17), "non-tcp:udp", "UDP (IP protocol 17)"),
        (1, "non-tcp:icmp", "ICMP (IP protocol 1)"),
        (47, "non-tcp:gre", "GRE (IP protocol 47)"),
        (132, "non-tcp:sctp", "SCTP (IP protocol 132)"),
        (253, "non-tcp:253", "IP protocol 253"),
    ])
    func nonTCPProtocols(_ ipProtocol: UInt8, _ key: String, _ text: String) throws {
        let reason = try #require(
            decode(Self.v4([0, 1, 0, 2, 0, 8, 0, 0], protocol: ipProtocol), link: .ethernet).skipReason)
        #expect(reason == .nonTCP(ipProtocol: ipProtocol))
        #expect(reason.key == key)
        #expect(reason.description == text)
    }

    @Test func nonIPFrames() {
        let arp = PacketBuilder.ethernet(
            etherType: 0x0806, payload: [UInt8](repeating: 0, count: 28), padToMinimum: true)
        let llc = PacketBuilder.ethernet(
            etherType: 0x002E, payload: [0x42, 0x42, 0x03] + [UInt8](repeating: 0, count: 43))
        let taggedARP = PacketBuilder.ethernet(vlanTags: [.init(vlanID: 5)], etherType: 0x0806, payload: [0])
        #expect(decode(arp, link: .ethernet).skipReason == .nonIP(etherType: 0x0806))
        #expect(decode(llc, link: .ethernet).skipReason == .nonIP(etherType: 0x002E))
        #expect(decode(taggedARP, link: .ethernet).skipReason == .nonIP(etherType: 0x0806))
        #expect(
            decode(PacketBuilder.linuxSLL(protocol: 0x0806, payload: [0]), link: .linuxCooked).skipReason
                == .nonIP(etherType: 0x0806))
        #expect(
            decode(PacketBuilder.linuxSLL2(protocol: 0x88CC, payload: [0]), link: .linuxCooked2).skipReason
                == .nonIP(etherType: 0x88CC))
        #expect(
            decode(PacketBuilder.linuxSLL(protocol: 0x0004, payload: [0]), link: .linuxCooked).skipReason?.key
                == "non-ip:llc")
    }
}

/// Stable keys and readable descriptions for the report.
@Suite struct SkipReasonTests {
    @Test(arguments: [
        (SkipReason.unsupportedLinkType(dlt: 105, name: "IEEE802_11"), "link-type:105", "105 (IEEE802_11)"),
        (.nonIP(etherType: 0x0806), "non-ip:0x0806", "ARP (EtherType 0x0806)"),
        (.nonIP(etherType: 0x88CC), "non-ip:0x88cc", "LLDP (EtherType 0x88cc)"),
        (.nonIP(etherType: 0x1234), "non-ip:0x1234", "EtherType 0x1234"),
        (.nonIP(etherType: 0x002E), "non-ip:llc", "IEEE 802.3 / LLC frame (length/type 0x002e)"),
        (.nonTCP(ipProtocol: 17), "non-tcp:udp", "UDP (IP protocol 17)"),
        (.nonTCP(ipProtocol: 58), "non-tcp:icmpv6", "ICMPv6 (IP protocol 58)"),
        (.nonTCP(ipProtocol: 99), "non-tcp:99", "IP protocol 99"),
        (.ipFragment, "ip-fragment", "IP fragment (IPv4: held for reassembly; IPv6: not reassembled)"),
        (.truncated(layer: .tcp), "truncated:tcp", "truncated TCP header (capture ended inside it)"),
        (.truncated(layer: .vlan), "truncated:vlan", "truncated VLAN tag header (capture ended inside it)"),
        (
            .truncated(layer: .ipv6Extension), "truncated:ipv6Extension",
            "truncated IPv6 extension header (capture ended inside it)"
        ),
        (
            .malformed(layer: .ipv4, reason: "header length (IHL) is below 5 words"), "malformed:ipv4",
            "malformed IPv4 header: header length (IHL) is below 5 words"
        ),
        (.malformed(layer: .link, reason: "x"), "malformed:link", "malformed link-layer header: x"),
    ])
    func keysAndDescriptions(_ reason: SkipReason, _ key: String, _ text: String) {
        #expect(reason.key == key)
        #expect(reason.description == text)
    }

    @Test func layerRawValues() {
        #expect(DecodeLayer.ipv6Extension.rawValue == "ipv6Extension")
        #expect(DecodeLayer(rawValue: "tcp") == .tcp)
    }
}
