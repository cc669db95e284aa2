import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// No input crashes the decoder: random bytes for every link layer, and every single-byte
/// mutation of valid frames, with snaplen and wire lengths that disagree.
@Suite struct HostileInputTests {
    static let links: [LinkLayer] = [
        .ethernet, .linuxCooked, .linuxCooked2, .rawIP, .ipv4, .ipv6, .bsdNull, .bsdLoop,
        .unsupported(dlt: 105, name: "IEEE802_11"),
    ]

    @Test(arguments: links)
    func randomBytes(_ link: LinkLayer) {
        var rng = SplitMix64.forTest(seed: 42)
        for _ in 0..<3000 {
            let count = Int.random(in: 0...160, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Make the interesting paths likely: plausible link and IP headers.
            if count > 0, Bool.random(using: &rng) {
                switch link {
                case .ethernet where count > 14:
                    bytes[12] = [0x08, 0x86, 0x81, 0x88][Int.random(in: 0..<4, using: &rng)]
                    bytes[13] = [0x00, 0xdd, 0x00, 0x64][Int.random(in: 0..<4, using: &rng)]
                case .bsdNull where count > 4:
                    bytes[0] = [2, 30, 24][Int.random(in: 0..<3, using: &rng)]
                    bytes[1] = 0
                    bytes[2] = 0
                    bytes[3] = 0
                default: bytes[0] = Bool.random(using: &rng) ? 0x45 : 0x60
                }
            }
            let originalLength = [
                count, count + Int.random(in: 0...70_000, using: &rng), Int.random(in: 0...count, using: &rng),
            ][
                Int.random(in: 0..<3, using: &rng)]
            let packet = CapturedPacket(
                frameNumber: 1, timestamp: Timestamp(seconds: 0), bytes: bytes, originalLength: originalLength,
                linkLayer: link)
            #expect(invariantsHold(decode(packet), for: packet), "\(bytes), \(rng.replay)")
        }
    }

    static let seeds: [(String, LinkLayer, [UInt8])] =
        TruncationSweepTests.cases.map { ($0.name, $0.link, $0.frame) } + [
            ("literal Ethernet SYN", .ethernet, LiteralFrameTests.ethernetSYN),
            ("literal SLL2 SYN", .linuxCooked2, LiteralFrameTests.sll2SYN),
            ("literal NULL IPv6", .bsdNull, LiteralFrameTests.nullIPv6Snapped),
        ]

    @Test(arguments: seeds.map { $0.0 })
    func everySingleByteMutation(_ name: String) throws {
        let (_, link, frame) = try #require(Self.seeds.first { $0.0 == name })
        for position in frame.indices {
            for value in [0x00, 0xFF, 0x80, 0x7F, 0x0F, frame[position] ^ 0x01, frame[position] ^ 0x40] as [UInt8] {
                var bytes = frame
                bytes[position] = value
                for originalLength in [bytes.count, bytes.count + 1000, 0] {
                    let packet = CapturedPacket(
                        frameNumber: 1, timestamp: Timestamp(seconds: 0), bytes: bytes, originalLength: originalLength,
                        linkLayer: link)
                    #expect(invariantsHold(decode(packet), for: packet), "\(bytes)")
                }
            }
        }
    }
}
