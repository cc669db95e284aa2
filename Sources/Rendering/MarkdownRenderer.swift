import CaptureModel
import Diagnosis
import HTTPExchanges
public import ReportModel
import CallbackSignature
import TCPReassembly

/// `--format markdown`: a report to paste into a support ticket (GitHub-flavoured Markdown).
///
/// Summary, a table of failing callbacks (time, server, request, status, latency, rule, what OSS
/// told the uploader), then a section per rule that fired with its evidence and the fix.
///
/// Every capture-derived string passes through ``MarkdownEscape/inline(_:)`` and is always
/// preceded by text of ours on its line, so data can neither break a table, start a block, nor
/// forge a link or HTML. Redaction is the caller's choice (the CLI redacts by default for this
/// format); the report says when values were redacted.
public enum MarkdownRenderer {
    /// Writes the report into `sink`, a line (a table row, a list item) at a time.
    public static func render(_ report: Report, to sink: ByteSink) {
        let md = MarkdownEscape.inline
        let s = report.summary
        sink.write("# callback-doctor report\n\n")
        var meta = "\(report.tool.name) \(report.tool.version) · \(Present.plural(report.captures.count, "capture"))"
        if let span = Present.span(report) { meta += " · " + span }
        sink.write(md(meta) + "\n\n")
        if let note = Present.redactionNote(report) { sink.write("> **Redacted:** " + md(note) + "\n\n") }
        if let note = Present.listingNote(report) { sink.write("> **Listed:** " + md(note) + "\n\n") }

        sink.write("## Summary\n\n")
        var failed = "\(s.callbacksFailed) failed"
        if s.callbacksFailed > 0 { failed = "**\(failed)**" }
        var callbacks = "- Callbacks: \(s.callbacks) seen, \(s.callbacksPassed) passed, \(failed)"
        if s.callbacksUnknown > 0 { callbacks += ", \(s.callbacksUnknown) not judged (bytes missing from the capture)" }
        sink.write(callbacks + "\n")
        if let possible = Present.possibleCallbacks(s) { sink.write("- Possible callbacks: " + possible + "\n") }
        if let https = Present.httpsNotJudged(s) { sink.write("- HTTPS: " + https + "\n") }
        if s.refusedConnections > 0 { sink.write("- Refused connection attempts: \(s.refusedConnections)\n") }
        let others = Present.otherExchangeCount(report)
        if others > 0 { sink.write("- Other HTTP exchanges (not OSS callbacks): \(others)\n") }
        sink.write("\n")

        if !s.findingsByRule.isEmpty {
            sink.write("| rule | findings | what it means | what OSS tells the uploader |\n|---|---:|---|---|\n")
            for (rule, count) in s.findingsByRule {
                let info = RuleCatalog.rule(rule)
                let oss = info.ossError.map { md($0 + Present.basisMark(info.ossErrorSource)) } ?? "—"
                sink.write("| [\(rule.rawValue)](#\(anchor(rule))) | \(count) | \(md(RuleTitle.of(rule))) | \(oss) |\n")
            }
            sink.write("\n")
        }

        sink.write("### Captures\n\n| capture | format | link type | packets | HTTP connections | problems |\n|---|---|---|---:|---:|---|\n")
        for capture in report.captures {
            if let error = capture.error {
                sink.write("| \(md(capture.path)) | — | — | — | — | unreadable: \(md(error)) |\n")
                continue
            }
            let problems = capture.problems.isEmpty ? "—" : capture.problems.map(md).joined(separator: "; ")
            var row = "| \(md(capture.path)) | \(md(capture.format ?? "?")) | \(md(capture.linkTypes.joined(separator: ", "))) "
            let tls = capture.http.tlsConnections > 0 ? " (+ \(capture.http.tlsConnections) TLS)" : ""
            row += "| \(capture.packets) | \(capture.http.httpConnections)\(tls) | \(problems) |\n"
            sink.write(row)
        }
        sink.write("\n")

        // Offsets in `report.exchanges`; `#N` is the offset plus one.
        let exchanges = report.exchanges
        func offsets(where belongs: (ReportedExchange) -> Bool) -> [Int] { exchanges.indices.filter { belongs(exchanges[$0]) } }
        let failures = offsets(where: Present.isFailure)
        sink.write("## Failing callbacks\n\n")
        if failures.isEmpty {
            sink.write(md(Present.noFailures(report)) + "\n\n")
        } else {
            // With no callback seen, what failed are possible callbacks: say so first.
            if s.callbacks == 0 && s.refusedConnections == 0 { sink.write(md(Present.noFailures(report)) + "\n\n") }
            sink.write("\(Present.breakdown(failures.map { exchanges[$0] })):\n\n")
            sink.write("| # | time (UTC) | client → server | request | status | latency | rule | what OSS told the uploader |\n")
            sink.write("|---:|---|---|---|---|---:|---|---|\n")
            for i in failures {
                let d = exchanges[i].diagnosed, e = d.exchange
                let rules = d.findings.filter { $0.severity == .error }.map { "[\($0.rule.rawValue)](#\(anchor($0.rule)))" }
                    .joined(separator: ", ")
                var row = "| \(i + 1) | \(Present.clock(e.startTime, date: false)) | \(md("\(e.connection.client) → \(e.connection.server)")) "
                row += "| \(md(Present.requestLine(e, withVersion: false)))\(d.isPossibleCallback ? " (possible callback: head cut)" : "") "
                row += "| \(md(Present.status(d))) | \(Present.latency(d)) "
                row += "| \(rules) | \(md(Present.uploaderCell(d))) |\n"
                sink.write(row)
            }
            sink.write("\n")
        }

        let suspect = offsets(where: Present.hasAuthenticityFinding)
        if !suspect.isEmpty {
            sink.write("## Callbacks with a suspect signature\n\n")
            sink.write("OSS's checks did not fail these, but the signature rules did (see the rule sections below).\n\n")
            for i in suspect {
                let reported = exchanges[i]
                let rules = reported.diagnosed.findings.filter { RuleCatalog.rule($0.rule).concern == .authenticity }
                    .map { "[\($0.rule.rawValue)](#\(anchor($0.rule)))" }.joined(separator: ", ")
                sink.write("- **#\(i + 1)** " + md(headline(reported)) + " → " + md(Present.status(reported.diagnosed.exchange)) + ": " + rules + "\n")
            }
            sink.write("\n")
        }

        // Every signed callback's verdict that is not plainly valid.
        let unverified = offsets { ($0.diagnosed.exchange.request?.signature.map { $0.status != .valid }) ?? false }
        let signed = exchanges.count { $0.diagnosed.exchange.request?.signature != nil }
        if signed > 0 {
            sink.write("## Callback signatures\n\n")
            var verify = "- \(signed - unverified.count) of \(Present.plural(signed, "callback")) verify"
            if !report.settings.publicKeys.isEmpty {
                verify += " (keys: OSS's published key, " + report.settings.publicKeys.map(md).joined(separator: ", ") + ")"
            }
            sink.write(verify + "\n")
            for i in unverified {
                guard let signature = exchanges[i].diagnosed.exchange.request?.signature else { continue }
                sink.write("- **#\(i + 1)** " + md(headline(exchanges[i])) + ": signature " + md(Present.signature(signature)) + "\n")
            }
            sink.write("\n")
        }

        let unknown = offsets(where: Present.isUnknown)
        if !unknown.isEmpty {
            sink.write("## Not judged (bytes missing from the capture)\n\n")
            sink.write("\(Present.breakdown(unknown.map { exchanges[$0] })):\n\n")
            for i in unknown {
                sink.write("- **#\(i + 1)** " + md(headline(exchanges[i])) + ": " + md(exchanges[i].diagnosed.outcome.unknownReason ?? "") + "\n")
            }
            sink.write("\n")
        }

        let uploads = offsets(where: Present.isUpload)
        if !uploads.isEmpty {
            sink.write("## Uploads to OSS with a callback\n\n")
            for i in uploads {
                let reported = exchanges[i]
                var item = "- **#\(i + 1)** " + md(headline(reported)) + " → " + md(Present.status(reported.diagnosed.exchange)) + "\n"
                for (key, value) in Present.uploadLines(reported.diagnosed) { item += "  - \(md(key)): \(md(value))\n" }
                sink.write(item)
            }
            sink.write("\n")
        }

        // One section per rule that fired, in catalogue order, with every finding's evidence.
        for (rule, count) in s.findingsByRule {
            let info = RuleCatalog.rule(rule)
            var section = "## \(rule.rawValue)\n\n"
            section += "**\(md(RuleTitle.of(rule)))** · severity \(info.severity.rawValue) · \(Present.plural(count, "finding"))\n\n"
            section += "- Fires when: \(md(info.summary))\n"
            if let oss = Present.ossSays(info) { section += "- OSS tells the uploader: \(md(oss))\n" }
            section += "- Why it happens: \(md(info.why))\n"
            section += "- How to fix it: \(md(info.fix))\n\n"
            section += "Evidence:\n\n"
            sink.write(section)
            for (i, reported) in exchanges.enumerated() {
                for finding in reported.diagnosed.findings where finding.rule == rule {
                    var item = "- **#\(i + 1)** \(md(headline(reported))): \(finding.estimated ? "(estimated) " : "")\(md(finding.message))\n"
                    for evidence in finding.evidence {
                        item += "  - \(md(evidence.key)): \(md(evidence.value))\n"
                    }
                    if let oss = Present.ossSays(finding) { item += "  - OSS says: \(md(oss))\n" }
                    for (key, value) in Present.legLines(reported.diagnosed) { item += "  - \(md(key)): \(md(value))\n" }
                    sink.write(item)
                }
            }
            sink.write("\n")
        }
        sink.write("---\n\nGenerated by \(md(report.tool.name)) \(md(report.tool.version)) from packet captures; ")
        sink.write("every value quoted above comes from the capture.\n")
    }

    /// ``render(_:to:)``'s text as one `String`.
    public static func render(_ report: Report) -> String {
        ByteSink.collect { render(report, to: $0) }
    }

    /// `18:32:57.942 127.0.0.1:44653 → 127.0.0.1:9002 POST /path`
    static func headline(_ reported: ReportedExchange) -> String {
        let e = reported.diagnosed.exchange
        return "\(Present.clock(e.startTime, date: false)) \(e.connection.client) → \(e.connection.server) "
            + Present.requestLine(e, withVersion: false)
    }

    /// The heading anchor GitHub generates for `## rule-id`.
    static func anchor(_ rule: RuleID) -> String { rule.rawValue }
}

extension PredictedOutcome {
    var unknownReason: String? { if case .unknown(let reason) = self { reason } else { nil } }
}
