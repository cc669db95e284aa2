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

    /// The only copy of libpcap's handle.
    private let handle: OpaquePointer
    /// The compiled filter, applied with `pcap_offline_filter`, freed in `deinit`.
    private let program: LibpcapProgram?
    /// Records read from the file so far, including those the filter rejected.
    public private(set) var recordsRead = 0
    /// Set once the end of the file or a damaged record has been reported.
    private var finished = false

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
        switch probeCaptureFile(path: path) {
        case .failure(let error):
            throw error
        case .success(let prefix):
            switch classifyMagic(prefix) {
            case .capture(let detected):
                format = detected
            case .gzip:
                throw CaptureError(
                    code: .notACapture, path: path,
                    reason: "is gzip-compressed; decompress it first (gunzip) and read the result")
            case .unknown(let bytes):
                let hex = bytes.map { hexByte($0) }.joined(separator: " ")
                let what = bytes.count < 4 ? "is only \(bytes.count) bytes long" : "starts with bytes \(hex)"
                throw CaptureError(
                    code: .notACapture, path: path,
                    reason: "is not a pcap or pcapng capture file (\(what))")
            }
        }

        let handle: OpaquePointer
        switch libpcapOpenOffline(path: path) {
        case .success(let opened):
            handle = opened
        case .failure(let message):
            throw CaptureError(
                code: openFailureCode(message.text), path: path,
                reason: "\(format) file cannot be read: \(message.text)")
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
        self.handle = handle
        self.program = program
        self.filter = filter
        self.linkLayer = PcapCapture.linkLayer(forDLT: libpcapDatalink(handle))
        self.snapshotLength = Int(libpcapSnapshot(handle))
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
                let code: CaptureError.Code = recordFailureIsTruncation(message) ? .truncated : .damaged
                let what = code == .truncated ? "capture is cut short" : "capture is damaged"
                return .damaged(
                    CaptureError(code: code, path: path, reason: "\(what): \(message)", recordNumber: recordsRead + 1))
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
                let bytes = Array(UnsafeBufferPointer(start: data, count: fields.capturedLength))
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
