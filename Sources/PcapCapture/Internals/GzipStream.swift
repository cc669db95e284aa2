internal import CStdioCookie
internal import CZlib

// gzip-compressed captures, read through zlib and handed to libpcap as an ordinary `FILE *`.
//
// libpcap can read a savefile from any stdio stream (`pcap_fopen_offline*`). glibc's
// `fopencookie` makes a stream whose reads call back into Swift; the callback inflates with zlib's
// `gzread`. So libpcap still parses every header and record, and decompression is zlib's, streaming,
// with a fixed-size buffer — the file is never decompressed to disk or memory as a whole.
#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#endif

/// One open gzip file, owned by the stdio stream made for it (released by the stream's close).
final class GzipSource: ByteStream {
    /// zlib's handle; nil once closed.
    private var file: gzFile?
    /// zlib's message for the first read error, if any ("invalid distance too far back").
    private(set) var failure: String?
    /// True when the compressed input ended inside a gzip member (a cut `.gz` file).
    private(set) var endedEarly = false

    /// zlib's input buffer (its output buffer is twice as large): large enough that zlib's
    /// per-call overhead does not show, small enough that data decompressed before a corrupt spot
    /// still reaches libpcap (zlib drops the batch in which inflate fails). Memory stays fixed
    /// whatever the file's size.
    static let bufferSize: UInt32 = 64 * 1024

    /// The path, as opened.
    private let path: String

    private init(file: gzFile, path: String) {
        self.file = file
        self.path = path
        gzbuffer(file, Self.bufferSize)
    }

    /// A source dropped without a stream — the file held no capture, or libpcap was never reached —
    /// still closes its zlib handle and file descriptor (`gzclose`). Found by LeakSanitizer: every
    /// `.gz` that did not hold a capture leaked zlib's buffers (~600 KB) and a descriptor.
    deinit { close() }

    /// Opens `path` with zlib, or returns the C library's reason.
    ///
    /// The corresponding C function is `gzopen`.
    static func open(path: String) -> Result<GzipSource, CaptureErrorReason> {
        guard let file = gzopen(path, "rb") else {
            return .failure(CaptureErrorReason(code: .cannotOpen, text: "cannot open: \(errnoText(errno))"))
        }
        return .success(GzipSource(file: file, path: path))
    }

    /// Up to `count` decompressed bytes at the start of the stream, read and then rewound, so that
    /// the caller can look at the magic number of what the file holds.
    ///
    /// The corresponding C functions are `gzread` and `gzrewind`.
    func peek(_ count: Int) -> Result<[UInt8], CaptureErrorReason> {
        guard let file else { return .success([]) }
        var prefix = [UInt8](repeating: 0, count: count)
        // SAFETY: the pointer covers `prefix` (`count` bytes) and is used only inside the closure.
        let got = prefix.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
        if got < 0 {
            return .failure(
                CaptureErrorReason(
                    code: .damaged, text: "is gzip-compressed, but the gzip data is corrupt: \(message())"))
        }
        prefix.removeLast(count - Int(got))
        if gzrewind(file) != 0 {
            return .failure(
                CaptureErrorReason(code: .damaged, text: "is gzip-compressed, and cannot be rewound: \(message())"))
        }
        return .success(prefix)
    }

    /// Compressed bytes consumed so far (zlib's read-ahead included): the position in the file
    /// on disk, for progress reporting.
    ///
    /// The corresponding C function is `gzoffset`.
    var compressedOffset: Int64 {
        guard let file else { return 0 }
        return Int64(gzoffset(file))
    }

    /// Reads decompressed bytes: the byte count, 0 at the end, or -1 (with `errno` = EIO) when
    /// the data is corrupt.
    func readSome(into buffer: UnsafeMutableRawPointer, count: Int) -> Int {
        guard let file else { return 0 }
        let wanted = UInt32(min(count, Int(Int32.max)))
        let got = gzread(file, buffer, wanted)
        if got < 0 {
            if failure == nil { failure = message() }
            errno = EIO
            return -1
        }
        if got == 0 {
            var code: Int32 = 0
            _ = gzerror(file, &code)
            if code == Z_BUF_ERROR { endedEarly = true }
        }
        return Int(got)
    }

    /// Closes the zlib handle (and the file under it).
    ///
    /// The corresponding C function is `gzclose`.
    func close() {
        guard let file else { return }
        self.file = nil
        _ = gzclose(file)
    }

    /// zlib's text for the current error.
    ///
    /// The corresponding C function is `gzerror`.
    private func message() -> String {
        guard let file else { return "closed" }
        var code: Int32 = 0
        guard let text = gzerror(file, &code) else { return "zlib error \(code)" }
        var string = String(cString: text)
        // zlib prefixes the path ("capture.pcap.gz: incorrect data check"); reports name it already.
        if string.hasPrefix(path + ": ") { string.removeFirst(path.count + 2) }
        return string.isEmpty ? "zlib error \(code)" : string
    }
}

/// A failure code and its one-line reason, before the path is attached.
struct CaptureErrorReason: Error {
    var code: CaptureError.Code
    var text: String
}
