import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// Every prefix of a valid frame decodes to `.truncated(layer:)` for the header it ends in, or —
/// once the TCP header is complete — to the segment with the rest counted as missing payload.
@Suite struct TruncationSweepTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var link: LinkLayer
        var frame: [UInt8]
        /// Exclusive end offsets of each header, in order, with the layer a cut before it reports.
        var boundaries: [(end: Int, layer: DecodeLayer)]
        var testDescription: String { name }
        var tcpEnd: Int { boundaries.last?.end ?? 0 }
    }

    static let v4a = endpoint("172.16.0.1", 33_000)
    static let v4b = endpoint("172.16.0.2", 80)
    static let v6a = endpoint("fd00::1", 33_001)
    static let v6b = endpoint("fd00::2", 443)
    static let tcpOptions: [UInt8] = [2, 4, 5, 0xb4, 1, 3, 3, 7, 4, 2, 0, 0]  // 12 bytes: 32-byte header
    static let payload = Array("HTTP/1.1 200 OK\r\n".utf8)

    static func tcp(_ a: Endpoint, _ b: Endpoint) -> [UInt8] {
        PacketBuilder.tcp(
            sourcePort: a.port, destinationPort: b.port, sequenceNumber: 10, acknowledgmentNumber: 20,
            flags: [.psh, .ack], options: tcpOptions, payload: payload)
    }

    static func v4(options: [UInt8] = []) -> [UInt8] {
        PacketBuilder.ipv4(source: v4a.address, destination: v4b.address, payload: tcp(v4a, v4b), options: options)
    }

    static func v6(_ extensions: [PacketBuilder.IPv6ExtensionHeader] = []) -> [UInt8] {
        PacketBuilder.ipv6(
            source: v6a.address, destination: v6b.address, payload: tcp(v6a, v6b), extensionHeaders: extensions)
    }

    static let cases: [Case] = [
        Case(
            name: "Ethernet IPv4 with options", link: .ethernet,
            frame: PacketBuilder.ethernet(etherType: 0x0800, payload: v4(options: [1, 1, 1, 0])),
            boundaries: [(14, .link), (38, .ipv4), (70, .tcp)]),
        Case(
            name: "Ethernet QinQ IPv6 with extension headers", link: .ethernet,
            frame: PacketBuilder.ethernet(
                vlanTags: [.init(tpid: 0x88A8, vlanID: 1), .init(vlanID: 2)], etherType: 0x86DD,
                payload: v6([.hopByHop(options: []), .destinationOptions(options: [0x1e, 6, 0, 0, 0, 0, 0, 0])])),
            boundaries: [
                (14, .link), (18, .vlan), (22, .vlan), (62, .ipv6), (70, .ipv6Extension), (86, .ipv6Extension),
                (118, .tcp),
            ]),
        Case(
            name: "Ethernet IPv6 AH + atomic fragment", link: .ethernet,
            frame: PacketBuilder.ethernet(
                etherType: 0x86DD,
                payload: v6([
                    .authentication(spi: 1, sequence: 2, icv: [UInt8](repeating: 9, count: 12)),
                    .fragment(offset: 0, moreFragments: false, identification: 3),
                ])),
            boundaries: [(14, .link), (54, .ipv6), (78, .ipv6Extension), (86, .ipv6Extension), (118, .tcp)]),
        Case(
            name: "PPPoE IPv4", link: .ethernet,
            frame: PacketBuilder.ethernet(
                etherType: 0x8864,
                payload: [0x11, 0, 0, 1] + PacketBuilder.be16(UInt16(v4().count + 2)) + [0, 0x21] + v4()),
            boundaries: [(14, .link), (22, .link), (42, .ipv4), (74, .tcp)]),
        Case(
            name: "Linux SLL IPv4", link: .linuxCooked, frame: PacketBuilder.linuxSLL(protocol: 0x0800, payload: v4()),
            boundaries: [(16, .link), (36, .ipv4), (68, .tcp)]),
        Case(
            name: "Linux SLL2 IPv6", link: .linuxCooked2,
            frame: PacketBuilder.linuxSLL2(protocol: 0x86DD, payload: v6()),
            boundaries: [(20, .link), (60, .ipv6), (92, .tcp)]),
        Case(
            name: "BSD NULL IPv4", link: .bsdNull, frame: PacketBuilder.bsdNull(addressFamily: 2, payload: v4()),
            boundaries: [(4, .link), (24, .ipv4), (56, .tcp)]),
        Case(
            name: "BSD LOOP IPv6", link: .bsdLoop, frame: PacketBuilder.bsdLoop(addressFamily: 24, payload: v6()),
            boundaries: [(4, .link), (44, .ipv6), (76, .tcp)]),
        Case(name: "raw IPv4", link: .rawIP, frame: v4(), boundaries: [(20, .ipv4), (52, .tcp)]),
        // An empty raw-IP record has no version nibble: reported as a truncated IPv4 header.
        Case(name: "raw IPv6", link: .rawIP, frame: v6(), boundaries: [(1, .ipv4), (40, .ipv6), (72, .tcp)]),
        Case(name: "LINKTYPE_IPV4", link: .ipv4, frame: v4(), boundaries: [(20, .ipv4), (52, .tcp)]),
        Case(
            name: "LINKTYPE_IPV6", link: .ipv6, frame: v6([.hopByHop(options: [])]),
            boundaries: [(40, .ipv6), (48, .ipv6Extension), (80, .tcp)]),
    ]

    static func expected(_ c: Case, prefix k: Int) -> DecodedPacket? {
        for (end, layer) in c.boundaries where k < end { return .skipped(.truncated(layer: layer)) }
        return nil
    }

    /// A snaplen cut: the record keeps `originalLength` = the whole frame.
    @Test(arguments: cases)
    func everyPrefixUnderASnaplen(_ c: Case) throws {
        try #require(c.frame.count == c.tcpEnd + Self.payload.count, "boundaries of \(c.name) are off")
        for k in 0...c.frame.count {
            let packet = CapturedPacket(
                frameNumber: k, timestamp: Timestamp(seconds: 0), bytes: Array(c.frame.prefix(k)),
                originalLength: c.frame.count, linkLayer: c.link)
            let result = decode(packet)
            #expect(invariantsHold(result, for: packet))
            if case .skipped(let expectedReason)? = Self.expected(c, prefix: k) {
                #expect(result.skipReason == expectedReason, "prefix \(k)")
            } else {
                let segment = try #require(result.segment, "prefix \(k): \(String(describing: result.skipReason))")
                #expect(Array(segment.payload) == Array(c.frame[c.tcpEnd..<k]), "prefix \(k)")
                #expect(segment.missingPayloadLength == c.frame.count - k, "prefix \(k)")
                #expect(segment.missingPayloadLength > 0 || k == c.frame.count)
                #expect(segment.sequenceNumber == 10 && segment.acknowledgmentNumber == 20)
            }
        }
    }

    /// A cut record whose wire length says it was that short: same layers, nothing "missing"
    /// (the IP length cannot claim bytes that never were on the wire).
    @Test(arguments: cases)
    func everyPrefixOfACutRecord(_ c: Case) throws {
        for k in 0...c.frame.count {
            let bytes = Array(c.frame.prefix(k))
            let result = decode(bytes, link: c.link)
            if case .skipped(let expectedReason)? = Self.expected(c, prefix: k) {
                #expect(result.skipReason == expectedReason, "prefix \(k)")
            } else {
                let segment = try #require(result.segment, "prefix \(k)")
                #expect(segment.payload.count == k - c.tcpEnd)
                #expect(segment.missingPayloadLength == 0)
            }
        }
    }
}
