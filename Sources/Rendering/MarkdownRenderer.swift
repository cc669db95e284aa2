import CallbackSignature
import CaptureModel
import Diagnosis
import HTTPExchanges
public import ReportModel
import TCPReassembly

/// How much a ticket-format report says.
public enum ReportDetail: String, Sendable, CaseIterable {
    /// What fits in a ticket comment: at most ``MarkdownRenderer/briefCharacterLimit`` characters
    /// whatever the capture — the exact summary, a table of the rules that fired with one example
    /// each, the captures, the first failing callbacks and "N more" lines.
    case brief
    /// Everything listed: every failing callback, every rule's evidence.
    case full
}

/// `--format markdown`: a report to paste into a support ticket (GitHub-flavoured Markdown).
///
/// Built from ``ReportSections`` (the sections the HTML report shows too): the summary, the rules
/// that fired (one example each), the captures with their own spans and counts, the failing
/// callbacks, then signatures, unjudged callbacks and uploads. ``ReportDetail/brief`` (the
/// default) bounds every list and clips every capture-derived value so that the whole stays
/// under ``briefCharacterLimit`` characters (Jira accepts 32,767 in a comment, GitHub 65,536);
/// ``ReportDetail/full`` lists everything the report lists and adds a section per rule with
/// every finding's evidence. Wherever a list is cut, it says so there.
///
/// Every capture-derived string passes through ``MarkdownEscape/inline(_:)`` and is always
/// preceded by text of ours on its line, so data can neither break a table, start a block, nor
/// forge a link or HTML. Redaction is the caller's choice (the CLI redacts by default for this
/// format); the report says when values were redacted.
public enum MarkdownRenderer {
    /// The most characters a ``ReportDetail/brief`` report has, whatever the capture.
    public static let briefCharacterLimit = 32_000

    /// Writes the report into `sink`, a line (a table row, a list item) at a time.
    public static func render(_ report: Report, detail: ReportDetail = .brief, to sink: ByteSink) {
        let writer = MarkdownSections(report: report, sections: ReportSections(report), detail: detail, sink: sink)
        writer.header()
        writer.body()
    }

    /// Writes the report with secrets redacted by `policy` as exchanges are written
    /// (``ExchangeRedaction``): the cost follows what is written, not the report's size. The
    /// `Redacted` note counts the values replaced in the exchanges this document writes (with
    /// ``Report/redacted(policy:)`` first, ``render(_:detail:to:)`` counts the whole report's).
    ///
    /// The note comes first but is known only once the rest is written: the rest is written
    /// into a discarding sink first (its exchanges are redacted then, and kept), after charging
    /// the brief budget with the header's length, and again with the longer header charged when
    /// the note came out longer (at most 4 times); then the header and the rest, streamed.
    public static func render(
        _ report: Report, detail: ReportDetail = .brief, redacting policy: RedactionPolicy, to sink: ByteSink
    ) {
        let redaction = ExchangeRedaction(report, policy: policy)
        let sections = ReportSections(report)
        func body(charged: Int, to sink: ByteSink) {
            MarkdownSections(
                report: report, sections: sections, detail: detail, sink: sink, redaction: redaction, charged: charged
            ).body()
        }
        var charged = header(of: report, redaction: RedactionSummary(applied: true, writtenOnly: true), detail: detail)
            .utf8.count
        for attempt in 1...4 {
            redaction.beginPass()
            let discard = ByteSink { _ in }
            body(charged: charged, to: discard)
            try? discard.finish()  // the destination above cannot fail
            let header = header(of: report, redaction: redaction.summary, detail: detail)
            if header.utf8.count <= charged || detail == .full || attempt == 4 {
                sink.write(header)
                body(charged: charged, to: sink)
                return
            }
            charged = header.utf8.count
        }
    }

    /// ``render(_:detail:redacting:to:)``'s text as one `String`.
    public static func render(_ report: Report, detail: ReportDetail = .brief, redacting policy: RedactionPolicy)
        -> String
    {
        ByteSink.collect { render(report, detail: detail, redacting: policy, to: $0) }
    }

    /// The header of `report` with `redaction` as its redaction summary.
    static func header(of report: Report, redaction: RedactionSummary, detail: ReportDetail) -> String {
        var noted = report
        noted.redaction = redaction
        return ByteSink.collect { sink in
            let writer = MarkdownSections(
                report: noted, sections: ReportSections(noted), detail: detail, sink: sink)
            writer.header()
        }
    }

    /// ``render(_:detail:to:)``'s text as one `String`.
    public static func render(_ report: Report, detail: ReportDetail = .brief) -> String {
        ByteSink.collect { render(report, detail: detail, to: $0) }
    }

    /// `18:32:57.942 127.0.0.1:44653 → 127.0.0.1:9002 POST /path`
    static func headline(_ reported: ReportedExchange, date: Bool = false) -> String {
        let e = reported.diagnosed.exchange
        return "\(ReportWording.clock(e.startTime, date: date)) \(e.connection.client) → \(e.connection.server) "
            + ReportWording.requestLine(e, withVersion: false)
    }

    /// The heading anchor GitHub generates for `## rule-id`.
    static func anchor(_ rule: RuleID) -> String { rule.rawValue }
}

/// The Markdown of each section, one method per section, for ``MarkdownRenderer``.
struct MarkdownSections {
    let report: Report
    let sections: ReportSections
    let detail: ReportDetail
    let sink: ByteSink
    let budget = Budget()
    /// Redacts the exchanges as they are written; nil when the report is written as it is.
    let redaction: ExchangeRedaction?

    /// Characters written so far (UTF-8 bytes, never fewer than characters).
    final class Budget {
        var used = 0
    }

    /// Bytes kept free in a brief report for what closes it: the "N more" lines, the section
    /// headings after a cut list, the footer.
    static let reserve = 2_500

    /// Rows of a brief table or list before an "N more" line.
    static let briefRows = 10
    /// Captures in a brief captures table.
    static let briefCaptures = 15
    /// Characters of one capture-derived value in a brief report (after escaping).
    static let briefCell = 100

    var brief: Bool { detail == .brief }

    /// `charged`: characters already written before `sink` (the header, written later).
    init(
        report: Report, sections: ReportSections, detail: ReportDetail, sink: ByteSink,
        redaction: ExchangeRedaction? = nil, charged: Int = 0
    ) {
        self.report = report
        self.sections = sections
        self.detail = detail
        self.sink = sink
        self.redaction = redaction
        budget.used = charged
    }

    /// Everything after the header, section by section.
    func body() {
        summary()
        rules()
        if detail == .brief { fixes() }
        captures()
        servers()
        failures()
        suspectSignatures()
        signatures()
        unjudged()
        uploads()
        if detail == .full { ruleEvidence() }
        footer()
    }

    /// The exchange at `offset` as it is written: redacted when ``redaction`` is set. Choosing
    /// what to write reads `report.exchanges` (redaction keeps outcomes, rules and statuses).
    func written(_ offset: Int) -> ReportedExchange {
        redaction?.exchange(at: offset) ?? report.exchanges[offset]
    }

    func write(_ text: String) {
        budget.used += text.utf8.count
        sink.write(text)
    }

    /// Writes `count` rows made by `row`, at most `limit` in brief and while the brief report
    /// stays under its limit (with ``reserve`` kept free); returns how many were written.
    @discardableResult
    func writeRows(_ count: Int, limit: Int = briefRows, _ row: (Int) -> String) -> Int {
        var written = 0
        while written < count && (!brief || written < limit) {
            let text = row(written)
            if brief && budget.used + text.utf8.count + Self.reserve > MarkdownRenderer.briefCharacterLimit { break }
            write(text)
            written += 1
        }
        return written
    }

    /// `text` escaped, and in a brief report clipped to ``briefCell`` characters.
    func cell(_ text: String, limit: Int = briefCell) -> String {
        let escaped = MarkdownEscape.inline(text)
        return brief ? ReportWording.clipped(escaped, to: limit) : escaped
    }

    /// A list of `count` rows made by `row` (in a brief report as many as fit, at most `limit`),
    /// a blank line, and the ``moreLine(shown:listed:total:kind:)`` of the `total` (by default
    /// the `count` listed) that are `kind`.
    func writeList(_ count: Int, limit: Int = briefRows, total: Int? = nil, kind: String, _ row: (Int) -> String) {
        let shown = writeRows(count, limit: limit, row)
        write("\n")
        moreLine(shown: shown, listed: count, total: total ?? count, kind: kind)
    }

    /// A table's `count` rows made by `row` (in a brief report as many as fit, at most `limit`), a
    /// blank line, and when some were left out the line that says so (`kind`: what a row is, plural).
    func writeTableRows(_ count: Int, limit: Int = briefRows, of kind: String, _ row: (Int) -> String) {
        let shown = writeRows(count, limit: limit, row)
        write("\n")
        if shown < count { write("_showing \(shown) of \(count) \(kind); --detail full lists all._\n\n") }
    }

    /// The line under a list shown in part: how many more, and how to see them.
    func moreLine(shown: Int, listed: Int, total: Int, kind: String) {
        if shown < listed {
            var remedy = "--detail full lists the \(ReportWording.grouped(listed)) in the report"
            if listed < total { remedy += "; " + ReportWording.listAllRemedy(report) }
            write("_\(ReportWording.cutNote(shown: shown, total: total, of: kind, remedy: remedy))._\n\n")
        } else if listed < total {
            write(
                "_\(ReportWording.cutNote(shown: shown, total: total, of: kind, remedy: ReportWording.listAllRemedy(report)))._\n\n"
            )
        }
    }

    func header() {
        write("# callback-doctor report\n\n")
        write(cell(sections.header.meta, limit: 300) + "\n\n")
        for note in sections.header.notes { write("> **\(note.label):** " + cell(note.text, limit: 400) + "\n\n") }
    }

    func summary() {
        let s = report.summary
        write("## Summary\n\n")
        var failed = "\(s.callbacksFailed) failed"
        if s.callbacksFailed > 0 { failed = "**\(failed)**" }
        var callbacks = "- Callbacks: \(s.callbacks) seen, \(s.callbacksPassed) passed, \(failed)"
        if s.callbacksUnknown > 0 { callbacks += ", \(s.callbacksUnknown) not judged (bytes missing from the capture)" }
        write(callbacks + "\n")
        if let possible = ReportWording.possibleCallbacks(s) { write("- Possible callbacks: " + possible + "\n") }
        if let https = ReportWording.httpsNotJudged(s) { write("- HTTPS: " + https + "\n") }
        if s.refusedConnections > 0 { write("- Refused connection attempts: \(s.refusedConnections)\n") }
        let others = ReportWording.otherExchangeTotal(s)
        if others > 0 { write("- Other HTTP exchanges (not OSS callbacks): \(others)\n") }
        write("\n")
    }

    /// The rules that fired: exact counts, what they mean, what OSS says, one example each.
    func rules() {
        guard !sections.rules.isEmpty else { return }
        write("| rule | findings | what it means | what OSS tells the uploader | example |\n|---|---:|---|---|---|\n")
        for row in sections.rules {
            let oss = row.ossError.map { cell($0, limit: 200) } ?? "—"
            let link =
                brief ? "**\(row.rule.rawValue)**" : "[\(row.rule.rawValue)](#\(MarkdownRenderer.anchor(row.rule)))"
            let example =
                row.example.map {
                    "#\($0 + 1) " + cell(MarkdownRenderer.headline(written($0), date: sections.showsDates))
                        + legChain(written($0).diagnosed)
                } ?? "—"
            write("| \(link) | \(row.count) | \(cell(row.title)) | \(oss) | \(example) |\n")
        }
        write("\n")
    }

    /// ` — legs: OSS → nginx … → app …` after an example that was forwarded to an app (issue #19),
    /// so that the brief report shows the chain too; empty without legs.
    func legChain(_ d: DiagnosedExchange) -> String {
        d.legChain.map { " — legs: " + cell($0, limit: 300) } ?? ""
    }

    /// Each capture: its own span, callbacks seen/passed/failed, its worst rule, and what it is.
    func captures() {
        write(
            "### Captures\n\n| capture | time span (UTC) | callbacks | passed | failed | worst rule | packets | format | problems |\n"
        )
        write("|---|---|---:|---:|---:|---|---:|---|---|\n")
        writeTableRows(sections.captures.count, limit: Self.briefCaptures, of: "captures") { i in
            let row = sections.captures[i]
            if let error = row.error {
                return "| \(cell(row.path)) | — | — | — | — | — | — | — | unreadable: \(cell(error, limit: 200)) |\n"
            }
            let worst = row.worstRule.map { "\($0.rule.rawValue) (\($0.count))" } ?? "—"
            let problems = row.problems.isEmpty ? "—" : cell(row.problems.joined(separator: "; "), limit: 200)
            var line =
                "| \(cell(row.path)) | \(row.span.map { cell($0) } ?? "—") | \(row.callbacks) | \(row.passed) | \(row.failed) | \(worst) "
            line += "| \(row.packets) | \(cell(row.format + ", " + row.linkTypes)) | \(problems) |\n"
            return line
        }
    }

    /// Each callback server over every callback (exact): counts, latency percentiles, top rule.
    func servers() {
        guard !sections.servers.isEmpty else { return }
        write(
            "### Callback servers\n\n| server | callbacks | passed | failed | not judged | refused | median | p99 | slowest | top rule |\n"
        )
        write("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
        writeTableRows(sections.servers.count, of: "callback servers") { i in
            let row = sections.servers[i]
            let top = row.topRule.map { "\($0.rule.rawValue) (\($0.count))" } ?? "—"
            var line =
                "| \(cell(row.server)) | \(row.callbacks) | \(row.passed) | \(row.failed) | \(row.unknown) | \(row.refused) "
            line +=
                "| \(ReportWording.percentile(row.median, exact: row.latencyExact)) | \(ReportWording.percentile(row.p99, exact: row.latencyExact)) "
            line += "| \(ReportWording.percentile(row.slowest, exact: true)) | \(top) |\n"
            return line
        }
    }

    /// The failing callbacks: every listed one in full detail, the first ten in brief.
    func failures() {
        let s = report.summary
        write("## Failing callbacks\n\n")
        guard !sections.failures.isEmpty else {
            write(cell(ReportWording.noFailures(report), limit: 600) + "\n\n")
            return
        }
        // With no callback seen, what failed are possible callbacks: say so first.
        if s.callbacks == 0 && s.refusedConnections == 0 {
            write(cell(ReportWording.noFailures(report), limit: 600) + "\n\n")
        }
        write("\(ReportWording.breakdown(sections.failures.map { report.exchanges[$0.offset] })) listed:\n\n")
        let names = sections.namesCaptures
        write(
            "| # | time (UTC) |\(names ? " capture |" : "") client → server | request | status | latency | rule | what OSS told the uploader |\n"
        )
        write("|---:|---|\(names ? "---|" : "")---|---|---|---:|---|---|\n")
        writeList(sections.failures.count, total: sections.failuresListed.total, kind: "failing exchanges") { n in
            let row = writtenRow(sections.failures[n])
            let rules = row.rules.map { brief ? $0.rawValue : "[\($0.rawValue)](#\(MarkdownRenderer.anchor($0)))" }
                .joined(separator: ", ")
            var line =
                "| \(row.offset + 1) | \(row.time) |\(row.capture.map { " \(cell($0)) |" } ?? "") \(cell("\(row.client) → \(row.server)")) "
            line += "| \(cell(row.request))\(row.possibleCallback ? " (possible callback: head cut)" : "") "
            line += "| \(cell(row.status)) | \(row.latency) | \(rules) | \(cell(row.uploader, limit: 200)) |\n"
            return line
        }
    }

    /// `row` made again from its exchange as written (redacted) when ``redaction`` is set.
    func writtenRow(_ row: ReportSections.ExchangeRow) -> ReportSections.ExchangeRow {
        guard redaction != nil else { return row }
        return ReportSections.exchangeRow(
            written(row.offset), offset: row.offset, capture: row.capture, dates: sections.showsDates)
    }

    /// Offsets in `report.exchanges` of the exchanges `belongs` accepts.
    func offsets(where belongs: (ReportedExchange) -> Bool) -> [Int] {
        report.exchanges.indices.filter { belongs(report.exchanges[$0]) }
    }

    /// `- **#N** headline` (and the capture, in a batch).
    func item(_ i: Int) -> String {
        var text = "- **#\(i + 1)** " + cell(MarkdownRenderer.headline(written(i), date: sections.showsDates))
        if sections.namesCaptures { text += " (capture " + cell(report.exchanges[i].capture) + ")" }
        return text
    }

    func suspectSignatures() {
        let suspect = offsets(where: ReportWording.hasAuthenticityFinding)
        guard !suspect.isEmpty else { return }
        write("## Callbacks with a suspect signature\n\n")
        write("OSS's checks did not fail these, but the signature rules did (see the rules above).\n\n")
        writeList(suspect.count, kind: "listed callbacks with a suspect signature") { n in
            let i = suspect[n], reported = written(i)
            let rules = reported.diagnosed.findings.filter { RuleCatalog.rule($0.rule).concern == .authenticity }
                .map { brief ? $0.rule.rawValue : "[\($0.rule.rawValue)](#\(MarkdownRenderer.anchor($0.rule)))" }
                .joined(separator: ", ")
            return item(i) + " → " + cell(ReportWording.status(reported.diagnosed.exchange)) + ": " + rules + "\n"
        }
    }

    /// Every signed callback's verdict that is not plainly valid.
    func signatures() {
        let unverified = offsets { ($0.diagnosed.exchange.request?.signature.map { $0.status != .valid }) ?? false }
        let signed = report.exchanges.count { $0.diagnosed.exchange.request?.signature != nil }
        guard signed > 0 else { return }
        write("## Callback signatures\n\n")
        var verify = "- \(signed - unverified.count) of \(ReportWording.plural(signed, "listed callback")) verify"
        if !report.settings.publicKeys.isEmpty {
            verify +=
                " (keys: OSS's published key, "
                + report.settings.publicKeys.map { cell($0) }.prefix(5).joined(separator: ", ") + ")"
        }
        write(verify + "\n")
        writeList(unverified.count, kind: "listed signatures that do not verify") { n in
            let i = unverified[n]
            let verdict = written(i).diagnosed.exchange.request?.signature.map(ReportWording.signature) ?? ""
            return item(i) + ": signature " + cell(verdict, limit: 300) + "\n"
        }
    }

    func unjudged() {
        let unknown = offsets(where: ReportWording.isUnknown)
        guard !unknown.isEmpty else { return }
        write("## Not judged (bytes missing from the capture)\n\n")
        write("\(ReportWording.breakdown(unknown.map { report.exchanges[$0] })):\n\n")
        let s = report.summary
        let total = max(unknown.count, s.callbacksUnknown + s.possibleCallbacksUnknown)
        writeList(unknown.count, total: total, kind: "exchanges not judged") { n in
            item(unknown[n]) + ": "
                + cell(written(unknown[n]).diagnosed.outcome.unknownReason ?? "", limit: 300) + "\n"
        }
    }

    func uploads() {
        let uploads = offsets(where: ReportWording.isUpload)
        guard !uploads.isEmpty else { return }
        write("## Uploads to OSS with a callback\n\n")
        writeList(uploads.count, limit: 5, kind: "listed uploads") { n in
            let reported = written(uploads[n])
            var text = item(uploads[n]) + " → " + cell(ReportWording.status(reported.diagnosed.exchange)) + "\n"
            for (key, value) in ReportWording.uploadLines(reported.diagnosed) {
                text += "  - \(cell(key)): \(cell(value, limit: 200))\n"
            }
            return text
        }
    }

    /// Brief: how to fix each rule that fired (full detail has a section per rule instead).
    func fixes() {
        guard !sections.rules.isEmpty else { return }
        write("## How to fix\n\n")
        for row in sections.rules { write("- **\(row.rule.rawValue)**: \(MarkdownEscape.inline(row.fix))\n") }
        write("\n")
    }

    /// Full detail: one section per rule that fired, in catalogue order, with every listed finding's evidence.
    func ruleEvidence() {
        for row in sections.rules {
            let info = RuleCatalog.rule(row.rule)
            var section = "## \(row.rule.rawValue)\n\n"
            section +=
                "**\(cell(info.title))** · severity \(info.severity.rawValue) · \(ReportWording.plural(row.count, "finding"))\n\n"
            section += "- Fires when: \(cell(info.summary))\n"
            if let oss = ReportWording.ossSays(info) { section += "- OSS tells the uploader: \(cell(oss))\n" }
            section += "- Why it happens: \(cell(info.why))\n"
            section += "- How to fix it: \(cell(info.fix))\n\n"
            section += "Evidence:\n\n"
            write(section)
            var listed = 0
            for (i, analysed) in report.exchanges.enumerated()
            where analysed.diagnosed.findings.contains(where: { $0.rule == row.rule }) {
                let reported = written(i)
                for finding in reported.diagnosed.findings where finding.rule == row.rule {
                    listed += 1
                    var text = item(i) + ": \(finding.estimated ? "(estimated) " : "")\(cell(finding.message))\n"
                    for evidence in finding.evidence { text += "  - \(cell(evidence.key)): \(cell(evidence.value))\n" }
                    if let oss = ReportWording.ossSays(finding) { text += "  - OSS says: \(cell(oss))\n" }
                    for (key, value) in ReportWording.legLines(reported.diagnosed) {
                        text += "  - \(cell(key)): \(cell(value))\n"
                    }
                    write(text)
                }
            }
            write("\n")
            moreLine(
                shown: listed, listed: listed, total: max(listed, row.count), kind: "\(row.rule.rawValue) findings")
        }
    }

    func footer() {
        write("---\n\nGenerated by \(cell(report.tool.name)) \(cell(report.tool.version)) from packet captures; ")
        write("every value quoted above comes from the capture.\n")
    }
}

extension PredictedOutcome {
    var unknownReason: String? { if case .unknown(let reason) = self { reason } else { nil } }
}
