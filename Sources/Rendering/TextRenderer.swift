import ByteText
import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
public import ReportModel
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
        let writer = Writer(report, style: TerminalStyle(enabled: options.color), sink: sink)
        writer.header()
        writer.counts()
        let narrowed = !report.settings.listing.isEmpty
        if let note = ReportWording.listingNote(report) {
            sink.write("\n" + writer.style.dim("Listed: " + TerminalSafety.escape(note)) + "\n")
        }
        let blocks = writer.blockSections()
        if options.verbose {
            writer.lineSections()
        } else if !narrowed {
            writer.unlistedNote(besides: blocks)
        }
        if !narrowed && report.exchanges.count < report.summary.exchanges { writer.cutNote() }
    }

    /// The offsets in `report.exchanges` (`#N` is the offset plus one) of the exchanges listed
    /// as blocks, per section.
    struct BlockSections {
        var failures: [Int]
        var unknown: [Int]
        var suspect: [Int]
        var uploads: [Int]

        /// Every offset listed as a block.
        var listed: Set<Int> { Set(failures + unknown + suspect + uploads) }
    }

    /// One text report being written into its sink: the steps of ``render(_:options:to:)``.
    struct Writer {
        let report: Report
        let exchanges: [ReportedExchange]
        let sections: ReportSections
        let context: BlockContext
        let style: TerminalStyle
        let sink: ByteSink

        init(_ report: Report, style: TerminalStyle, sink: ByteSink) {
            self.report = report
            exchanges = report.exchanges
            sections = ReportSections(report)
            context = BlockContext(namesCaptures: sections.namesCaptures, showsDates: sections.showsDates)
            self.style = style
            self.sink = sink
        }

        /// The offsets of the exchanges in `belongs`, ascending.
        func offsets(where belongs: (ReportedExchange) -> Bool) -> [Int] {
            exchanges.indices.filter { belongs(exchanges[$0]) }
        }

        /// The tool, the captures (a line each, with their spans in a batch) and the redaction note.
        func header() {
            var header =
                style.bold("\(report.tool.name) \(report.tool.version)")
                + ": \(ReportWording.plural(report.captures.count, "capture"))"
            if report.captures.count == 1, let span = ReportWording.span(report) { header += ", " + span }
            sink.write(header + "\n")
            for row in sections.captures {
                sink.write(captureLines(row, batch: sections.namesCaptures, style: style))
            }
            if let note = ReportWording.redactionNote(report) {
                sink.write("  " + style.dim("Redacted: " + TerminalSafety.escape(note)) + "\n")
            }
            sink.write("\n")
        }

        /// The exact counts: the headline, HTTPS not judged, and each rule's findings, aligned.
        func counts() {
            let s = report.summary
            sink.write(headline(s, style: style) + "\n")
            if let https = ReportWording.httpsNotJudged(s) { sink.write(style.bold("HTTPS:") + " " + https + "\n") }
            let width = s.findingsByRule.map(\.rule.rawValue.count).max() ?? 0
            let countWidth = s.findingsByRule.map { String($0.count).count }.max() ?? 0
            for (rule, count) in s.findingsByRule {
                let number = String(repeating: " ", count: countWidth - String(count).count) + String(count)
                sink.write(
                    "  \(rule.rawValue.padded(width))  \(number)  " + style.dim(RuleCatalog.rule(rule).title) + "\n")
            }
        }

        /// A bold section title after a blank line.
        func title(_ text: String) { sink.write("\n" + style.bold(text) + "\n") }

        /// A block per exchange at `offsets`.
        func blocks(_ offsets: [Int]) {
            for i in offsets { sink.write("\n" + block(exchanges[i], number: i + 1, context: context, style: style)) }
        }

        /// A line per exchange at `offsets`.
        func lines(_ offsets: [Int]) {
            for i in offsets {
                sink.write("  " + line(exchanges[i], number: i + 1, context: context, style: style) + "\n")
            }
        }

        /// The sections listed as blocks: failed (with the note when the listing is cut), not
        /// judged, suspect signatures, uploads; or the note that there were no callbacks.
        func blockSections() -> BlockSections {
            let s = report.summary
            let listed = BlockSections(
                failures: offsets(where: ReportWording.isFailure),
                unknown: offsets(where: ReportWording.isUnknown),
                suspect: offsets { ReportWording.hasAuthenticityFinding($0) && !ReportWording.isUnknown($0) },
                uploads: offsets(where: ReportWording.isUpload))
            if s.callbacks == 0 && s.refusedConnections == 0 {
                sink.write("\n" + TerminalSafety.escape(ReportWording.noFailures(report)) + "\n")
            }
            if !listed.failures.isEmpty { failures(listed.failures) }
            if !listed.unknown.isEmpty {
                let breakdown = ReportWording.breakdown(listed.unknown.map { exchanges[$0] })
                title("Not judged, bytes missing from the capture (\(breakdown)):")
                blocks(listed.unknown)
            }
            if !listed.suspect.isEmpty {
                title("Passed OSS's checks, but the signature is suspect (\(listed.suspect.count)):")
                blocks(listed.suspect)
            }
            if !listed.uploads.isEmpty {
                title("Uploads to OSS with a callback (\(listed.uploads.count)):")
                blocks(listed.uploads)
            }
            return listed
        }

        /// The failed section: its title with the breakdown by rule, the note when the listing
        /// is cut, and a block per failure.
        func failures(_ failures: [Int]) {
            title("Failed (\(ReportWording.breakdown(failures.map { exchanges[$0] }))):")
            if sections.failuresListed.isCut {
                let note = ReportWording.cutNote(
                    shown: failures.count, total: sections.failuresListed.total, of: "failing exchanges",
                    remedy: ReportWording.listAllRemedy(report))
                sink.write(style.dim(note + ".") + "\n")
            }
            blocks(failures)
        }

        /// With `-v`: a line per HTTPS connection not judged and per other exchange.
        func lineSections() {
            let https = offsets(where: ReportWording.isHTTPSNotJudged)
            if !https.isEmpty {
                title("HTTPS, not judged (\(https.count)):")
                lines(https)
            }
            let others = offsets {
                !ReportWording.isFailure($0) && !ReportWording.isUnknown($0) && !ReportWording.isUpload($0)
                    && !ReportWording.hasAuthenticityFinding($0)
                    && !ReportWording.isHTTPSNotJudged($0)
            }
            if !others.isEmpty {
                title("Other exchanges (\(others.count)):")
                lines(others)
            }
        }

        /// Without `-v`: what the blocks left out (passing callbacks, HTTPS not judged, other
        /// HTTP exchanges), counted over the listed exchanges, and their numbers.
        func unlistedNote(besides blocks: BlockSections) {
            let nonCallbacks = ReportWording.otherExchangeCount(report)
            // Listed ones (what -v lists); the line after says when the listing is cut.
            let passed =
                exchanges.count(where: ReportWording.isPassed)
                - blocks.suspect.filter { ReportWording.isPassed(exchanges[$0]) }.count
            var hidden: [String] = []
            if passed > 0 { hidden.append(ReportWording.plural(passed, "passing callback")) }
            let https = offsets(where: ReportWording.isHTTPSNotJudged).count
            if https > 0 { hidden.append("\(ReportWording.plural(https, "HTTPS connection")) not judged") }
            if nonCallbacks > 0 {
                hidden.append("\(ReportWording.plural(nonCallbacks, "other HTTP exchange")) (not OSS callbacks)")
            }
            guard !hidden.isEmpty else { return }
            // The blocks above keep their report-wide numbers: name the ones left out, so a gap
            // (#10, #11 missing) says where those exchanges went.
            let listed = blocks.listed
            let unlisted = exchanges.indices.filter { !listed.contains($0) }
            let numbers = listed.isEmpty || unlisted.isEmpty ? "" : " (" + TextRenderer.numbers(unlisted) + ")"
            sink.write("\n" + hidden.joined(separator: " and ") + "; -v lists them" + numbers + ".\n")
        }

        /// The note that the listing holds fewer exchanges than the counts cover.
        func cutNote() {
            sink.write(
                "\n"
                    + ReportWording.cutNote(
                        shown: exchanges.count, total: report.summary.exchanges,
                        of: "exchanges listed (the counts above are every exchange's)",
                        remedy: ReportWording.listAllRemedy(report)) + ".\n")
        }
    }

    /// `Callbacks: 29 seen, 7 passed, 22 failed, 2 unknown (…); 13 possible callbacks (request head
    /// cut): 4 failed, 9 not judged; 1 refused connection attempt`.
    static func headline(_ s: ReportSummary, style: TerminalStyle) -> String {
        let failedText = "\(s.callbacksFailed) failed"
        var counts = style.bold("Callbacks:") + " \(s.callbacks) seen, \(s.callbacksPassed) passed, "
        counts += (s.callbacksFailed > 0 ? style.boldRed(failedText) : failedText)
        if s.callbacksUnknown > 0 { counts += ", \(s.callbacksUnknown) unknown (bytes missing from the capture)" }
        if let possible = ReportWording.possibleCallbacks(s) { counts += "; " + possible }
        if s.refusedConnections > 0 {
            counts += "; \(ReportWording.plural(s.refusedConnections, "refused connection attempt"))"
        }
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

    /// What a block or line says beyond the exchange: its capture (in a batch), dates (when the
    /// report spans days).
    struct BlockContext {
        var namesCaptures = false
        var showsDates = false
    }

    /// A capture's line (`path: format, link type, packets, connections`), its own time span and
    /// its exact callback counts with the worst rule, then its problems.
    static func captureLines(_ row: ReportSections.CaptureRow, batch: Bool, style: TerminalStyle) -> String {
        let safe = TerminalSafety.escape
        if let error = row.error { return "  " + style.red("✗") + " \(safe(error))\n" }
        // One link type: "pcap (µs, little-endian), EN10MB"; several (a pcapng of several
        // interfaces): "pcapng, 2 interfaces (EN10MB, LINUX_SLL2)".
        let links = row.linkTypes.contains(",") ? " (\(safe(row.linkTypes)))" : ", \(safe(row.linkTypes))"
        var line = "  \(safe(row.path)): \(safe(row.format))\(links), "
        line +=
            "\(ReportWording.plural(row.packets, "packet")), \(ReportWording.plural(row.httpConnections, "HTTP connection"))"
        if row.tlsConnections > 0 { line += ", \(ReportWording.plural(row.tlsConnections, "TLS connection"))" }
        line += "\n"
        if batch {
            if let span = row.span { line += "    \(span)\n" }
            var counts = "    callbacks: \(row.callbacks) seen, \(row.passed) passed, \(row.failed) failed"
            if let worst = row.worstRule { counts += "; worst rule: \(worst.rule.rawValue) (\(worst.count))" }
            line += counts + "\n"
        }
        for problem in row.problems { line += "    " + style.yellow("!") + " \(safe(problem))\n" }
        return line
    }

    /// The block of one failing (or unjudged) callback.
    static func block(_ reported: ReportedExchange, number: Int, context: BlockContext = .init(), style: TerminalStyle)
        -> String
    {
        let safe = TerminalSafety.escape
        let d = reported.diagnosed, e = d.exchange
        var out = style.bold("#\(number)") + "  " + ReportWording.clock(e.startTime, date: context.showsDates) + "  "
        out += "\(e.connection.client) → \(e.connection.server)  "
        if ReportWording.isUpload(reported) {
            out += (d.hasFinding(atLeast: .error) ? style.boldRed("UPLOAD") : style.green("UPLOAD")) + "\n"
        } else {
            out +=
                (ReportWording.isFailure(reported)
                    ? style.boldRed("FAIL") : style.yellow(ReportWording.badge(d.outcome))) + "\n"
        }
        if context.namesCaptures { out += "    " + style.dim("capture:") + " " + safe(reported.capture) + "\n" }
        out += "    " + safe(ReportWording.requestLine(e)) + "\n"
        if let tls = e.tls {
            var status = "    → " + safe(ReportWording.status(d))
            if let estimate = tls.estimatedLatencySeconds, ReportWording.latency(d) != "—" {
                status += ", ≈ \(DurationText.describe(estimate)) after the request (estimated from TLS records)"
            }
            out += status + "\n"
        } else if e.response != nil {
            var status = "    → " + safe(ReportWording.status(e))
            if let latency = e.latencySeconds { status += ", \(DurationText.describe(latency)) after the request" }
            out += status + "\n"
        } else if e.refusal == nil {
            out += ReportWording.isUnknown(reported) ? "    → response not captured\n" : "    → no response\n"
        }
        if let uploader = ReportWording.uploader(d) {
            out += "    \(ReportWording.uploaderLabel(d)): " + safe(uploader) + "\n"
        }
        if let signature = e.request?.signature {
            out += "    " + style.dim("signature:") + " " + safe(ReportWording.signature(signature)) + "\n"
        }
        for (key, value) in ReportWording.uploadLines(d) + ReportWording.legLines(d) {
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
    static func line(_ reported: ReportedExchange, number: Int, context: BlockContext = .init(), style: TerminalStyle)
        -> String
    {
        let d = reported.diagnosed, e = d.exchange
        var parts = [
            style.bold("#\(number)"), ReportWording.clock(e.startTime, date: context.showsDates),
            "\(e.connection.client) → \(e.connection.server)",
            TerminalSafety.escape(ReportWording.requestLine(e, withVersion: false)),
            e.tls != nil ? "TLS" : e.response.map { String($0.head.status) } ?? "---",
            e.tls != nil ? ReportWording.latency(d) : e.latencySeconds.map(DurationText.describe) ?? "-",
        ]
        switch d.outcome {
        case .passed: parts.append(style.green("PASS"))
        case .failed: parts.append(style.red("FAIL"))
        case .unknown: parts.append(style.yellow("UNKNOWN"))
        case .notACallback: parts.append(style.dim(d.isHTTPSNotJudged ? "HTTPS, not judged" : "not a callback"))
        }
        if !d.findings.isEmpty { parts.append(d.findings.map(\.rule.rawValue).joined(separator: ",")) }
        if context.namesCaptures { parts.append("[" + TerminalSafety.escape(reported.capture) + "]") }
        return parts.joined(separator: "  ")
    }
}
