// Streaming content decoding (RFC 9110 §8.4 Content-Encoding) through zlib.

import ByteText
internal import CZlib

/// A content coding this module can undo (RFC 9110 §8.4.1).
public enum ContentCoding: String, Sendable, Hashable {
    /// No transformation (RFC 9110 §8.4.1 lists it for `Accept-Encoding`; tolerated in
    /// `Content-Encoding` and skipped).
    case identity
    /// RFC 1952 gzip (`x-gzip` is an alias, RFC 9110 §8.4.1.3). Concatenated members are decoded
    /// one after the other, like `gzip -d`.
    case gzip
    /// "deflate" (RFC 9110 §8.4.1.2): the zlib format of RFC 1950. Like browsers, raw RFC 1951 deflate
    /// without the zlib wrapper is accepted too (chosen from the first two bytes: a valid zlib header
    /// means zlib, anything else raw deflate).
    case deflate
}

/// Why decoding failed.
public enum ContentDecodeError: Error, Sendable, Hashable {
    /// The bytes are not valid for this coding (bad header, bad block, checksum mismatch, preset
    /// dictionary required). `detail` is zlib's message.
    case corruptData(coding: ContentCoding, detail: String)
    /// More than `ContentDecoder.maxDecodedBytes` decoded bytes: decoding stopped there (decompression
    /// bomb protection; the bytes up to the limit were counted).
    case decodedSizeLimitExceeded(limit: Int64)
    /// zlib itself failed (out of memory, inconsistent stream state). `code` is zlib's return code.
    case zlibFailure(code: Int32)
}

/// Where a decoder stands.
public enum ContentDecodeStatus: Sendable, Hashable {
    /// All input so far was used and more is expected.
    case inProgress
    /// Every coding reached its end (bytes after the end are counted in `trailingBytes`, not decoded),
    /// or `finish()` was called on identity-only content or on a decoder that received no input at
    /// all (an empty body is accepted for any coding, as browsers do).
    case finished
    /// `finish()` was called before some coding reached its end (the body was cut short). The bytes
    /// decoded up to there were produced.
    case truncated
    /// Decoding failed; later calls produce nothing.
    case failed(ContentDecodeError)
}

/// What one `decode` / `finish` call produced.
public struct ContentDecodeResult: Sendable, Hashable {
    /// Decoded bytes produced by this call, at most the call's `maxOutput`.
    public var output: [UInt8]
    /// All bytes decoded by this call, including those beyond `maxOutput` that were counted and
    /// dropped. Always `>= output.count`.
    public var decodedByteCount: Int64
    /// The decoder's status after the call.
    public var status: ContentDecodeStatus

    public init(output: [UInt8], decodedByteCount: Int64, status: ContentDecodeStatus) {
        self.output = output
        self.decodedByteCount = decodedByteCount
        self.status = status
    }
}

/// Undoes a `Content-Encoding` incrementally, with bounded memory.
///
/// Feed the body (already de-chunked) piece by piece to `decode(_:maxOutput:)`, then call
/// `finish()`. Each call returns at most `maxOutput` decoded bytes and counts the rest, so a caller
/// that keeps a bounded prefix passes `maxOutput: limit - prefix.count` and still learns the total
/// decoded size (`totalDecodedBytes`). Memory stays bounded whatever the input: zlib's state and a
/// 32 KiB scratch buffer per coding, plus the output a call is allowed to produce. CPU is bounded by
/// `maxDecodedBytes` (a decompression bomb fails with `.decodedSizeLimitExceeded`).
///
/// Errors are values (`ContentDecodeStatus.failed`), never traps.
///
/// A value type: copying a decoder copies its zlib state (`inflateCopy`) on the next mutation.
public struct ContentDecoder: Sendable {
    /// The codings as listed in the field, in the order they were applied (identity included).
    public let codings: [ContentCoding]
    /// The most bytes this decoder will decode before failing with `.decodedSizeLimitExceeded`.
    public let maxDecodedBytes: Int64

    private var storage: Storage

    /// The most non-identity codings accepted in one field.
    public static let maxStackedCodings = 8

    /// Parses a `Content-Encoding` field value and prepares to undo it.
    ///
    /// `Content-Encoding = #content-coding` (RFC 9110 §8.4): a comma-separated list, case-insensitive,
    /// in the order the codings were applied, so they are undone last to first:
    /// `"identity,gzip,identity,gzip"` is gzip inside gzip. `identity` elements and empty elements are
    /// skipped; `""` and `"identity"` decode to the input unchanged.
    ///
    /// - Parameters:
    ///   - contentEncoding: the field value (several field lines joined with `,`).
    ///   - maxDecodedBytes: decompression-bomb limit on the total decoded size. Default 256 MiB.
    /// - Returns: nil if a coding is not supported (`br`, `compress`, `x-compress`, `zstd`, `dcb`,
    ///   anything unknown), or if there are more than `maxStackedCodings` non-identity codings.
    public init?(contentEncoding: String, maxDecodedBytes: Int64 = 256 << 20) {
        var codings: [ContentCoding] = []
        let bytes = Array(contentEncoding.utf8)
        for rawElement in bytes.split(separator: ASCII.comma, omittingEmptySubsequences: false) {
            let element = ASCIIText.trimmingOWS(rawElement)
            if element.isEmpty { continue }
            if ASCII.caseInsensitiveEquals(element, lowercaseLiteral: "identity") {
                codings.append(.identity)
            } else if ASCII.caseInsensitiveEquals(element, lowercaseLiteral: "gzip")
                || ASCII.caseInsensitiveEquals(element, lowercaseLiteral: "x-gzip")
            {
                codings.append(.gzip)
            } else if ASCII.caseInsensitiveEquals(element, lowercaseLiteral: "deflate") {
                codings.append(.deflate)
            } else {
                return nil
            }
        }
        let decodeOrder = codings.reversed().filter { $0 != .identity }
        guard decodeOrder.count <= Self.maxStackedCodings else { return nil }
        self.codings = codings
        self.maxDecodedBytes = max(0, maxDecodedBytes)
        self.storage = Storage(decodeOrder: decodeOrder, maxDecodedBytes: self.maxDecodedBytes)
    }

    /// Encoded bytes passed to `decode` so far (including any passed after a failure or `finish()`).
    public var totalEncodedBytes: Int64 { storage.totalEncodedBytes }
    /// Decoded bytes so far, including those counted but not produced because of `maxOutput`.
    public var totalDecodedBytes: Int64 { storage.totalDecodedBytes }
    /// Bytes that followed the end of a coding's stream and were ignored.
    public var trailingBytes: Int64 { storage.trailingBytes }
    /// The current status.
    public var status: ContentDecodeStatus { storage.status }

    /// Decodes the next bytes of the encoded content.
    ///
    /// - Parameters:
    ///   - input: the next encoded bytes.
    ///   - maxOutput: the most decoded bytes to return from this call; more are decoded and counted
    ///     (`decodedByteCount`) but dropped. `0` only counts.
    /// - Returns: the decoded bytes (bounded), the count, and the status.
    public mutating func decode(_ input: ArraySlice<UInt8>, maxOutput: Int) -> ContentDecodeResult {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage.decode(input, maxOutput: max(0, maxOutput))
    }

    /// Ends the content: reports `.truncated` if a coding did not reach its end.
    ///
    /// Produces no bytes (decoding is eager; everything decodable was produced by `decode`). Later
    /// calls return the same status.
    public mutating func finish() -> ContentDecodeResult {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        return storage.finish()
    }

    /// Decodes a whole body in one go.
    ///
    /// - Returns: nil for an unsupported coding; otherwise the first `maxOutput` decoded bytes, the
    ///   total decoded size, and the final status (`.finished`, `.truncated` or `.failed`).
    public static func decode(
        _ body: ArraySlice<UInt8>,
        contentEncoding: String,
        maxOutput: Int,
        maxDecodedBytes: Int64 = 256 << 20
    ) -> ContentDecodeResult? {
        guard var decoder = ContentDecoder(contentEncoding: contentEncoding, maxDecodedBytes: maxDecodedBytes) else {
            return nil
        }
        var result = decoder.decode(body, maxOutput: maxOutput)
        let last = decoder.finish()
        result.decodedByteCount += last.decodedByteCount
        result.status = last.status
        return result
    }
}

// MARK: - Storage

/// Owns the zlib streams. Reached only through `ContentDecoder`, which copies it before mutating a
/// shared instance, so no instance is ever mutated from two places: hence `@unchecked Sendable`.
private final class Storage: @unchecked Sendable {
    private static let scratchSize = 32 * 1024

    private struct Layer {
        enum Phase {
            /// deflate only, before the first two bytes: zlib or raw? The stream is not initialised.
            case sniffing(held: UInt8?)
            case active
            /// gzip only, after a member: another member (1f 8b) or trailing bytes?
            case memberEnded(held: UInt8?)
            /// The coding's stream ended; everything else is trailing.
            case trailing
        }

        let coding: ContentCoding
        let stream: UnsafeMutablePointer<z_stream>
        let scratch: UnsafeMutablePointer<UInt8>
        var phase: Phase
        var isInitialised: Bool
    }

    private var layers: [Layer] = []
    private let maxDecodedBytes: Int64
    private(set) var totalEncodedBytes: Int64 = 0
    private(set) var totalDecodedBytes: Int64 = 0
    private(set) var trailingBytes: Int64 = 0
    private(set) var status: ContentDecodeStatus = .inProgress
    private var isFinished = false

    /// The output of the call in progress.
    private var output: [UInt8] = []
    private var outputRoom = 0
    private var callDecoded: Int64 = 0

    init(decodeOrder: [ContentCoding], maxDecodedBytes: Int64) {
        self.maxDecodedBytes = maxDecodedBytes
        for coding in decodeOrder {
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.scratchSize)
            var layer = Layer(coding: coding, stream: stream, scratch: scratch, phase: .active, isInitialised: false)
            switch coding {
            case .gzip:
                // windowBits 15 + 16: gzip wrapper only (zlib manual, inflateInit2).
                if cd_inflateInit2(stream, 15 + 16) == Z_OK {
                    layer.isInitialised = true
                } else {
                    status = .failed(.zlibFailure(code: Z_MEM_ERROR))
                }
            case .deflate:
                layer.phase = .sniffing(held: nil)
            case .identity:
                // Filtered out by ContentDecoder.init; pass through if it ever gets here.
                layer.phase = .trailing
            }
            layers.append(layer)
        }
    }

    private init(copying other: Storage) {
        maxDecodedBytes = other.maxDecodedBytes
        totalEncodedBytes = other.totalEncodedBytes
        totalDecodedBytes = other.totalDecodedBytes
        trailingBytes = other.trailingBytes
        status = other.status
        isFinished = other.isFinished
        for source in other.layers {
            let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
            stream.initialize(to: z_stream())
            let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: Self.scratchSize)
            var layer = Layer(
                coding: source.coding,
                stream: stream,
                scratch: scratch,
                phase: source.phase,
                isInitialised: false
            )
            if source.isInitialised {
                if inflateCopy(stream, source.stream) == Z_OK {
                    layer.isInitialised = true
                } else {
                    status = .failed(.zlibFailure(code: Z_MEM_ERROR))
                }
            }
            layers.append(layer)
        }
    }

    func copy() -> Storage {
        Storage(copying: self)
    }

    deinit {
        for layer in layers {
            if layer.isInitialised { inflateEnd(layer.stream) }
            layer.stream.deinitialize(count: 1)
            layer.stream.deallocate()
            layer.scratch.deallocate()
        }
    }

    private var hasFailed: Bool {
        if case .failed = status { return true }
        return false
    }

    private func fail(_ error: ContentDecodeError) {
        if !hasFailed { status = .failed(error) }
    }

    // MARK: Calls

    func decode(_ input: ArraySlice<UInt8>, maxOutput: Int) -> ContentDecodeResult {
        totalEncodedBytes += Int64(input.count)
        guard !hasFailed, !isFinished else {
            return ContentDecodeResult(output: [], decodedByteCount: 0, status: status)
        }
        output = []
        outputRoom = maxOutput
        callDecoded = 0
        input.withUnsafeBufferPointer { buffer in
            if buffer.count > 0 { push(buffer, toLayer: 0) }
        }
        if !hasFailed {
            status = allLayersEnded ? .finished : .inProgress
        }
        let result = ContentDecodeResult(output: output, decodedByteCount: callDecoded, status: status)
        output = []
        return result
    }

    func finish() -> ContentDecodeResult {
        if !hasFailed && !isFinished {
            var truncated = false
            for index in layers.indices {
                switch layers[index].phase {
                case .sniffing, .active:
                    truncated = true
                case .memberEnded(let held):
                    if held != nil { trailingBytes += 1 }
                    layers[index].phase = .trailing
                case .trailing:
                    break
                }
            }
            // An empty body is accepted whatever the coding (browsers do the same).
            status = truncated && totalEncodedBytes > 0 ? .truncated : .finished
        }
        isFinished = true
        return ContentDecodeResult(output: [], decodedByteCount: 0, status: status)
    }

    private var allLayersEnded: Bool {
        guard !layers.isEmpty else { return false }
        for layer in layers {
            switch layer.phase {
            case .sniffing, .active: return false
            case .memberEnded, .trailing: continue
            }
        }
        return true
    }

    // MARK: The pipeline

    /// Sends bytes into layer `index` (layers are in decoding order: outermost coding first); past the
    /// last layer they are output.
    private func push(_ bytes: UnsafeBufferPointer<UInt8>, toLayer index: Int) {
        guard index < layers.count else {
            emit(bytes)
            return
        }
        var remaining = bytes
        while !remaining.isEmpty && !hasFailed {
            switch layers[index].phase {
            case .sniffing(let held):
                guard let header = nextTwoBytes(held, remaining, layer: index, holdingIn: Layer.Phase.sniffing(held:)),
                    startDeflate(layer: index, header: header, held: held)
                else { return }
            case .active:
                let used = inflate(remaining, layer: index)
                remaining = UnsafeBufferPointer(rebasing: remaining[used...])
            case .memberEnded(let held):
                guard
                    let header = nextTwoBytes(held, remaining, layer: index, holdingIn: Layer.Phase.memberEnded(held:)),
                    startNextMember(layer: index, header: header, held: held)
                else { return }
            case .trailing:
                trailingBytes += Int64(remaining.count)
                return
            }
        }
    }

    /// The next two bytes into layer `index` (a byte `held` from an earlier call, then
    /// `remaining`, which is not empty); nil when only one is there: it is then held in the
    /// layer's phase `holdingIn(byte)` until more come.
    private func nextTwoBytes(
        _ held: UInt8?, _ remaining: UnsafeBufferPointer<UInt8>, layer index: Int,
        holdingIn phase: (UInt8?) -> Layer.Phase
    ) -> (UInt8, UInt8)? {
        guard let first = held ?? remaining.first else { return nil }
        let secondIndex = held == nil ? 1 : 0
        guard secondIndex < remaining.count else {
            layers[index].phase = phase(first)
            return nil
        }
        return (first, remaining[secondIndex])
    }

    /// Starts a deflate layer's stream once its first two bytes are known: zlib (RFC 1950) when
    /// they are a valid zlib header, raw deflate (RFC 1951) otherwise; then feeds it the `held`
    /// byte. False when zlib fails (the decoder has failed).
    private func startDeflate(layer index: Int, header: (UInt8, UInt8), held: UInt8?) -> Bool {
        // RFC 1950 §2.2: CM = 8, CINFO <= 7, and CMF*256 + FLG a multiple of 31.
        let (first, second) = header
        let isZlib = first & 0x0F == 8 && first >> 4 <= 7 && (UInt16(first) << 8 | UInt16(second)) % 31 == 0
        guard cd_inflateInit2(layers[index].stream, isZlib ? 15 : -15) == Z_OK else {
            fail(.zlibFailure(code: Z_MEM_ERROR))
            return false
        }
        layers[index].isInitialised = true
        layers[index].phase = .active
        inflate(held: held, layer: index)
        return true
    }

    /// After a gzip member, given the next two bytes: `1f 8b` starts another member (RFC 1952
    /// §2.2: "A gzip file consists of a series of members"), fed the `held` byte; anything else
    /// makes the rest of the input trailing bytes. False when zlib fails (the decoder has failed).
    private func startNextMember(layer index: Int, header: (UInt8, UInt8), held: UInt8?) -> Bool {
        guard header == (0x1F, 0x8B) else {
            trailingBytes += held == nil ? 0 : 1
            layers[index].phase = .trailing
            return true
        }
        guard inflateReset(layers[index].stream) == Z_OK else {
            fail(.zlibFailure(code: Z_STREAM_ERROR))
            return false
        }
        layers[index].phase = .active
        inflate(held: held, layer: index)
        return true
    }

    /// Inflates the one byte held back while the layer's first two bytes were awaited, if any.
    private func inflate(held: UInt8?, layer index: Int) {
        guard let held else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1) { one in
            one[0] = held
            _ = inflate(UnsafeBufferPointer(one), layer: index)
        }
    }

    /// Runs zlib's inflate on `bytes` for one layer, pushing what it produces to the next layer.
    ///
    /// - Returns: how many bytes of `bytes` were used (fewer than all if the stream ended or failed).
    private func inflate(_ bytes: UnsafeBufferPointer<UInt8>, layer index: Int) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let stream = layers[index].stream
        let scratch = layers[index].scratch
        var used = 0
        while !hasFailed {
            let chunk = min(bytes.count - used, 1 << 30)
            // SAFETY: zlib never writes through next_in (it is `z_const` in zlib.h); the pointer is
            // only used during this call, while `bytes` is alive.
            stream.pointee.next_in = UnsafeMutablePointer(mutating: base + used)
            stream.pointee.avail_in = UInt32(chunk)
            stream.pointee.next_out = scratch
            stream.pointee.avail_out = UInt32(Self.scratchSize)
            let code = CZlib.inflate(stream, Z_NO_FLUSH)
            used += chunk - Int(stream.pointee.avail_in)
            let produced = Self.scratchSize - Int(stream.pointee.avail_out)
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
            if produced > 0 {
                push(UnsafeBufferPointer(start: scratch, count: produced), toLayer: index + 1)
            }
            switch code {
            case Z_OK:
                // Done when the input is used up and the output buffer was not filled (nothing pending).
                if used >= bytes.count && produced < Self.scratchSize { return used }
            case Z_STREAM_END:
                layers[index].phase = layers[index].coding == .gzip ? .memberEnded(held: nil) : .trailing
                return used
            case Z_BUF_ERROR:
                // No progress possible: all input used and no pending output.
                return used
            case Z_NEED_DICT:
                fail(.corruptData(coding: layers[index].coding, detail: "preset dictionary required"))
                return used
            case Z_DATA_ERROR:
                let detail = stream.pointee.msg.map { String(cString: $0) } ?? "invalid data"
                fail(.corruptData(coding: layers[index].coding, detail: detail))
                return used
            default:
                fail(.zlibFailure(code: code))
                return used
            }
        }
        return used
    }

    /// Counts decoded bytes, keeps what the call's `maxOutput` allows.
    private func emit(_ bytes: UnsafeBufferPointer<UInt8>) {
        var count = Int64(bytes.count)
        var exceeded = false
        if totalDecodedBytes + count > maxDecodedBytes {
            count = maxDecodedBytes - totalDecodedBytes
            exceeded = true
        }
        totalDecodedBytes += count
        callDecoded += count
        let kept = Int(min(Int64(outputRoom), count))
        if kept > 0 {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<kept]))
            outputRoom -= kept
        }
        if exceeded { fail(.decodedSizeLimitExceeded(limit: maxDecodedBytes)) }
    }
}
