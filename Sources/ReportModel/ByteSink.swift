/// UTF-8 bytes on their way to a destination, handed over in chunks of bounded size.
///
/// Every report format is written into a sink as it is rendered — a row, an exchange, a JSON
/// element at a time — so no renderer holds the whole document: the memory a report costs is the
/// report value plus one chunk (peak RSS, issue #5).
///
/// Contract:
/// - The destination receives every byte written, once, in the order written.
/// - After each write the sink checks its buffer: once it holds ``chunkSize`` bytes or more, the
///   whole buffer is handed to the destination as one chunk and the buffer is emptied. So every
///   chunk but the last has at least ``chunkSize`` bytes and at most `chunkSize - 1` plus the
///   largest single write (one row); nothing more than that is ever buffered.
/// - ``finish()`` hands over what is left (if anything) and must be called once, last.
/// - The first error the destination throws stops delivery for good: later bytes are dropped (the
///   buffer stays bounded) and ``finish()`` throws that error. Renderers therefore never need to
///   handle errors; the caller of ``finish()`` does.
/// - One thread writes; the sink is not `Sendable`.
public final class ByteSink {
    /// The chunk size used unless one is given: 64 KiB.
    public static let defaultChunkSize = 1 << 16

    /// The buffer is handed over when it holds at least this many bytes.
    public let chunkSize: Int
    private var buffer: [UInt8] = []
    private let destination: (_ chunk: [UInt8]) throws -> Void
    private var failure: (any Error)?
    private var finished = false

    /// A sink that hands each chunk to `destination`. A throwing destination stops delivery (see
    /// the type's contract).
    public init(chunkSize: Int = ByteSink.defaultChunkSize, destination: @escaping (_ chunk: [UInt8]) throws -> Void) {
        precondition(chunkSize > 0, "chunkSize must be positive")
        self.chunkSize = chunkSize
        self.destination = destination
        buffer.reserveCapacity(Swift.min(chunkSize, ByteSink.defaultChunkSize) + 1024)
    }

    /// Whether a destination error has stopped delivery (the rest is being dropped).
    public var failed: Bool { failure != nil }

    /// Appends the UTF-8 bytes of `text`.
    public func write(_ text: String) {
        precondition(!finished, "write after finish()")
        var text = text
        text.withUTF8 { buffer.append(contentsOf: $0) }
        handOverIfFull()
    }

    /// Appends `bytes` (already UTF-8).
    public func write(bytes: some Collection<UInt8>) {
        precondition(!finished, "write after finish()")
        buffer.append(contentsOf: bytes)
        handOverIfFull()
    }

    /// Lets `body` append to the buffer in place (a serialiser working on bytes), then checks the
    /// buffer as after any write: everything `body` appends counts as one write. `body` must not
    /// touch this sink (the buffer is lent to it exclusively).
    public func append(_ body: (inout [UInt8]) -> Void) {
        precondition(!finished, "write after finish()")
        body(&buffer)
        handOverIfFull()
    }

    /// Hands over the bytes still buffered, then throws the destination's first error, if any.
    /// Call it once, after the last write.
    public func finish() throws {
        precondition(!finished, "finish() called twice")
        finished = true
        if !buffer.isEmpty { handOver() }
        if let failure { throw failure }
    }

    private func handOverIfFull() {
        if buffer.count >= chunkSize { handOver() }
    }

    private func handOver() {
        if failure == nil {
            do {
                try destination(buffer)
            } catch {
                failure = error
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

extension ByteSink {
    /// What `body` writes into a sink, as one `String`: the in-memory destination behind every
    /// `render(…) -> String` (tests, and callers that want the text).
    public static func collect(chunkSize: Int = ByteSink.defaultChunkSize, _ body: (ByteSink) -> Void) -> String {
        var bytes: [UInt8] = []
        let sink = ByteSink(chunkSize: chunkSize) { bytes.append(contentsOf: $0) }
        body(sink)
        // The destination above cannot fail.
        try? sink.finish()
        return String(decoding: bytes, as: UTF8.self)
    }
}
