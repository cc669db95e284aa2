import ByteText

// RFC 9112 §6.3 "Message Body Length", written down once and used by the parser.

/// The outcome of RFC 9112 §6.3 for one message head.
public struct BodyFramingDecision: Sendable, Equatable, Hashable {
    /// Where the body ends.
    public var framing: BodyFraming
    /// Framing oddities found on the way (duplicate or invalid Content-Length, TE with CL, …).
    public var anomalies: [HTTPAnomaly]
    /// A 1xx response other than 101: an interim answer. It is a complete message of its own and the
    /// final response to the same request is still to come (RFC 9110 §15.2).
    public var isInterim: Bool
    /// `101 Switching Protocols`, or a 2xx answer to CONNECT: after the blank line the connection
    /// carries another protocol (RFC 9110 §15.2.2, §9.3.6; RFC 9112 §6.3 item 2).
    public var switchesProtocol: Bool

    public init(
        framing: BodyFraming,
        anomalies: [HTTPAnomaly] = [],
        isInterim: Bool = false,
        switchesProtocol: Bool = false
    ) {
        self.framing = framing
        self.anomalies = anomalies
        self.isInterim = isInterim
        self.switchesProtocol = switchesProtocol
    }
}

extension BodyFraming {
    /// The framing of a request body (RFC 9112 §6.3).
    ///
    /// - Transfer-Encoding whose final coding is `chunked` → `.chunked`; with a Content-Length as well,
    ///   `transferEncodingWithContentLength` is recorded (item 3: "the Transfer-Encoding overrides the
    ///   Content-Length").
    /// - Transfer-Encoding whose final coding is not `chunked` → `.closeDelimited` and
    ///   `unsupportedTransferEncoding` (item 4: "the message body length cannot be determined
    ///   reliably"; a server would answer 400 and close, so the rest of the stream is the body).
    /// - A valid Content-Length → `.contentLength(n)` (item 6). A list of identical values `5, 5` is
    ///   accepted with `duplicateContentLength` (item 5); differing values record
    ///   `conflictingContentLength` and count as invalid.
    /// - An invalid Content-Length → `invalidContentLength`, and `.none` (item 5 makes it an
    ///   unrecoverable error; we carry on with the bytes after the head as the next request).
    /// - Neither → `.none`: "If this is a request message and none of the above are true, then the
    ///   message body length is zero" (item 7).
    public static func decide(forRequest headers: HTTPHeaders) -> BodyFramingDecision {
        decide(headers: headers, isRequest: true)
    }

    /// The framing of a response body (RFC 9112 §6.3), which depends on the request it answers.
    ///
    /// In order:
    /// 1. "Any response to a HEAD request and any response with a 1xx (Informational), 204 (No
    ///    Content), or 304 (Not Modified) status code is always terminated by the first empty line
    ///    after the header fields" → `.none`. 1xx other than 101 are interim (`isInterim`); 101
    ///    switches protocols.
    /// 2. "Any 2xx (Successful) response to a CONNECT request implies that the connection will become
    ///    a tunnel immediately after the empty line that concludes the header fields" → `.none`,
    ///    `switchesProtocol`.
    /// 3.–6. Transfer-Encoding and Content-Length as for requests, except that a final coding other
    ///    than `chunked` and an invalid Content-Length give `.closeDelimited` (item 4: "reading the
    ///    connection until it is closed by the server").
    /// 8. Neither → `.closeDelimited`: "the message body length is determined by the number of
    ///    octets received prior to the server closing the connection".
    ///
    /// - Parameters:
    ///   - status: the status code.
    ///   - requestMethod: the method of the request answered (case-sensitive, RFC 9110 §9.1), or nil
    ///     when unknown (treated like GET).
    ///   - headers: the response header section.
    public static func decide(
        forResponseStatus status: Int,
        requestMethod: String?,
        headers: HTTPHeaders
    )
        -> BodyFramingDecision
    {
        if status == 101 {
            return BodyFramingDecision(framing: .none, switchesProtocol: true)
        }
        if (100...199).contains(status) {
            return BodyFramingDecision(framing: .none, isInterim: true)
        }
        if requestMethod == "HEAD" || status == 204 || status == 304 {
            return BodyFramingDecision(framing: .none)
        }
        if requestMethod == "CONNECT" && (200...299).contains(status) {
            return BodyFramingDecision(framing: .none, switchesProtocol: true)
        }
        return decide(headers: headers, isRequest: false)
    }

    /// Items 3–8 of RFC 9112 §6.3, shared by requests and responses.
    private static func decide(headers: HTTPHeaders, isRequest: Bool) -> BodyFramingDecision {
        // Fast path for the usual head: no Transfer-Encoding and one plain Content-Length. It
        // decides exactly what the general rules below decide, without collecting or copying.
        var transferEncodingCount = 0, contentLengthCount = 0
        var contentLength: String?
        for i in headers.indices {
            if headers.name(at: i, equalsLowercase: "transfer-encoding") {
                transferEncodingCount += 1
            } else if headers.name(at: i, equalsLowercase: "content-length") {
                contentLengthCount += 1
                contentLength = headers.value(at: i)
            }
        }
        if transferEncodingCount == 0 {
            if contentLengthCount == 0 { return BodyFramingDecision(framing: isRequest ? .none : .closeDelimited) }
            if contentLengthCount == 1, let value = contentLength.flatMap(ASCII.plainDecimal) {
                return BodyFramingDecision(framing: .contentLength(value))
            }
        }

        var transferEncodings: [String] = []
        var contentLengths: [String] = []
        for i in headers.indices {
            if headers.name(at: i, equalsLowercase: "transfer-encoding") {
                transferEncodings.append(headers.value(at: i))
            } else if headers.name(at: i, equalsLowercase: "content-length") {
                contentLengths.append(headers.value(at: i))
            }
        }

        var anomalies: [HTTPAnomaly] = []
        if !transferEncodings.isEmpty {
            if !contentLengths.isEmpty {
                anomalies.append(.transferEncodingWithContentLength)
            }
            if finalCodingIsChunked(transferEncodings) {
                return BodyFramingDecision(framing: .chunked, anomalies: anomalies)
            }
            anomalies.append(.unsupportedTransferEncoding(transferEncodings.joined(separator: ", ")))
            return BodyFramingDecision(framing: .closeDelimited, anomalies: anomalies)
        }

        guard !contentLengths.isEmpty else {
            return BodyFramingDecision(framing: isRequest ? .none : .closeDelimited)
        }
        return contentLengthDecision(contentLengths, isRequest: isRequest)
    }

    /// Items 5–6 of RFC 9112 §6.3: the framing the Content-Length field values give (no
    /// Transfer-Encoding), with their anomalies. An invalid or conflicting length frames no body
    /// for a request, and a close-delimited one for a response.
    private static func contentLengthDecision(_ contentLengths: [String], isRequest: Bool) -> BodyFramingDecision {
        var anomalies: [HTTPAnomaly] = []
        let invalidFraming: BodyFraming = isRequest ? .none : .closeDelimited
        // Content-Length = 1*DIGIT; a comma-separated list of identical values is tolerated
        // (RFC 9112 §6.3 item 5, RFC 9110 §8.6). Empty list elements are ignored (RFC 9110 §5.6.1).
        var elements: [String] = []
        var value: Int64?
        var conflicting = false
        for fieldValue in contentLengths {
            var elementCount = 0
            let bytes = Array(fieldValue.utf8)
            for rawElement in bytes.split(separator: ASCII.comma, omittingEmptySubsequences: false) {
                let element = ASCIIText.trimmingOWS(rawElement)
                if element.isEmpty { continue }
                elementCount += 1
                guard let number = ASCII.parseDecimal(element) else {
                    anomalies.append(.invalidContentLength(fieldValue))
                    return BodyFramingDecision(framing: invalidFraming, anomalies: anomalies)
                }
                elements.append(ASCII.string(element))
                if let value, value != number { conflicting = true }
                value = value ?? number
            }
            if elementCount == 0 {
                anomalies.append(.invalidContentLength(fieldValue))
                return BodyFramingDecision(framing: invalidFraming, anomalies: anomalies)
            }
        }
        if conflicting {
            anomalies.append(.conflictingContentLength(values: elements))
            return BodyFramingDecision(framing: invalidFraming, anomalies: anomalies)
        }
        if elements.count > 1 {
            anomalies.append(.duplicateContentLength(values: elements))
        }
        guard let value else {
            // Unreachable: every field value contributed at least one element.
            return BodyFramingDecision(framing: invalidFraming, anomalies: anomalies)
        }
        return BodyFramingDecision(framing: .contentLength(value), anomalies: anomalies)
    }

    /// Whether the last coding of the combined Transfer-Encoding list is `chunked` (RFC 9112 §6.1,
    /// case-insensitive, parameters ignored, empty list elements ignored).
    private static func finalCodingIsChunked(_ values: [String]) -> Bool {
        for value in values.reversed() {
            let bytes = Array(value.utf8)
            for rawElement in bytes.split(separator: ASCII.comma, omittingEmptySubsequences: false).reversed() {
                var coding = ASCIIText.trimmingOWS(rawElement)
                if coding.isEmpty { continue }
                if let semicolon = coding.firstIndex(of: ASCII.semicolon) {
                    coding = ASCIIText.trimmingOWS(coding[..<semicolon])
                }
                return ASCII.caseInsensitiveEquals(coding, lowercaseLiteral: "chunked")
            }
        }
        return false
    }
}
