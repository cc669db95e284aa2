import CaptureModel
import PcapCapture
import TestSupport
import Testing

/// Captures written by `PcapWriter` read back through libpcap unchanged: bytes, lengths,
/// timestamps to the nanosecond, frame numbers, format and link layer.
@Suite struct RoundTripTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var resolution: PcapWriter.Resolution
        var bigEndian: Bool
        var link: LinkLayer
        var testDescription: String {
            "\(resolution == .nanoseconds ? "ns" : "µs") \(bigEndian ? "BE" : "LE") \(link)"
        }
    }

    static let links: [LinkLayer] = [
        .ethernet, .linuxCooked, .linuxCooked2, .rawIP, .ipv4, .ipv6, .bsdNull, .bsdLoop,
    ]
    static let cases: [Case] = [PcapWriter.Resolution.microseconds, .nanoseconds].flatMap { resolution in
        [false, true].flatMap { bigEndian in links.map { Case(resolution: resolution, bigEndian: bigEndian, link: $0) }
        }
    }

    /// Timestamps that exercise the fraction's extremes and the 2038 / 2106 boundaries of the
    /// unsigned 32-bit seconds field.
    static let timestamps: [Timestamp] = [
        Timestamp(seconds: 0, nanoseconds: 0),
        Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789),
        Timestamp(seconds: 1_700_000_001, nanoseconds: 999_999_999),
        Timestamp(seconds: 2_147_483_647, nanoseconds: 1),
        Timestamp(seconds: 2_147_483_648, nanoseconds: 500_000_000),
        Timestamp(seconds: 4_294_967_295, nanoseconds: 999_999_000),
    ]

    static func frames(for link: LinkLayer) -> [[UInt8]] {
        let v4a = Endpoint(address: PacketBuilder.ipv4("192.0.2.1"), port: 40_000)
        let v4b = Endpoint(address: PacketBuilder.ipv4("198.51.100.7"), port: 80)
        let v6a = Endpoint(address: PacketBuilder.ipv6("2001:db8::1"), port: 40_001)
        let v6b = Endpoint(address: PacketBuilder.ipv6("2001:db8::2"), port: 8080)
        let useV4 = link != .ipv6
        let useV6 = link != .ipv4
        var frames: [[UInt8]] = []
        for (i, _) in timestamps.enumerated() {
            let payload = Array("frame \(i) ".utf8) + [UInt8](repeating: UInt8(i), count: i * 37)
            if (i % 2 == 0 && useV4) || !useV6 {
                frames.append(
                    PacketBuilder.tcpFrame(
                        link: link, source: v4a, destination: v4b, sequenceNumber: UInt32(i), payload: payload))
            } else {
                frames.append(
                    PacketBuilder.tcpFrame(
                        link: link, source: v6a, destination: v6b, sequenceNumber: UInt32(i), payload: payload))
            }
        }
        return frames
    }

    @Test(arguments: cases)
    func recordsReadBackExactly(_ c: Case) throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/roundtrip.pcap"
        var writer = PcapWriter(linkLayer: c.link, resolution: c.resolution, bigEndian: c.bigEndian)
        let frames = Self.frames(for: c.link)
        for (frame, time) in zip(frames, Self.timestamps) { writer.append(frame, timestamp: time) }
        try writer.write(to: path)

        let outcome = try readAll(path)
        #expect(outcome.format == .pcap(nanosecond: c.resolution == .nanoseconds, bigEndian: c.bigEndian))
        #expect(outcome.linkLayer == c.link)
        #expect(outcome.snapshotLength == 262_144)
        #expect(outcome.damage == nil)
        #expect(outcome.endRepeats)
        try #require(outcome.packets.count == frames.count)
        for (i, packet) in outcome.packets.enumerated() {
            let written = Self.timestamps[i]
            let expectedNanoseconds =
                c.resolution == .nanoseconds ? written.nanoseconds : written.nanoseconds / 1000 * 1000
            #expect(packet.frameNumber == i + 1)
            #expect(packet.bytes == frames[i])
            #expect(packet.originalLength == frames[i].count)
            #expect(!packet.isTruncatedBySnaplen)
            #expect(packet.linkLayer == c.link)
            #expect(packet.timestamp == Timestamp(seconds: written.seconds, nanoseconds: Int64(expectedNanoseconds)))
        }
    }

    @Test func snaplenKeepsOriginalLength() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/snaplen.pcap"
        var writer = PcapWriter(linkLayer: .ethernet, snapshotLength: 96)
        let frame = PacketBuilder.tcpFrame(
            source: Endpoint(address: PacketBuilder.ipv4("10.0.0.1"), port: 1234),
            destination: Endpoint(address: PacketBuilder.ipv4("10.0.0.2"), port: 80),
            payload: [UInt8](repeating: 0x41, count: 500))
        writer.append(frame, timestamp: Timestamp(seconds: 5), capturedLength: 96)
        try writer.write(to: path)

        let outcome = try readAll(path)
        #expect(outcome.snapshotLength == 96)
        let packet = try #require(outcome.packets.first)
        #expect(packet.bytes == Array(frame.prefix(96)))
        #expect(packet.originalLength == frame.count)
        #expect(packet.isTruncatedBySnaplen)
    }

    @Test func emptyCaptureEndsAtOnce() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/empty.pcap"
        try PcapWriter(linkLayer: .linuxCooked2, resolution: .nanoseconds, bigEndian: true).write(to: path)
        let outcome = try readAll(path)
        #expect(outcome.packets.isEmpty)
        #expect(outcome.damage == nil)
        #expect(outcome.format == .pcap(nanosecond: true, bigEndian: true))
        #expect(outcome.linkLayer == .linuxCooked2)
    }

    @Test func unknownLinkTypeIsNamedNotDecoded() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/radiotap.pcap"
        var writer = PcapWriter(linkType: 127)  // LINKTYPE_IEEE802_11_RADIOTAP == DLT_IEEE802_11_RADIO
        writer.append([1, 2, 3], timestamp: Timestamp(seconds: 1))
        try writer.write(to: path)
        let outcome = try readAll(path)
        guard case .unsupported(let dlt, let name) = outcome.linkLayer else {
            Issue.record("expected an unsupported link layer, got \(outcome.linkLayer)")
            return
        }
        #expect(dlt == 127)
        #expect(name == "IEEE802_11_RADIO")
        #expect(outcome.linkLayer.description == "IEEE802_11_RADIO")
        #expect(outcome.packets.first?.bytes == [1, 2, 3])
    }

    @Test func formatDescriptions() {
        #expect(CaptureFormat.pcap(nanosecond: false, bigEndian: false).description == "pcap (µs, little-endian)")
        #expect(CaptureFormat.pcap(nanosecond: true, bigEndian: true).description == "pcap (ns, big-endian)")
        #expect(CaptureFormat.pcapng.description == "pcapng")
    }

    @Test func libpcapVersionIsReported() {
        #expect(CaptureFile.libpcapVersion.hasPrefix("libpcap version"))
    }
}
