// callback-doctor's own pcapng reader, for the one kind of valid file libpcap refuses: a pcapng
// whose interfaces differ (`dumpcap -i eth0 -i lo`, `mergecap` of an Ethernet and a `-i any`
// capture). libpcap 1.10 reads one link type and one snapshot length per file, and stops at the
// first interface that differs: "an interface has a type N different from the type of the first
// interface" (or "… a snapshot length N different from the snapshot length of the first
// interface"); tshark reads such files, and so does this reader. Every other capture is read by
// libpcap (`CaptureFile`).
//
// The format is draft-ietf-opsawg-pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html):
// §4.1 general block structure, §4.2 Section Header Block, §4.3 Interface Description Block,
// §4.4 Enhanced Packet Block, §4.5 Simple Packet Block, Appendix A Packet Block (obsolete).
// Pure Swift over a ``PcapngByteSource``, with no C call, so that it is fuzzed on its own
// (fuzz/harnesses/pcapng.swift).
import CaptureModel

/// One interface of a pcapng file (an Interface Description Block).
struct PcapngInterface: Equatable, Sendable {
    /// The LINKTYPE_* value (https://www.tcpdump.org/linktypes.html).
    var linkType: Int
    /// The snapshot length; 0 means no limit.
    var snapLength: UInt32
    /// The unit of the interface's time stamps (`if_tsresol`; default 10^-6 s).
    var resolution: PcapngTimestampResolution = .decimal(6)
    /// Seconds added to every time stamp (`if_tsoffset`; default 0).
    var offsetSeconds: Int64 = 0
}

/// The unit of a pcapng time stamp: 10^-n or 2^-n seconds (`if_tsresol`, §4.3.1: the most
/// significant bit says which, the other seven bits are n).
enum PcapngTimestampResolution: Equatable, Sendable {
    case decimal(Int)
    case binary(Int)

    /// The largest exponents whose unit count per second fits 64 bits (10^19, 2^63).
    static let maxDecimalExponent = 19
    static let maxBinaryExponent = 63

    /// Splits a count of units into whole seconds and nanoseconds (truncated below 1 ns).
    func split(_ units: UInt64) -> (seconds: UInt64, nanoseconds: Int64) {
        switch self {
        case .decimal(let exponent):
            var perSecond: UInt64 = 1
            for _ in 0..<exponent { perSecond &*= 10 }
            let fraction = units % perSecond
            var nanoseconds = fraction
            if exponent <= 9 {
                for _ in exponent..<9 { nanoseconds &*= 10 }
            } else {
                for _ in 9..<exponent { nanoseconds /= 10 }
            }
            return (units / perSecond, Int64(nanoseconds))
        case .binary(let exponent):
            guard exponent > 0 else { return (units, 0) }
            let fraction = units & (UInt64.max >> (64 - exponent))
            // fraction × 10^9 / 2^exponent, in 128 bits: fraction < 2^exponent, so the result < 10^9.
            let (high, low) = fraction.multipliedFullWidth(by: 1_000_000_000)
            let upper: UInt64 = high << (64 - exponent)
            let nanoseconds: UInt64 = upper | (low >> exponent)
            return (units >> exponent, Int64(nanoseconds))
        }
    }
}

/// A packet record of a pcapng file: its interface, time and where its bytes are.
struct PcapngPacket: Sendable {
    /// The index of the interface in ``PcapngReader/interfaces`` (every section's interfaces,
    /// numbered in the order they appear in the file).
    var interface: Int
    var timestamp: Timestamp
    /// Where the captured bytes are in ``PcapngReader/block``.
    var data: Range<Int>
    /// The packet's length on the wire.
    var originalLength: Int
}

/// Why reading stopped early.
struct PcapngFailure: Error, Equatable, Sendable {
    /// True when the input ended inside a block (a cut file); false for a broken structure.
    var truncated: Bool
    /// One line of text.
    var reason: String
}

/// One step of ``PcapngReader/next()``.
enum PcapngStep: Sendable {
    case packet(PcapngPacket)
    case endOfFile
    case failed(PcapngFailure)
}

/// Reads pcapng blocks one at a time and returns their packets.
///
/// Bounds: a block is 12 bytes or more, a multiple of 4, at most ``maxBlockLength``, and its
/// trailing length equals its leading one; a packet's bytes lie inside its block; an option lies
/// inside its block; a packet names an interface its section declared; at most ``maxInterfaces``
/// interfaces. Memory is one block buffer (reused) and one small value per interface. Anything
/// else — a damaged or cut block — ends reading with a ``PcapngFailure``; the packets before it
/// were good. Blocks that carry no packet (name resolution, statistics, decryption secrets,
/// custom, unknown) are skipped by their length and counted in ``skippedBlocks``.
struct PcapngReader<Source: PcapngByteSource> {
    /// libpcap's own cap on a pcapng block (`MAX_BLOCKSIZE_FOR_SNAPLEN` of the largest snaplen).
    static var maxBlockLength: Int { 16 * 1024 * 1024 }
    /// Interfaces (every section's) before the file is called damaged.
    static var maxInterfaces: Int { 65_536 }

    private var source: Source
    /// The current block, whole (header, body, trailing length); packets point into it.
    private(set) var block: [UInt8] = []
    /// Every interface of every section so far, in file order.
    private(set) var interfaces: [PcapngInterface] = []
    /// Packet records returned so far (Enhanced, Simple and obsolete Packet Blocks).
    private(set) var packetsRead = 0
    /// Blocks skipped because they carry no packet (name resolution, statistics, custom, unknown…).
    private(set) var skippedBlocks = 0
    /// The current section's byte order.
    private var bigEndian = false
    /// Where the current section's interfaces start in ``interfaces``.
    private var sectionStart = 0
    /// False until the first Section Header Block has been read.
    private var inSection = false
    private var finished = false

    init(source: Source) { self.source = source }

    /// The source, for its position or its failure.
    var byteSource: Source { source }

    /// The next packet, the end of the input, or why reading stopped. After `endOfFile` or
    /// `failed`, every call returns `endOfFile`.
    mutating func next() -> PcapngStep {
        while !finished {
            switch readBlock() {
            case .failure(let failure):
                finished = true
                return .failed(failure)
            case .success(nil):
                finished = true
            case .success(let type?):
                switch interpret(type) {
                case .failure(let failure):
                    finished = true
                    return .failed(failure)
                case .success(let packet?):
                    packetsRead += 1
                    return .packet(packet)
                case .success(nil):
                    continue
                }
            }
        }
        return .endOfFile
    }

    // MARK: - Blocks (§4.1)

    /// Reads the next whole block into ``block``; nil at a clean end of the input.
    private mutating func readBlock() -> Result<UInt32?, PcapngFailure> {
        block.removeAll(keepingCapacity: true)
        let got = source.read(into: &block, count: 8)
        if got == 0 && inSection {
            if let failure = source.failure {
                return .failure(PcapngFailure(truncated: false, reason: "read error: \(failure)"))
            }
            return .success(nil)
        }
        guard got == 8 else { return .failure(cut("a block header")) }
        var type = u32(0)
        if type == Self.sectionHeaderType {
            // The byte-order magic decides how this and every later block of the section reads.
            guard source.read(into: &block, count: 4) == 4 else { return .failure(cut("a Section Header Block")) }
            switch (block[8], block[9], block[10], block[11]) {
            case (0x1A, 0x2B, 0x3C, 0x4D): bigEndian = true
            case (0x4D, 0x3C, 0x2B, 0x1A): bigEndian = false
            default: return .failure(damaged("a Section Header Block has no valid byte-order magic"))
            }
            type = u32(0)
        } else if !inSection {
            return .failure(damaged("the file does not start with a Section Header Block"))
        }
        let length = Int(u32(4))
        let minimum = type == Self.sectionHeaderType ? 28 : 12
        guard length >= minimum, length % 4 == 0, length <= Self.maxBlockLength else {
            return .failure(damaged("a block of type 0x\(hex(type)) has an impossible length \(length)"))
        }
        let rest = length - block.count
        guard source.read(into: &block, count: rest) == rest else {
            return .failure(cut("a block of type 0x\(hex(type))"))
        }
        guard Int(u32(length - 4)) == length else {
            return .failure(damaged("a block of type 0x\(hex(type)) ends with a length different from its start"))
        }
        return .success(type)
    }

    static var sectionHeaderType: UInt32 { 0x0A0D_0D0A }

    /// Applies one block: a header or interface updates the state; a packet block gives a packet.
    private mutating func interpret(_ type: UInt32) -> Result<PcapngPacket?, PcapngFailure> {
        switch type {
        case Self.sectionHeaderType: return startSection().map { nil }
        case 1: return addInterface().map { nil }
        case 6: return enhancedPacket()
        case 3: return simplePacket()
        case 2: return obsoletePacket()
        default:
            skippedBlocks += 1
            return .success(nil)
        }
    }

    /// §4.2: a new section; its interfaces are numbered from 0 again.
    private mutating func startSection() -> Result<Void, PcapngFailure> {
        let major = u16(12), minor = u16(14)
        // 1.0 and 1.2 are the versions written (1.2 by every current writer); libpcap and tshark
        // read those two and refuse the others.
        guard major == 1, minor == 0 || minor == 2 else {
            return .failure(damaged("a section has pcapng version \(major).\(minor); only 1.0 and 1.2 are read"))
        }
        inSection = true
        sectionStart = interfaces.count
        return .success(())
    }

    /// §4.3: link type, snapshot length, and the options that change time stamps.
    private mutating func addInterface() -> Result<Void, PcapngFailure> {
        let end = block.count - 4
        guard end >= 16 else { return .failure(damaged("an Interface Description Block is too short")) }
        guard interfaces.count < Self.maxInterfaces else {
            return .failure(damaged("the file declares more than \(Self.maxInterfaces) interfaces"))
        }
        var interface = PcapngInterface(linkType: Int(u16(8)), snapLength: u32(12))
        var offset = 16
        while offset + 4 <= end {
            let code = u16(offset), length = Int(u16(offset + 2))
            let value = offset + 4
            guard value + length <= end else { return .failure(damaged("an interface option runs past its block")) }
            if code == 0 { break }
            switch code {
            case 9 where length >= 1:
                let byte = Int(block[value])
                let exponent = byte & 0x7F
                if byte & 0x80 == 0 {
                    guard exponent <= PcapngTimestampResolution.maxDecimalExponent else {
                        return .failure(damaged("an interface has an impossible time-stamp resolution 10^-\(exponent)"))
                    }
                    interface.resolution = .decimal(exponent)
                } else {
                    guard exponent <= PcapngTimestampResolution.maxBinaryExponent else {
                        return .failure(damaged("an interface has an impossible time-stamp resolution 2^-\(exponent)"))
                    }
                    interface.resolution = .binary(exponent)
                }
            case 14 where length >= 8:
                interface.offsetSeconds = Int64(bitPattern: u64(value))
            default:
                break
            }
            offset = value + (length + 3) & ~3
        }
        interfaces.append(interface)
        return .success(())
    }

    /// §4.4: interface, 64-bit time stamp, captured and original lengths, the bytes.
    private mutating func enhancedPacket() -> Result<PcapngPacket?, PcapngFailure> {
        guard block.count >= 32 else { return .failure(damaged("an Enhanced Packet Block is too short")) }
        return packet(
            interfaceID: Int(u32(8)), timeHigh: u32(12), timeLow: u32(16), captured: u32(20), original: u32(24),
            dataStart: 28)
    }

    /// Appendix A: the obsolete Packet Block (16-bit interface, drop count, then as §4.4).
    private mutating func obsoletePacket() -> Result<PcapngPacket?, PcapngFailure> {
        guard block.count >= 32 else { return .failure(damaged("a Packet Block is too short")) }
        return packet(
            interfaceID: Int(u16(8)), timeHigh: u32(12), timeLow: u32(16), captured: u32(20), original: u32(24),
            dataStart: 28)
    }

    /// §4.5: interface 0, no time stamp (0, as libpcap and tshark give it), the original length;
    /// the captured length is the smallest of that, the interface's snapshot length and the block.
    private mutating func simplePacket() -> Result<PcapngPacket?, PcapngFailure> {
        guard block.count >= 16 else { return .failure(damaged("a Simple Packet Block is too short")) }
        guard sectionStart < interfaces.count else {
            return .failure(damaged("a Simple Packet Block comes before any Interface Description Block"))
        }
        let original = Int(u32(8))
        var captured = min(original, block.count - 16)
        let snapLength = interfaces[sectionStart].snapLength
        if snapLength != 0 { captured = min(captured, Int(snapLength)) }
        return .success(
            PcapngPacket(
                interface: sectionStart, timestamp: Timestamp(seconds: 0), data: 12..<12 + captured,
                originalLength: original))
    }

    /// A packet of an Enhanced or obsolete Packet Block, checked against its block and section.
    private func packet(
        interfaceID: Int, timeHigh: UInt32, timeLow: UInt32, captured: UInt32, original: UInt32, dataStart: Int
    ) -> Result<PcapngPacket?, PcapngFailure> {
        let declared = interfaces.count - sectionStart
        guard interfaceID < declared else {
            return .failure(damaged("a packet names interface \(interfaceID), but its section declares \(declared)"))
        }
        let capturedLength = Int(captured)
        guard capturedLength <= block.count - 4 - dataStart else {
            return .failure(damaged("a packet's captured length \(capturedLength) runs past its block"))
        }
        let interface = interfaces[sectionStart + interfaceID]
        let units: UInt64 = UInt64(timeHigh) << 32 | UInt64(timeLow)
        let (seconds, nanoseconds) = interface.resolution.split(units)
        let (shifted, overflow) = Int64(clamping: seconds).addingReportingOverflow(interface.offsetSeconds)
        let timestamp = Timestamp(seconds: overflow ? Int64.max / 2 : shifted, nanoseconds: nanoseconds)
        return .success(
            PcapngPacket(
                interface: sectionStart + interfaceID, timestamp: timestamp,
                data: dataStart..<dataStart + capturedLength,
                originalLength: Int(original)))
    }

    // MARK: - Fields

    /// The unsigned number of `size` bytes at `offset`, in the section's byte order.
    private func number(_ offset: Int, _ size: Int) -> UInt64 {
        var value: UInt64 = 0
        for i in 0..<size {
            let byte: UInt8 = block[offset + (bigEndian ? i : size - 1 - i)]
            value = value << 8 | UInt64(byte)
        }
        return value
    }

    private func u16(_ offset: Int) -> UInt16 { UInt16(truncatingIfNeeded: number(offset, 2)) }
    private func u32(_ offset: Int) -> UInt32 { UInt32(truncatingIfNeeded: number(offset, 4)) }
    private func u64(_ offset: Int) -> UInt64 { number(offset, 8) }

    private func damaged(_ reason: String) -> PcapngFailure {
        PcapngFailure(truncated: false, reason: "capture is damaged: \(reason)")
    }

    private func cut(_ what: String) -> PcapngFailure {
        if let failure = source.failure { return PcapngFailure(truncated: false, reason: "read error: \(failure)") }
        return PcapngFailure(truncated: true, reason: "capture is cut short: the file ends inside \(what)")
    }

    private func hex(_ value: UInt32) -> String { String(value, radix: 16) }
}
