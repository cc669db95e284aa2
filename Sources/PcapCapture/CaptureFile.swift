public import CaptureModel

/// An open capture (pcap or pcapng) — a file, or a stream (standard input as `-`, a FIFO,
/// `/dev/stdin`, a process substitution) — read one record at a time through libpcap.
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
/// **Interfaces of different link types.** libpcap refuses a pcapng file whose interfaces have
/// different link types ("an interface has a type 276 different from the type of the first
/// interface") or snapshot lengths, although it is valid (`dumpcap -i eth0 -i lo`, `mergecap` of
/// an Ethernet and a `-i any` capture). Such a file is read by callback-doctor's own
/// ``PcapngReader`` instead, each record with its own interface's link layer:
/// - a file (plain or gzip) is reopened when libpcap refuses it, and the records libpcap had
///   already delivered are passed over, so the frame numbers go on;
/// - a stream cannot be reopened: its first bytes are examined before libpcap sees them
///   (``DescriptorStream/lookAhead(_:)``, at most 1 MiB), and when the interfaces declared before
///   the first packet disagree (link type or snapshot length), the pcapng reader reads the stream
///   from the start. An interface that differs, declared after packets on a stream, is refused,
///   and the error says so.
///
/// `Sendable` so that a batch scan can open a file and hand it to the task that reads it: being
/// `~Copyable`, the value — and so the `pcap_t` — has exactly one owner at a time, and libpcap
/// only requires that one handle is not used from two threads at once.
public struct CaptureFile: ~Copyable, @unchecked Sendable {
    /// The path the file was opened with (`-` for standard input).
    public let path: String
    /// The container format, from the file's magic number.
    public let format: CaptureFormat
    /// The link layer of the first interface (libpcap reports one per file).
    public var linkLayer: LinkLayer { linkLayers.first ?? firstLinkLayer }
    /// The link layer of every interface: one for libpcap, as many as the file declares for the
    /// pcapng reader (known as they are read).
    public var linkLayers: [LinkLayer] {
        guard let fallback else { return [firstLinkLayer] }
        return fallback.linkLayers
    }
    /// The snapshot length recorded in the file (`pcap_snapshot`).
    public let snapshotLength: Int
    /// The BPF filter expression records are matched against, if any.
    public let filter: String?
    /// How the file on disk is compressed (told by its magic number, not its name).
    public let compression: CaptureCompression
    /// True when the capture is read from a stream (a pipe, a FIFO, standard input), once.
    public let isStream: Bool

    /// The format as reports show it: `"pcap (µs, little-endian)"`, `"pcapng, gzip"`,
    /// `"pcapng, 2 interfaces"` (when the pcapng reader reads interfaces of different link types).
    public var formatDescription: String {
        var text = format.description
        if let fallback { text += ", \(fallback.linkLayers.count) interfaces" }
        if compression != .none { text += ", \(compression)" }
        return text
    }

    /// How far into the file on disk reading has got, in bytes (compressed bytes for a gzip file;
    /// stdio's and zlib's read-ahead included), for progress reporting.
    /// The corresponding C functions are `ftello` and `gzoffset`.
    public var bytesConsumed: Int64 {
        if let gzip { return gzip.compressedOffset }
        if let descriptor { return descriptor.position }
        guard let handle else { return 0 }
        return libpcapStreamPosition(handle)
    }

    /// The only copy of libpcap's handle; nil when the pcapng reader reads the stream from its start.
    private let handle: OpaquePointer?
    /// The link layer libpcap reported (or the pcapng reader's first interface's).
    private let firstLinkLayer: LinkLayer
    /// The zlib source behind libpcap's stream, for a gzip file (owned by the stream; kept here
    /// to read its position and error).
    private let gzip: GzipSource?
    /// The descriptor behind libpcap's stream, for a stream (owned by the stream; for its position).
    private let descriptor: DescriptorStream?
    /// How to read the capture again from its start, for the pcapng reader (nil for a stream).
    private let reopen: CaptureReopening?
    /// The compiled filter, applied with `pcap_offline_filter`, freed in `deinit`.
    private let program: LibpcapProgram?
    /// The pcapng reader, once it reads the capture.
    private var fallback: PcapngFallback?
    /// Records read from the file so far, including those the filter rejected.
    public private(set) var recordsRead = 0
    /// Set once the end of the file or a damaged record has been reported.
    private var finished = false
    /// The record copies (``RecordCopies``).
    private var recordCopies: RecordCopies

    /// Records a single-threaded reader has in flight, by default: ``init(path:filter:recordsInFlight:)``.
    public static let defaultRecordsInFlight = RecordCopies.defaultSlots

    /// Opens a capture for reading.
    ///
    /// `-` is standard input. A path is checked first (``probeCaptureInput(path:)``): a regular
    /// file must be non-empty; a FIFO or socket (a pipe: `/dev/stdin`, `<(…)`) is read as a
    /// stream; a directory, a device or a terminal is refused. The first bytes must be a pcap or
    /// pcapng magic number (or gzip's, for a file). It is then opened with
    /// `pcap_open_offline_with_tstamp_precision(…, PCAP_TSTAMP_PRECISION_NANO, …)`, or for a gzip
    /// file or a stream `pcap_fopen_offline_with_tstamp_precision` on a stdio stream over it.
    ///
    /// A filter is compiled with `pcap_compile` (tcpdump / `pcap-filter(7)` syntax) and applied to
    /// each record with `pcap_offline_filter`, rather than installed with `pcap_setfilter`, so that
    /// ``CapturedPacket/frameNumber`` keeps counting every record of the file — the same numbers
    /// Wireshark shows — even when the filter drops some.
    ///
    /// - Parameters:
    ///   - path: the capture file, or `-` for standard input.
    ///   - filter: a BPF filter expression such as `"tcp port 80"`, or `nil` for every record.
    ///   - recordsInFlight: how many records the caller may hold at once before it has finished
    ///     with the oldest (a reader handing batches to other threads holds every queued batch):
    ///     the record copies are recycled after that many records (``RecordCopies``), so a larger
    ///     number avoids an allocation per record at the cost of that many idle record buffers.
    /// - Throws: ``CaptureError`` with code `cannotOpen` (missing, unreadable, not a file or a
    ///   pipe), `notACapture` (empty, text, random or compressed bytes), `unsupportedFormat` (a pcap
    ///   or pcapng version libpcap refuses, gzip on a stream), `truncated` (cut inside the file
    ///   header), `damaged`, or `filter` (the expression does not compile for this link type).
    public init(path: String, filter: String? = nil, recordsInFlight: Int = CaptureFile.defaultRecordsInFlight)
        throws(CaptureError)
    {
        let opened: OpenedCapture
        switch openCaptureInput(path: path, filter: filter) {
        case .success(let value): opened = value
        case .failure(let error): throw error
        }
        var program: LibpcapProgram?
        if let filter, let handle = opened.handle {
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
        self.format = opened.format
        self.compression = opened.gzip == nil ? .none : .gzip
        self.gzip = opened.gzip
        self.descriptor = opened.descriptor
        self.isStream = opened.descriptor != nil
        self.reopen = opened.reopen
        self.handle = opened.handle
        self.program = program
        self.filter = filter
        self.fallback = opened.fallback
        self.recordCopies = RecordCopies(slots: recordsInFlight)
        if let handle = opened.handle {
            self.firstLinkLayer = PcapCapture.linkLayer(forDLT: libpcapDatalink(handle))
            self.snapshotLength = Int(libpcapSnapshot(handle))
        } else {
            self.firstLinkLayer = opened.fallback?.linkLayers.first ?? .unsupported(dlt: -1, name: "none")
            self.snapshotLength = opened.fallback?.firstSnapshotLength ?? 0
        }
    }

    deinit {
        if var program { libpcapFreeCode(&program) }
        if let handle { libpcapClose(handle) }
    }

    /// Reads the next record that passes the filter.
    ///
    /// The record's bytes are copied once, into ``CapturedPacket/bytes``; `frameNumber` is the
    /// 1-based position of the record in the file. After ``CaptureRecord/endOfFile`` or
    /// ``CaptureRecord/damaged(_:)`` every call returns ``CaptureRecord/endOfFile``.
    /// The corresponding C function is `pcap_next_ex`.
    public mutating func next() -> CaptureRecord {
        guard let handle, fallback == nil else { return nextFromPcapngReader() }
        while !finished {
            switch libpcapNextEx(handle) {
            case .endOfFile:
                finished = true
            case .error(let message):
                if isMixedInterfaceRefusal(message), let reopened = reopenWithPcapngReader() {
                    switch reopened {
                    case .success: return nextFromPcapngReader()
                    case .failure(let error):
                        finished = true
                        return .damaged(error)
                    }
                }
                finished = true
                return .damaged(libpcapFailure(message))
            case .packet(let header, let data):
                recordsRead += 1
                if let program {
                    let matches = withUnsafePointer(to: program) {
                        libpcapOfflineFilter($0, header: header, data: data)
                    }
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
                        linkLayer: firstLinkLayer))
            }
        }
        return .endOfFile
    }

    /// The error for a failed `pcap_next_ex`, with zlib's reason for a gzip file and the stream
    /// limit for libpcap's refusal of interfaces of different link types on a stream.
    private func libpcapFailure(_ message: String) -> CaptureError {
        if let failure = gzip?.failure {
            return CaptureError(
                code: .damaged, path: path, reason: "the gzip data is corrupt (\(failure))",
                recordNumber: recordsRead + 1)
        }
        let code: CaptureError.Code = recordFailureIsTruncation(message) ? .truncated : .damaged
        let what = code == .truncated ? "capture is cut short" : "capture is damaged"
        var cause = gzip?.endedEarly == true ? " (the gzip stream ends early)" : ""
        if isStream && isMixedInterfaceRefusal(message) {
            cause =
                " (on a stream, interfaces that differ can be read only when they are all declared before the first packet; save the capture to a file and analyse the file)"
        }
        return CaptureError(
            code: code, path: path, reason: "\(what): \(message)\(cause)", recordNumber: recordsRead + 1)
    }

    /// Switches to the pcapng reader after libpcap's refusal: the capture is read again from its
    /// start, passing over the records libpcap delivered. Nil for a stream (it cannot be reopened).
    private mutating func reopenWithPcapngReader() -> Result<Void, CaptureError>? {
        guard let reopen else { return nil }
        switch reopen.open() {
        case .failure(let reason):
            return .failure(
                CaptureError(code: reason.code, path: path, reason: reason.text, recordNumber: recordsRead + 1))
        case .success(let stream):
            fallback = PcapngFallback(stream: stream, filter: filter, recordsToSkip: recordsRead)
            recordsRead = 0
            return .success(())
        }
    }

    /// The next record from the pcapng reader, filtered, with its interface's link layer.
    private mutating func nextFromPcapngReader() -> CaptureRecord {
        guard let fallback, !finished else { return .endOfFile }
        while true {
            switch fallback.next() {
            case .endOfFile:
                finished = true
                return .endOfFile
            case .failed(let failure):
                finished = true
                return .damaged(
                    CaptureError(
                        code: failure.truncated ? .truncated : .damaged, path: path, reason: failure.reason,
                        recordNumber: recordsRead + 1))
            case .packet(let packet):
                recordsRead += 1
                if fallback.recordsToSkip > 0 {
                    fallback.recordsToSkip -= 1
                    continue
                }
                switch fallback.matches(packet) {
                case .success(false): continue
                case .success(true): break
                case .failure(let message):
                    finished = true
                    return .damaged(
                        CaptureError(
                            code: .filter, path: path,
                            reason:
                                "invalid capture filter \"\(filter ?? "")\" for link type \(fallback.linkLayer(ofInterface: packet.interface)): \(message.text)",
                            recordNumber: recordsRead))
                }
                let bytes = fallback.block.withUnsafeBufferPointer {
                    recordCopies.copy(UnsafeBufferPointer(rebasing: $0[packet.data]))
                }
                return .packet(
                    CapturedPacket(
                        frameNumber: recordsRead, timestamp: packet.timestamp, bytes: bytes,
                        originalLength: packet.originalLength,
                        linkLayer: fallback.linkLayer(ofInterface: packet.interface)))
            }
        }
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
