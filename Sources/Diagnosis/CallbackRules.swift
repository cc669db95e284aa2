import ByteText
import HTTP1
import HTTPExchanges
import JSONValidation
import TCPReassembly

/// The bytes a capture lacks on one exchange, by direction.
struct MissingBytes {
    var client: [CaptureHole]
    var server: [CaptureHole]

    init(_ exchange: HTTPExchange) {
        client = exchange.holes.filter { $0.direction == .clientToServer }
        server = exchange.holes.filter { $0.direction == .serverToClient }
    }

    var isEmpty: Bool { client.isEmpty && server.isEmpty }
}

extension Diagnoser {
    /// The delivery rules on a callback (facts §4), as named steps in the order a response
    /// arrives: what is missing, timing, status, framing, body. A step whose verdict makes the
    /// later ones moot — no response, a response OSS never read, a status other than 200, a cut
    /// response head, a body cut short or with bytes missing — ends the list.
    func callbackFindings(_ exchange: HTTPExchange) -> [Finding] {
        let missing = MissingBytes(exchange)
        var findings = missing.isEmpty ? [] : [incomplete(exchange, missing)]
        guard let request = exchange.request else { return findings }
        guard let response = exchange.response else {
            if let finding = unanswered(exchange, request: request, missing: missing) { findings.append(finding) }
            return findings
        }
        if let late = answeredAfterClientClosed(exchange, request: request, response: response) {
            return findings + [late]
        }
        if let slow = slowResponse(exchange, request: request, response: response, missing: missing) {
            findings.append(slow)
        }
        if let status = badStatus(response) { return findings + [status] }
        if response.anomalies.contains(where: Self.cutsTheHead) {
            if missing.server.isEmpty { findings.append(cutResponseHead(response)) }
            return findings
        }
        let framing = framingFindings(exchange, response, missing: missing)
        findings += framing.findings
        guard missing.server.isEmpty, !framing.cutShort else { return findings }
        return findings + bodyFindings(response)
    }

    // MARK: - Status

    /// `bad-status` (facts §4.1): OSS accepts 200 only. OSS fails the callback on the status; the
    /// body of a non-200 answer is not judged.
    func badStatus(_ response: CapturedResponse) -> Finding? {
        let status = response.head.status
        guard status != 200 else { return nil }
        var evidence = Self.statusLineEvidence(response)
        if let location = response.head.headers["location"] { evidence.append(Evidence("location", location)) }
        return Finding(
            .badStatus, "The server answered \(status) \(response.head.reason); OSS accepts only 200.",
            evidence: evidence, ossError: "Error status : \(status).")
    }

    /// A 200 response whose head was cut short by missing bytes or by a limit: its framing
    /// headers are unknown, so neither framing nor body can be judged.
    func cutResponseHead(_ response: CapturedResponse) -> Finding {
        Finding(
            .incomplete,
            "The response's header section was cut (\(Self.whyCut(response.anomalies))); its framing and body cannot be judged.",
            evidence: Self.statusLineEvidence(response))
    }

    // MARK: - Framing

    /// `missing-content-length`, `content-length-mismatch` and `body-too-large` (facts §4.4): OSS
    /// requires a valid Content-Length of at most 1 MB. `cutShort` is true when the connection
    /// ended inside a Content-Length body (its content is then not judged).
    func framingFindings(
        _ exchange: HTTPExchange, _ response: CapturedResponse, missing: MissingBytes
    ) -> (findings: [Finding], cutShort: Bool) {
        switch response.framing {
        case .contentLength(let declared):
            return declaredLengthFindings(exchange, response, declared: declared, missing: missing)
        case .chunked, .closeDelimited, .none:
            var findings = [missingContentLength(response)]
            if response.body.size > settings.maxBodyBytes {
                findings.append(
                    Finding(
                        .bodyTooLarge,
                        "The body is \(response.body.size) bytes, over OSS's \(settings.maxBodyBytes)-byte limit.",
                        evidence: [Evidence("bodyBytes", "\(response.body.size)")]))
            }
            return (findings, false)
        }
    }

    /// The rules on a body framed by `Content-Length: declared`.
    private func declaredLengthFindings(
        _ exchange: HTTPExchange, _ response: CapturedResponse, declared: Int64, missing: MissingBytes
    ) -> (findings: [Finding], cutShort: Bool) {
        var findings: [Finding] = []
        if declared > settings.maxBodyBytes {
            findings.append(
                Finding(
                    .bodyTooLarge,
                    "Content-Length is \(declared) bytes, over OSS's \(settings.maxBodyBytes)-byte limit.",
                    evidence: [Evidence("contentLength", "\(declared)")]))
        }
        var cutShort = false
        if case .truncated(_, let received)? = response.end, missing.server.isEmpty {
            cutShort = true
            findings.append(
                Finding(
                    .contentLengthMismatch,
                    "The server announced Content-Length: \(declared) but the connection ended after \(received) body byte\(received == 1 ? "" : "s").",
                    evidence: [
                        Evidence("contentLength", "\(declared)"), Evidence("bodyBytesReceived", "\(received)"),
                        Evidence("serverEnd", Self.describe(exchange.outcome.serverEnd)),
                    ]))
        }
        if response.trailingBytes > 0 {
            let extra = response.trailingBytes
            findings.append(
                Finding(
                    .contentLengthMismatch,
                    "\(extra) more byte\(extra == 1 ? "" : "s") followed the \(declared)-byte body that Content-Length announced.",
                    evidence: [Evidence("contentLength", "\(declared)"), Evidence("extraBytes", "\(extra)")]))
        }
        return (findings, cutShort)
    }

    /// `missing-content-length`: the response has no Content-Length, or one that is not a length.
    private func missingContentLength(_ response: CapturedResponse) -> Finding {
        let invalid = response.anomalies.lazy.compactMap { anomaly -> String? in
            if case .invalidContentLength(let value) = anomaly { return value }
            return nil
        }.first
        if let value = invalid {
            return Finding(
                .missingContentLength,
                "Content-Length \"\(value)\" is not a valid length; OSS needs a positive integer.",
                evidence: [Evidence("contentLength", value)],
                ossError: "Error Status : 400.User server return invalid conent-length value.",
                ossErrorSource: OSSMessageFacts.invalidContentLength)
        }
        let how: String
        switch response.framing {
        case .chunked: how = "a chunked body (Transfer-Encoding: chunked)"
        case .closeDelimited: how = "a body delimited by closing the connection"
        default: how = "no body length"
        }
        return Finding(
            .missingContentLength, "The response has no Content-Length: the server sent \(how).",
            evidence: [Evidence("framing", Self.describe(response.framing))],
            ossErrorSource: response.framing == .chunked ? OSSMessageFacts.chunked : nil)
    }

    // MARK: - Body

    /// `bom-prefix` and `non-json-body` (facts §4.2), on a body captured whole. An XML body sent
    /// as application/xml is accepted (2025 docs).
    func bodyFindings(_ response: CapturedResponse) -> [Finding] {
        var findings: [Finding] = []
        let body = response.body
        if let mark = body.byteOrderMark {
            findings.append(
                Finding(
                    .bomPrefix, "The body starts with a \(mark.rawValue) byte-order mark before the JSON.",
                    evidence: [Evidence("firstBytesHex", Self.hex(body.preview.prefix(16)))]))
        }
        if let contentType = response.head.headers["content-type"], Self.isXML(contentType) { return findings }
        if let failure = body.contentDecoding?.failure {
            findings.append(
                Finding(
                    .nonJSONBody,
                    "The body could not be decoded (Content-Encoding: \(body.contentDecoding?.coding ?? "")): \(failure).",
                    evidence: [Evidence("firstBytesHex", Self.hex(body.leadingBytes.prefix(16)))],
                    ossErrorSource: OSSMessageFacts.undecodable))
        } else if case .invalid(let error, let offset)? = body.json {
            findings.append(notJSON(response, error: error, offset: offset))
        }
        return findings
    }

    /// `non-json-body` for a body the JSON validator refused at `offset`.
    private func notJSON(_ response: CapturedResponse, error: JSONSyntaxError, offset: Int64) -> Finding {
        let body = response.body
        let text: String
        if case .empty = error {
            text =
                body.size == 0
                ? "The body is empty; OSS needs a JSON body."
                : "The body holds only whitespace; OSS needs a JSON value."
        } else {
            text = "The body is not valid JSON (at byte \(offset): \(error))."
        }
        var evidence = [
            Evidence("firstBytesHex", Self.hex(body.preview.dropFirst(body.byteOrderMark?.bytes.count ?? 0).prefix(16)))
        ]
        if !body.preview.isEmpty { evidence.append(Evidence("bodyPreview", Self.snippet(body.preview, limit: 80))) }
        if let contentType = response.head.headers["content-type"] {
            evidence.append(Evidence("contentType", contentType))
        }
        return Finding(
            .nonJSONBody, text, evidence: evidence, ossErrorSource: body.size == 0 ? OSSMessageFacts.emptyBody : nil)
    }

    // MARK: - Missing bytes

    /// `incomplete`: what the missing bytes prevent us from knowing, in words.
    func incomplete(_ exchange: HTTPExchange, _ missing: MissingBytes) -> Finding {
        func bytes(_ holes: [CaptureHole]) -> Int64 { holes.reduce(0) { $0 + $1.length } }
        func plural(_ n: Int64) -> String { n == 1 ? "1 byte" : "\(n) bytes" }
        var sentences: [String] = []
        if !missing.client.isEmpty {
            sentences.append("\(plural(bytes(missing.client))) of what the client sent are missing from the capture")
        }
        if !missing.server.isEmpty {
            let count = plural(bytes(missing.server))
            if let response = exchange.response {
                if response.body.missingBytes > 0 {
                    sentences.append(
                        "\(plural(response.body.missingBytes)) of the \(response.head.status) response's body are missing from the capture, so whether it is JSON cannot be known"
                    )
                } else {
                    sentences.append("\(count) of what the server sent are missing from the capture")
                }
            } else {
                sentences.append(
                    "no response was captured, but \(count) the server sent are missing from the capture: the response may be among them"
                )
            }
        }
        let text = sentences.joined(separator: "; ") + "."
        return Finding(
            .incomplete, text.prefix(1).uppercased() + text.dropFirst(),
            evidence: [("missingRequestBytes", missing.client), ("missingResponseBytes", missing.server)].compactMap {
                key, holes in
                holes.isEmpty
                    ? nil
                    : Evidence(
                        key,
                        holes.map { "\($0.length) at stream offset \($0.offset), after frame \($0.origin.frame)" }
                            .joined(separator: "; "))
            })
    }

    /// The status line as the server sent it: the wire bytes when they differ from the parsed
    /// form (`http/1.1 403 Forbidden`, bytes outside printable ASCII as `\xNN`), else the parsed
    /// `HTTP/1.1 400 Bad Request`.
    static func statusLine(_ response: CapturedResponse) -> String {
        guard let wire = response.head.wireStatusLine else { return response.head.canonicalStatusLine }
        return escapedWireBytes(wire)
    }

    /// Printable ASCII as is, a backslash as `\\`, every other byte as `\xNN`: a quote of wire
    /// bytes that shows what a String would hide (a CR, a tab, invalid UTF-8).
    static func escapedWireBytes(_ bytes: [UInt8]) -> String {
        var out = ""
        for byte in bytes {
            if byte == 0x5C {
                out += "\\\\"
            } else if byte >= 0x20 && byte < 0x7F {
                out.append(Character(Unicode.Scalar(byte)))
            } else {
                out += "\\x" + Hex.digits(byte)
            }
        }
        return out
    }

    /// The status line evidence: `statusLine` quoted from the wire and, when the wire breaks the
    /// standard, `statusLineNonStandard` saying how (RFC 9112 §2.3: the HTTP-version's name is
    /// case-sensitive, "HTTP"; RFC 9112 §4: `HTTP-version SP status-code SP [ reason-phrase ]`).
    /// The parser stays tolerant; this only says what the packets show.
    static func statusLineEvidence(_ response: CapturedResponse) -> [Evidence] {
        var evidence = [Evidence("statusLine", statusLine(response))]
        var breaches: [String] = []
        if response.anomalies.contains(.lowercaseHTTPVersion) {
            let name = response.head.wireStatusLine.map { String(decoding: $0.prefix(4), as: UTF8.self) } ?? "?"
            breaches.append(
                "the HTTP-version's name is \"\(name)\", not \"HTTP\" (RFC 9112 §2.3: it is case-sensitive); tolerant clients accept it, strict ones may not"
            )
        }
        if let wire = response.head.wireStatusLine, wire.count == 12 {
            breaches.append(
                "no space after the status code (RFC 9112 §4: HTTP-version SP status-code SP [ reason-phrase ])")
        }
        if !breaches.isEmpty { evidence.append(Evidence("statusLineNonStandard", breaches.joined(separator: "; "))) }
        return evidence
    }
}
