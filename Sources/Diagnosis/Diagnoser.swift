import ByteText
import CallbackSignature
import CaptureModel
import HTTP1
public import HTTPExchanges
import JSONValidation
import TCPReassembly
import UploadCallbacks

/// Applies the rule catalogue to exchanges. Pure: the same exchange always gives the same findings.
public struct Diagnoser: Sendable {
    public var settings: DiagnosisSettings
    public init(settings: DiagnosisSettings = .init()) { self.settings = settings }

    public func diagnose(_ exchange: consuming HTTPExchange) -> DiagnosedExchange {
        // A request head the client's stream ended inside was never a request: no callback signal
        // counts (a callback OSS completed has its whole head).
        let unfinished = exchange.request?.anomalies.contains(.headCutByEnd) == true
        let signals = exchange.tls != nil ? [.tlsConnection] : unfinished ? [] : exchange.request?.callbackSignals ?? []
        var findings: [Finding] = []
        var upload: UploadDiagnosis?
        var possibleCallback = false
        if let refusal = exchange.refusal {
            findings.append(refused(refusal))
        } else if let tls = exchange.tls {
            findings = tlsFindings(exchange, tls)
        } else if unfinished, let request = exchange.request {
            findings = unfinishedRequestFindings(exchange, request)
        } else if !signals.isEmpty {
            findings = stackAware(callbackFindings(exchange), exchange) + authenticityFindings(exchange)
        } else if let uploadSide = UploadDiagnosis.of(exchange) {
            upload = uploadSide
            findings = uploadFindings(uploadSide, exchange: exchange)
        } else if let request = exchange.request, request.anomalies.contains(where: Self.cutsTheHead) {
            possibleCallback = request.head.method == "POST" && !UploadDiagnosis.isOSSEndpoint(request.head)
            findings = cutRequestFindings(exchange, request)
        }
        findings.sort { RuleCatalog.precedence(of: $0.rule) < RuleCatalog.precedence(of: $1.rule) }
        let outcome =
            upload != nil
            ? .notACallback : predictedOutcome(findings, isCallback: !signals.isEmpty || exchange.refusal != nil)
        return DiagnosedExchange(
            exchange: exchange, isCallback: !signals.isEmpty, callbackSignals: signals, findings: findings,
            outcome: outcome,
            upload: upload, isPossibleCallback: possibleCallback)
    }

    /// What OSS told the uploader, from the findings (most important first). Only delivery rules
    /// say it; a forged or altered callback that the server accepted still passed OSS's checks.
    /// An upload (the uploader's own exchange with OSS) gets no callback verdict.
    func predictedOutcome(_ findings: [Finding], isCallback: Bool) -> PredictedOutcome {
        if let failure = Self.decidingFailure(findings) {
            return .failed(ossMessage: failure.ossError ?? failure.message)
        }
        if let gap = findings.first(where: { $0.rule == .incomplete }) { return .unknown(reason: gap.message) }
        return isCallback ? .passed : .notACallback
    }

    /// The finding that decides what OSS told the uploader: the first error of a delivery rule.
    static func decidingFailure(_ findings: [Finding]) -> Finding? {
        findings.first { $0.severity == .error && RuleCatalog.rule($0.rule).concern == .delivery }
    }

    /// A request whose header section was cut: the headers that would say "OSS callback" may be
    /// in the part that was cut. OSS always POSTs: for a cut POST, what can be known (a missing
    /// or late response, the status) is still reported. A request to an OSS endpoint (Host
    /// *.aliyuncs.com) is the uploader's, never a callback.
    private func cutRequestFindings(_ exchange: HTTPExchange, _ request: CapturedRequest) -> [Finding] {
        var findings: [Finding] = []
        if request.head.method == "POST" && !UploadDiagnosis.isOSSEndpoint(request.head) {
            findings = callbackFindings(exchange).filter { $0.rule != .incomplete }
        }
        let fields = request.head.headers.count
        findings.append(
            Finding(
                .incomplete,
                "The request's header section was cut (\(Self.whyCut(request.anomalies))), so whether it is an OSS callback cannot be told; \(fields) header field\(fields == 1 ? " was" : "s were") captured.",
                evidence: [
                    Evidence("requestLine", "\(request.head.method) \(request.head.target) \(request.head.version)")
                ]))
        return findings
    }

    /// A request whose stream ended inside its header section: the server's answer, if any, is not
    /// an answer to a callback OSS completed — no delivery or authenticity verdict. When the client
    /// ended it (FIN or RST), nothing is missing from the capture: the client never sent the
    /// request whole, and the exchange is listed as what was captured, with no finding. When the
    /// capture ended there (or the connection is still open), the rest may exist: `incomplete`.
    private func unfinishedRequestFindings(_ exchange: HTTPExchange, _ request: CapturedRequest) -> [Finding] {
        switch exchange.outcome.clientEnd {
        case .fin?, .reset?: return []
        case .endOfCapture?, .idleTimeout?, nil: break
        }
        let fields = request.head.headers.count
        return [
            Finding(
                .incomplete,
                "The client's stream ended inside the request's header section (\(Self.describe(exchange.outcome.clientEnd))) after \(fields) complete header field\(fields == 1 ? "" : "s"): the request was never complete, so the server's answer is not judged.",
                evidence: [
                    Evidence("requestLine", "\(request.head.method) \(request.head.target) \(request.head.version)"),
                    Evidence("requestStartFrame", "\(request.timing.start.frame)"),
                ])
        ]
    }

    // MARK: - Rules

    private func refused(_ refusal: RefusedConnection) -> Finding {
        let server = refusal.info.server
        switch refusal.kind {
        case .reset:
            let delay =
                refusal.reset.map { Self.duration($0.timestamp.seconds(since: refusal.firstSyn.timestamp)) } ?? "?"
            var evidence = [Evidence("synFrame", "\(refusal.firstSyn.frame)")]
            if let reset = refusal.reset { evidence.append(Evidence("resetFrame", "\(reset.frame)")) }
            return Finding(
                .connectionRefused,
                "\(server) answered the SYN with RST after \(delay): nothing accepts connections on that port.",
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

    // MARK: - Formatting helpers

    /// Anomalies that mean a head was not seen whole.
    static func cutsTheHead(_ anomaly: HTTPAnomaly) -> Bool {
        switch anomaly {
        case .headCutByGap, .headCutByEnd, .headCutByLimit, .headerLimitExceeded: true
        default: false
        }
    }

    static func whyCut(_ anomalies: [HTTPAnomaly]) -> String {
        for anomaly in anomalies {
            if case .headCutByLimit(let reason) = anomaly { return "over a limit: \(reason)" }
            if case .headCutByEnd = anomaly { return "the connection ended inside it" }
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
        media = ASCIIText.trimmingOWS(media)
        return ASCIIText.equalsIgnoringCase(media, "application/xml") || ASCIIText.equalsIgnoringCase(media, "text/xml")
    }

    /// A duration as findings write it (``DurationText/describe(_:)``).
    static func duration(_ seconds: Double) -> String { DurationText.describe(seconds) }

    /// Seconds as evidence writes them: six decimals.
    static func seconds(_ value: Double) -> String { String(fixedPoint: value, decimals: 6) }

    /// Lower-case hex bytes separated by spaces, as evidence writes them.
    static func hex<C: Collection<UInt8>>(_ bytes: C) -> String { Hex.encode(bytes, separator: " ") }

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
