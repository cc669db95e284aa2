import CallbackSignature
import CaptureModel
import HTTP1
import HTTPExchanges
import JSONValidation
import TCPReassembly
import UploadCallbacks

/// Applies the rule catalogue to exchanges. Pure: the same exchange always gives the same findings.
public struct Diagnoser: Sendable {
    public var settings: DiagnosisSettings
    public init(settings: DiagnosisSettings = .init()) { self.settings = settings }

    public func diagnose(_ exchange: consuming HTTPExchange) -> DiagnosedExchange {
        let signals = exchange.tls != nil ? [.tlsConnection] : exchange.request?.callbackSignals ?? []
        var findings: [Finding] = []
        var upload: UploadDiagnosis?
        var possibleCallback = false
        if let refusal = exchange.refusal {
            findings.append(refused(refusal))
        } else if let tls = exchange.tls {
            findings = tlsFindings(exchange, tls)
        } else if !signals.isEmpty {
            findings = callbackFindings(exchange) + signatureFindings(exchange)
        } else if let uploadSide = UploadDiagnosis.of(exchange) {
            upload = uploadSide
            findings = uploadFindings(uploadSide, exchange: exchange)
        } else if let request = exchange.request, request.anomalies.contains(where: Self.cutsTheHead) {
            // The headers that would say "OSS callback" may be in the part that was cut. OSS
            // always POSTs: for a cut POST, what can be known (a missing or late response, the
            // status) is still reported.
            // A request to an OSS endpoint (Host *.aliyuncs.com) is the uploader's, never a callback.
            if request.head.method == "POST" && !UploadDiagnosis.isOSSEndpoint(request.head) {
                possibleCallback = true
                findings = callbackFindings(exchange).filter { $0.rule != .incomplete }
            }
            findings.append(
                Finding(
                    .incomplete,
                    "The request's header section was cut (\(Self.whyCut(request.anomalies))), so whether it is an OSS callback cannot be told; \(request.head.headers.count) header field\(request.head.headers.count == 1 ? " was" : "s were") captured.",
                    evidence: [Evidence("requestLine", "\(request.head.method) \(request.head.target) \(request.head.version)")]))
        }
        findings.sort { RuleCatalog.precedence(of: $0.rule) < RuleCatalog.precedence(of: $1.rule) }
        let outcome: PredictedOutcome
        // Only delivery rules say what OSS told the uploader; a forged or altered callback that
        // the server accepted still passed OSS's checks.
        if upload != nil {
            outcome = .notACallback  // The uploader's own exchange with OSS: findings, but no callback verdict.
        } else if let failure = findings.first(where: { $0.severity == .error && RuleCatalog.rule($0.rule).concern == .delivery }) {
            outcome = .failed(ossMessage: failure.ossError ?? failure.message)
        } else if let gap = findings.first(where: { $0.rule == .incomplete }) {
            outcome = .unknown(reason: gap.message)
        } else if signals.isEmpty && exchange.refusal == nil {
            outcome = .notACallback
        } else {
            outcome = .passed
        }
        return DiagnosedExchange(
            exchange: exchange, isCallback: !signals.isEmpty, callbackSignals: signals, findings: findings, outcome: outcome,
            upload: upload, isPossibleCallback: possibleCallback)
    }

    // MARK: - Rules

    private func refused(_ refusal: RefusedConnection) -> Finding {
        let server = refusal.info.server
        switch refusal.kind {
        case .reset:
            let delay = refusal.reset.map { Self.duration($0.timestamp.seconds(since: refusal.firstSyn.timestamp)) } ?? "?"
            var evidence = [Evidence("synFrame", "\(refusal.firstSyn.frame)")]
            if let reset = refusal.reset { evidence.append(Evidence("resetFrame", "\(reset.frame)")) }
            return Finding(
                .connectionRefused, "\(server) answered the SYN with RST after \(delay): nothing accepts connections on that port.",
                evidence: evidence)
        case .unanswered:
            let count = refusal.synFrames.count
            return Finding(
                .connectionRefused,
                "\(server) never answered \(count == 1 ? "the SYN" : "\(count) SYNs"): the host is down or a firewall drops them.",
                evidence: [Evidence("synFrames", refusal.synFrames.map(String.init).joined(separator: ","))],
                ossError: "Error status : -1. OSS can not connect to your callbackUrl, please check it.")
        }
    }

    private func callbackFindings(_ exchange: HTTPExchange) -> [Finding] {
        var findings: [Finding] = []
        let serverHoles = exchange.holes.filter { $0.direction == .serverToClient }
        let clientHoles = exchange.holes.filter { $0.direction == .clientToServer }
        if !exchange.holes.isEmpty {
            findings.append(incomplete(exchange, clientHoles: clientHoles, serverHoles: serverHoles))
        }
        guard let request = exchange.request else { return findings }

        guard let response = exchange.response else {
            // Missing server bytes could hold the response — unless OSS had closed its side
            // before any of them was sent.
            let earliestHole = serverHoles.map(\.origin.timestamp).min()
            let closedBeforeHole = Self.clientClose(exchange.outcome.clientEnd).map { close in
                earliestHole.map { close.timestamp < $0 } ?? true
            } ?? false
            if serverHoles.isEmpty || closedBeforeHole {
                findings.append(noResponse(exchange, requestEnd: request.timing.end ?? request.timing.start))
            }
            return findings
        }

        // A response that only started after OSS had closed its side was never read by OSS.
        if let gaveUp = Self.clientClose(exchange.outcome.clientEnd), gaveUp.timestamp < response.timing.start.timestamp {
            let requestEnd = request.timing.end ?? request.timing.start
            let closedAfter = gaveUp.timestamp.seconds(since: requestEnd.timestamp)
            let startedAfter = response.timing.start.timestamp.seconds(since: requestEnd.timestamp)
            let timedOut = closedAfter >= settings.latencyThresholdSeconds - 0.05
            findings.append(
                Finding(
                    .noResponse,
                    "The client (OSS) closed the connection \(Self.duration(closedAfter)) after the request; the server's \(response.head.status) response only started \(Self.duration(startedAfter)) after it, too late to be read.",
                    evidence: [
                        Evidence("requestEndFrame", "\(requestEnd.frame)"), Evidence("clientCloseFrame", "\(gaveUp.frame)"),
                        Evidence("lateResponseFrame", "\(response.timing.start.frame)"),
                    ],
                    ossError: timedOut ? Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds) : "Error status : 502."))
            return findings
        }

        // Timing: OSS stops waiting 5 s after sending the request (facts §4.5).
        if let latency = exchange.latencySeconds, latency > settings.latencyThresholdSeconds {
            let limit = Self.duration(settings.latencyThresholdSeconds)
            findings.append(
                Finding(
                    .slowResponse,
                    "The response completed \(Self.duration(latency)) after the request, over OSS's \(limit) limit; OSS had already given up.",
                    evidence: [
                        Evidence("latencySeconds", Self.seconds(latency)),
                        Evidence("requestEndFrame", "\(request.timing.end?.frame ?? 0)"),
                        Evidence("responseEndFrame", "\(response.timing.end?.frame ?? 0)"),
                    ],
                    ossError: Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)))
        }

        let status = response.head.status
        if status != 200 {
            var evidence = [Evidence("statusLine", "\(response.head.version) \(status) \(response.head.reason)")]
            if let location = response.head.headers["location"] { evidence.append(Evidence("location", location)) }
            findings.append(
                Finding(
                    .badStatus, "The server answered \(status) \(response.head.reason); OSS accepts only 200.",
                    evidence: evidence, ossError: "Error status : \(status)."))
            // OSS fails the callback on the status; the body of a non-200 answer is not judged.
            return findings
        }

        // A head cut short by missing bytes or by a limit: its framing headers are unknown.
        if response.anomalies.contains(where: Self.cutsTheHead) {
            if serverHoles.isEmpty {
                findings.append(
                    Finding(
                        .incomplete,
                        "The response's header section was cut (\(Self.whyCut(response.anomalies))); its framing and body cannot be judged.",
                        evidence: [Evidence("statusLine", "\(response.head.version) \(status) \(response.head.reason)")]))
            }
            return findings
        }

        // Framing (facts §4.4): OSS requires a valid Content-Length.
        let cutShort: Bool
        switch response.framing {
        case .contentLength(let declared):
            if declared > settings.maxBodyBytes {
                findings.append(
                    Finding(
                        .bodyTooLarge, "Content-Length is \(declared) bytes, over OSS's \(settings.maxBodyBytes)-byte limit.",
                        evidence: [Evidence("contentLength", "\(declared)")]))
            }
            if case .truncated(_, let received)? = response.end, serverHoles.isEmpty {
                cutShort = true
                findings.append(
                    Finding(
                        .contentLengthMismatch,
                        "The server announced Content-Length: \(declared) but the connection ended after \(received) body byte\(received == 1 ? "" : "s").",
                        evidence: [
                            Evidence("contentLength", "\(declared)"), Evidence("bodyBytesReceived", "\(received)"),
                            Evidence("serverEnd", Self.describe(exchange.outcome.serverEnd)),
                        ]))
            } else {
                cutShort = false
            }
            if response.trailingBytes > 0 {
                findings.append(
                    Finding(
                        .contentLengthMismatch,
                        "\(response.trailingBytes) more byte\(response.trailingBytes == 1 ? "" : "s") followed the \(declared)-byte body that Content-Length announced.",
                        evidence: [Evidence("contentLength", "\(declared)"), Evidence("extraBytes", "\(response.trailingBytes)")]))
            }
        case .chunked, .closeDelimited, .none:
            cutShort = false
            let how: String
            switch response.framing {
            case .chunked: how = "a chunked body (Transfer-Encoding: chunked)"
            case .closeDelimited: how = "a body delimited by closing the connection"
            default: how = "no body length"
            }
            let invalid = response.anomalies.compactMap { anomaly -> String? in
                if case .invalidContentLength(let value) = anomaly { return value }
                return nil
            }
            if let value = invalid.first {
                findings.append(
                    Finding(
                        .missingContentLength, "Content-Length \"\(value)\" is not a valid length; OSS needs a positive integer.",
                        evidence: [Evidence("contentLength", value)],
                        ossError: "Error Status : 400.User server return invalid conent-length value."))
            } else {
                findings.append(
                    Finding(
                        .missingContentLength, "The response has no Content-Length: the server sent \(how).",
                        evidence: [Evidence("framing", Self.describe(response.framing))]))
            }
            if response.body.size > settings.maxBodyBytes {
                findings.append(
                    Finding(
                        .bodyTooLarge, "The body is \(response.body.size) bytes, over OSS's \(settings.maxBodyBytes)-byte limit.",
                        evidence: [Evidence("bodyBytes", "\(response.body.size)")]))
            }
        }

        // Body (facts §4.2). Withheld when bytes are missing or the body was cut short.
        guard serverHoles.isEmpty, !cutShort else { return findings }
        let body = response.body
        if let mark = body.byteOrderMark {
            findings.append(
                Finding(
                    .bomPrefix, "The body starts with a \(mark.rawValue) byte-order mark before the JSON.",
                    evidence: [Evidence("firstBytesHex", Self.hex(body.preview.prefix(16)))]))
        }
        if let contentType = response.head.headers["content-type"], Self.isXML(contentType) {
            return findings  // OSS accepts XML bodies sent as application/xml (facts §4.2, 2025 docs).
        }
        if let failure = body.contentDecoding?.failure {
            findings.append(
                Finding(
                    .nonJSONBody,
                    "The body could not be decoded (Content-Encoding: \(body.contentDecoding?.coding ?? "")): \(failure).",
                    evidence: [Evidence("firstBytesHex", Self.hex(body.leadingBytes.prefix(16)))]))
        } else if case .invalid(let error, let offset)? = body.json {
            let text: String
            if case .empty = error {
                text = body.size == 0 ? "The body is empty; OSS needs a JSON body." : "The body holds only whitespace; OSS needs a JSON value."
            } else {
                text = "The body is not valid JSON (at byte \(offset): \(error))."
            }
            var evidence = [Evidence("firstBytesHex", Self.hex(body.preview.dropFirst(body.byteOrderMark?.bytes.count ?? 0).prefix(16)))]
            if !body.preview.isEmpty { evidence.append(Evidence("bodyPreview", Self.snippet(body.preview, limit: 80))) }
            if let contentType = response.head.headers["content-type"] { evidence.append(Evidence("contentType", contentType)) }
            findings.append(Finding(.nonJSONBody, text, evidence: evidence))
        }
        return findings
    }

    /// The authenticity rules (facts §3), from the signature verdict computed while the request
    /// streamed past. An `unverifiable` or `missing` signature gives no finding: the verdict in
    /// the report says why.
    private func signatureFindings(_ exchange: HTTPExchange) -> [Finding] {
        guard let request = exchange.request, let signature = request.signature else { return [] }
        var findings: [Finding] = []
        let response = exchange.response
        // Formatted only for the findings that quote it (most callbacks verify and get none).
        func statusLine(_ response: CapturedResponse) -> String { "\(response.head.version) \(response.head.status) \(response.head.reason)" }
        if signature.status == .invalid {
            var evidence = [Evidence("target", request.head.target)]
            if let url = signature.keyURL?.url { evidence.append(Evidence("keyUrl", url)) }
            findings.append(
                Finding(
                    .signatureInvalid,
                    "The signature does not verify: the request was changed after OSS signed it (a proxy rewrote the path or body) or it did not come from OSS. \(signature.reason)",
                    evidence: evidence))
        }
        if let key = signature.keyURL, !key.trusted {
            let named = key.url.map { "The key URL \"\(Self.snippet(Array($0.utf8), limit: 120))\"" } ?? "The key URL header"
            var evidence: [Evidence] = []
            if let url = key.url { evidence.append(Evidence("keyUrl", url)) }
            evidence.append(Evidence("problem", key.problem ?? ""))
            findings.append(
                Finding(
                    .untrustedKeyURL,
                    "\(named) is not one of OSS's (\(key.problem ?? "not trusted")): the mark of a forged callback; a server that fetches it is open to SSRF.",
                    evidence: evidence))
        }
        if signature.status == .invalid, let response, response.head.status == 200 {
            findings.append(
                Finding(
                    .forgedCallbackAccepted,
                    "The server answered 200 to a callback whose signature does not verify: it accepts forged or altered callbacks.",
                    evidence: [Evidence("statusLine", statusLine(response)), Evidence("responseFrame", "\(response.timing.start.frame)")]))
        }
        if signature.status == .valid, let response, Self.verificationRejections.contains(response.head.status) {
            findings.append(
                Finding(
                    .genuineCallbackRejected,
                    "The server answered \(response.head.status) to a callback whose signature verifies (\(signature.verifiedWith ?? "a known key")): its own verification is wrong.",
                    evidence: [Evidence("statusLine", statusLine(response)), Evidence("verifiedWith", signature.verifiedWith ?? "")]))
        }
        return findings
    }

    /// The 4xx statuses a server answers when its signature check fails (400 in OSS's samples
    /// and test server, 401, 403); other 4xx (404, 405, 413, …) say something else went wrong.
    static let verificationRejections: Set<Int> = [400, 401, 403]

    /// What the missing bytes prevent us from knowing, in words.
    private func incomplete(_ exchange: HTTPExchange, clientHoles: [CaptureHole], serverHoles: [CaptureHole]) -> Finding {
        func bytes(_ holes: [CaptureHole]) -> Int64 { holes.reduce(0) { $0 + $1.length } }
        func plural(_ n: Int64) -> String { n == 1 ? "1 byte" : "\(n) bytes" }
        var sentences: [String] = []
        if !clientHoles.isEmpty {
            sentences.append("\(plural(bytes(clientHoles))) of what the client sent are missing from the capture")
        }
        if !serverHoles.isEmpty {
            let missing = plural(bytes(serverHoles))
            if let response = exchange.response {
                if response.body.missingBytes > 0 {
                    sentences.append(
                        "\(plural(response.body.missingBytes)) of the \(response.head.status) response's body are missing from the capture, so whether it is JSON cannot be known")
                } else {
                    sentences.append("\(missing) of what the server sent are missing from the capture")
                }
            } else {
                sentences.append("no response was captured, but \(missing) the server sent are missing from the capture: the response may be among them")
            }
        }
        let text = sentences.joined(separator: "; ") + "."
        return Finding(
            .incomplete, text.prefix(1).uppercased() + text.dropFirst(),
            evidence: [("missingRequestBytes", clientHoles), ("missingResponseBytes", serverHoles)].compactMap { key, holes in
                holes.isEmpty
                    ? nil
                    : Evidence(key, holes.map { "\($0.length) at stream offset \($0.offset), after frame \($0.origin.frame)" }.joined(separator: "; "))
            })
    }

    /// `no-response`, worded by how the connection ended after `requestEnd`.
    func noResponse(_ exchange: HTTPExchange, requestEnd: StreamOrigin) -> Finding {
        func after(_ origin: StreamOrigin) -> String { Self.duration(origin.timestamp.seconds(since: requestEnd.timestamp)) }
        let message: String
        var evidence = [Evidence("requestEndFrame", "\(requestEnd.frame)")]
        var ossError = "Error status : 502."
        switch (exchange.outcome.serverEnd, exchange.outcome.clientEnd) {
        case (.reset(by: .serverToClient, let origin)?, _), (_, .reset(by: .serverToClient, let origin)?):
            message = "The server reset the connection \(after(origin)) after the request, without a response."
            evidence.append(Evidence("resetFrame", "\(origin.frame)"))
        case (_, .fin(let origin)?):
            let waited = origin.timestamp.seconds(since: requestEnd.timestamp)
            message = "No response: the client (OSS) closed the connection \(after(origin)) after the request."
            evidence.append(Evidence("clientFinFrame", "\(origin.frame)"))
            if waited >= settings.latencyThresholdSeconds - 0.05 {
                ossError = Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)
            }
        case (_, .reset(by: .clientToServer, let origin)?):
            message = "No response: the client (OSS) reset the connection \(after(origin)) after the request."
            evidence.append(Evidence("resetFrame", "\(origin.frame)"))
            ossError = Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)
        case (.fin(let origin)?, _):
            message = "The server closed the connection \(after(origin)) after the request without sending a response."
            evidence.append(Evidence("serverFinFrame", "\(origin.frame)"))
        case (.idleTimeout(let origin)?, _), (_, .idleTimeout(let origin)?):
            message = "No response \(after(origin)) after the request; the connection went idle."
        default:
            message = "No response before the capture ended."
            ossError = Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)
        }
        return Finding(.noResponse, message, evidence: evidence, ossError: ossError)
    }

    // MARK: - Formatting helpers

    /// Anomalies that mean a head was not seen whole.
    static func cutsTheHead(_ anomaly: HTTPAnomaly) -> Bool {
        switch anomaly {
        case .headCutByGap, .headCutByLimit, .headerLimitExceeded: true
        default: false
        }
    }

    static func whyCut(_ anomalies: [HTTPAnomaly]) -> String {
        for anomaly in anomalies {
            if case .headCutByLimit(let reason) = anomaly { return "over a limit: \(reason)" }
        }
        return "bytes are missing from the capture, e.g. a small snaplen"
    }

    /// When the client closed or reset its side, if it did.
    static func clientClose(_ end: StreamEnd?) -> StreamOrigin? {
        switch end {
        case .fin(let origin)?, .reset(by: .clientToServer, let origin)?: origin
        default: nil
        }
    }

    static func replyTimeout(_ server: Endpoint, _ limit: Double) -> String {
        let ms = Int((limit * 1000).rounded())
        return "Error status : -1 \(server) reply timeout, cost:\(ms)ms, timeout:\(ms)ms"
    }

    /// True for `application/xml` or `text/xml` (RFC 9110 §8.3.1: case-insensitive media type,
    /// parameters after `;`, optional whitespace). Works on the UTF-8 bytes: it runs for every
    /// callback response, and splitting and lower-casing Strings showed up in the profile.
    static func isXML(_ contentType: String) -> Bool {
        var media = contentType.utf8[...]
        if let semicolon = media.firstIndex(of: UInt8(ascii: ";")) { media = media[..<semicolon] }
        while let first = media.first, first == 0x20 || first == 0x09 { media = media.dropFirst() }
        while let last = media.last, last == 0x20 || last == 0x09 { media = media.dropLast() }
        func equalsIgnoringCase(_ literal: String) -> Bool {
            media.count == literal.utf8.count
                && zip(media, literal.utf8).allSatisfy { a, b in (a >= 0x41 && a <= 0x5A ? a | 0x20 : a) == b }
        }
        return equalsIgnoringCase("application/xml") || equalsIgnoringCase("text/xml")
    }

    /// `0.2 ms`, `35 ms`, `5.002 s`.
    public static func duration(_ seconds: Double) -> String {
        if seconds < 0.001 { return String(format3: seconds * 1000, decimals: 3) + " ms" }
        if seconds < 1 { return String(format3: seconds * 1000, decimals: 1) + " ms" }
        return String(format3: seconds, decimals: 3) + " s"
    }

    static func seconds(_ value: Double) -> String { String(format3: value, decimals: 6) }

    /// Lower-case hex bytes separated by spaces.
    public static func hex<C: Collection<UInt8>>(_ bytes: C) -> String {
        let digits = Array("0123456789abcdef")
        return bytes.map { String([digits[Int($0 >> 4)], digits[Int($0 & 0xF)]]) }.joined(separator: " ")
    }

    /// The first `limit` bytes as text, invalid UTF-8 replaced (the renderers escape controls).
    static func snippet(_ bytes: [UInt8], limit: Int) -> String {
        let text = String(decoding: bytes.prefix(limit), as: UTF8.self)
        return bytes.count > limit ? text + "…" : text
    }

    static func describe(_ framing: BodyFraming) -> String {
        switch framing {
        case .none: "none"
        case .contentLength(let n): "content-length \(n)"
        case .chunked: "chunked"
        case .closeDelimited: "close-delimited"
        }
    }

    static func describe(_ end: StreamEnd?) -> String {
        switch end {
        case .fin(let o)?: "FIN (frame \(o.frame))"
        case .reset(let by, let o)?: "RST from \(by == .serverToClient ? "server" : "client") (frame \(o.frame))"
        case .endOfCapture?: "end of capture"
        case .idleTimeout?: "idle timeout"
        case nil: "open"
        }
    }
}

extension String {
    /// Fixed-point formatting without Foundation: `String(format3: 1.23456, decimals: 3)` → `"1.235"`.
    public init(format3 value: Double, decimals: Int) {
        guard value.isFinite else {
            self = "\(value)"
            return
        }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let negative = value < 0
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        var fraction = Int64(scaled - Double(whole) * scale)
        if fraction < 0 { fraction = 0 }
        var fractionText = String(fraction)
        while fractionText.count < decimals { fractionText = "0" + fractionText }
        self = (negative && scaled != 0 ? "-" : "") + String(whole) + (decimals > 0 ? "." + fractionText : "")
    }

    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
