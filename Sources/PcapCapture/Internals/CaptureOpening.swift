// Opening a capture input: a plain file or a gzip file by path, or a stream (pipe, FIFO,
// standard input) through a stdio stream — each with libpcap, or with the pcapng reader when a
// stream's pcapng interfaces have different link types (see `CaptureFile`).
#if canImport(Glibc)
    import ByteText
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#endif

/// What ``openCaptureInput(path:filter:)`` opened.
struct OpenedCapture {
    var format: CaptureFormat
    /// libpcap's handle; nil when the pcapng reader reads a stream from its start.
    var handle: OpaquePointer?
    var gzip: GzipSource?
    var descriptor: DescriptorStream?
    /// How to read a file again from its start (nil for a stream).
    var reopen: CaptureReopening?
    var fallback: PcapngFallback?
}

/// How to read a capture file again from its start, for the pcapng reader after libpcap refused it.
struct CaptureReopening {
    /// The path to open (`/dev/stdin` for a file redirected to standard input).
    var openPath: String
    var gzip: Bool

    /// A fresh stream over the file's (decompressed) bytes.
    /// The corresponding C functions are `open` and `gzopen`.
    func open() -> Result<any ByteStream, CaptureErrorReason> {
        if gzip { return GzipSource.open(path: openPath).map { $0 as any ByteStream } }
        let descriptor = Glibc.open(openPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            return .failure(CaptureErrorReason(code: .cannotOpen, text: "cannot open again: \(errnoText(errno))"))
        }
        return .success(DescriptorStream(descriptor: descriptor, owned: true))
    }
}

/// Opens `path` (`-` for standard input) for reading: probes it, reads its magic number, and hands
/// it to libpcap (or, for a stream of pcapng interfaces of different link types, to the pcapng
/// reader). Errors name `path`.
func openCaptureInput(path: String, filter: String?) -> Result<OpenedCapture, CaptureError> {
    switch probeCaptureInput(path: path) {
    case .failure(let error):
        return .failure(error)
    case .success(.file(let openPath, let prefix)):
        return openCaptureFile(path: path, openPath: openPath, prefix: prefix)
    case .success(.stream(let stream)):
        return openCaptureStream(path: path, stream: stream, filter: filter)
    }
}

/// A plain or gzip file, by its path.
private func openCaptureFile(path: String, openPath: String, prefix: [UInt8]) -> Result<OpenedCapture, CaptureError> {
    func fail(_ code: CaptureError.Code, _ reason: String) -> Result<OpenedCapture, CaptureError> {
        .failure(CaptureError(code: code, path: path, reason: reason))
    }
    switch classifyMagic(prefix) {
    case .unknown(let bytes):
        return fail(.notACapture, "is not a pcap or pcapng capture file (\(describeStart(bytes)))")
    case .capture(let format):
        let reopen = CaptureReopening(openPath: openPath, gzip: false)
        switch libpcapOpenOffline(path: openPath) {
        case .success(let handle):
            return .success(OpenedCapture(format: format, handle: handle, reopen: reopen))
        case .failure(let message):
            return fail(openFailureCode(message.text), "\(format) file cannot be read: \(message.text)")
        }
    case .gzip:
        // gzip, told by its magic (1f 8b) and never by the file name: look inside.
        let source: GzipSource
        switch GzipSource.open(path: openPath) {
        case .success(let opened): source = opened
        case .failure(let reason): return fail(reason.code, reason.text)
        }
        let inner: [UInt8]
        switch source.peek(4) {
        case .success(let bytes): inner = bytes
        case .failure(let reason): return fail(reason.code, reason.text)
        }
        guard case .capture(let format) = classifyMagic(inner) else {
            return fail(
                .notACapture,
                "is gzip-compressed, but what it holds is not a pcap or pcapng capture (it \(describeStart(inner)))")
        }
        let opened: Result<OpaquePointer, LibpcapMessage>
        switch openWithLibpcap(source) {
        case .success(let result): opened = result
        case .failure(let reason): return fail(reason.code, reason.text)
        }
        switch opened {
        case .success(let handle):
            return .success(
                OpenedCapture(
                    format: format, handle: handle, gzip: source,
                    reopen: CaptureReopening(openPath: openPath, gzip: true)))
        case .failure(let message):
            return fail(
                openFailureCode(message.text),
                "\(format), gzip file cannot be read: \(describeGzipFailure(source, libpcap: message.text))")
        }
    }
}

/// A pipe, FIFO or socket: the magic number and, for pcapng, the interfaces declared before the
/// first packet are looked at without consuming them; then libpcap or the pcapng reader reads it.
private func openCaptureStream(path: String, stream: DescriptorStream, filter: String?) -> Result<
    OpenedCapture, CaptureError
> {
    func fail(_ code: CaptureError.Code, _ reason: String) -> Result<OpenedCapture, CaptureError> {
        stream.close()
        return .failure(CaptureError(code: code, path: path, reason: reason))
    }
    let prefix = Array(stream.lookAhead(4))
    if let failure = stream.failure { return fail(.cannotOpen, "cannot read: \(failure)") }
    let format: CaptureFormat
    switch classifyMagic(prefix) {
    case .unknown(let bytes):
        return fail(
            .notACapture,
            "is not a pcap or pcapng capture (it \(bytes.isEmpty ? "is empty: nothing was written to the pipe" : describeStart(bytes)))"
        )
    case .gzip:
        return fail(
            .unsupportedFormat,
            "is gzip-compressed; a compressed stream is not read: decompress it first (zcat FILE.gz | callback-doctor analyze -), or name the .gz file"
        )
    case .capture(let detected):
        format = detected
    }
    if format == .pcapng {
        let interfaces = pcapngLeadingInterfaces(limit: DescriptorStream.maxLookAhead) { stream.lookAhead($0) }
        if Set(interfaces).count > 1 {
            return .success(
                OpenedCapture(
                    format: format, descriptor: stream, fallback: PcapngFallback(stream: stream, filter: filter)))
        }
    }
    switch openWithLibpcap(stream) {
    case .failure(let reason):
        return fail(reason.code, reason.text)
    case .success(.failure(let message)):
        return .failure(
            CaptureError(
                code: openFailureCode(message.text), path: path,
                reason: "\(format) stream cannot be read: \(message.text)"))
    case .success(.success(let handle)):
        return .success(OpenedCapture(format: format, handle: handle, descriptor: stream))
    }
}

/// "is only N bytes long" or "starts with bytes a1 b2 c3 d4", for an error message.
private func describeStart(_ bytes: [UInt8]) -> String {
    if bytes.isEmpty { return "is empty" }
    if bytes.count < 4 { return "is only \(bytes.count) byte\(bytes.count == 1 ? "" : "s") long" }
    return "starts with bytes \(Hex.encode(bytes.prefix(4), separator: " "))"
}

/// libpcap's message for a gzip-backed stream, with zlib's reason when zlib had one.
private func describeGzipFailure(_ gzip: GzipSource, libpcap text: String) -> String {
    if let failure = gzip.failure { return "the gzip data is corrupt (\(failure))" }
    if gzip.endedEarly { return "\(text) (the gzip stream ends early)" }
    return text
}
