/// A cursor over captured bytes whose reads return `nil` instead of trapping.
///
/// Header parsers read through this type only, so no input — however short or hostile — can
/// index out of bounds. Multi-byte reads are big-endian (network byte order) unless they say
/// otherwise. The reader slices the record's single `[UInt8]` copy and never copies it.
struct ByteReader {
    /// The bytes not consumed yet; indices are those of the record's array.
    private(set) var bytes: ArraySlice<UInt8>

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
    }

    /// Bytes left.
    var count: Int { bytes.count }

    /// The byte `offset` bytes ahead, or nil past the end.
    func peekUInt8(at offset: Int = 0) -> UInt8? {
        guard offset >= 0, offset < bytes.count else { return nil }
        return bytes[bytes.startIndex + offset]
    }

    /// The big-endian 16-bit value `offset` bytes ahead, or nil if it does not fit.
    func peekUInt16(at offset: Int = 0) -> UInt16? {
        guard offset >= 0, offset <= bytes.count - 2 else { return nil }
        let i = bytes.startIndex + offset
        return UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1])
    }

    /// The big-endian 32-bit value `offset` bytes ahead, or nil if it does not fit.
    func peekUInt32(at offset: Int = 0) -> UInt32? {
        guard offset >= 0, offset <= bytes.count - 4 else { return nil }
        let i = bytes.startIndex + offset
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    /// The big-endian 64-bit value `offset` bytes ahead, or nil if it does not fit.
    func peekUInt64(at offset: Int = 0) -> UInt64? {
        guard let high = peekUInt32(at: offset), let low = peekUInt32(at: offset + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// Consumes `n` bytes; returns false (and consumes nothing) if fewer are left.
    @discardableResult
    mutating func skip(_ n: Int) -> Bool {
        guard n >= 0, n <= bytes.count else { return false }
        bytes = bytes.dropFirst(n)
        return true
    }

    /// Drops everything after the first `n` bytes (e.g. Ethernet padding past the IP total
    /// length). Does nothing when `n` is not smaller than ``count``.
    mutating func limit(to n: Int) {
        guard n >= 0, n < bytes.count else { return }
        bytes = bytes.prefix(n)
    }
}
