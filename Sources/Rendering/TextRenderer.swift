import ByteText
import CaptureModel
import Diagnosis
import HTTPExchanges
public import ReportModel
import HTTP1
import TCPReassembly
import TLSRecords

/// `--format text`: the report for a terminal.
///
/// A header (captures, time span, callbacks seen, how many failed and why, per rule), then one
/// block per failing callback — time, client → server, request line, status, latency, what OSS
/// told the uploader, each finding with its evidence and the fix — and a block per callback
/// whose verdict had to be withheld. With ``Options/verbose`` every other exchange gets a line.
///
/// Every capture-derived string passes through ``TerminalSafety/escape(_:)``; colour (ANSI SGR)
/// wraps only our own words and only when ``Options/color`` is set.
public enum TextRenderer {
    public struct Options: Sendable {
        /// Also list exchanges that passed and non-callback exchanges.
        public var verbose: Bool
        /// Emit ANSI colour (decide with ``ColorChoice/enabled(isTerminal:environment:)``).
        public var color: Bool
        public init(verbose: Bool = false, color: Bool = false) {
            self.verbose = verbose
            self.color = color
        }
    }

    /// Writes the report into `sink`: the header a line at a time, then each exchange's block
    /// (or line) as one write.
    public static func render(_ report: Report, options: Options = .init(), to sink: ByteSink) {
        let style = TerminalStyle(enabled: options.color)
        let safe = TerminalSafety.escape
        let s = report.summary
        var header = style.bold("\(report.tool.name) \(report.tool.version)") + ": \(Present.plural(report.captures.count, "capture"))"
        if let span = Present.span(report) { header += ", " + span }
        sink.write(header + "\n")
        for capture in report.captures {
            if let error = capture.error {
                sink.write("  " + style.red("✗") + " \(safe(error))\n")
                continue
            }
            // One link type: "pcap (µs, little-endian), EN10MB"; several (a pcapng of several
            // interfaces): "pcapng, 2 interfaces (EN10MB, LINUX_SLL2)".
            let links = capture.linkTypes.count > 1
                ? " (\(safe(capture.linkTypes.joined(separator: ", "))))" : ", \(safe(capture.linkTypes.joined(separator: ",")))"
            var line = "  \(safe(capture.path)): \(safe(capture.format ?? "?"))\(links), "
            line += "\(Present.plural(capture.packets, "packet")), \(Present.plural(capture.http.httpConnections, "HTTP connection"))"
            if capture.http.tlsConnections > 0 { line += ", \(Present.plural(capture.http.tlsConnections, "TLS connection"))" }
            sink.write(line + "\n")
            for problem in capture.problems { sink.write("    " + style.yellow("!") + " \(safe(problem))\n") }
        }
        if let note = Present.redactionNote(report) { sink.write("  " + style.dim("Redacted: " + safe(note)) + "\n") }
        sink.write("\n")

        sink.write(headline(s, style: style) + "\n")
        if let https = Present.httpsNotJudged(s) { sink.write(style.bold("HTTPS:") + " " + https + "\n") }
        let width = s.findingsByRule.map(\.rule.rawValue.count).max() ?? 0
        let countWidth = s.findingsByRule.map { String($0.count).count }.max() ?? 0
        for (rule, count) in s.findingsByRule {
            let number = String(repeating: " ", count: countWidth - String(count).count) + String(count)
            sink.write("  \(rule.rawValue.padded(width))  \(number)  " + style.dim(RuleTitle.of(rule)) + "\n")
        }

        let narrowed = !report.settings.listing.isEmpty
        if let note = Present.listingNote(report) { sink.write("\n" + style.dim("Listed: " + safe(note)) + "\n") }

        // Offsets in `report.exchanges`, per section; `#N` is the offset plus one.
        let exchanges = report.exchanges
        func offsets(where belongs: (ReportedExchange) -> Bool) -> [Int] { exchanges.indices.filter { belongs(exchanges[$0]) } }
        func blocks(_ offsets: [Int]) {
            for i in offsets { sink.write("\n" + block(exchanges[i], number: i + 1, style: style)) }
        }
        let failures = offsets(where: Present.isFailure)
        if s.callbacks == 0 && s.refusedConnections == 0 { sink.write("\n" + safe(Present.noFailures(report)) + "\n") }
        if !failures.isEmpty {
            sink.write("\n" + style.bold("Failed (\(Present.breakdown(failures.map { exchanges[$0] }))):") + "\n")
            blocks(failures)
        }
        let unknown = offsets(where: Present.isUnknown)
        if !unknown.isEmpty {
            sink.write("\n" + style.bold("Not judged, bytes missing from the capture (\(Present.breakdown(unknown.map { exchanges[$0] }))):") + "\n")
            blocks(unknown)
        }
        let suspect = offsets { Present.hasAuthenticityFinding($0) && !Present.isUnknown($0) }
        if !suspect.isEmpty {
            sink.write("\n" + style.bold("Passed OSS's checks, but the signature is suspect (\(suspect.count)):") + "\n")
            blocks(suspect)
        }

        let uploads = offsets(where: Present.isUpload)
        if !uploads.isEmpty {
            sink.write("\n" + style.bold("Uploads to OSS with a callback (\(uploads.count)):") + "\n")
            blocks(uploads)
        }

        if options.verbose {
            let https = offsets(where: Present.isHTTPSNotJudged)
            if !https.isEmpty {
                sink.write("\n" + style.bold("HTTPS, not judged (\(https.count)):") + "\n")
                for i in https { sink.write("  " + line(exchanges[i], number: i + 1, style: style) + "\n") }
            }
            let others = offsets {
                !Present.isFailure($0) && !Present.isUnknown($0) && !Present.isUpload($0) && !Present.hasAuthenticityFinding($0)
                    && !Present.isHTTPSNotJudged($0)
            }
            if !others.isEmpty {
                sink.write("\n" + style.bold("Other exchanges (\(others.count)):") + "\n")
                for i in others { sink.write("  " + line(exchanges[i], number: i + 1, style: style) + "\n") }
            }
        } else if !narrowed {
            let nonCallbacks = Present.otherExchangeCount(report)
            let passed = s.callbacksPassed - suspect.filter { Present.isPassed(exchanges[$0]) }.count
            var hidden: [String] = []
            if passed > 0 { hidden.append(Present.plural(passed, "passing callback")) }
            let https = offsets(where: Present.isHTTPSNotJudged).count
            if https > 0 { hidden.append("\(Present.plural(https, "HTTPS connection")) not judged") }
            if nonCallbacks > 0 { hidden.append("\(Present.plural(nonCallbacks, "other HTTP exchange")) (not OSS callbacks)") }
            if !hidden.isEmpty {
                // The blocks above keep their report-wide numbers: name the ones left out, so a gap
                // (#10, #11 missing) says where those exchanges went.
                let listed = Set(failures + unknown + suspect + uploads)
                let unlisted = exchanges.indices.filter { !listed.contains($0) }
                let numbers = listed.isEmpty || unlisted.isEmpty ? "" : " (" + Self.numbers(unlisted) + ")"
                sink.write("\n" + hidden.joined(separator: " and ") + "; -v lists them" + numbers + ".\n")
            }
        }
    }

    /// `Callbacks: 29 seen, 7 passed, 22 failed, 2 unknown (…); 13 possible callbacks (request head
    /// cut): 4 failed, 9 not judged; 1 refused connection attempt`.
    static func headline(_ s: ReportSummary, style: TerminalStyle) -> String {
        let failedText = "\(s.callbacksFailed) failed"
        var counts = style.bold("Callbacks:") + " \(s.callbacks) seen, \(s.callbacksPassed) passed, "
        counts += (s.callbacksFailed > 0 ? style.boldRed(failedText) : failedText)
        if s.callbacksUnknown > 0 { counts += ", \(s.callbacksUnknown) unknown (bytes missing from the capture)" }
        if let possible = Present.possibleCallbacks(s) { counts += "; " + possible }
        if s.refusedConnections > 0 { counts += "; \(Present.plural(s.refusedConnections, "refused connection attempt"))" }
        return counts
    }

    /// `#1, #14, #24-#27` for report offsets `0, 13, 23...26` (ascending): runs of three or more
    /// as ranges; after 12 items, `…`.
    static func numbers(_ offsets: [Int]) -> String {
        var items: [String] = []
        var start = 0
        while start < offsets.count && items.count <= 12 {
            var end = start
            while end + 1 < offsets.count && offsets[end + 1] == offsets[end] + 1 { end += 1 }
            if end - start >= 2 {
                items.append("#\(offsets[start] + 1)-#\(offsets[end] + 1)")
            } else {
                items += offsets[start...end].map { "#\($0 + 1)" }
            }
            start = end + 1
        }
        return items.count > 12 ? items.prefix(12).joined(separator: ", ") + ", …" : items.joined(separator: ", ")
    }

    /// ``render(_:options:to:)``'s text as one `String`.
    public static func render(_ report: Report, options: Options = .init()) -> String {
        ByteSink.collect { render(report, options: options, to: $0) }
    }

    /// The block of one failing (or unjudged) callback.
    static func block(_ reported: ReportedExchange, number: Int, style: TerminalStyle) -> String {
        let safe = TerminalSafety.escape
        let d = reported.diagnosed, e = d.exchange
        var out = style.bold("#\(number)") + "  " + Present.clock(e.startTime, date: false) + "  "
        out += "\(e.connection.client) → \(e.connection.server)  "
        if Present.isUpload(reported) {
            out += (d.hasFinding(atLeast: .error) ? style.boldRed("UPLOAD") : style.green("UPLOAD")) + "\n"
        } else {
            out += (Present.isFailure(reported) ? style.boldRed("FAIL") : style.yellow(Present.badge(d.outcome))) + "\n"
        }
        out += "    " + safe(Present.requestLine(e)) + "\n"
        if let tls = e.tls {
            var status = "    → " + safe(Present.status(d))
            if let estimate = tls.estimatedLatencySeconds, Present.latency(d) != "—" {
                status += ", ≈ \(DurationText.describe(estimate)) after the request (estimated from TLS records)"
            }
            out += status + "\n"
        } else if e.response != nil {
            var status = "    → " + safe(Present.status(e))
            if let latency = e.latencySeconds { status += ", \(DurationText.describe(latency)) after the request" }
            out += status + "\n"
        } else if e.refusal == nil {
            out += Present.isUnknown(reported) ? "    → response not captured\n" : "    → no response\n"
        }
        if let uploader = Present.uploader(d) {
            out += "    \(Present.uploaderLabel(d)): " + safe(uploader) + "\n"
        }
        if let signature = e.request?.signature {
            out += "    " + style.dim("signature:") + " " + safe(Present.signature(signature)) + "\n"
        }
        for (key, value) in Present.uploadLines(d) + Present.legLines(d) {
            out += "    " + style.dim(key + ":") + " \(safe(value))\n"
        }
        for finding in d.findings {
            let mark: String
            switch finding.severity {
            case .error: mark = style.red("✗ " + finding.rule.rawValue)
            case .warning: mark = style.yellow("! " + finding.rule.rawValue)
            case .info: mark = style.cyan("i " + finding.rule.rawValue)
            }
            out += "    \(mark)\(finding.estimated ? " (estimated)" : ""): \(safe(finding.message))\n"
            for evidence in finding.evidence {
                out += "        " + style.dim(safe(evidence.key) + ":") + " \(safe(evidence.value))\n"
            }
            out += "        " + style.dim("fix:") + " \(safe(finding.hint))\n"
        }
        return out
    }

    /// `#3  17:20:01.123  127.0.0.1:50312 → 127.0.0.1:9002  POST /cb  200  1.2 ms  PASS`
    static func line(_ reported: ReportedExchange, number: Int, style: TerminalStyle) -> String {
        let d = reported.diagnosed, e = d.exchange
        var parts = [
            style.bold("#\(number)"), Present.clock(e.startTime, date: false), "\(e.connection.client) → \(e.connection.server)",
            TerminalSafety.escape(Present.requestLine(e, withVersion: false)),
            e.tls != nil ? "TLS" : e.response.map { String($0.head.status) } ?? "---",
            e.tls != nil ? Present.latency(d) : e.latencySeconds.map(DurationText.describe) ?? "-",
        ]
        switch d.outcome {
        case .passed: parts.append(style.green("PASS"))
        case .failed: parts.append(style.red("FAIL"))
        case .unknown: parts.append(style.yellow("UNKNOWN"))
        case .notACallback: parts.append(style.dim(d.isHTTPSNotJudged ? "HTTPS, not judged" : "not a callback"))
        }
        if !d.findings.isEmpty { parts.append(d.findings.map(\.rule.rawValue).joined(separator: ",")) }
        return parts.joined(separator: "  ")
    }
}
