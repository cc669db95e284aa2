import ByteText
public import HTTP1

/// How a request was recognised as an OSS upload callback
/// (`../shared/reference/oss-callback-facts.md` §2.3, §2.4).
public enum CallbackSignal: String, Sendable, Hashable, CaseIterable {
    /// `authorization` together with `x-oss-pub-key-url` — the signed-callback pair, every generation of the docs.
    case signatureHeaders = "authorization+x-oss-pub-key-url"
    /// `User-Agent: aliyun-oss-callback` (2024+ requests).
    case userAgent = "user-agent"
    /// `x-oss-tag: CALLBACK` (2024+ requests).
    case ossTag = "x-oss-tag"
    /// An HTTPS connection: its headers are encrypted. The diagnosis gives every TLS connection
    /// this signal; the analysis keeps it only for callback servers (`--server`, or the address and
    /// port plaintext callbacks went to) and lists the others as "HTTPS, not judged".
    case tlsConnection = "tls"
}

/// A request's ``CallbackSignal``s (those a request head can carry), as bits: judged once per
/// request and kept in ``CapturedRequest``.
struct CallbackSignalSet: Sendable, Hashable {
    private static let signatureHeaders: UInt8 = 1
    private static let userAgent: UInt8 = 2
    private static let ossTag: UInt8 = 4
    private var bits: UInt8 = 0

    init(_ head: HTTPRequestHead) {
        let headers = head.headers
        if headers.contains("authorization") && headers.contains("x-oss-pub-key-url") { bits |= Self.signatureHeaders }
        if headers.withValueBytes(of: "user-agent", HTTPRequestHead.isOSSAgent) ?? false { bits |= Self.userAgent }
        if headers.withValueBytes(of: "x-oss-tag", HTTPRequestHead.isCallbackTag) ?? false { bits |= Self.ossTag }
    }

    var isEmpty: Bool { bits == 0 }

    /// The signals in ``HTTPRequestHead/ossCallbackSignals``' order.
    var signals: [CallbackSignal] {
        guard bits != 0 else { return [] }
        var signals: [CallbackSignal] = []
        signals.reserveCapacity(bits.nonzeroBitCount)
        if bits & Self.signatureHeaders != 0 { signals.append(.signatureHeaders) }
        if bits & Self.userAgent != 0 { signals.append(.userAgent) }
        if bits & Self.ossTag != 0 { signals.append(.ossTag) }
        return signals
    }
}

extension HTTPRequestHead {
    /// The signals that mark this request as an OSS callback; empty for any other request.
    public var ossCallbackSignals: [CallbackSignal] { CallbackSignalSet(self).signals }

    /// True when the request carries any OSS callback signal: `!ossCallbackSignals.isEmpty`,
    /// without making the array. (The analysis asks ``CapturedRequest/isOSSCallback`` instead,
    /// judged once per request.)
    public var isOSSCallback: Bool { !CallbackSignalSet(self).isEmpty }

    // Byte-level fast paths for ASCII values (what these fields hold in practice), which decide
    // exactly what the String expressions after them decide; those still handle anything else.
    // They run once for every request (`CallbackSignalSet`, kept in `CapturedRequest`).

    /// `agent.lowercased().hasPrefix("aliyun-oss-callback")`, for the value's UTF-8 bytes.
    static func isOSSAgent(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes.allSatisfy({ $0 < 0x80 }) { return ASCIIText.hasPrefixIgnoringCase(bytes, "aliyun-oss-callback") }
        return String(decoding: bytes, as: UTF8.self).lowercased().hasPrefix("aliyun-oss-callback")
    }

    /// `tag.trimmingASCII(" \t").uppercased() == "CALLBACK"`, for the value's UTF-8 bytes.
    static func isCallbackTag(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let trimmed = ASCIIText.trimmingOWS(bytes)
        if trimmed.allSatisfy({ $0 < 0x80 }) { return ASCIIText.equalsIgnoringCase(trimmed, "callback") }
        return String(decoding: bytes, as: UTF8.self).trimmingASCII(" \t").uppercased() == "CALLBACK"
    }
}
