import CaptureModel
import Diagnosis
import HTTPExchanges
import ReportModel

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
    public static func render(_ report: Report) -> String {
        let md = MarkdownEscape.inline
        let s = report.summary
        var out = "# callback-doctor report\n\n"
        var meta = "\(report.tool.name) \(report.tool.version) · \(Present.plural(report.captures.count, "capture"))"
        if let span = Present.span(report) { meta += " · " + span }
        out += md(meta) + "\n\n"
        if let note = Present.redactionNote(report) { out += "> **Redacted:** " + md(note) + "\n\n" }

        out += "## Summary\n\n"
        var failed = "\(s.callbacksFailed) failed"
        if s.callbacksFailed > 0 { failed = "**\(failed)**" }
        out += "- Callbacks: \(s.callbacks) seen, \(s.callbacksPassed) passed, \(failed)"
        if s.callbacksUnknown > 0 { out += ", \(s.callbacksUnknown) not judged (bytes missing from the capture)" }
        out += "\n"
        if s.refusedConnections > 0 { out += "- Refused connection attempts: \(s.refusedConnections)\n" }
        let others = Present.otherExchangeCount(report)
        if others > 0 { out += "- Other HTTP exchanges (not OSS callbacks): \(others)\n" }
        out += "\n"

        if !s.findingsByRule.isEmpty {
            out += "| rule | findings | what it means | what OSS tells the uploader |\n|---|---:|---|---|\n"
            for (rule, count) in s.findingsByRule {
                let oss = RuleCatalog.rule(rule).ossError.map(md) ?? "—"
                out += "| [\(rule.rawValue)](#\(anchor(rule))) | \(count) | \(md(RuleTitle.of(rule))) | \(oss) |\n"
            }
            out += "\n"
        }

        out += "### Captures\n\n| capture | format | link type | packets | HTTP connections | problems |\n|---|---|---|---:|---:|---|\n"
        for capture in report.captures {
            if let error = capture.error {
                out += "| \(md(capture.path)) | — | — | — | — | unreadable: \(md(error)) |\n"
                continue
            }
            let problems = capture.problems.isEmpty ? "—" : capture.problems.map(md).joined(separator: "; ")
            out += "| \(md(capture.path)) | \(md(capture.format ?? "?")) | \(md(capture.linkTypes.joined(separator: ", "))) "
            let tls = capture.http.tlsConnections > 0 ? " (+ \(capture.http.tlsConnections) TLS)" : ""
            out += "| \(capture.packets) | \(capture.http.httpConnections)\(tls) | \(problems) |\n"
        }
        out += "\n"

        let numbered = Array(report.exchanges.enumerated())
        let failures = numbered.filter { Present.isFailure($0.element) }
        out += "## Failing callbacks\n\n"
        if failures.isEmpty {
            out += md(Present.noFailures(report)) + "\n\n"
        } else {
            out += "| # | time (UTC) | client → server | request | status | latency | rule | what OSS told the uploader |\n"
            out += "|---:|---|---|---|---|---:|---|---|\n"
            for (i, reported) in failures {
                let d = reported.diagnosed, e = d.exchange
                let rules = d.findings.filter { $0.severity == .error }.map { "[\($0.rule.rawValue)](#\(anchor($0.rule)))" }
                    .joined(separator: ", ")
                out += "| \(i + 1) | \(Present.clock(e.startTime, date: false)) | \(md("\(e.connection.client) → \(e.connection.server)")) "
                out += "| \(md(Present.requestLine(e, withVersion: false))) | \(md(Present.status(d))) | \(Present.latency(d)) "
                out += "| \(rules) | \(md(Present.uploader(d.outcome) ?? "—")) |\n"
            }
            out += "\n"
        }

        let suspect = numbered.filter { Present.hasAuthenticityFinding($0.element) }
        if !suspect.isEmpty {
            out += "## Callbacks with a suspect signature\n\n"
            out += "OSS's checks did not fail these, but the signature rules did (see the rule sections below).\n\n"
            for (i, reported) in suspect {
                let rules = reported.diagnosed.findings.filter { RuleCatalog.rule($0.rule).concern == .authenticity }
                    .map { "[\($0.rule.rawValue)](#\(anchor($0.rule)))" }.joined(separator: ", ")
                out += "- **#\(i + 1)** " + md(headline(reported)) + " → " + md(Present.status(reported.diagnosed.exchange)) + ": " + rules + "\n"
            }
            out += "\n"
        }

        // Every signed callback's verdict that is not plainly valid.
        let unverified = numbered.filter { ($0.element.diagnosed.exchange.request?.signature.map { $0.status != .valid }) ?? false }
        let signed = numbered.filter { $0.element.diagnosed.exchange.request?.signature != nil }
        if !signed.isEmpty {
            out += "## Callback signatures\n\n"
            out += "- \(signed.count - unverified.count) of \(Present.plural(signed.count, "callback")) verify"
            if !report.settings.publicKeys.isEmpty {
                out += " (keys: OSS's published key, " + report.settings.publicKeys.map(md).joined(separator: ", ") + ")"
            }
            out += "\n"
            for (i, reported) in unverified {
                guard let signature = reported.diagnosed.exchange.request?.signature else { continue }
                out += "- **#\(i + 1)** " + md(headline(reported)) + ": signature " + md(Present.signature(signature)) + "\n"
            }
            out += "\n"
        }

        let unknown = numbered.filter { Present.isUnknown($0.element) }
        if !unknown.isEmpty {
            out += "## Not judged (bytes missing from the capture)\n\n"
            for (i, reported) in unknown {
                out += "- **#\(i + 1)** " + md(headline(reported)) + ": " + md(reported.diagnosed.outcome.unknownReason ?? "") + "\n"
            }
            out += "\n"
        }

        let uploads = numbered.filter { Present.isUpload($0.element) }
        if !uploads.isEmpty {
            out += "## Uploads to OSS with a callback\n\n"
            for (i, reported) in uploads {
                out += "- **#\(i + 1)** " + md(headline(reported)) + " → " + md(Present.status(reported.diagnosed.exchange)) + "\n"
                for (key, value) in Present.uploadLines(reported.diagnosed) { out += "  - \(md(key)): \(md(value))\n" }
            }
            out += "\n"
        }

        // One section per rule that fired, in catalogue order, with every finding's evidence.
        for (rule, count) in s.findingsByRule {
            let info = RuleCatalog.rule(rule)
            out += "## \(rule.rawValue)\n\n"
            out += "**\(md(RuleTitle.of(rule)))** · severity \(info.severity.rawValue) · \(Present.plural(count, "finding"))\n\n"
            out += "- Fires when: \(md(info.summary))\n"
            if let oss = Present.ossSays(info) { out += "- OSS tells the uploader: \(md(oss))\n" }
            out += "- Why it happens: \(md(info.why))\n"
            out += "- How to fix it: \(md(info.fix))\n\n"
            out += "Evidence:\n\n"
            for (i, reported) in numbered {
                for finding in reported.diagnosed.findings where finding.rule == rule {
                    out += "- **#\(i + 1)** \(md(headline(reported))): \(finding.estimated ? "(estimated) " : "")\(md(finding.message))\n"
                    for evidence in finding.evidence {
                        out += "  - \(md(evidence.key)): \(md(evidence.value))\n"
                    }
                    if let oss = finding.ossError { out += "  - OSS says: \(md(oss))\n" }
                }
            }
            out += "\n"
        }
        out += "---\n\nGenerated by \(md(report.tool.name)) \(md(report.tool.version)) from packet captures; "
        out += "every value quoted above comes from the capture.\n"
        return out
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
