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

    /// Writes the page into `sink`: the head and each section's lines in turn, each table row and
    /// each exchange's details as one write, the chart one point at a time.
    public static func render(_ report: Report, to sink: ByteSink) {
        let t = HTMLEscape.text
        let s = report.summary
        let style = HTMLAssets.stylesheet, script = HTMLAssets.script
        sink.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
        sink.write("<meta http-equiv=\"Content-Security-Policy\" content=\"\(contentSecurityPolicy(style: style, script: script))\">\n")
        sink.write("<meta name=\"referrer\" content=\"no-referrer\">\n")
        sink.write("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
        sink.write("<title>callback-doctor report</title>\n<style>\(style)</style>\n</head>\n<body>\n<main>\n")

        let sections = ReportSections(report)
        header(sections, to: sink)

        // Cards.
        sink.write("<section class=\"cards\" aria-label=\"Summary\">\n")
        func card(_ n: String, _ label: String, _ kind: String = "") {
            sink.write("<div class=\"card\(kind.isEmpty ? "" : " " + kind)\"><span class=\"n\">\(t(n))</span><span class=\"l\">\(t(label))</span></div>\n")
        }
        card("\(s.callbacks)", "callbacks seen")
        card("\(s.callbacksFailed)", "callbacks failed", s.callbacksFailed > 0 ? "fail" : "")
        card("\(s.callbacksPassed)", "callbacks passed", "pass")
        if s.callbacksUnknown > 0 { card("\(s.callbacksUnknown)", "not judged (bytes missing)", "warn") }
        if s.possibleCallbacks > 0 {
            card("\(s.possibleCallbacks)", "possible callbacks (head cut): \(s.possibleCallbacksFailed) failed", s.possibleCallbacksFailed > 0 ? "fail" : "warn")
        }
        if s.httpsNotJudged > 0 { card("\(s.httpsNotJudged)", "HTTPS connections not judged (--server judges them)") }
        if s.refusedConnections > 0 { card("\(s.refusedConnections)", "refused connection attempts", "fail") }
        card("\(ReportWording.otherExchangeTotal(s))", "other HTTP exchanges")
        let listsAll = report.exchanges.count == s.exchanges
        if let slowest = s.aggregates.callbackLatency.maximum { card(Diagnoser.duration(Double(slowest) / 1e9), "slowest callback response") }
        sink.write("</section>\n")

        let exchanges = report.exchanges
        let detailed = detailedExchanges(report)

        // Charts.
        sink.write("<section class=\"charts\">\n<figure><figcaption>Latency over time</figcaption><div class=\"plot\">")
        let density = LatencyDensity(report)
        HTMLCharts.latency(report, density: density, linked: detailed, to: sink)
        var caption = "Response end minus request end (Wireshark's http.time), log scale. Shaded cells: every callback with a response, "
        caption += "counted per minute and quarter decade (exact, over the whole report; darker is more). Points: the listed exchanges, "
        caption += "linked to their details; crosses on top: no response; hollow diamonds: HTTPS, estimated from TLS records."
        if let why = density.unavailable { caption += " No shaded cells: \(why)." }
        if !listsAll {
            caption += " Points for " + ReportWording.cutNote(shown: exchanges.count, total: s.exchanges, of: "exchanges (the listed ones)", remedy: "--list-all draws all") + "."
        }
        sink.write("</div><p>\(HTMLEscape.text(caption))</p></figure>\n")
        sink.write("<figure><figcaption>Outcomes</figcaption>\(HTMLCharts.outcomes(report))</figure>\n</section>\n")

        // `#N`, linked to its details when it has some.
        func numberLink(_ i: Int) -> String { detailed.contains(i) ? "<a href=\"#x\(i + 1)\">\(i + 1)</a>" : "\(i + 1)" }
        rules(sections, to: sink)
        captures(sections, to: sink)
        servers(sections, to: sink)
        failures(sections, report: report, numberLink: numberLink, to: sink)

        // All exchanges: sortable, filterable.
        sink.write("<h2>Exchanges</h2>\n<div class=\"controls\"><label for=\"filter\">Filter</label>")
        sink.write("<input id=\"filter\" type=\"search\" placeholder=\"text in any column\" autocomplete=\"off\">")
        sink.write("<label for=\"outcome\">Outcome</label><select id=\"outcome\"><option value=\"\">all</option><option value=\"fail\">fail</option>")
        sink.write("<option value=\"pass\">pass</option><option value=\"unknown\">not judged</option><option value=\"not-a-callback\">not a callback</option></select>")
        sink.write("<span><span id=\"shown\">\(exchanges.count)</span> of \(exchanges.count) shown; click a column to sort</span></div>\n")
        if exchanges.count < s.exchanges {
            let note = ReportWording.cutNote(shown: exchanges.count, total: s.exchanges, of: "exchanges (failing ones first kept)", remedy: "--list-all lists all")
            sink.write("<p class=\"note\">\(t(note)).</p>\n")
        }
        let names = sections.namesCaptures
        let labels = Dictionary(zip(sections.captures.map(\.path), sections.captures.map(\.label)), uniquingKeysWith: { a, _ in a })
        sink.write("<div class=\"scroll\"><table id=\"exchanges\">\n<thead><tr><th class=\"num\">#</th><th>time (UTC)</th>\(names ? "<th>capture</th>" : "")<th>client</th><th>server</th><th>request</th>")
        sink.write("<th>status</th><th class=\"num\">latency</th><th>outcome</th><th>findings</th></tr></thead>\n<tbody>\n")
        let t0 = exchanges.lazy.map(\.diagnosed.exchange.startTime).min()
        for (i, reported) in exchanges.enumerated() {
            let d = reported.diagnosed, e = d.exchange
            let elapsed = t0.map { e.startTime.seconds(since: $0) } ?? 0
            var row = "<tr data-n=\"\(i + 1)\" data-outcome=\"\(HTMLEscape.attribute(d.outcome.label))\">"
            row += "<td class=\"num\" data-sort=\"\(i + 1)\">\(numberLink(i))</td>"
            row += "<td class=\"nowrap\" data-sort=\"\(String(fixedPoint: elapsed, decimals: 9))\">\(t(ReportWording.clock(e.startTime, date: sections.showsDates)))</td>"
            if names { row += "<td class=\"wrap\">\(t(labels[reported.capture] ?? reported.capture))</td>" }
            row += "<td class=\"nowrap\">\(t(e.connection.client.description))</td><td class=\"nowrap\">\(t(e.connection.server.description))</td>"
            row += "<td class=\"mono wrap req\">\(t(ReportWording.requestLine(e, withVersion: false)))</td>"
            row += "<td data-sort=\"\(e.response.map { String($0.head.status) } ?? "0")\">\(t(ReportWording.status(d)))</td>"
            row += "<td class=\"num\" data-sort=\"\(ReportWording.drawnLatency(d).map { String(fixedPoint: $0.seconds, decimals: 9) } ?? "Infinity")\">\(t(ReportWording.latency(d)))</td>"
            row += "<td>\(d.isHTTPSNotJudged ? "<span class=\"badge other\">HTTPS, NOT JUDGED</span>" : outcomeBadge(d.outcome))</td>"
            row += "<td>\(d.findings.map { ruleBadge($0.rule, link: false) }.joined(separator: " "))</td></tr>\n"
            sink.write(row)
        }
        sink.write("</tbody>\n</table></div>\n")

        // Details: failures and unjudged callbacks first, then the rest, up to the cap.
        sink.write("<h2>Exchange details</h2>\n")
        if detailed.count < exchanges.count {
            sink.write("<p class=\"note\">Details are shown for \(detailed.count) of \(exchanges.count) exchanges (failing and unjudged ones first); ")
            sink.write("the JSON report (--format json) has every exchange.</p>\n")
        }
        for (i, reported) in exchanges.enumerated() where detailed.contains(i) {
            sink.write(details(reported, number: i + 1, redacted: report.redaction.applied))
        }

        // Rules that fired.
        if !s.findingsByRule.isEmpty {
            sink.write("<h2>The rules that fired</h2>\n<div class=\"rules-fired\">\n")
            for (rule, count) in s.findingsByRule {
                let info = RuleCatalog.rule(rule)
                var section = "<section id=\"rule-\(HTMLEscape.attribute(rule.rawValue))\"><h3>\(ruleBadge(rule, link: false)) \(t(RuleCatalog.rule(rule).title)) "
                section += "<span class=\"meta\">· \(t(info.severity.rawValue)) · \(t(ReportWording.plural(count, "finding")))</span></h3>\n<dl>"
                section += "<dt>fires when</dt><dd>\(t(info.summary))</dd>"
                if let oss = ReportWording.ossSays(info) { section += "<dt>OSS tells the uploader</dt><dd class=\"mono\">\(t(oss))</dd>" }
                section += "<dt>why it happens</dt><dd>\(t(info.why))</dd><dt>how to fix it</dt><dd>\(t(info.fix))</dd></dl></section>\n"
                sink.write(section)
            }
            sink.write("</div>\n")
        }
        sink.write("<footer>Generated by \(t(report.tool.name)) \(t(report.tool.version)). Every value shown from a capture is escaped; ")
        sink.write("this page loads nothing and runs only its own script.</footer>\n")
        sink.write("</main>\n<script>\(script)</script>\n</body>\n</html>\n")
    }

    /// ``render(_:to:)``'s text as one `String`.
    public static func render(_ report: Report) -> String {
        ByteSink.collect { render(report, to: $0) }
    }

    /// The title, the report's facts and its notes.
    static func header(_ sections: ReportSections, to sink: ByteSink) {
        let t = HTMLEscape.text
        sink.write("<h1>callback-doctor report</h1>\n<p class=\"meta\">\(t(sections.header.meta))</p>\n")
        for note in sections.header.notes { sink.write("<p class=\"note\"><strong>\(t(note.label)):</strong> \(t(note.text))</p>\n") }
    }

    /// Why callbacks failed: each rule that fired, its exact count, its meaning, what OSS says.
    static func rules(_ sections: ReportSections, to sink: ByteSink) {
        guard !sections.rules.isEmpty else { return }
        let t = HTMLEscape.text
        sink.write("<h2>Why callbacks failed</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>rule</th><th class=\"num\">findings</th><th>what it means</th><th>what OSS tells the uploader</th></tr></thead>\n<tbody>\n")
        for row in sections.rules {
            sink.write(
                "<tr><td>\(ruleBadge(row.rule, link: true))</td><td class=\"num\">\(row.count)</td><td>\(t(row.title))</td>"
                    + "<td class=\"mono\">\(t(row.ossError ?? "—"))</td></tr>\n")
        }
        sink.write("</tbody>\n</table></div>\n")
    }

    /// Each capture: its own time span, exact callback counts and worst rule, and what it is.
    static func captures(_ sections: ReportSections, to sink: ByteSink) {
        let t = HTMLEscape.text
        sink.write("<h2>Captures</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>capture</th><th>time span (UTC)</th><th class=\"num\">callbacks</th><th class=\"num\">passed</th>")
        sink.write("<th class=\"num\">failed</th><th>worst rule</th><th class=\"num\">packets</th><th class=\"num\">HTTP connections</th><th>format</th><th>problems</th></tr></thead>\n<tbody>\n")
        for row in sections.captures {
            if let error = row.error {
                sink.write("<tr><td class=\"wrap\">\(t(row.path))</td><td colspan=\"8\">unreadable</td><td>\(t(error))</td></tr>\n")
                continue
            }
            var line = "<tr><td class=\"wrap\">\(t(row.path))</td><td>\(t(row.span ?? "—"))</td>"
            line += "<td class=\"num\">\(row.callbacks)</td><td class=\"num\">\(row.passed)</td><td class=\"num\">\(row.failed)</td>"
            line += "<td>\(row.worstRule.map { ruleBadge($0.rule, link: true) + " \($0.count)" } ?? "—")</td>"
            line += "<td class=\"num\">\(row.packets)</td><td class=\"num\">\(t(row.connections))</td><td>\(t(row.format + ", " + row.linkTypes))</td>"
            line += "<td>\(row.problems.isEmpty ? "—" : row.problems.map(t).joined(separator: "<br>"))</td></tr>\n"
            sink.write(line)
        }
        sink.write("</tbody>\n</table></div>\n")
    }

    /// Each callback server over every callback (exact): counts, latency percentiles, top rule.
    static func servers(_ sections: ReportSections, to sink: ByteSink) {
        guard !sections.servers.isEmpty else { return }
        let t = HTMLEscape.text
        sink.write("<h2>Callback servers</h2>\n<div class=\"scroll\"><table>\n<thead><tr><th>server</th><th class=\"num\">callbacks</th><th class=\"num\">passed</th>")
        sink.write("<th class=\"num\">failed</th><th class=\"num\">not judged</th><th class=\"num\">refused</th><th class=\"num\">median</th><th class=\"num\">p99</th><th class=\"num\">slowest</th><th>top rule</th></tr></thead>\n<tbody>\n")
        for row in sections.servers {
            var line = "<tr><td class=\"nowrap\">\(t(row.server))</td><td class=\"num\">\(row.callbacks)</td><td class=\"num\">\(row.passed)</td>"
            line += "<td class=\"num\">\(row.failed)</td><td class=\"num\">\(row.unknown)</td><td class=\"num\">\(row.refused)</td>"
            line += "<td class=\"num\">\(t(ReportWording.percentile(row.median, exact: row.latencyExact)))</td><td class=\"num\">\(t(ReportWording.percentile(row.p99, exact: row.latencyExact)))</td>"
            line += "<td class=\"num\">\(t(ReportWording.percentile(row.slowest, exact: true)))</td>"
            line += "<td>\(row.topRule.map { ruleBadge($0.rule, link: true) + " \($0.count)" } ?? "—")</td></tr>\n"
            sink.write(line)
        }
        sink.write("</tbody>\n</table></div>\n")
    }

    /// Every listed failing callback, with its capture in a batch; says so when the listing is cut.
    static func failures(_ sections: ReportSections, report: Report, numberLink: (Int) -> String, to sink: ByteSink) {
        let t = HTMLEscape.text
        let s = report.summary
        sink.write("<h2>Failing callbacks</h2>\n")
        guard !sections.failures.isEmpty else {
            sink.write("<p>\(t(ReportWording.noFailures(report)))</p>\n")
            return
        }
        if s.callbacks == 0 && s.refusedConnections == 0 { sink.write("<p>\(t(ReportWording.noFailures(report)))</p>\n") }
        sink.write("<p>\(t(ReportWording.breakdown(sections.failures.map { report.exchanges[$0.offset] }))).</p>\n")
        if sections.failuresListed.isCut {
            let note = ReportWording.cutNote(shown: sections.failuresListed.shown, total: sections.failuresListed.total, of: "failing exchanges", remedy: "--list-all lists all")
            sink.write("<p class=\"note\">\(t(note)).</p>\n")
        }
        let names = sections.namesCaptures
        sink.write("<div class=\"scroll\"><table>\n<thead><tr><th class=\"num\">#</th><th>time (UTC)</th>\(names ? "<th>capture</th>" : "")<th>server</th><th>request</th><th>status</th><th class=\"num\">latency</th><th>rule</th><th>what OSS told the uploader</th></tr></thead>\n<tbody>\n")
        for row in sections.failures {
            var line = "<tr><td class=\"num\">\(numberLink(row.offset))</td><td class=\"nowrap\">\(t(row.time))</td>"
            if let capture = row.capture { line += "<td class=\"wrap\">\(t(capture))</td>" }
            line += "<td class=\"nowrap\">\(t(row.server))</td><td class=\"mono wrap req\">\(t(row.request))"
            line += "\(row.possibleCallback ? " <em>(possible callback: head cut)</em>" : "")</td>"
            line += "<td>\(t(row.status))</td><td class=\"num\">\(t(row.latency))</td>"
            line += "<td>\(row.rules.map { ruleBadge($0, link: true) }.joined(separator: " "))</td>"
            line += "<td class=\"mono wrap\">\(t(row.uploader))</td></tr>\n"
            sink.write(line)
        }
        sink.write("</tbody>\n</table></div>\n")
    }

    /// Offsets (in `report.exchanges`) of the exchanges that get details: failing and unjudged
    /// ones first, then the others in report order, at most ``maxDetailedExchanges``.
    static func detailedExchanges(_ report: Report) -> Set<Int> {
        let exchanges = report.exchanges
        func isImportant(_ r: ReportedExchange) -> Bool {
            ReportWording.isFailure(r) || ReportWording.isUnknown(r) || ReportWording.isUpload(r) || ReportWording.hasAuthenticityFinding(r)
        }
        let important = exchanges.indices.filter { isImportant(exchanges[$0]) }
        let rest = exchanges.indices.filter { !isImportant(exchanges[$0]) }
        return Set((important + rest).prefix(maxDetailedExchanges))
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
        let badge = d.isHTTPSNotJudged ? "<span class=\"badge other\">HTTPS, NOT JUDGED</span>" : outcomeBadge(d.outcome)
        var h = "<details id=\"x\(number)\"><summary>\(badge) <strong>#\(number)</strong> "
        h += "\(t(ReportWording.clock(e.startTime, date: false))) · \(t("\(e.connection.client) → \(e.connection.server)")) · "
        h += "<code>\(t(ReportWording.requestLine(e, withVersion: false)))</code> → \(t(ReportWording.status(d)))"
        if let latency = e.latencySeconds { h += " · \(t(Diagnoser.duration(latency)))" }
        if e.tls?.estimatedLatencySeconds != nil, ReportWording.latency(d) != "—" { h += " · \(t(ReportWording.latency(d)))" }
        if !d.findings.isEmpty { h += " " + d.findings.map { ruleBadge($0.rule, link: false) }.joined(separator: " ") }
        h += "</summary>\n"
        if let uploader = ReportWording.uploader(d.outcome) {
            h += "<p><strong>\(t(ReportWording.uploaderLabel(d))):</strong> <code>\(t(uploader))</code></p>\n"
        }
        if case .unknown(let reason) = d.outcome { h += "<p><strong>Not judged:</strong> \(t(reason))</p>\n" }
        let upload = ReportWording.uploadLines(d)
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
            h += "\(t(String(ReportWording.signature(signature).dropFirst(signature.status.rawValue.count + 2))))</dd>"
        }
        if let refusal = e.refusal {
            h += "<dt>connection attempt</dt><dd>\(refusal.kind == .reset ? "answered by RST" : "never answered"), SYN frames \(t(refusal.synFrames.map(String.init).joined(separator: ", ")))</dd>"
        }
        h += "</dl>\n"
        if let tls = e.tls {
            h += "<h3>TLS (HTTPS, not decrypted)</h3>\n<dl>"
            for (label, value) in ReportWording.tlsFacts(tls) { h += "<dt>\(t(label))</dt><dd class=\"mono\">\(t(value))</dd>" }
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
        text += ", \(ReportWording.clock(timing.start.timestamp, date: false))"
        if let end = timing.end, end.timestamp != timing.start.timestamp { text += " → \(ReportWording.clock(end.timestamp, date: false))" }
        return text + " UTC"
    }

    static func headersTable(_ headers: HTTPHeaders) -> String {
        guard !headers.isEmpty else { return "<p>No header fields.</p>\n" }
        var h = "<div class=\"scroll\"><table class=\"headers\"><tbody>"
        for field in headers { h += "<tr><td>\(HTMLEscape.text(field.name))</td><td>\(HTMLEscape.text(field.value))</td></tr>" }
        return h + "</tbody></table></div>\n"
    }

    /// The body's size and a hex dump of the bytes kept (at most ``maxDumpBytes``).
    static func body(_ body: BodySummary, redacted: Bool) -> String {
        var text = "Body: \(ReportWording.plural(Int(body.size), "byte"))"
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
            text += "; the first \(ReportWording.plural(shown.count, "byte"))\(decoded):"
        }
        var h = "<p>\(HTMLEscape.text(text))</p>\n<pre>"
        h += HexDump.lines(shown).map(HTMLEscape.text).joined(separator: "\n")
        h += "</pre>\n"
        return h
    }
}
