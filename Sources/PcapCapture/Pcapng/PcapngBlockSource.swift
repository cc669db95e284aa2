// Where the pcapng reader's bytes come from. The reader is pure Swift over this protocol, so the
// same code reads a file, a gzip stream or a pipe (through a stdio stream, `StdioBlockSource`) and,
// in the fuzzer, bytes in memory.

/// A forward-only source of bytes.
protocol PcapngByteSource {
    /// Appends up to `count` bytes to `buffer`; returns how many were appended. Fewer than
    /// `count` means the end of the input (or a read error, told by ``failure``).
    mutating func read(into buffer: inout [UInt8], count: Int) -> Int
    /// The reason the last short read was an error rather than the end, if it was.
    var failure: String? { get }
}

/// Bytes held in memory (tests and the fuzzer).
struct MemoryByteSource: PcapngByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func read(into buffer: inout [UInt8], count: Int) -> Int {
        let taken = min(count, bytes.count - offset)
        buffer.append(contentsOf: bytes[offset..<offset + taken])
        offset += taken
        return taken
    }

    var failure: String? { nil }
}
