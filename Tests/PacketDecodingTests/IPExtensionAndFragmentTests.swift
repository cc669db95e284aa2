import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// IPv6 extension-header chains (RFC 8200 §4) and fragments of both IP versions.
@Suite struct IPExtensionAndFragmentTests {
    typealias Ext = PacketBuilder.IPv6ExtensionHeader
    static let client = endpoint("2001:db8::c", 40_000)
    static let server = endpoint("2001:db8::5", 80)

    static func v6Frame(
        _ extensions: [Ext], nextHeader: UInt8 = 6, payload: [UInt8]? = nil, payloadLength: UInt16? = nil
    )
        -> [UInt8]
    {
        let upper =
            payload
            ?? PacketBuilder.tcp(
                sourcePort: client.port, destinationPort: server.port, sequenceNumber: 99, flags: [.psh, .ack],
                payload: Array("hi".utf8))
        let ip = PacketBuilder.ipv6(
            source: client.address, destination: server.address, nextHeader: nextHeader, payload: upper,
            extensionHeaders: extensions, payloadLength: payloadLength)
        return PacketBuilder.ethernet(etherType: 0x86DD, payload: ip)
    }

    @Test(
        arguments: [
            [Ext](),
            [.hopByHop(options: [])],
            [.hopByHop(options: [5, 2, 0, 0])],  // Router Alert
            [
                .hopByHop(options: []), .routing(type: 4, segmentsLeft: 0, data: [UInt8](repeating: 0, count: 20)),
                .destinationOptions(options: []),
            ],
            [.destinationOptions(options: [0x1e, 3, 1, 2, 3])],
            [.authentication(spi: 0x100, sequence: 1, icv: [UInt8](repeating: 0xAA, count: 12))],
            [.fragment(offset: 0, moreFragments: false, identification: 0xDEAD)],  // atomic (RFC 6946)
            [
                .hopByHop(options: []), .fragment(offset: 0, moreFragments: false, identification: 1),
                .destinationOptions(options: []),
            ],
        ] as [[Ext]])
    func chainsAreWalkedToTCP(_ extensions: [Ext]) throws {
        let segment = try #require(decode(Self.v6Frame(extensions), link: .ethernet).segment)
        #expect(segment.source == Self.client)
        #expect(segment.sequenceNumber == 99)
        #expect(Array(segment.payload) == Array("hi".utf8))
    }

    @Test(arguments: [
        [Ext.fragment(offset: 0, moreFragments: true, identification: 7)],
        [.fragment(offset: 185, moreFragments: false, identification: 7)],
        [.hopByHop(options: []), .fragment(offset: 185, moreFragments: true, identification: 7)],
    ])
    func tcpFragmentsAreCounted(_ extensions: [Ext]) {
        #expect(decode(Self.v6Frame(extensions), link: .ethernet).skipReason == .ipFragment)
    }

    @Test func udpFragmentCountsAsUDP() {
        let frame = Self.v6Frame(
            [.fragment(offset: 0, moreFragments: true, identification: 7)], nextHeader: 17,
            payload: PacketBuilder.udp(sourcePort: 53, destinationPort: 53, payload: [1, 2, 3]))
        #expect(decode(frame, link: .ethernet).skipReason == .nonTCP(ipProtocol: 17))
    }

    @Test(
        arguments: [
            (UInt8(59), [UInt8]()), (50, [0, 0, 1, 0, 0, 0, 0, 1]), (58, [128, 0, 0, 0]),
            (17, [0, 53, 0, 53, 0, 8, 0, 0]),
        ] as [(UInt8, [UInt8])])
    func nonTCPUpperLayers(_ nextHeader: UInt8, _ payload: [UInt8]) {
        let frame = Self.v6Frame([.hopByHop(options: [])], nextHeader: nextHeader, payload: payload)
        #expect(decode(frame, link: .ethernet).skipReason == .nonTCP(ipProtocol: nextHeader))
    }

    @Test func extensionHeaderPastPayloadLengthIsMalformed() {
        let frame = Self.v6Frame([.destinationOptions(options: [UInt8](repeating: 0, count: 14))], payloadLength: 6)
        #expect(decode(frame, link: .ethernet).skipReason?.key == "malformed:ipv6Extension")
    }

    /// RFC 2675 jumbogram: payload length 0 and a Jumbo Payload option in Hop-by-Hop.
    @Test func jumboPayloadOption() throws {
        let tcp = PacketBuilder.tcp(sourcePort: 1, destinationPort: 2, payload: [UInt8](repeating: 0x4A, count: 100))
        let jumbo: [UInt8] = [0xC2, 4] + PacketBuilder.be32(UInt32(8 + tcp.count))
        let frame = Self.v6Frame([.hopByHop(options: jumbo)], payload: tcp, payloadLength: 0)
        let segment = try #require(decode(frame + [0, 0, 0, 0], link: .ethernet).segment)
        #expect(segment.payload.count == 100)
        #expect(segment.missingPayloadLength == 0)
    }

    /// Payload length 0 without a jumbo option is taken as "rest of the frame" (offload).
    @Test func zeroPayloadLengthWithoutJumbo() throws {
        let frame = Self.v6Frame([], payloadLength: 0)
        #expect(decode(frame, link: .ethernet).segment.map { Array($0.payload) } == Array("hi".utf8))
    }

    // MARK: IPv4 fragments (RFC 791 §3.2)

    static let v4Client = endpoint("10.9.8.7", 1234)
    static let v4Server = endpoint("10.9.8.1", 80)

    static func v4Frame(
        protocol ipProtocol: UInt8 = 6, dontFragment: Bool = false, moreFragments: Bool = false, offset: UInt16 = 0
    ) -> [UInt8] {
        let upper =
            ipProtocol == 6
            ? PacketBuilder.tcp(sourcePort: 1234, destinationPort: 80, flags: [.syn])
            : PacketBuilder.udp(sourcePort: 1, destinationPort: 2)
        return PacketBuilder.frame(
            link: .ethernet,
            ipPacket: PacketBuilder.ipv4(
                source: v4Client.address, destination: v4Server.address, protocol: ipProtocol, payload: upper,
                dontFragment: dontFragment, moreFragments: moreFragments, fragmentOffset: offset))
    }

    @Test func ipv4Fragments() {
        #expect(decode(Self.v4Frame(moreFragments: true), link: .ethernet).skipReason == .ipFragment)
        #expect(decode(Self.v4Frame(offset: 3), link: .ethernet).skipReason == .ipFragment)
        #expect(decode(Self.v4Frame(moreFragments: true, offset: 3), link: .ethernet).skipReason == .ipFragment)
        #expect(decode(Self.v4Frame(dontFragment: true), link: .ethernet).segment?.flags == [.syn])
        #expect(decode(Self.v4Frame(), link: .ethernet).segment?.flags == [.syn])
        #expect(
            decode(Self.v4Frame(protocol: 17, moreFragments: true), link: .ethernet).skipReason
                == .nonTCP(ipProtocol: 17))
    }
}
