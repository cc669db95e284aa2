import ByteText
import CallbackSignature
import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
import ReportModel
import TCPReassembly
import TLSRecords
import UploadCallbacks

/// The wording the human formats (text, Markdown, HTML) share, so that they say the same things
/// in the same words: clocks, spans, request lines, statuses, latencies, notes. Everything here
/// returns raw text; each renderer escapes it for its context.
enum ReportWording {
    /// Rules about the uploader's side (uploads to OSS), whose OSS message is not a 203 to a callback.
    static let uploadRules: Set<RuleID> = [
        .callbackConfigInvalid, .callbackPrivateAddress, .callbackFailedAtOSS, .callbackConfigWarning,
        .callbackConfigUnverifiable,
    ]

    /// What the rules catalogue says OSS tells the uploader, as one line, with whether that is
    /// documented or inferred.
    static func ossSays(_ rule: Rule) -> String? {
        guard let oss = rule.ossError else { return nil }
        return (uploadRules.contains(rule.id) ? oss : "203 CallbackFailed, " + oss) + sourceNote(rule.ossErrorSource)
    }

    /// ` (documented: facts §4.7 [D21-203])` or ` (inferred: …)` after an OSS message; empty without a source.
    static func sourceNote(_ source: OSSMessageSource?) -> String {
        source.map { " (\($0.label))" } ?? ""
    }

    /// ` (documented)` / ` (inferred)` / ` (observed)` for a table cell; empty without a source.
    static func basisMark(_ source: OSSMessageSource?) -> String {
        source.map { " (\($0.basis.rawValue))" } ?? ""
    }

    /// A finding's OSS message with its source note, or nil without one.
    static func ossSays(_ finding: Finding) -> String? {
        finding.ossError.map { $0 + sourceNote(finding.ossErrorSource) }
    }

    /// Uploads to OSS that carry a callback parameter or got a 203 CallbackFailed.
    static func isUpload(_ r: ReportedExchange) -> Bool { r.diagnosed.upload != nil }

    /// The uploader's side of an exchange as label/value lines (raw text; renderers escape it).
    /// The chain of a callback's legs (issue #19), as label/value lines: `legs` with the chain
    /// (`OSS → nginx 127.0.0.1:9072 (504 after 3.032 s) → 127.0.0.1:18072 (200 after 4.000 s,
    /// too late for nginx)`), then one line per inner leg with its request line, forwarding
    /// headers and first frame. Empty without legs. The one place the chain is rendered.
    static func legLines(_ d: DiagnosedExchange) -> [(String, String)] {
        guard let chain = d.legChain else { return [] }
        var lines = [("legs", chain)]
        for (i, leg) in d.legs.enumerated() {
            var text = "\(leg.client) → \(leg.server)"
            if let line = leg.requestLine { text += ", " + line }
            if !leg.forwardingHeaders.isEmpty { text += ", " + leg.forwardingHeaders.joined(separator: ", ") }
            text += ", first frame \(leg.firstFrame)"
            lines.append(("inner leg \(i + 1)", text))
        }
        return lines
    }

    static func uploadLines(_ d: DiagnosedExchange) -> [(String, String)] {
        guard let upload = d.upload else { return [] }
        var lines: [(String, String)] = []
        if let c = upload.callback {
            if !c.locations.isEmpty {
                lines.append(
                    (
                        "callback in",
                        c.locations.map(\.rawValue).joined(separator: " and ") + " (\(c.encodedLength) Base64 bytes)"
                    ))
            } else if c.unverifiable != nil {
                lines.append(("callback", "not checked (see callback-config-unverifiable)"))
            } else {
                let places = c.variableLocations.isEmpty ? [c.location] : c.variableLocations
                lines.append(
                    ("callback", "none; only callback-var, in " + places.map(\.rawValue).joined(separator: " and ")))
            }
            if let config = c.configuration {
                lines.append(("callbackUrl", config.callbackURLs.joined(separator: " ; ")))
                if let host = config.callbackHost { lines.append(("callbackHost", host)) }
                if let body = config.callbackBody { lines.append(("callbackBody", body)) }
                if let type = config.callbackBodyType { lines.append(("callbackBodyType", type)) }
                if let sni = config.callbackSNI { lines.append(("callbackSNI", sni ? "true" : "false")) }
                if let version = config.signatureVersion { lines.append(("signatureVersion", version)) }
            }
            if !c.variables.isEmpty {
                lines.append(("variables", c.variables.map { "\($0.name)=\($0.value)" }.joined(separator: ", ")))
            }
            if let rejection = c.predictedRejection {
                lines.append(
                    (
                        "OSS should answer",
                        "400 InvalidArgument: \(rejection.ossMessage ?? "")"
                            + (rejection.ec.map { " (EC \($0))" } ?? "")
                    ))
            } else if c.unverifiable == nil && !c.locations.isEmpty {
                let notes = c.problems.contains { $0.rejection == nil }
                lines.append(
                    (
                        "checks",
                        "OSS's documented checks pass"
                            + (notes ? ", but the callback will not work as meant (see the warning)" : "")
                    ))
            }
        }
        if let f = upload.callbackFailed {
            lines.append(("OSS answered", "203 CallbackFailed: \(f.message)" + (f.ec.map { " (EC \($0))" } ?? "")))
            lines.append(("meaning", f.meaning.explanation))
        } else if let doc = upload.ossError {
            lines.append(
                (
                    "OSS answered",
                    "\(d.exchange.response.map { "\($0.head.status) " } ?? "")\(doc.code): \(doc.message ?? "")"
                        + (doc.ec.map { " (EC \($0))" } ?? "")
                ))
        }
        return lines
    }

    /// `18:32:57.942` or, with `date`, `2026-11-25 18:32:57.942`.
    static func clock(_ t: Timestamp, date: Bool) -> String {
        let full = t.rfc3339  // 2026-11-25T17:20:01.123456789Z
        let time = String(full.dropFirst(11).prefix(12))
        return date ? String(full.prefix(10)) + " " + time : time
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// `2026-11-25 18:32:57.723 → 18:33:25.651 UTC (27.928 s)` over the readable captures.
    static func span(_ report: Report) -> String? {
        let readable = report.captures.filter { $0.error == nil }
        guard let first = readable.compactMap(\.firstPacketTime).min(),
            let last = readable.compactMap(\.lastPacketTime).max()
        else { return nil }
        return span(from: first, to: last)
    }

    /// One capture's span on its own clock, as ``span(_:)`` words it; nil when it has no packet.
    static func span(of capture: CaptureSummary) -> String? {
        guard capture.error == nil, let first = capture.firstPacketTime, let last = capture.lastPacketTime else {
            return nil
        }
        return span(from: first, to: last)
    }

    /// `2026-11-25 18:32:57.723 → 18:33:25.651 UTC (27.928 s)`; the end's date only when it is another day.
    static func span(from first: Timestamp, to last: Timestamp) -> String {
        "\(clock(first, date: true)) → \(clock(last, date: day(first) != day(last))) UTC (\(DurationText.describe(last.seconds(since: first))))"
    }

    /// The UTC day of `t` (days since 1970-01-01).
    static func day(_ t: Timestamp) -> Int64 { t.seconds.floorDiv(86_400) }

    /// Failing exchanges over the whole report (exact): failed callbacks and possible callbacks,
    /// and refused connection attempts.
    static func failedTotal(_ s: ReportSummary) -> Int {
        s.callbacksFailed + s.possibleCallbacksFailed + s.refusedConnections
    }

    /// `text` cut to at most `limit` characters, ending in `…` when cut (for the brief Markdown,
    /// whose size must not depend on the capture).
    static func clipped(_ text: String, to limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(max(0, limit - 1))) + "…"
    }

    /// `showing 100 of 9,868 passing callbacks; --list-all lists all`: what a cut list says where it is.
    static func cutNote(shown: Int, total: Int, of kind: String, remedy: String) -> String {
        "showing \(grouped(shown)) of \(grouped(total)) \(kind); \(remedy)"
    }

    /// A latency percentile: `12.3 ms`, or `≤ 12.3 ms` when it is a histogram bucket's upper bound
    /// (``ReportModel/LatencyDistribution``: over 1,000 values, within 0.1 %); `—` without one.
    static func percentile(_ seconds: Double?, exact: Bool) -> String {
        guard let seconds else { return "—" }
        return (exact ? "" : "≤ ") + DurationText.describe(seconds)
    }

    /// What lists the rest of a cut list: `--list-all lists all`; with `--server`, only exchanges
    /// with the servers it names are ever listed (the others are counted), so it says that.
    static func listAllRemedy(_ report: Report, verb: String = "lists") -> String {
        report.settings.servers.isEmpty
            ? "--list-all \(verb) all"
            : "--list-all \(verb) all with the --server servers (the others are only counted)"
    }

    /// `9,868`: thousands separated by commas.
    static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    /// `POST /path HTTP/1.1`, or a description of what was seen instead of a request.
    static func requestLine(_ e: HTTPExchange, withVersion: Bool = true) -> String {
        if let tls = e.tls { return "(HTTPS) " + tlsSummary(tls) }
        if let request = e.request {
            return "\(request.head.method) \(request.head.target)" + (withVersion ? " \(request.head.version)" : "")
        }
        return e.refusal != nil ? "(connection attempt)" : "(request not captured)"
    }

    /// `200 OK`, `500`, or `—` without a response.
    static func status(_ e: HTTPExchange) -> String {
        if let tls = e.tls { return tlsStatus(tls) }
        guard let response = e.response else { return "—" }
        return response.head.reason.isEmpty
            ? "\(response.head.status)" : "\(response.head.status) \(response.head.reason)"
    }

    /// ``status(_:)-swift.type.method``, except that an HTTPS exchange judged `no-response` says
    /// so: its early server records (session tickets) were not a response.
    static func status(_ d: DiagnosedExchange) -> String {
        if d.exchange.tls != nil, d.findings.contains(where: { $0.rule == .noResponse }) {
            return "no complete response (estimated)"
        }
        return status(d.exchange)
    }

    /// ``latency(_:)-swift.type.method``, except `—` for an HTTPS exchange judged `no-response`.
    static func latency(_ d: DiagnosedExchange) -> String {
        if d.exchange.tls != nil, d.findings.contains(where: { $0.rule == .noResponse }) { return "—" }
        return latency(d.exchange)
    }

    /// The latency an exchange is drawn and sorted by: the measured one, or for HTTPS the
    /// estimate from its TLS records (`estimated`), unless it was judged `no-response`; nil
    /// when there is none (drawn as "no reply").
    static func drawnLatency(_ d: DiagnosedExchange) -> (seconds: Double, estimated: Bool)? {
        if let tls = d.exchange.tls {
            guard let estimate = tls.estimatedLatencySeconds, !d.findings.contains(where: { $0.rule == .noResponse })
            else { return nil }
            return (estimate, true)
        }
        return d.exchange.latencySeconds.map { ($0, false) }
    }

    static func latency(_ e: HTTPExchange) -> String {
        if let estimate = e.tls?.estimatedLatencySeconds { return "≈ " + DurationText.describe(estimate) }
        return e.latencySeconds.map(DurationText.describe) ?? "—"
    }

    /// `TLS 1.3, SNI none, ALPN http/1.1` — what the hellos said.
    static func tlsSummary(_ tls: TLSSession) -> String {
        var parts: [String] = []
        if let version = tls.version {
            parts.append(version.description)
        } else if let hello = tls.clientHello {
            parts.append("client offers \(hello.highestVersion)")
        } else {
            parts.append("TLS")
        }
        if let hello = tls.clientHello {
            parts.append("SNI " + (hello.serverName.map { "\"\($0)\"" } ?? "none"))
            if let alpn = tls.serverHello?.alpn {
                parts.append("ALPN " + alpn)
            } else if !hello.alpn.isEmpty {
                parts.append("ALPN offered " + hello.alpn.joined(separator: ","))
            }
        } else {
            parts.append("ClientHello not read")
        }
        return parts.joined(separator: ", ")
    }

    /// The TLS facts of an HTTPS exchange, as label/value pairs (raw text; callers escape).
    static func tlsFacts(_ tls: TLSSession) -> [(String, String)] {
        var facts: [(String, String)] = [("version", tls.version?.description ?? "not negotiated")]
        if let hello = tls.clientHello {
            facts.append(("SNI", hello.serverName ?? "none (OSS sends none unless callbackSNI is true)"))
            let offered = hello.supportedVersions.isEmpty ? [hello.legacyVersion] : hello.supportedVersions
            facts.append(("client offers", offered.map(\.description).joined(separator: ", ")))
            if !hello.alpn.isEmpty { facts.append(("ALPN offered", hello.alpn.joined(separator: ", "))) }
        } else {
            facts.append(("ClientHello", "not read"))
        }
        if let alpn = tls.serverHello?.alpn { facts.append(("ALPN selected", alpn)) }
        facts.append(("handshake", tlsStatus(tls)))
        for seen in tls.alerts {
            let from = seen.from == .serverToClient ? "server" : "client"
            facts.append(
                ("alert", "\(seen.alert?.description ?? "encrypted") from the \(from), frame \(seen.origin.frame)"))
        }
        if let request = tls.request {
            facts.append(
                (
                    "request (estimated)",
                    "\(plural(request.records, "record")), \(request.bytes) bytes, frames \(request.firstStart.frame)–\(request.lastEnd.frame)"
                ))
        }
        if let response = tls.response {
            facts.append(
                (
                    "response (estimated)",
                    "\(plural(response.records, "record")), \(response.bytes) bytes, frames \(response.firstStart.frame)–\(response.lastEnd.frame)"
                ))
        }
        if let latency = tls.estimatedLatencySeconds {
            facts.append(("latency (estimated)", DurationText.describe(latency)))
        }
        if let late = tls.lateServerRecords {
            facts.append(
                (
                    "after the client closed",
                    "\(plural(late.records, "server record")), from frame \(late.firstStart.frame)"
                ))
        }
        if let problem = tls.problem { facts.append(("problem", problem)) }
        return facts
    }

    /// `handshake failed: fatal unrecognized_name from the server`, `encrypted response`, …
    static func tlsStatus(_ tls: TLSSession) -> String {
        switch tls.handshake {
        case .failed(let failure):
            let who = failure.by == .serverToClient ? "server" : "client"
            switch failure.kind {
            case .alert(let alert): return "handshake failed: \(alert.levelName) \(alert.name) from the \(who)"
            case .encryptedAlert: return "handshake failed: encrypted alert from the \(who)"
            case .reset: return "handshake failed: reset by the \(who)"
            case .closed: return "handshake failed: closed by the \(who)"
            }
        case .unfinished: return "handshake unfinished"
        case .incomplete: return "handshake not followed (bytes missing)"
        case .completed:
            if tls.response != nil { return "encrypted response" }
            if tls.request != nil { return "no encrypted response" }
            return "handshake completed, no request"
        }
    }

    /// What OSS told the uploader: `203 CallbackFailed: <message>`, `200 (the server's JSON)`, …
    static func uploader(_ outcome: PredictedOutcome) -> String? {
        switch outcome {
        case .failed(let message): "203 CallbackFailed: \(message)"
        case .passed: "200, with the callback server's JSON"
        case .unknown, .notACallback: nil
        }
    }

    /// ``uploader(_:)`` with whether a failure's message is documented or inferred, and from which fact.
    static func uploader(_ d: DiagnosedExchange) -> String? {
        uploader(d.outcome).map { $0 + sourceNote(d.outcomeMessageSource) }
    }

    /// `FAIL`, `PASS`, `UNKNOWN`, `OTHER`, and `HTTPS, NOT JUDGED` for HTTPS that was not judged.
    static func badge(_ d: DiagnosedExchange) -> String { d.isHTTPSNotJudged ? "HTTPS, NOT JUDGED" : badge(d.outcome) }
    /// True when the packets show a request OSS sends: ``DiagnosedExchange/couldBeSentByOSS``, and
    /// not a *possible* callback (its head was cut, so whether it is a callback at all is unknown).
    static func sentByOSS(_ d: DiagnosedExchange) -> Bool { d.couldBeSentByOSS && !d.isPossibleCallback }

    /// The label before ``uploader(_:)``: "OSS told the uploader", or, for a request the packets do
    /// not show OSS sent (``sentByOSS(_:)``), what OSS would have told had it sent it.
    static func uploaderLabel(_ d: DiagnosedExchange) -> String {
        sentByOSS(d) ? "OSS told the uploader" : "OSS would have told the uploader (had OSS sent this request)"
    }

    /// ``uploader(_:)`` for a table cell: prefixed "had OSS sent it:" when OSS did not send it as captured.
    static func uploaderCell(_ d: DiagnosedExchange) -> String {
        guard var text = uploader(d.outcome) else { return "—" }
        text += basisMark(d.outcomeMessageSource)
        return sentByOSS(d) ? text : "had OSS sent it: " + text
    }

    /// `FAIL`, `PASS`, `UNKNOWN`, `OTHER`.
    static func badge(_ outcome: PredictedOutcome) -> String {
        switch outcome {
        case .failed: "FAIL"
        case .passed: "PASS"
        case .unknown: "UNKNOWN"
        case .notACallback: "OTHER"
        }
    }

    /// What the redaction summary says, or nil when nothing was redacted.
    static func redactionNote(_ report: Report) -> String? {
        guard report.redaction.applied else { return nil }
        let r = report.redaction
        let scope = r.writtenOnly ? " in the exchanges shown" : ""
        if r.redactedValues == 0 { return "redaction was on; no secret values were found\(scope)." }
        let kinds = r.kinds.prefix(8).joined(separator: ", ") + (r.kinds.count > 8 ? ", …" : "")
        return
            "\(plural(r.redactedValues, "secret value"))\(scope) (\(kinds)) replaced by [redacted N chars]; --no-redact includes them."
    }

    /// What the listing was narrowed to (`--since`, `--until`, `--rule`, `--failed`), or nil when
    /// it was not: `only the exchanges matching --failed, 23 of 40; the counts are the whole capture's.`
    static func listingNote(_ report: Report) -> String? {
        let listing = report.settings.listing
        guard !listing.isEmpty else { return nil }
        return
            "only the exchanges matching \(listing.description), \(report.exchanges.count) of \(report.summary.exchanges); "
            + "the counts are the whole capture's."
    }

    /// What to say when no callback failed: none were seen (possibly some whose head was cut, or
    /// HTTPS that was not judged), or all passed.
    static func noFailures(_ report: Report) -> String {
        let s = report.summary
        if s.callbacks == 0 && s.refusedConnections == 0 {
            if s.possibleCallbacks > 0 {
                return
                    "No request was captured whole enough to tell an OSS callback: the header sections of \(plural(s.possibleCallbacks, "POST")) were cut (e.g. by a small snaplen); as possible callbacks they are judged below as far as the captured bytes allow. Capture with tcpdump -s 0 to see whole requests."
            }
            let uploads = report.exchanges.filter(isUpload).count
            if uploads > 0 {
                return
                    "No OSS callback request (OSS → callback server) in the capture; \(plural(uploads, "upload")) to OSS with a callback parameter \(uploads == 1 ? "is" : "are") listed below."
            }
            if s.httpsNotJudged > 0 {
                return
                    "No OSS callback was found in the capture; \(plural(s.httpsNotJudged, "HTTPS connection")) \(s.httpsNotJudged == 1 ? "was" : "were") not judged: name the callback server with --server HOST:PORT to judge HTTPS to it."
            }
            return
                "No OSS callback was found in the capture: check that it was taken on the callback server's port, and the filter."
        }
        return s.callbacksUnknown > 0
            ? "None failed; \(plural(s.callbacksUnknown, "callback")) could not be judged (bytes missing from the capture)."
            : "None: every callback in the capture passed OSS's checks."
    }

    /// `13 possible callbacks (request head cut): 4 failed, 9 not judged`, or nil when there are none.
    static func possibleCallbacks(_ s: ReportSummary) -> String? {
        guard s.possibleCallbacks > 0 else { return nil }
        var parts: [String] = []
        if s.possibleCallbacksFailed > 0 { parts.append("\(s.possibleCallbacksFailed) failed") }
        if s.possibleCallbacksUnknown > 0 { parts.append("\(s.possibleCallbacksUnknown) not judged") }
        return "\(plural(s.possibleCallbacks, "possible callback")) (request head cut): "
            + parts.joined(separator: ", ")
    }

    /// `5 connections not judged (no plaintext callback went to their server; --server HOST:PORT
    /// judges them)`, about HTTPS connections.
    static func httpsNotJudged(_ s: ReportSummary) -> String? {
        guard s.httpsNotJudged > 0 else { return nil }
        return
            "\(plural(s.httpsNotJudged, "connection")) not judged (no plaintext callback went to \(s.httpsNotJudged == 1 ? "its" : "their") server; --server HOST:PORT judges \(s.httpsNotJudged == 1 ? "it" : "them"))"
    }

    /// What the exchanges are: `3 callbacks, 4 possible callbacks, 1 refused connection attempt,
    /// 2 other exchanges` (kinds with none left out).
    static func breakdown(_ exchanges: some Collection<ReportedExchange>) -> String {
        var callbacks = 0, possible = 0, refused = 0, other = 0
        for r in exchanges {
            if r.diagnosed.exchange.refusal != nil {
                refused += 1
            } else if r.diagnosed.isCallback {
                callbacks += 1
            } else if r.diagnosed.isPossibleCallback {
                possible += 1
            } else {
                other += 1
            }
        }
        var parts: [String] = []
        if callbacks > 0 { parts.append(plural(callbacks, "callback")) }
        if possible > 0 { parts.append(plural(possible, "possible callback")) }
        if refused > 0 { parts.append(plural(refused, "refused connection attempt")) }
        if other > 0 { parts.append(plural(other, "other exchange")) }
        return parts.joined(separator: ", ")
    }

    /// `invalid: <reason> Key URL: <url> (OSS's).` — a callback's signature verdict in words.
    static func signature(_ v: SignatureVerdict) -> String {
        var text = "\(v.status.rawValue): \(v.reason)"
        if let key = v.keyURL {
            text += " Key URL: " + (key.url ?? "(does not decode)") + (key.trusted ? " (OSS's)." : " (not OSS's).")
        }
        return text
    }

    /// A callback OSS's checks passed (or that cannot be judged) but whose signature rules fired:
    /// shown on its own, since a failure list would not show it.
    static func hasAuthenticityFinding(_ r: ReportedExchange) -> Bool {
        !isFailure(r) && r.diagnosed.findings.contains { RuleCatalog.rule($0.rule).concern == .authenticity }
    }

    static func isFailure(_ r: ReportedExchange) -> Bool {
        if case .failed = r.diagnosed.outcome { true } else { false }
    }
    static func isUnknown(_ r: ReportedExchange) -> Bool {
        if case .unknown = r.diagnosed.outcome { true } else { false }
    }
    static func isPassed(_ r: ReportedExchange) -> Bool {
        if case .passed = r.diagnosed.outcome { true } else { false }
    }

    static func isPossibleCallback(_ r: ReportedExchange) -> Bool { r.diagnosed.isPossibleCallback }
    static func isHTTPSNotJudged(_ r: ReportedExchange) -> Bool { r.diagnosed.isHTTPSNotJudged }

    /// Listed exchanges that are none of: callbacks, possible callbacks, HTTPS not judged, uploads
    /// with a callback, connection attempts, exchanges not judged for missing bytes.
    static func isOther(_ r: ReportedExchange) -> Bool {
        let d = r.diagnosed
        return !d.isCallback && !d.isPossibleCallback && !d.isHTTPSNotJudged && d.exchange.refusal == nil
            && d.upload == nil && !isUnknown(r)
    }

    /// Exchanges of the whole report (exact) that are neither callbacks, possible callbacks,
    /// HTTPS connections not judged nor refused connection attempts: other HTTP exchanges
    /// (uploads to OSS among them).
    static func otherExchangeTotal(_ s: ReportSummary) -> Int {
        s.exchanges - s.callbacks - s.possibleCallbacks - s.httpsNotJudged - s.refusedConnections
    }

    /// The listed exchanges that are ``isOther(_:)``.
    static func otherExchangeCount(_ report: Report) -> Int { report.exchanges.count(where: isOther) }

    /// The rule of the first finding that decided a failure (catalogue precedence), else the first finding.
    static func primaryRule(_ d: DiagnosedExchange) -> RuleID? {
        (d.findings.first { $0.severity == .error } ?? d.findings.first)?.rule
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor < 0) ? q - 1 : q
    }
}

extension String {
    /// Pads with spaces to `width` characters.
    func padded(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
