import CaptureModel

/// An open capture file (pcap or pcapng), read one record at a time through libpcap.
///
/// The value owns libpcap's `pcap_t` and closes it in `deinit` (`pcap_close`); it is
/// `~Copyable`, so the handle can never be shared or closed twice. Reading is synchronous and
/// streaming: memory does not grow with the file.
///
/// ```swift
/// var file = try CaptureFile(path: "upload.pcap", filter: "tcp port 80")
/// loop: while true {
///     switch file.next() {
///     case .packet(let packet): handle(packet)
///     case .endOfFile: break loop
///     case .damaged(let error): report(error); break loop
///     }
/// }
/// ```
///
/// Timestamps always have nanosecond resolution: the file is opened with
/// `PCAP_TSTAMP_PRECISION_NANO`, and libpcap scales microsecond files up.
///
/// `Sendable` so that a batch scan can open a file and hand it to the task that reads it: being
/// `~Copyable`, the value — and so the `pcap_t` — has exactly one owner at a time, and libpcap
/// only requires that one handle is not used from two threads at once.
public struct CaptureFile: ~Copyable, @unchecked Sendable {
    /// The path the file was opened with.
    public let path: String
    /// The container format, from the file's magic number.
    public let format: CaptureFormat
    /// The link layer of the records (libpcap reports one per file; a pcapng file whose
    /// interfaces disagree stops with ``CaptureRecord/damaged(_:)`` where they change).
    public let linkLayer: LinkLayer
    /// The snapshot length recorded in the file (`pcap_snapshot`).
    public let snapshotLength: Int
    /// The BPF filter expression records are matched against, if any.
    public let filter: String?
    /// How the file on disk is compressed (told by its magic number, not its name).
    public let compression: CaptureCompression

    /// The format as reports show it: `"pcap (µs, little-endian)"`, `"pcapng, gzip"`.
    public var formatDescription: String {
        compression == .none ? format.description : "\(format), \(compression)"
    }

    /// How far into the file on disk reading has got, in bytes (compressed bytes for a gzip file;
    /// stdio's and zlib's read-ahead included), for progress reporting.
    /// The corresponding C functions are `ftello` and `gzoffset`.
    public var bytesConsumed: Int64 {
        if let gzip { return gzip.compressedOffset }
        return libpcapStreamPosition(handle)
    }

    /// The only copy of libpcap's handle.
    private let handle: OpaquePointer
    /// The zlib source behind libpcap's stream, for a gzip file (owned by the stream; kept here
    /// to read its position and error).
    private let gzip: GzipSource?
    /// The compiled filter, applied with `pcap_offline_filter`, freed in `deinit`.
    private let program: LibpcapProgram?
    /// Records read from the file so far, including those the filter rejected.
    public private(set) var recordsRead = 0
    /// Set once the end of the file or a damaged record has been reported.
    private var finished = false
    /// The record copies (``RecordCopies``).
    private var recordCopies = RecordCopies()

    /// Opens a capture file for reading.
    ///
    /// The path is checked first (it must be a non-empty regular file — a FIFO or a directory is
    /// rejected rather than blocked on — starting with a pcap or pcapng magic number), then opened
    /// with `pcap_open_offline_with_tstamp_precision(…, PCAP_TSTAMP_PRECISION_NANO, …)`.
    ///
    /// A filter is compiled with `pcap_compile` (tcpdump / `pcap-filter(7)` syntax) and applied to
    /// each record with `pcap_offline_filter`, rather than installed with `pcap_setfilter`, so that
    /// ``CapturedPacket/frameNumber`` keeps counting every record of the file — the same numbers
    /// Wireshark shows — even when the filter drops some.
    ///
    /// - Parameters:
    ///   - path: the capture file.
    ///   - filter: a BPF filter expression such as `"tcp port 80"`, or `nil` for every record.
    /// - Throws: ``CaptureError`` with code `cannotOpen` (missing, unreadable, not a regular file),
    ///   `notACapture` (empty, text, random or compressed bytes), `unsupportedFormat` (a pcap or
    ///   pcapng version libpcap refuses), `truncated` (cut inside the file header), `damaged`, or
    ///   `filter` (the expression does not compile for this link type).
    public init(path: String, filter: String? = nil) throws(CaptureError) {
        let format: CaptureFormat
        var gzip: GzipSource?
        switch probeCaptureFile(path: path) {
        case .failure(let error):
            throw error
        case .success(let prefix):
            switch classifyMagic(prefix) {
            case .capture(let detected):
                format = detected
            case .gzip:
                // gzip, told by its magic (1f 8b) and never by the file name: look inside.
                let source: GzipSource
                switch GzipSource.open(path: path) {
                case .success(let opened): source = opened
                case .failure(let reason): throw CaptureError(code: reason.code, path: path, reason: reason.text)
                }
                let inner: [UInt8]
                switch source.peek(4) {
                case .success(let bytes): inner = bytes
                case .failure(let reason): throw CaptureError(code: reason.code, path: path, reason: reason.text)
                }
                switch classifyMagic(inner) {
                case .capture(let detected):
                    format = detected
                    gzip = source
                case .gzip, .unknown:
                    let what =
                        inner.isEmpty
                        ? "is empty"
                        : inner.count < 4
                            ? "is only \(inner.count) bytes long"
                            : "starts with bytes \(inner.map { hexByte($0) }.joined(separator: " "))"
                    throw CaptureError(
                        code: .notACapture, path: path,
                        reason: "is gzip-compressed, but what it holds is not a pcap or pcapng capture (it \(what))")
                }
            case .unknown(let bytes):
                let hex = bytes.map { hexByte($0) }.joined(separator: " ")
                let what = bytes.count < 4 ? "is only \(bytes.count) bytes long" : "starts with bytes \(hex)"
                throw CaptureError(
                    code: .notACapture, path: path,
                    reason: "is not a pcap or pcapng capture file (\(what))")
            }
        }

        let handle: OpaquePointer
        let opened: Result<OpaquePointer, LibpcapMessage>
        if let gzip {
            switch gzip.openWithLibpcap() {
            case .success(let result): opened = result
            case .failure(let reason): throw CaptureError(code: reason.code, path: path, reason: reason.text)
            }
        } else {
            opened = libpcapOpenOffline(path: path)
        }
        let described = gzip == nil ? format.description : "\(format), gzip"
        switch opened {
        case .success(let value):
            handle = value
        case .failure(let message):
            let text = gzip.map { Self.describeGzipFailure($0, libpcap: message.text) } ?? message.text
            throw CaptureError(
                code: openFailureCode(message.text), path: path,
                reason: "\(described) file cannot be read: \(text)")
        }

        var program: LibpcapProgram?
        if let filter {
            switch libpcapCompile(handle, expression: filter) {
            case .success(let compiled):
                program = compiled
            case .failure(let message):
                libpcapClose(handle)
                throw CaptureError(
                    code: .filter, path: path, reason: "invalid capture filter \"\(filter)\": \(message.text)")
            }
        }

        self.path = path
        self.format = format
        self.compression = gzip == nil ? .none : .gzip
        self.gzip = gzip
        self.handle = handle
        self.program = program
        self.filter = filter
        self.linkLayer = PcapCapture.linkLayer(forDLT: libpcapDatalink(handle))
        self.snapshotLength = Int(libpcapSnapshot(handle))
    }

    /// libpcap's message for a gzip-backed stream, with zlib's reason when zlib had one.
    private static func describeGzipFailure(_ gzip: GzipSource, libpcap text: String) -> String {
        if let failure = gzip.failure { return "the gzip data is corrupt (\(failure))" }
        if gzip.endedEarly { return "\(text) (the gzip stream ends early)" }
        return text
    }

    deinit {
        if var program { libpcapFreeCode(&program) }
        libpcapClose(handle)
    }

    /// Reads the next record that passes the filter.
    ///
    /// The record's bytes are copied once, into ``CapturedPacket/bytes``; `frameNumber` is the
    /// 1-based position of the record in the file. After ``CaptureRecord/endOfFile`` or
    /// ``CaptureRecord/damaged(_:)`` every call returns ``CaptureRecord/endOfFile``.
    /// The corresponding C function is `pcap_next_ex`.
    public mutating func next() -> CaptureRecord {
        while !finished {
            switch libpcapNextEx(handle) {
            case .endOfFile:
                finished = true
            case .error(let message):
                finished = true
                if let failure = gzip?.failure {
                    return .damaged(
                        CaptureError(
                            code: .damaged, path: path, reason: "the gzip data is corrupt (\(failure))",
                            recordNumber: recordsRead + 1))
                }
                let code: CaptureError.Code = recordFailureIsTruncation(message) ? .truncated : .damaged
                let what = code == .truncated ? "capture is cut short" : "capture is damaged"
                let cause = gzip?.endedEarly == true ? " (the gzip stream ends early)" : ""
                return .damaged(
                    CaptureError(
                        code: code, path: path, reason: "\(what): \(message)\(cause)", recordNumber: recordsRead + 1))
            case .packet(let header, let data):
                recordsRead += 1
                if let program {
                    let matches = withUnsafePointer(to: program) { libpcapOfflineFilter($0, header: header, data: data) }
                    if !matches { continue }
                }
                let fields = libpcapRecordFields(header)
                var seconds = fields.seconds
                if seconds < 0, case .pcap = format {
                    // libpcap 1.10 reads classic pcap's 32-bit seconds field as signed
                    // (`bpf_int32`), so times after 2038-01-19 come back negative; the format
                    // defines the field as unsigned (draft-ietf-opsawg-pcap §5), as tshark reads it.
                    seconds += 1 << 32
                }
                // SAFETY: libpcap guarantees `data` points at `caplen` readable bytes until the next
                // call on this handle; they are copied here, before that call.
                let bytes = recordCopies.copy(UnsafeBufferPointer(start: data, count: fields.capturedLength))
                return .packet(
                    CapturedPacket(
                        frameNumber: recordsRead,
                        timestamp: Timestamp(seconds: seconds, nanoseconds: fields.nanoseconds),
                        bytes: bytes,
                        originalLength: fields.originalLength,
                        linkLayer: linkLayer))
            }
        }
        return .endOfFile
    }

    /// The libpcap library in use, e.g. `"libpcap version 1.10.3 (with TPACKET_V3)"`.
    /// The corresponding C function is `pcap_lib_version`.
    public static var libpcapVersion: String { libpcapLibVersion() }
}

/// How a capture file on disk is compressed.
public enum CaptureCompression: Sendable, Hashable, CustomStringConvertible {
    /// Read as it is.
    case none
    /// gzip (RFC 1952), decompressed on the fly by zlib.
    case gzip

    /// `"none"`, `"gzip"`.
    public var description: String {
        switch self {
        case .none: "none"
        case .gzip: "gzip"
        }
    }
}

/// The code for a failure of `pcap_open_offline*`, from libpcap's message.
func openFailureCode(_ message: String) -> CaptureError.Code {
    if message.contains("truncated") { return .truncated }
    if message.contains("unknown file format") { return .notACapture }
    if message.contains("unsupported") || message.contains("version") || message.contains("not supported")
        || message.contains("archaic") || message.contains("unknown data link type")
    {
        return .unsupportedFormat
    }
    return .damaged
}

/// True when a `pcap_next_ex` error says the file ended inside a record (libpcap's
/// "truncated dump file; …" / "truncated pcapng dump file; …").
func recordFailureIsTruncation(_ message: String) -> Bool {
    message.contains("truncated")
}

/// Two lower-case hex digits.
func hexByte(_ byte: UInt8) -> String {
    let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
}
