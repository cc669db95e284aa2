import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
import ReportModel

/// `--format html`: one self-contained, offline file.
///
/// Summary cards; a latency-over-time chart (inline SVG, log scale, with the threshold line and
/// failures coloured by rule); an outcome chart; the failing callbacks; a sortable, filterable
/// table of every exchange; per-exchange details with headers, findings and hex/ASCII dumps of
/// the body bytes kept; the rules that fired.
///
/// Safety: every capture-derived string is escaped for its context (``HTMLEscape/text(_:)`` in
/// text and SVG, ``HTMLEscape/attribute(_:)`` in attributes); data never reaches a URL, style or
/// script. A `Content-Security-Policy` meta tag (`default-src 'none'`) allows only our own
/// stylesheet and script, by SHA-256 hash, so nothing from the data could run even if it got
/// through. No external request is made.
public enum HTMLRenderer {
    /// Bytes of each body shown in the hex dump (the rest of the kept preview is summarised).
    public static let maxDumpBytes = 4096
    /// Exchanges that get a details section (failing and unjudged ones first), so that a batch of
    /// many thousand exchanges still gives a page a browser can open.
    public static let maxDetailedExchanges = 1000

    /// The `Content-Security-Policy` for a page with exactly this `style` and `script`.
    public static func contentSecurityPolicy(style: String, script: String) -> String {
        "default-src 'none'; style-src '\(hashSource(style))'; script-src '\(hashSource(script))'; "
            + "img-src 'none'; base-uri 'none'; form-action 'none'"
    }

    /// `sha256-<base64>` of the UTF-8 bytes of `text` (CSP3 hash-source).
    public static func hashSource(_ text: String) -> String { "sha256-" + Base64.encode(SHA256.digest(text)) }

    public static func render(_ report: Report) -> String {
        let t = HTMLEscape.text
        let s = report.summary
        let style = HTMLAssets.stylesheet, script = HTMLAssets.script
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"\(contentSecurityPolicy(style: style, script: script))\">\n"
        h += "<meta name=\"referrer\" content=\"no-referrer\">\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        h += "<title>callback-doctor report</title>\n<style>\(style)</style>\n</head>\n<body>\n<main>\n"

        // Header.
        h += "<h1>callback-doctor report</h1>\n"
        var meta = "\(report.tool.name) \(report.tool.version) · \(Present.plural(report.captures.count, "capture"))"
        if let span = Present.span(report) { meta += " · " + span }
        h += "<p class=\"meta\">\(t(meta))</p>\n"
        if let note = Present.redactionNote(report) { h += "<p class=\"note\"><strong>Redacted:</strong> \(t(note))</p>\n" }

        // Cards.
        h += "<section class=\"cards\" aria-label=\"Summary\">\n"
        func card(_ n: String, _ label: String, _ kind: String = "") {
            h += "<div class=\"card\(kind.isEmpty ? "" : " " + kind)\"><span class=\"n\">\(t(n))</span><span class=\"l\">\(t(label))</span></div>\n"
        }
        card("\(s.callbacks)", "callbacks seen")
        card("\(s.callbacksFailed)", "callbacks failed", s.callbacksFailed > 0 ? "fail" : "")
        card("\(s.callbacksPassed)", "callbacks passed", "pass")
        if s.callbacksUnknown > 0 { card("\(s.callbacksUnknown)", "not judged (bytes missing)", "warn") }
        if s.refusedConnections > 0 { card("\(s.refusedConnections)", "refused connection attempts", "fail") }
        card("\(Present.otherExchangeCount(report))", "other HTTP exchanges")
        let latencies = report.exchanges.filter(\.diagnosed.isCallback).compactMap(\.diagnosed.exchange.latencySeconds)
        if let slowest = latencies.max() { card(Diagnoser.duration(slowest), "slowest callback response") }
        h += "</section>\n"

        // Charts.
        h += "<section class=\"charts\">\n<figure><figcaption>Latency over time</figcaption>\(HTMLCharts.latency(report, linked: detailedExchanges(report)))"
        h += "<p>Response end minus request end (Wireshark's http.time), log scale. Crosses on top: no response. Points link to their details.</p></figure>\n"
        h += "<figure><figcaption>Outcomes</figcaption>\(HTMLCharts.outcomes(report))</figure>\n</section>\n"

        // Rules table.
        if !s.findingsByRule.isEmpty {
            h += "<h2>Why callbacks failed</h2>\n<table>\n<thead><tr><th>rule</th><th class=\"num\">findings</th><th>what it means</th><th>what OSS tells the uploader</th></tr></thead>\n<tbody>\n"
            for (rule, count) in s.findingsByRule {
                let info = RuleCatalog.rule(rule)
                h += "<tr><td>\(ruleBadge(rule, link: true))</td><td class=\"num\">\(count)</td><td>\(t(RuleTitle.of(rule)))</td>"
                h += "<td class=\"mono\">\(t(info.ossError ?? "—"))</td></tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }

        // Captures.
        h += "<h2>Captures</h2>\n<table>\n<thead><tr><th>capture</th><th>format</th><th>link type</th><th class=\"num\">packets</th><th class=\"num\">HTTP connections</th><th>problems</th></tr></thead>\n<tbody>\n"
        for capture in report.captures {
            if let error = capture.error {
                h += "<tr><td class=\"wrap\">\(t(capture.path))</td><td colspan=\"4\">unreadable</td><td>\(t(error))</td></tr>\n"
                continue
            }
            h += "<tr><td class=\"wrap\">\(t(capture.path))</td><td>\(t(capture.format ?? "?"))</td><td>\(t(capture.linkTypes.joined(separator: ", ")))</td>"
            h += "<td class=\"num\">\(capture.packets)</td><td class=\"num\">\(capture.http.httpConnections)\(capture.http.tlsConnections > 0 ? " (+ \(capture.http.tlsConnections) TLS)" : "")</td>"
            h += "<td>\(capture.problems.isEmpty ? "—" : capture.problems.map(t).joined(separator: "<br>"))</td></tr>\n"
        }
        h += "</tbody>\n</table>\n"

        let numbered = Array(report.exchanges.enumerated())
        let detailed = detailedExchanges(report)
        // `#N`, linked to its details when it has some.
        func numberLink(_ i: Int) -> String { detailed.contains(i) ? "<a href=\"#x\(i + 1)\">\(i + 1)</a>" : "\(i + 1)" }

        // Failing callbacks.
        let failures = numbered.filter { Present.isFailure($0.element) }
        h += "<h2>Failing callbacks</h2>\n"
        if failures.isEmpty {
            h += "<p>\(t(Present.noFailures(report)))</p>\n"
        } else {
            h += "<table>\n<thead><tr><th class=\"num\">#</th><th>time (UTC)</th><th>server</th><th>request</th><th>status</th><th class=\"num\">latency</th><th>rule</th><th>what OSS told the uploader</th></tr></thead>\n<tbody>\n"
            for (i, reported) in failures {
                let d = reported.diagnosed, e = d.exchange
                h += "<tr><td class=\"num\">\(numberLink(i))</td><td class=\"nowrap\">\(t(Present.clock(e.startTime, date: false)))</td>"
                h += "<td class=\"nowrap\">\(t(e.connection.server.description))</td><td class=\"mono wrap req\">\(t(Present.requestLine(e, withVersion: false)))</td>"
                h += "<td>\(t(Present.status(d)))</td><td class=\"num\">\(t(Present.latency(d)))</td>"
                h += "<td>\(d.findings.filter { $0.severity == .error }.map { ruleBadge($0.rule, link: true) }.joined(separator: " "))</td>"
                h += "<td class=\"mono\">\(t(Present.uploader(d.outcome) ?? "—"))</td></tr>\n"
            }
            h += "</tbody>\n</table>\n"
        }

        // All exchanges: sortable, filterable.
        h += "<h2>Exchanges</h2>\n<div class=\"controls\"><label for=\"filter\">Filter</label>"
        h += "<input id=\"filter\" type=\"search\" placeholder=\"text in any column\" autocomplete=\"off\">"
        h += "<label for=\"outcome\">Outcome</label><select id=\"outcome\"><option value=\"\">all</option><option value=\"fail\">fail</option>"
        h += "<option value=\"pass\">pass</option><option value=\"unknown\">not judged</option><option value=\"not-a-callback\">not a callback</option></select>"
        h += "<span><span id=\"shown\">\(numbered.count)</span> of \(numbered.count) shown; click a column to sort</span></div>\n"
        h += "<table id=\"exchanges\">\n<thead><tr><th class=\"num\">#</th><th>time (UTC)</th><th>client</th><th>server</th><th>request</th>"
        h += "<th>status</th><th class=\"num\">latency</th><th>outcome</th><th>findings</th></tr></thead>\n<tbody>\n"
        let t0 = report.exchanges.map(\.diagnosed.exchange.startTime).min()
        for (i, reported) in numbered {
            let d = reported.diagnosed, e = d.exchange
            let elapsed = t0.map { e.startTime.seconds(since: $0) } ?? 0
            h += "<tr data-n=\"\(i + 1)\" data-outcome=\"\(HTMLEscape.attribute(d.outcome.label))\">"
            h += "<td class=\"num\" data-sort=\"\(i + 1)\">\(numberLink(i))</td>"
            h += "<td class=\"nowrap\" data-sort=\"\(String(format3: elapsed, decimals: 9))\">\(t(Present.clock(e.startTime, date: false)))</td>"
            h += "<td class=\"nowrap\">\(t(e.connection.client.description))</td><td class=\"nowrap\">\(t(e.connection.server.description))</td>"
            h += "<td class=\"mono wrap req\">\(t(Present.requestLine(e, withVersion: false)))</td>"
            h += "<td data-sort=\"\(e.response.map { String($0.head.status) } ?? "0")\">\(t(Present.status(d)))</td>"
            h += "<td class=\"num\" data-sort=\"\(e.latencySeconds.map { String(format3: $0, decimals: 9) } ?? "Infinity")\">\(t(Present.latency(d)))</td>"
            h += "<td>\(outcomeBadge(d.outcome))</td>"
            h += "<td>\(d.findings.map { ruleBadge($0.rule, link: false) }.joined(separator: " "))</td></tr>\n"
        }
        h += "</tbody>\n</table>\n"

        // Details: failures and unjudged callbacks first, then the rest, up to the cap.
        h += "<h2>Exchange details</h2>\n"
        if detailed.count < numbered.count {
            h += "<p class=\"note\">Details are shown for \(detailed.count) of \(numbered.count) exchanges (failing and unjudged ones first); "
            h += "the JSON report (--format json) has every exchange.</p>\n"
        }
        for (i, reported) in numbered where detailed.contains(i) {
            h += details(reported, number: i + 1, redacted: report.redaction.applied)
        }

        // Rules that fired.
        if !s.findingsByRule.isEmpty {
            h += "<h2>The rules that fired</h2>\n<div class=\"rules-fired\">\n"
            for (rule, count) in s.findingsByRule {
                let info = RuleCatalog.rule(rule)
                h += "<section id=\"rule-\(HTMLEscape.attribute(rule.rawValue))\"><h3>\(ruleBadge(rule, link: false)) \(t(RuleTitle.of(rule))) "
                h += "<span class=\"meta\">· \(t(info.severity.rawValue)) · \(t(Present.plural(count, "finding")))</span></h3>\n<dl>"
                h += "<dt>fires when</dt><dd>\(t(info.summary))</dd>"
                if let oss = Present.ossSays(info) { h += "<dt>OSS tells the uploader</dt><dd class=\"mono\">\(t(oss))</dd>" }
                h += "<dt>why it happens</dt><dd>\(t(info.why))</dd><dt>how to fix it</dt><dd>\(t(info.fix))</dd></dl></section>\n"
            }
            h += "</div>\n"
        }
        h += "<footer>Generated by \(t(report.tool.name)) \(t(report.tool.version)). Every value shown from a capture is escaped; "
        h += "this page loads nothing and runs only its own script.</footer>\n"
        h += "</main>\n<script>\(script)</script>\n</body>\n</html>\n"
        return h
    }

    /// Offsets (in `report.exchanges`) of the exchanges that get details: failing and unjudged
    /// ones first, then the others in report order, at most ``maxDetailedExchanges``.
    static func detailedExchanges(_ report: Report) -> Set<Int> {
        let numbered = Array(report.exchanges.enumerated())
        func isImportant(_ r: ReportedExchange) -> Bool {
            Present.isFailure(r) || Present.isUnknown(r) || Present.isUpload(r) || Present.hasAuthenticityFinding(r)
        }
        let important = numbered.filter { isImportant($0.element) }
        let rest = numbered.filter { !isImportant($0.element) }
        return Set((important + rest).prefix(maxDetailedExchanges).map(\.offset))
    }

    static func ruleBadge(_ rule: RuleID, link: Bool) -> String {
        let name = HTMLEscape.text(rule.rawValue)
        let badge = "<span class=\"rule \(HTMLAssets.ruleClass(rule))\">\(name)</span>"
        return link ? "<a href=\"#rule-\(HTMLEscape.attribute(rule.rawValue))\">\(badge)</a>" : badge
    }

    static func outcomeBadge(_ outcome: PredictedOutcome) -> String {
        switch outcome {
        case .failed: "<span class=\"badge fail\">FAIL</span>"
        case .passed: "<span class=\"badge pass\">PASS</span>"
        case .unknown: "<span class=\"badge unknown\">NOT JUDGED</span>"
        case .notACallback: "<span class=\"badge other\">OTHER</span>"
        }
    }

    /// One exchange's `<details>`: findings, connection facts, request and response.
    static func details(_ reported: ReportedExchange, number: Int, redacted: Bool) -> String {
        let t = HTMLEscape.text
        let d = reported.diagnosed, e = d.exchange
        var h = "<details id=\"x\(number)\"><summary>\(outcomeBadge(d.outcome)) <strong>#\(number)</strong> "
        h += "\(t(Present.clock(e.startTime, date: false))) · \(t("\(e.connection.client) → \(e.connection.server)")) · "
        h += "<code>\(t(Present.requestLine(e, withVersion: false)))</code> → \(t(Present.status(d)))"
        if let latency = e.latencySeconds { h += " · \(t(Diagnoser.duration(latency)))" }
        if e.tls?.estimatedLatencySeconds != nil, Present.latency(d) != "—" { h += " · \(t(Present.latency(d)))" }
        if !d.findings.isEmpty { h += " " + d.findings.map { ruleBadge($0.rule, link: false) }.joined(separator: " ") }
        h += "</summary>\n"
        if let uploader = Present.uploader(d.outcome) {
            h += "<p><strong>OSS told the uploader:</strong> <code>\(t(uploader))</code></p>\n"
        }
        if case .unknown(let reason) = d.outcome { h += "<p><strong>Not judged:</strong> \(t(reason))</p>\n" }
        let upload = Present.uploadLines(d)
        if !upload.isEmpty {
            h += "<h3>Upload to OSS with a callback</h3>\n<dl>"
            for (key, value) in upload { h += "<dt>\(t(key))</dt><dd class=\"mono\">\(t(value))</dd>" }
            h += "</dl>\n"
        }
        for finding in d.findings {
            h += "<div class=\"finding \(finding.severity.rawValue)\"><p>\(ruleBadge(finding.rule, link: true)) \(finding.estimated ? "<em>(estimated)</em> " : "")\(t(finding.message))</p><dl>"
            for evidence in finding.evidence { h += "<dt>\(t(evidence.key))</dt><dd class=\"mono\">\(t(evidence.value))</dd>" }
            if let oss = finding.ossError { h += "<dt>OSS says</dt><dd class=\"mono\">\(t(oss))</dd>" }
            h += "<dt>fix</dt><dd>\(t(finding.hint))</dd></dl></div>\n"
        }
        h += "<dl><dt>capture</dt><dd>\(t(reported.capture))</dd>"
        h += "<dt>connection</dt><dd>#\(e.connection.id), exchange \(e.index) on it\(e.connection.handshakeSeen ? "" : " (no handshake seen)")</dd>"
        if d.isCallback { h += "<dt>OSS callback</dt><dd>\(t(d.callbackSignals.map(\.rawValue).joined(separator: ", ")))</dd>" }
        if let signature = e.request?.signature {
            h += "<dt>signature</dt><dd><span class=\"sig \(HTMLEscape.attribute(signature.status.rawValue))\">\(t(signature.status.rawValue))</span> "
            h += "\(t(String(Present.signature(signature).dropFirst(signature.status.rawValue.count + 2))))</dd>"
        }
        if let refusal = e.refusal {
            h += "<dt>connection attempt</dt><dd>\(refusal.kind == .reset ? "answered by RST" : "never answered"), SYN frames \(t(refusal.synFrames.map(String.init).joined(separator: ", ")))</dd>"
        }
        h += "</dl>\n"
        if let tls = e.tls {
            h += "<h3>TLS (HTTPS, not decrypted)</h3>\n<dl>"
            for (label, value) in Present.tlsFacts(tls) { h += "<dt>\(t(label))</dt><dd class=\"mono\">\(t(value))</dd>" }
            h += "</dl>\n"
        }
        if let request = e.request {
            h += "<h3>Request</h3>\n<pre>\(t("\(request.head.method) \(request.head.target) \(request.head.version)"))</pre>\n"
            h += headersTable(request.head.headers)
            h += "<p>\(t(timing(request.timing)))</p>\n"
            h += body(request.body, redacted: redacted)
        }
        for interim in e.interimResponses {
            h += "<h3>Interim response</h3>\n<pre>\(t("\(interim.status) \(interim.reason)"))</pre>\n"
        }
        if let response = e.response {
            h += "<h3>Response</h3>\n<pre>\(t("\(response.head.version) \(response.head.status) \(response.head.reason)"))</pre>\n"
            h += headersTable(response.head.headers)
            h += "<p>\(t(timing(response.timing)))</p>\n"
            h += body(response.body, redacted: redacted)
        } else if e.request != nil {
            h += "<h3>Response</h3>\n<p>None captured.</p>\n"
        }
        h += "</details>\n"
        return h
    }

    static func timing(_ timing: MessageTiming) -> String {
        var text = "Frames \(timing.start.frame)"
        if let end = timing.end, end.frame != timing.start.frame { text += "–\(end.frame)" }
        text += ", \(Present.clock(timing.start.timestamp, date: false))"
        if let end = timing.end, end.timestamp != timing.start.timestamp { text += " → \(Present.clock(end.timestamp, date: false))" }
        return text + " UTC"
    }

    static func headersTable(_ headers: HTTPHeaders) -> String {
        guard !headers.isEmpty else { return "<p>No header fields.</p>\n" }
        var h = "<table class=\"headers\"><tbody>"
        for field in headers { h += "<tr><td>\(HTMLEscape.text(field.name))</td><td>\(HTMLEscape.text(field.value))</td></tr>" }
        return h + "</tbody></table>\n"
    }

    /// The body's size and a hex dump of the bytes kept (at most ``maxDumpBytes``).
    static func body(_ body: BodySummary, redacted: Bool) -> String {
        var text = "Body: \(Present.plural(Int(body.size), "byte"))"
        if let decoding = body.contentDecoding {
            text += ", Content-Encoding \(decoding.coding) → \(decoding.decodedSize) bytes decoded"
            if let failure = decoding.failure { text += " (\(failure))" }
        }
        guard !body.preview.isEmpty else { return "<p>\(HTMLEscape.text(text)).</p>\n" }
        let shown = body.preview.prefix(maxDumpBytes)
        let decoded = body.contentDecoding != nil ? " after decoding" : ""
        if redacted {
            text += "; the bytes kept\(decoded), secrets redacted"
            if shown.count < body.preview.count { text += " (the first \(shown.count))" }
            text += ":"
        } else if Int64(shown.count) == body.size && body.contentDecoding == nil {
            text += ":"
        } else {
            text += "; the first \(Present.plural(shown.count, "byte"))\(decoded):"
        }
        var h = "<p>\(HTMLEscape.text(text))</p>\n<pre>"
        h += HexDump.lines(shown).map(HTMLEscape.text).joined(separator: "\n")
        h += "</pre>\n"
        return h
    }
}
