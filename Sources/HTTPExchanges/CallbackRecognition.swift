import HTTP1

/// How a request was recognised as an OSS upload callback
/// (`../shared/reference/oss-callback-facts.md` §2.3, §2.4).
public enum CallbackSignal: String, Sendable, Hashable, CaseIterable {
    /// `authorization` together with `x-oss-pub-key-url` — the signed-callback pair, every generation of the docs.
    case signatureHeaders = "authorization+x-oss-pub-key-url"
    /// `User-Agent: aliyun-oss-callback` (2024+ requests).
    case userAgent = "user-agent"
    /// `x-oss-tag: CALLBACK` (2024+ requests).
    case ossTag = "x-oss-tag"
}

extension HTTPRequestHead {
    /// The signals that mark this request as an OSS callback; empty for any other request.
    public var ossCallbackSignals: [CallbackSignal] {
        var signals: [CallbackSignal] = []
        if headers.contains("authorization") && headers.contains("x-oss-pub-key-url") { signals.append(.signatureHeaders) }
        if let agent = headers["user-agent"], agent.lowercased().hasPrefix("aliyun-oss-callback") { signals.append(.userAgent) }
        if let tag = headers["x-oss-tag"], tag.trimmingASCIIWhitespace().uppercased() == "CALLBACK" { signals.append(.ossTag) }
        return signals
    }

    /// True when the request carries any OSS callback signal.
    public var isOSSCallback: Bool { !ossCallbackSignals.isEmpty }
}

extension String {
    /// The string without leading and trailing SP / HT (RFC 9110 §5.6.3 OWS).
    func trimmingASCIIWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first == " " || first == "\t" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\t" { scalars.removeLast() }
        return String(scalars)
    }
}
