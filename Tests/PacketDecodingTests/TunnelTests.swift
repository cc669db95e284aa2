import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// Tunnels decoded to the TCP they carry: VXLAN, GRE, IP-in-IP, L2TPv2.
@Suite struct TunnelTests {
    static let client = endpoint("10.1.1.172", 40_354)
    static let server = endpoint("10.1.200.131", 80)
    static let outerA = PacketBuilder.ipv4("172.16.11.201")
    static let outerB = PacketBuilder.ipv4("54.86.237.188")
    static let request = Array("GET /image/svg HTTP/1.1\r\nHost: x\r\n\r\n".utf8)

    /// The inner IPv4 packet: a TCP segment carrying `request`.
    static var innerIP: [UInt8] {
        PacketBuilder.ipv4(
            source: client.address, destination: server.address,
            payload: PacketBuilder.tcp(
                sourcePort: client.port, destinationPort: server.port, sequenceNumber: 4242, acknowledgmentNumber: 9,
                flags: [.psh, .ack], payload: request))
    }

    static var innerIPv6: [UInt8] {
        PacketBuilder.ipv6(
            source: PacketBuilder.ipv6("2001:db8::1"), destination: PacketBuilder.ipv6("2001:db8::2"),
            payload: PacketBuilder.tcp(sourcePort: 5000, destinationPort: 8080, sequenceNumber: 1, payload: request))
    }

    static var innerEthernet: [UInt8] {
        PacketBuilder.ethernet(vlanTags: [.init(vlanID: 7)], etherType: 0x0800, payload: innerIP)
    }

    static let expected = SegmentFields(
        client, server, seq: 4242, ack: 9, flags: [.psh, .ack], window: 65_535, payload: request)

    /// An outer Ethernet/IPv4 frame carrying `payload` as IP protocol `ipProtocol`.
    static func outer(_ ipProtocol: UInt8, _ payload: [UInt8]) -> [UInt8] {
        PacketBuilder.ethernet(
            etherType: 0x0800,
            payload: PacketBuilder.ipv4(source: outerA, destination: outerB, protocol: ipProtocol, payload: payload))
    }

    static func udp(_ destinationPort: UInt16, _ payload: [UInt8], sourcePort: UInt16 = 51_000) -> [UInt8] {
        outer(17, PacketBuilder.udp(sourcePort: sourcePort, destinationPort: destinationPort, payload: payload))
    }

    static func vxlanHeader(flags: UInt8 = 0x08, vni: UInt32 = 42) -> [UInt8] {
        [flags, 0, 0, 0] + Array(PacketBuilder.be32(vni << 8))
    }

    static func segment(_ frame: [UInt8]) -> SegmentFields? {
        decode(frame, link: .ethernet).segment.map(SegmentFields.init)
    }

    // MARK: - VXLAN

    @Test func vxlanCarriesEthernet() {
        #expect(Self.segment(Self.udp(4789, Self.vxlanHeader() + Self.innerEthernet)) == Self.expected)
        // Replies go from the VXLAN port too.
        #expect(
            Self.segment(Self.udp(33_000, Self.vxlanHeader() + Self.innerEthernet, sourcePort: 4789)) == Self.expected)
    }

    @Test func vxlanOverIPv6() {
        let udp = PacketBuilder.udp(
            sourcePort: 1, destinationPort: 4789, payload: Self.vxlanHeader() + Self.innerEthernet)
        let ip = PacketBuilder.ipv6(
            source: PacketBuilder.ipv6("fd00::1"), destination: PacketBuilder.ipv6("fd00::2"), nextHeader: 17,
            payload: udp)
        #expect(Self.segment(PacketBuilder.ethernet(etherType: 0x86DD, payload: ip)) == Self.expected)
    }

    @Test func vxlanWithoutTheIFlagIsMalformed() {
        let frame = Self.udp(4789, Self.vxlanHeader(flags: 0) + Self.innerEthernet)
        #expect(decode(frame, link: .ethernet).skipReason?.key == "malformed:tunnel")
    }

    @Test func otherUDPIsStillUDP() {
        #expect(decode(Self.udp(53, [1, 2, 3, 4]), link: .ethernet).skipReason == .nonTCP(ipProtocol: 17))
    }

    /// Every cut of a VXLAN frame decodes without trapping; cuts inside the VXLAN header are a
    /// truncated tunnel, cuts inside the inner TCP payload are missing bytes of a segment.
    @Test func everyTruncationOfAVXLANFrame() {
        let frame = Self.udp(4789, Self.vxlanHeader() + Self.innerEthernet)
        let vxlanStart = 14 + 20 + 8
        for length in 0...frame.count {
            let packet = PacketBuilder.captured(frame, capturedLength: length)
            let result = decode(packet)
            #expect(invariantsHold(result, for: packet), "cut at \(length)")
            if length >= vxlanStart, length < vxlanStart + 8 {
                #expect(result.skipReason == .truncated(layer: .tunnel), "cut at \(length)")
            }
            if length >= frame.count - Self.request.count {
                #expect(result.segment?.missingPayloadLength == frame.count - length, "cut at \(length)")
            }
        }
    }

    // MARK: - GRE

    @Test(
        arguments: [
            (UInt16(0x0000), 0), (0x8000, 4), (0x2000, 4), (0x1000, 4), (0xB000, 12),
        ] as [(UInt16, Int)])
    func greCarriesIPv4(flags: UInt16, optionalBytes: Int) {
        let header =
            PacketBuilder.be16(flags) + PacketBuilder.be16(0x0800) + [UInt8](repeating: 0xAB, count: optionalBytes)
        #expect(Self.segment(Self.outer(47, header + Self.innerIP)) == Self.expected)
    }

    @Test func greCarriesIPv6AndEthernet() {
        let v6 = Self.segment(Self.outer(47, [0, 0, 0x86, 0xDD] + Self.innerIPv6))
        #expect(v6?.destination.port == 8080)
        #expect(v6?.payload == Self.request)
        #expect(Self.segment(Self.outer(47, [0, 0, 0x65, 0x58] + Self.innerEthernet)) == Self.expected)
    }

    @Test func greThatIsNotIP() {
        // Version 1 (PPTP's enhanced GRE) is counted as GRE.
        #expect(
            decode(Self.outer(47, [0x30, 0x01, 0x88, 0x0B, 0, 0, 0, 0] + Self.innerIP), link: .ethernet).skipReason
                == .nonTCP(ipProtocol: 47))
        // A payload that is not IP or Ethernet is named by its protocol type.
        #expect(
            decode(Self.outer(47, [0, 0, 0x88, 0x0B] + [1, 2, 3]), link: .ethernet).skipReason
                == .nonIP(etherType: 0x880B))
        // RFC 1701 routing is not supported.
        #expect(
            decode(Self.outer(47, [0x40, 0, 0x08, 0x00] + Self.innerIP), link: .ethernet).skipReason?.key
                == "malformed:tunnel")
        // A cut GRE header.
        #expect(
            decode(Self.outer(47, [0xB0, 0, 0x08, 0x00, 0, 0]), link: .ethernet).skipReason
                == .truncated(layer: .tunnel))
    }

    // MARK: - IP in IP

    @Test func ipInIP() {
        #expect(Self.segment(Self.outer(4, Self.innerIP)) == Self.expected)
        #expect(Self.segment(Self.outer(41, Self.innerIPv6))?.payload == Self.request)
    }

    @Test func nestingIsBounded() {
        var packet = Self.innerIP
        for _ in 0..<4 {
            packet = PacketBuilder.ipv4(source: Self.outerA, destination: Self.outerB, protocol: 4, payload: packet)
        }
        #expect(Self.segment(PacketBuilder.ethernet(etherType: 0x0800, payload: packet)) == Self.expected)
        packet = PacketBuilder.ipv4(source: Self.outerA, destination: Self.outerB, protocol: 4, payload: packet)
        let frame = PacketBuilder.ethernet(etherType: 0x0800, payload: packet)
        #expect(decode(frame, link: .ethernet).skipReason?.key == "malformed:tunnel")
    }

    @Test func vxlanInsideGREInsideIPIP() {
        let vxlan = PacketBuilder.ipv4(
            source: Self.outerA, destination: Self.outerB, protocol: 17,
            payload: PacketBuilder.udp(
                sourcePort: 9, destinationPort: 4789, payload: Self.vxlanHeader() + Self.innerEthernet))
        let gre = PacketBuilder.ipv4(
            source: Self.outerB, destination: Self.outerA, protocol: 47, payload: [0, 0, 8, 0] + vxlan)
        #expect(Self.segment(Self.outer(4, gre)) == Self.expected)
    }

    // MARK: - L2TP

    @Test(
        arguments: [
            // flags, extra header bytes after the version word (before tunnel/session ids are added)
            ("plain", UInt16(0x0002), [UInt8]()),
            ("length", 0x4002, [0, 0]),
            ("sequence", 0x0802, []),
            ("offset", 0x0202, []),
        ] as [(String, UInt16, [UInt8])])
    func l2tpDataMessages(_ name: String, flags: UInt16, _ lengthField: [UInt8]) {
        var header = PacketBuilder.be16(flags) + lengthField + [0, 1, 0, 2]  // tunnel 1, session 2
        if flags & 0x0800 != 0 { header += [0, 5, 0, 6] }
        if flags & 0x0200 != 0 { header += [0, 3, 0xEE, 0xEE, 0xEE] }  // offset size 3 + padding
        for ppp in [[0xFF, 0x03, 0x00, 0x21], [0x00, 0x21], [0x21]] as [[UInt8]] {
            #expect(Self.segment(Self.udp(1701, header + ppp + Self.innerIP)) == Self.expected, "\(name) \(ppp)")
        }
        #expect(
            Self.segment(Self.udp(1701, header + [0xFF, 0x03, 0x00, 0x57] + Self.innerIPv6))?.payload == Self.request)
    }

    @Test func l2tpThatIsNotIP() {
        // A control message (T bit).
        #expect(
            decode(Self.udp(1701, [0xC8, 0x02, 0, 12, 0, 1, 0, 0, 0, 0, 0, 0]), link: .ethernet).skipReason
                == .nonTCP(ipProtocol: 17))
        // LCP inside a data message.
        #expect(
            decode(Self.udp(1701, [0x00, 0x02, 0, 1, 0, 2, 0xFF, 0x03, 0xC0, 0x21, 1, 1, 0, 4]), link: .ethernet)
                .skipReason == .nonTCP(ipProtocol: 17))
        // L2TPv3 over UDP (version 3).
        #expect(
            decode(Self.udp(1701, [0x00, 0x03, 0, 0, 0, 0, 0, 1]), link: .ethernet).skipReason
                == .nonTCP(ipProtocol: 17))
    }

    @Test func tunnelKeys() {
        #expect(SkipReason.truncated(layer: .tunnel).key == "truncated:tunnel")
        #expect(SkipReason.malformed(layer: .tunnel, reason: "x").key == "malformed:tunnel")
        #expect(SkipReason.truncated(layer: .tunnel).description == "truncated tunnel header (capture ended inside it)")
    }

    /// The corpus's VXLAN capture decodes to the tunnelled HTTP connection.
    @Test(.enabled(if: Corpus.isAvailable, Corpus.absentComment))
    func corpusVXLAN() throws {
        let path = try #require(Corpus.path("http/zeek__vxlan-encapsulated-http.pcap"))
        var decoder = PacketDecoder()
        let segments = CorpusReader.packets(of: path).compactMap { decoder.decode($0).segment }
        #expect(segments.count == 12)
        #expect(
            segments.contains { $0.destination.port == 80 && $0.payload.starts(with: Array("GET /image/svg".utf8)) })
    }
}
