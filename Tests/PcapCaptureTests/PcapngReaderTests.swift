import CaptureModel
import TestSupport
import Testing

@testable import PcapCapture

/// The pcapng reader (issue #18) on files built block by block: every block kind it reads, both
/// byte orders, several sections, time-stamp resolutions and offsets, and every bound it checks.
@Suite struct PcapngReaderTests {
    /// Every step until the end or a failure.
    static func read(_ bytes: [UInt8]) -> (
        packets: [(PcapngPacket, [UInt8])], failure: PcapngFailure?, reader: PcapngReader<MemoryByteSource>
    ) {
        var reader = PcapngReader(source: MemoryByteSource(bytes))
        var packets: [(PcapngPacket, [UInt8])] = []
        while true {
            switch reader.next() {
            case .packet(let packet): packets.append((packet, Array(reader.block[packet.data])))
            case .endOfFile: return (packets, nil, reader)
            case .failed(let failure): return (packets, failure, reader)
            }
        }
    }

    @Test("two interfaces of different link types, in both byte orders", arguments: [false, true])
    func twoLinkTypes(bigEndian: Bool) throws {
        var file = PcapngBuilder(bigEndian: bigEndian)
        file.section()
        file.interface(linkType: 1)
        file.interface(linkType: 276, resolution: 9)
        file.enhancedPacket(interface: 0, units: 1_764_118_703_731_123, data: [1, 2, 3, 4, 5])
        file.enhancedPacket(interface: 1, units: 1_764_118_703_731_123_456, data: [6, 7], originalLength: 60)
        let (packets, failure, reader) = Self.read(file.bytes)
        #expect(failure == nil)
        #expect(reader.interfaces.map(\.linkType) == [1, 276])
        try #require(packets.count == 2)
        #expect(packets[0].0.interface == 0 && packets[0].1 == [1, 2, 3, 4, 5])
        #expect(packets[0].0.timestamp == Timestamp(seconds: 1_764_118_703, nanoseconds: 731_123_000))
        #expect(packets[1].0.interface == 1 && packets[1].1 == [6, 7] && packets[1].0.originalLength == 60)
        #expect(packets[1].0.timestamp == Timestamp(seconds: 1_764_118_703, nanoseconds: 731_123_456))
        #expect(reader.packetsRead == 2)
    }

    @Test("if_tsresol as a power of 2 and if_tsoffset")
    func binaryResolutionAndOffset() throws {
        var file = PcapngBuilder()
        file.section()
        file.interface(linkType: 101, resolution: 0x80 | 10, offset: 1_000_000)
        // 3.5 s in units of 2^-10 s.
        file.enhancedPacket(interface: 0, units: 3 * 1024 + 512, data: [0x45])
        let (packets, failure, _) = Self.read(file.bytes)
        #expect(failure == nil)
        let packet = try #require(packets.first).0
        #expect(packet.timestamp == Timestamp(seconds: 1_000_003, nanoseconds: 500_000_000))
    }

    @Test("time-stamp units of 10^-12 s are truncated to nanoseconds")
    func picoseconds() throws {
        var file = PcapngBuilder()
        file.section()
        file.interface(linkType: 1, resolution: 12)
        file.enhancedPacket(interface: 0, units: 2_000_000_000_001_999, data: [0])
        let packet = try #require(Self.read(file.bytes).packets.first).0
        #expect(packet.timestamp == Timestamp(seconds: 2000, nanoseconds: 1))
    }

    @Test("Simple Packet Blocks (interface 0, snaplen) and obsolete Packet Blocks")
    func simpleAndObsolete() throws {
        var file = PcapngBuilder()
        file.section()
        file.interface(linkType: 276, snapLength: 4)
        file.simplePacket(data: [1, 2, 3, 4, 5, 6], originalLength: 1500)
        file.obsoletePacket(interface: 0, units: 5_000_000, data: [9, 9])
        let (packets, failure, _) = Self.read(file.bytes)
        #expect(failure == nil)
        try #require(packets.count == 2)
        #expect(packets[0].1 == [1, 2, 3, 4] && packets[0].0.originalLength == 1500)
        #expect(packets[0].0.timestamp == Timestamp(seconds: 0))
        #expect(packets[1].1 == [9, 9] && packets[1].0.timestamp == Timestamp(seconds: 5))
    }

    @Test("a second section numbers its interfaces from 0 again, in its own byte order")
    func sections() throws {
        var first = PcapngBuilder()
        first.section()
        first.interface(linkType: 1)
        first.enhancedPacket(interface: 0, units: 1, data: [1])
        var second = PcapngBuilder(bigEndian: true)
        second.section()
        second.interface(linkType: 276)
        second.enhancedPacket(interface: 0, units: 2, data: [2])
        let (packets, failure, reader) = Self.read(first.bytes + second.bytes)
        #expect(failure == nil)
        #expect(reader.interfaces.map(\.linkType) == [1, 276])
        #expect(packets.map(\.0.interface) == [0, 1])
    }

    @Test("blocks without packets are skipped by their length and counted")
    func skipped() throws {
        var file = PcapngBuilder()
        file.section()
        file.interface(linkType: 1)
        file.other(type: 4, body: [0, 0, 0, 0])
        file.other(type: 5, body: [UInt8](repeating: 0, count: 12))
        file.other(type: 0x4000_1234, body: [1, 2, 3])
        file.enhancedPacket(interface: 0, units: 1, data: [1])
        let (packets, failure, reader) = Self.read(file.bytes)
        #expect(failure == nil && packets.count == 1)
        #expect(reader.skippedBlocks == 3)
    }

    /// A valid prefix (header, one interface, one packet), then `tail`.
    static func afterOnePacket(_ tail: (PcapngBuilder) -> [UInt8]) -> [UInt8] {
        var file = PcapngBuilder()
        file.section()
        file.interface(linkType: 1)
        file.enhancedPacket(interface: 0, units: 1, data: [1, 2, 3])
        return file.bytes + tail(file)
    }

    /// The damaged tail for each bound, and whether it is a cut (true) or a broken structure.
    static func damage(_ name: String, _ b: PcapngBuilder) -> (bytes: [UInt8], truncated: Bool) {
        switch name {
        case "length not a multiple of 4": (b.u32(6) + b.u32(30) + [UInt8](repeating: 0, count: 22), false)
        case "length under 12": (b.u32(6) + b.u32(8) + b.u32(8), false)
        case "length over the cap": (b.u32(6) + b.u32(UInt32(1 << 30)), false)
        case "trailing length differs": (b.u32(5) + b.u32(16) + b.u32(0) + b.u32(20), false)
        case "undeclared interface": (b.block(6, b.u32(7) + b.u32(0) + b.u32(0) + b.u32(1) + b.u32(1) + [0xAA]), false)
        case "captured length past the block":
            (b.block(6, b.u32(0) + b.u32(0) + b.u32(0) + b.u32(4000) + b.u32(4000) + [0xAA]), false)
        case "an Enhanced Packet Block too short": (b.block(6, b.u32(0) + b.u32(0)), false)
        case "resolution 10^-20":
            (b.block(1, b.u16(1) + b.u16(0) + b.u32(0) + b.option(9, [20]) + b.option(0, [])), false)
        case "an option past its block": (b.block(1, b.u16(1) + b.u16(0) + b.u32(0) + b.u16(2) + b.u16(200)), false)
        case "cut in a block header": (b.u32(6) + [0, 0], true)
        default: (b.u32(6) + b.u32(64) + [1, 2, 3], true)  // cut in a block body
        }
    }

    @Test(
        "every bound: the packets before the damage are kept, the damage is named",
        arguments: [
            "length not a multiple of 4", "length under 12", "length over the cap", "trailing length differs",
            "undeclared interface", "captured length past the block", "an Enhanced Packet Block too short",
            "resolution 10^-20", "an option past its block", "cut in a block header", "cut in a block body",
        ])
    func bounds(_ name: String) throws {
        let tail = Self.damage(name, PcapngBuilder())
        let (packets, failure, _) = Self.read(Self.afterOnePacket { _ in tail.bytes })
        #expect(packets.count == 1, "\(name)")
        let failed = try #require(failure, "\(name)")
        #expect(failed.truncated == tail.truncated, "\(name): \(failed.reason)")
        #expect(
            failed.reason.hasPrefix(tail.truncated ? "capture is cut short" : "capture is damaged"),
            "\(name): \(failed.reason)")
    }

    @Test("not starting with a Section Header Block, a bad byte-order magic, version 2")
    func badStarts() throws {
        var noSection = PcapngBuilder()
        noSection.interface(linkType: 1)
        #expect(
            Self.read(noSection.bytes).failure?.reason.contains("does not start with a Section Header Block") == true)
        var badMagic = PcapngBuilder()
        badMagic.section()
        var bytes = badMagic.bytes
        bytes[8] = 0x00
        #expect(Self.read(bytes).failure?.reason.contains("byte-order magic") == true)
        var version2 = PcapngBuilder()
        version2.section(major: 2)
        #expect(Self.read(version2.bytes).failure?.reason.contains("version 2.0") == true)
        #expect(Self.read([]).failure?.truncated == true)
    }

    /// Random damage to a valid two-interface file, seeded: the reader ends every time, keeps
    /// each packet inside its block, and returns no more packets than the file holds.
    @Test("seeded random damage: always ends, packets inside their blocks")
    func randomDamage() throws {
        var file = PcapngBuilder()
        file.section()
        file.interface(linkType: 1, resolution: 9)
        file.interface(linkType: 276)
        for i in 0..<20 {
            file.enhancedPacket(
                interface: i % 2, units: UInt64(i) * 1000, data: [UInt8](repeating: UInt8(i), count: i * 7))
        }
        var random = SplitMix64.forTest(seed: 18)
        var failures = 0
        for _ in 0..<2000 {
            var bytes = file.bytes
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                bytes[index] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &random)) }
            let (packets, failure, reader) = Self.read(bytes)
            #expect(packets.count <= 20, random.comment)
            for (packet, _) in packets { #expect(packet.interface < reader.interfaces.count, random.comment) }
            if failure != nil { failures += 1 }
        }
        // Most damage is seen (a changed byte in packet data or a time stamp is not damage).
        #expect(failures > 500, random.comment)
    }
}
