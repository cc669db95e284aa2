internal import CStdioCookie

// Byte streams under a capture: a file descriptor (a pipe, a FIFO, standard input, or a regular
// file reopened for the pcapng reader) or a gzip file (`GzipSource`). Each can be handed to
// libpcap as a stdio `FILE *` (glibc's `fopencookie`, through CStdioCookie) or read directly by
// the pcapng reader (`PcapngReader`).
#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#endif

/// A source of bytes read front to back, once.
protocol ByteStream: AnyObject {
    /// Reads up to `count` bytes into `buffer`: the count read (possibly fewer), 0 at the end,
    /// -1 on an error (``failure`` then says which).
    func readSome(into buffer: UnsafeMutableRawPointer, count: Int) -> Int
    /// Closes what the stream holds; reads after it return 0.
    func close()
    /// The reason reading failed, if it did.
    var failure: String? { get }
}

/// A file descriptor read with `read(2)`, with bytes already looked at (``lookAhead(_:)``) given
/// back first — so that the first bytes of a pipe can be examined and still reach libpcap.
final class DescriptorStream: ByteStream {
    private var descriptor: Int32
    /// Whether ``close()`` closes the descriptor (not for standard input, which the process keeps).
    private let ownsDescriptor: Bool
    /// Bytes read ahead and not yet handed out.
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private(set) var failure: String?
    /// Bytes handed out so far (the position in the stream), for progress reporting.
    private(set) var position: Int64 = 0
    /// The most bytes ``lookAhead(_:)`` keeps (a pipe cannot be rewound; this bounds the memory).
    static let maxLookAhead = 1 << 20

    /// Wraps `descriptor`; `owned`: close it with the stream.
    init(descriptor: Int32, owned: Bool) {
        self.descriptor = descriptor
        self.ownsDescriptor = owned
    }

    deinit { close() }

    /// The first `count` bytes of the stream (fewer at its end), read without consuming them:
    /// later reads start at the beginning again. Only before the first ``readSome(into:count:)``;
    /// `count` is capped at ``maxLookAhead``. The slice shares the stream's buffer: drop it before
    /// the next call, or that call copies the buffer.
    /// The corresponding C function is `read`.
    func lookAhead(_ count: Int) -> ArraySlice<UInt8> {
        let wanted = min(count, Self.maxLookAhead)
        if pending.count < wanted {
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while pending.count < wanted {
                let room = min(chunk.count, wanted - pending.count)
                let got = chunk.withUnsafeMutableBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return 0 }
                    return readDescriptor(into: base, count: room)
                }
                if got <= 0 { break }
                pending.append(contentsOf: chunk[0..<got])
            }
        }
        return pending.prefix(wanted)
    }

    func readSome(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        if pendingOffset < pending.count {
            let taken = min(count, pending.count - pendingOffset)
            let offset = pendingOffset
            pending.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return }
                buffer.copyMemory(from: base + offset, byteCount: taken)
            }
            pendingOffset += taken
            if pendingOffset == pending.count {
                pending = []
                pendingOffset = 0
            }
            position += Int64(taken)
            return taken
        }
        let got = readDescriptor(into: buffer, count: count)
        if got > 0 { position += Int64(got) }
        return got
    }

    /// `read(2)`, retried after EINTR; 0 once closed.
    private func readDescriptor(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        guard descriptor >= 0 else { return 0 }
        while true {
            let got = read(descriptor, buffer, count)
            if got >= 0 { return got }
            if errno == EINTR { continue }
            if failure == nil { failure = errnoText(errno) }
            return -1
        }
    }

    /// The corresponding C function is `close`.
    func close() {
        guard descriptor >= 0 else { return }
        if ownsDescriptor { _ = closeDescriptor(descriptor) }
        descriptor = -1
        pending = []
        pendingOffset = 0
    }
}

/// `close(2)` (a free function, as `close` inside a stream is the stream's own).
private func closeDescriptor(_ descriptor: Int32) -> Int32 {
    close(descriptor)
}

/// A read-only stdio stream over `stream`, for libpcap (`pcap_fopen_offline`). The `FILE *` owns
/// the stream: closing it (libpcap's `pcap_close` does, through `fclose`) closes the stream.
///
/// The corresponding C function is `fopencookie`.
func makeStdioStream(over stream: any ByteStream) -> Result<UnsafeMutablePointer<FILE>, CaptureErrorReason> {
    let cookie = Unmanaged.passRetained(StreamBox(stream)).toOpaque()
    let file = cd_fopencookie_read(
        cookie,
        { cookie, buffer, count in
            guard let cookie, let buffer else { return -1 }
            let box = Unmanaged<StreamBox>.fromOpaque(cookie).takeUnretainedValue()
            let got = box.stream.readSome(into: UnsafeMutableRawPointer(buffer), count: count)
            if got < 0 { errno = EIO }
            return got
        },
        { cookie in
            guard let cookie else { return 0 }
            Unmanaged<StreamBox>.fromOpaque(cookie).takeRetainedValue().stream.close()
            return 0
        })
    guard let file else {
        let reason = CaptureErrorReason(code: .cannotOpen, text: "cannot open: \(errnoText(errno))")
        Unmanaged<StreamBox>.fromOpaque(cookie).release()
        return .failure(reason)
    }
    return .success(file)
}

/// Hands a stream to libpcap. The outer failure is a `FILE *` that could not be made; the inner
/// result is libpcap's (on its failure the `FILE *` is closed here, and the stream with it).
///
/// The corresponding C functions are `pcap_fopen_offline_with_tstamp_precision` and `fclose`.
func openWithLibpcap(_ stream: any ByteStream) -> Result<Result<OpaquePointer, LibpcapMessage>, CaptureErrorReason> {
    switch makeStdioStream(over: stream) {
    case .failure(let reason):
        return .failure(reason)
    case .success(let file):
        let opened = libpcapFOpenOffline(file)
        if case .failure = opened { _ = fclose(file) }
        return .success(opened)
    }
}

/// A class box, so that an existential can travel through a C `void *`.
private final class StreamBox {
    let stream: any ByteStream
    init(_ stream: any ByteStream) { self.stream = stream }
}

/// A ``ByteStream`` as the pcapng reader's source: reads are repeated until `count` bytes or the end.
struct StreamByteSource: PcapngByteSource {
    let stream: any ByteStream

    mutating func read(into buffer: inout [UInt8], count: Int) -> Int {
        let start = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: count))
        var got = 0
        while got < count {
            let offset = start + got, room = count - got
            let n = buffer.withUnsafeMutableBytes { bytes -> Int in
                guard let base = bytes.baseAddress else { return 0 }
                return stream.readSome(into: base + offset, count: room)
            }
            if n <= 0 { break }
            got += n
        }
        buffer.removeLast(count - got)
        return got
    }

    var failure: String? { stream.failure }
}
