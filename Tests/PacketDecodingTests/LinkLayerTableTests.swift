import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// Frames built field by field for every supported link layer and both IP versions decode to
/// exactly those fields.
@Suite struct LinkLayerTableTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var link: LinkLayer
        var ipv6: Bool
        var testDescription: String { "\(link) \(ipv6 ? "IPv6" : "IPv4")" }
    }

    static let cases: [Case] = [
        LinkLayer.ethernet, .linuxCooked, .linuxCooked2, .rawIP, .ipv4, .ipv6, .bsdNull, .bsdLoop,
    ].flatMap { link in
        [false, true].compactMap { v6 in
            if link == .ipv4 && v6 || link == .ipv6 && !v6 { return nil }
            return Case(link: link, ipv6: v6)
        }
    }

    static let v4Client = endpoint("192.0.2.10", 51_515)
    static let v4Server = endpoint("203.0.113.80", 80)
    static let v6Client = endpoint("2001:db8:1::10", 51_516)
    static let v6Server = endpoint("2001:db8:2::80", 8080)

    @Test(arguments: cases)
    func everyFieldComesThrough(_ c: Case) throws {
        let (client, server) = c.ipv6 ? (Self.v6Client, Self.v6Server) : (Self.v4Client, Self.v4Server)
        let payload = Array("POST /callback HTTP/1.1\r\nHost: cb.example\r\n\r\n".utf8)
        let frame = PacketBuilder.tcpFrame(
            link: c.link, source: client, destination: server, sequenceNumber: 0xFFFF_FFF0,
            acknowledgmentNumber: 0x8000_0001, flags: [.psh, .ack, .ece, .cwr], window: 513,
            options: [1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2], payload: payload)
        let segment = try #require(decode(frame, link: c.link).segment)
        #expect(
            SegmentFields(segment)
                == SegmentFields(
                    client, server, seq: 0xFFFF_FFF0, ack: 0x8000_0001, flags: [.psh, .ack, .ece, .cwr], window: 513,
                    payload: payload))
        #expect(segment.payload.endIndex == frame.count)
        #expect(segment.payload.startIndex == frame.count - payload.count)
    }

    /// BSD NULL accepts the address family in either byte order and every OS's `AF_INET6`;
    /// LOOP (network order) likewise.
    @Test(arguments: [
        (LinkLayer.bsdNull, UInt32(2), false, false), (.bsdNull, 2, true, false),
        (.bsdNull, 10, false, true), (.bsdNull, 24, false, true), (.bsdNull, 28, true, true),
        (.bsdNull, 30, false, true), (.bsdNull, 30, true, true),
        (.bsdLoop, 2, true, false), (.bsdLoop, 24, true, true), (.bsdLoop, 30, false, true),
    ])
    func loopbackFamilies(_ link: LinkLayer, _ family: UInt32, _ bigEndian: Bool, _ ipv6: Bool) throws {
        let (client, server) = ipv6 ? (Self.v6Client, Self.v6Server) : (Self.v4Client, Self.v4Server)
        let ip = ipPacket(client, server, payload: [1, 2, 3])
        let frame = PacketBuilder.bsdNull(addressFamily: family, bigEndian: bigEndian, payload: ip)
        let segment = try #require(decode(frame, link: link).segment)
        #expect(segment.source == client)
        #expect(Array(segment.payload) == [1, 2, 3])
    }

    @Test(arguments: [
        [PacketBuilder.VLANTag(vlanID: 100)],
        [PacketBuilder.VLANTag(tpid: 0x88A8, vlanID: 200), PacketBuilder.VLANTag(vlanID: 100)],
        [PacketBuilder.VLANTag(tpid: 0x9100, priority: 7, vlanID: 4095), PacketBuilder.VLANTag(vlanID: 1)],
        (0..<5).map { PacketBuilder.VLANTag(tpid: $0 % 2 == 0 ? 0x88A8 : 0x8100, vlanID: UInt16($0)) },
    ])
    func vlanStacks(_ tags: [PacketBuilder.VLANTag]) throws {
        for (client, server) in [(Self.v4Client, Self.v4Server), (Self.v6Client, Self.v6Server)] {
            let frame = PacketBuilder.tcpFrame(
                source: client, destination: server, sequenceNumber: 7, payload: [0x41], vlanTags: tags)
            let segment = try #require(decode(frame, link: .ethernet).segment)
            #expect(segment.destination == server)
            #expect(Array(segment.payload) == [0x41])
        }
    }

    @Test func vlanInsideLinuxCooked() throws {
        let ip = ipPacket(Self.v4Client, Self.v4Server, payload: [9])
        let tagged = PacketBuilder.be16(0x0064) + PacketBuilder.be16(0x0800) + ip
        for (frame, link) in [
            (PacketBuilder.linuxSLL(protocol: 0x8100, payload: tagged), LinkLayer.linuxCooked),
            (PacketBuilder.linuxSLL2(protocol: 0x8100, payload: tagged), .linuxCooked2),
        ] {
            #expect(decode(frame, link: link).segment.map { Array($0.payload) } == [9])
        }
    }

    /// PPPoE session frames (RFC 2516) carrying IPv4 (PPP 0x0021) and IPv6 (PPP 0x0057).
    @Test func pppoeSession() throws {
        for (client, server, ppp) in [
            (Self.v4Client, Self.v4Server, UInt16(0x0021)), (Self.v6Client, Self.v6Server, 0x0057),
        ] {
            let ip = ipPacket(client, server, payload: [1, 2])
            let pppoe =
                [0x11, 0x00] + PacketBuilder.be16(0x3b1a) + PacketBuilder.be16(UInt16(ip.count + 2))
                + PacketBuilder.be16(ppp) + ip
            let frame = PacketBuilder.ethernet(etherType: 0x8864, payload: pppoe)
            let segment = try #require(decode(frame, link: .ethernet).segment)
            #expect(segment.source == client)
            #expect(Array(segment.payload) == [1, 2])
        }
        let lcp = PacketBuilder.ethernet(etherType: 0x8864, payload: [0x11, 0, 0, 1, 0, 6, 0xc0, 0x21, 1, 1, 0, 4])
        #expect(decode(lcp, link: .ethernet).skipReason == .nonIP(etherType: 0x8864))
        let cut = PacketBuilder.ethernet(etherType: 0x8864, payload: [0x11, 0, 0, 1, 0, 6, 0x00])
        #expect(decode(cut, link: .ethernet).skipReason == .truncated(layer: .link))
    }

    /// Ethernet pads short frames to 60 bytes; the padding must not become TCP payload.
    @Test func ethernetPaddingIsNotPayload() throws {
        let ip = ipPacket(Self.v4Client, Self.v4Server, payload: [], flags: [.ack])
        let frame = PacketBuilder.ethernet(etherType: 0x0800, payload: ip, padToMinimum: true)
        #expect(frame.count == 60)
        let segment = try #require(decode(frame, link: .ethernet).segment)
        #expect(segment.payload.isEmpty)
        #expect(segment.missingPayloadLength == 0)

        let withData = PacketBuilder.ethernet(
            etherType: 0x0800, payload: ipPacket(Self.v4Client, Self.v4Server, payload: [0x68, 0x69]) + [0xde, 0xad])
        #expect(decode(withData, link: .ethernet).segment.map { Array($0.payload) } == [0x68, 0x69])

        let v6 = PacketBuilder.ethernet(
            etherType: 0x86DD, payload: ipPacket(Self.v6Client, Self.v6Server, payload: [7]) + [0, 0, 0, 0])
        #expect(decode(v6, link: .ethernet).segment.map { Array($0.payload) } == [7])
    }

    /// All eight control bits, and the four bits before them (AE, reserved) kept out of the flags.
    @Test func flagBits() throws {
        let all = TCPFlags(rawValue: 0xFF)
        let tcp = PacketBuilder.tcp(sourcePort: 1, destinationPort: 2, flags: all, reservedBits: 0x0F)
        let frame = PacketBuilder.frame(
            link: .ethernet,
            ipPacket: PacketBuilder.ipv4(
                source: Self.v4Client.address, destination: Self.v4Server.address, payload: tcp))
        let segment = try #require(decode(frame, link: .ethernet).segment)
        #expect(segment.flags == [.fin, .syn, .rst, .psh, .ack, .urg, .ece, .cwr])
        #expect(segment.flags.description == "SFPRUEW.")
    }

    /// TSO / BIG TCP: IPv4 total length 0 means "the rest of the frame".
    @Test func zeroTotalLengthMeansRestOfFrame() throws {
        let payload = [UInt8](repeating: 0x50, count: 3000)
        let tcp = PacketBuilder.tcp(sourcePort: 1000, destinationPort: 80, payload: payload)
        let ip = PacketBuilder.ipv4(
            source: Self.v4Client.address, destination: Self.v4Server.address, payload: tcp, totalLength: 0)
        let frame = PacketBuilder.frame(link: .ethernet, ipPacket: ip)
        let whole = try #require(decode(frame, link: .ethernet).segment)
        #expect(whole.payload.count == 3000)
        #expect(whole.missingPayloadLength == 0)
        let snapped = try #require(decode(PacketBuilder.captured(frame, capturedLength: 1000)).segment)
        #expect(snapped.payload.count == 1000 - 54)
        #expect(snapped.missingPayloadLength == 3000 - (1000 - 54))
    }

    /// Snaplen: the IP length says more than was captured; the segment still decodes.
    @Test func snaplenCutPayloadIsMissingNotMalformed() throws {
        let payload = [UInt8](repeating: 0x61, count: 1400)
        let frame = PacketBuilder.tcpFrame(source: Self.v4Client, destination: Self.v4Server, payload: payload)
        let segment = try #require(decode(PacketBuilder.captured(frame, capturedLength: 96)).segment)
        #expect(segment.payload.count == 96 - 54)
        #expect(segment.missingPayloadLength == 1400 - 42)
    }

    /// An IP length larger than the frame on the wire is capped by the wire: only bytes that
    /// existed can be missing.
    @Test func overlongIPLengthIsCappedByTheWire() throws {
        let tcp = PacketBuilder.tcp(sourcePort: 1, destinationPort: 2, payload: [1, 2, 3, 4])
        let ip = PacketBuilder.ipv4(
            source: Self.v4Client.address, destination: Self.v4Server.address, payload: tcp, totalLength: 1500)
        let frame = PacketBuilder.frame(link: .ethernet, ipPacket: ip)
        let whole = try #require(decode(frame, link: .ethernet).segment)
        #expect(Array(whole.payload) == [1, 2, 3, 4])
        #expect(whole.missingPayloadLength == 0)
        let packet = CapturedPacket(
            frameNumber: 1, timestamp: Timestamp(seconds: 0), bytes: frame, originalLength: frame.count + 10,
            linkLayer: .ethernet)
        #expect(decode(packet).segment?.missingPayloadLength == 10)
    }

    @Test(arguments: [
        (
            LinkLayer.unsupported(dlt: 127, name: "IEEE802_11_RADIO"), Int32(127), "IEEE802_11_RADIO",
            "127 (IEEE802_11_RADIO)"
        ),
        (.unsupported(dlt: 160, name: ""), 160, "", "160"),
    ])
    func unsupportedLinkTypesAreNamed(_ link: LinkLayer, _ dlt: Int32, _ name: String, _ description: String) {
        let reason = decode([0x45, 0, 0, 0], link: link).skipReason
        #expect(reason == .unsupportedLinkType(dlt: dlt, name: name))
        // The number and the name, so the report can say "26 packets of link type 127 (IEEE802_11_RADIO)".
        #expect(reason?.description == description)
        #expect(reason?.key == "link-type:\(dlt)")
    }
}

/// An IPv4 or IPv6 packet (by the endpoints' family) carrying one TCP segment.
func ipPacket(_ source: Endpoint, _ destination: Endpoint, payload: [UInt8], flags: TCPFlags = [.psh, .ack]) -> [UInt8]
{
    let tcp = PacketBuilder.tcp(
        sourcePort: source.port, destinationPort: destination.port, sequenceNumber: 1, flags: flags, payload: payload)
    if case .v6 = source.address {
        return PacketBuilder.ipv6(source: source.address, destination: destination.address, payload: tcp)
    }
    return PacketBuilder.ipv4(source: source.address, destination: destination.address, payload: tcp)
}
