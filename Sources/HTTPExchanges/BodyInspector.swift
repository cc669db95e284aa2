import ByteText
import HTTP1
import JSONValidation

/// Judges a body as it streams past, keeping only a bounded prefix.
///
/// Pipeline per body: de-chunked bytes (from the parser) → content decoding when
/// `Content-Encoding` names one → byte-order-mark detection on the first bytes → RFC 8259
/// validation of the rest. Sizes are counted in full; memory is bounded by `previewLimit`
/// and the decoder's window, whatever the body's size.
struct BodyInspector {
    private var summary = BodySummary()
    private let previewLimit: Int
    private let judge: Bool
    private var decoder: ContentDecoder?
    private var decodedSize: Int64 = 0
    private var decodeFailure: String?
    /// Decoded bytes were counted but not produced (over the per-call limit): no JSON verdict.
    private var decodedBeyondLimit = false
    /// Up to 3 decoded bytes held back until the BOM question is settled.
    private var head: [UInt8] = []
    private var bomSettled = false
    private var validator = JSONValidator()

    /// - Parameters:
    ///   - contentEncoding: the message's `Content-Encoding` value, if any.
    ///   - judge: decode and validate the body (done for callbacks; other bodies are only counted and previewed).
    ///   - previewLimit: how many (decoded) bytes to keep.
    ///   - declaredLength: the body length the message announces (`Content-Length`), if any. The
    ///     preview is then allocated once, at `min(declaredLength, previewLimit)` bytes, instead of
    ///     growing segment by segment (a body over several segments reallocated and copied its
    ///     preview each time it doubled). Only a capacity hint: what is kept still depends only on
    ///     the bytes that arrive.
    init(contentEncoding: String?, judge: Bool, previewLimit: Int, declaredLength: Int64? = nil) {
        self.previewLimit = previewLimit
        self.judge = judge
        if let declaredLength, declaredLength > 0 {
            summary.preview.reserveCapacity(Int(min(declaredLength, Int64(previewLimit))))
        }
        if judge, let coding = contentEncoding, !Self.isIdentity(coding) {
            if let decoder = ContentDecoder(contentEncoding: coding) {
                self.decoder = decoder
            } else {
                decodeFailure = "unsupported content coding"
            }
            summary.contentDecoding = ContentDecodingSummary(coding: coding, decodedSize: 0, failure: decodeFailure)
        }
    }

    static func isIdentity(_ coding: String) -> Bool {
        coding.split(separator: ",").allSatisfy { String($0).trimmingASCII(" \t").lowercased() == "identity" }
    }

    /// Takes de-chunked body bytes as they arrive.
    mutating func feed(_ bytes: ArraySlice<UInt8>) {
        guard !bytes.isEmpty else { return }
        if summary.missingBytes > 0 {
            // After a hole the decoded stream and the JSON text are broken: count only.
            summary.size += Int64(bytes.count)
            return
        }
        summary.size += Int64(bytes.count)
        if summary.leadingBytes.count < 32 {
            summary.leadingBytes.append(contentsOf: bytes.prefix(32 - summary.leadingBytes.count))
        }
        if summary.contentDecoding != nil {
            guard decodeFailure == nil, decoder != nil else { return }
            let result = decoder!.decode(bytes, maxOutput: Self.maxDecodedPerCall)
            absorb(result)
        } else {
            take(bytes)
        }
    }

    /// Decoded output allowed per call: enough for any body OSS accepts (1 MB); a body that
    /// decodes to more fails `body-too-large` anyway, and its JSON verdict is not needed.
    static let maxDecodedPerCall = (1 << 20) + 1

    private mutating func absorb(_ result: ContentDecodeResult) {
        decodedSize += result.decodedByteCount
        if !result.output.isEmpty { take(result.output[...]) }
        if result.decodedByteCount > Int64(result.output.count) { decodedBeyondLimit = true }
        switch result.status {
        case .failed(let error): decodeFailure = Self.describe(error)
        case .truncated: decodeFailure = "the compressed stream ends early"
        case .inProgress, .finished: break
        }
    }

    static func describe(_ error: ContentDecodeError) -> String {
        switch error {
        case .corruptData(let coding, let detail): "corrupt \(coding.rawValue) data (\(detail))"
        case .decodedSizeLimitExceeded(let limit): "decodes to more than \(limit) bytes"
        case .zlibFailure(let code): "zlib error \(code)"
        }
    }

    /// Decoded bytes: preview, BOM, JSON.
    private mutating func take(_ bytes: ArraySlice<UInt8>) {
        let room = previewLimit - summary.preview.count
        if room > 0 { summary.preview.append(contentsOf: bytes.prefix(room)) }
        if bytes.count > room { summary.previewTruncated = true }
        guard judge else { return }
        if bomSettled {
            validator.feed(bytes)
            return
        }
        // Hold bytes back until three are known; the rest of the chunk goes straight to the
        // validator once the mark is settled.
        let needed = 3 - head.count
        head.append(contentsOf: bytes.prefix(needed))
        if head.count >= 3 {
            settleBOM()
            if bytes.count > needed { validator.feed(bytes.dropFirst(needed)) }
        }
    }

    /// Decides the byte-order mark from the held-back first bytes, then feeds the validator
    /// everything after the mark.
    private mutating func settleBOM() {
        bomSettled = true
        let mark: ByteOrderMark? =
            head.starts(with: ByteOrderMark.utf8.bytes)
            ? .utf8
            : head.starts(with: ByteOrderMark.utf16BigEndian.bytes)
                ? .utf16BigEndian
                : head.starts(with: ByteOrderMark.utf16LittleEndian.bytes) ? .utf16LittleEndian : nil
        summary.byteOrderMark = mark
        validator.feed(head.dropFirst(mark?.bytes.count ?? 0))
        head = []
    }

    /// `length` body bytes are missing from the capture: the size still counts them, but no
    /// verdict is reached on a body with a hole (the JSON and BOM checks stop here).
    mutating func noteMissing(_ length: Int64) {
        guard length > 0 else { return }
        summary.size += length
        summary.missingBytes += length
        summary.previewTruncated = true
    }

    /// The summary once the body has ended (or the stream stopped inside it).
    mutating func finish() -> BodySummary {
        if var decoder, decodeFailure == nil {
            absorb(decoder.finish())
            self.decoder = decoder
        }
        if summary.contentDecoding != nil {
            summary.contentDecoding?.decodedSize = decodedSize
            summary.contentDecoding?.failure = decodeFailure
        }
        if judge && decodeFailure == nil && !decodedBeyondLimit && summary.missingBytes == 0 {
            if !bomSettled { settleBOM() }
            summary.json = validator.finish()
        }
        return summary
    }
}
