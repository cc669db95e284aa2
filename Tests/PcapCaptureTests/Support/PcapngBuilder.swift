/// Builds pcapng bytes block by block (draft-ietf-opsawg-pcapng §4), in either byte order, for
/// the pcapng reader's tests.
struct PcapngBuilder {
    var bigEndian = false
    private(set) var bytes: [UInt8] = []

    init(bigEndian: Bool = false) { self.bigEndian = bigEndian }

    func u16(_ value: Int) -> [UInt8] {
        let v = UInt16(truncatingIfNeeded: value)
        return bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)]
    }

    func u32(_ value: UInt32) -> [UInt8] {
        let b = [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        return bigEndian ? b : b.reversed()
    }

    func u64(_ value: UInt64) -> [UInt8] {
        let high = u32(UInt32(value >> 32)), low = u32(UInt32(value & 0xFFFF_FFFF))
        return bigEndian ? high + low : low + high
    }

    /// One block: type, total length, body padded to 4, total length.
    func block(_ type: UInt32, _ body: [UInt8]) -> [UInt8] {
        let padded = body + [UInt8](repeating: 0, count: (4 - body.count % 4) % 4)
        let length = UInt32(padded.count + 12)
        return u32(type) + u32(length) + padded + u32(length)
    }

    func option(_ code: Int, _ value: [UInt8]) -> [UInt8] {
        u16(code) + u16(value.count) + value + [UInt8](repeating: 0, count: (4 - value.count % 4) % 4)
    }

    mutating func section(major: Int = 1) {
        bytes += block(0x0A0D_0D0A, u32(0x1A2B_3C4D) + u16(major) + u16(0) + u64(UInt64.max))
    }

    mutating func interface(linkType: Int, snapLength: UInt32 = 262_144, resolution: UInt8? = nil, offset: Int64? = nil)
    {
        var options: [UInt8] = []
        if let resolution { options += option(9, [resolution]) }
        if let offset { options += option(14, u64(UInt64(bitPattern: offset))) }
        if !options.isEmpty { options += option(0, []) }
        bytes += block(1, u16(linkType) + u16(0) + u32(snapLength) + options)
    }

    mutating func enhancedPacket(interface: Int, units: UInt64, data: [UInt8], originalLength: Int? = nil) {
        bytes += block(
            6,
            u32(UInt32(interface)) + u32(UInt32(units >> 32)) + u32(UInt32(units & 0xFFFF_FFFF))
                + u32(UInt32(data.count))
                + u32(UInt32(originalLength ?? data.count)) + data)
    }

    mutating func simplePacket(data: [UInt8], originalLength: Int? = nil) {
        bytes += block(3, u32(UInt32(originalLength ?? data.count)) + data)
    }

    mutating func obsoletePacket(interface: Int, units: UInt64, data: [UInt8]) {
        bytes += block(
            2,
            u16(interface) + u16(0) + u32(UInt32(units >> 32)) + u32(UInt32(units & 0xFFFF_FFFF))
                + u32(UInt32(data.count))
                + u32(UInt32(data.count)) + data)
    }

    mutating func other(type: UInt32, body: [UInt8]) {
        bytes += block(type, body)
    }

    mutating func append(_ raw: [UInt8]) { bytes += raw }
}
