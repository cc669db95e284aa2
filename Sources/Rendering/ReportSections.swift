import CaptureModel
import Diagnosis
import HTTPExchanges
import ReportModel
import TCPReassembly

/// The sections the Markdown and HTML reports both show — the header, the rules that fired, the
/// captures and the failing callbacks — built once from a report, so that the two formats show
/// the same rows with the same numbers. Every value is raw text (or a number, or an offset in
/// `report.exchanges`): each renderer escapes it for its context and lays it out.
///
/// Counts come from `report.summary` and its aggregates, which cover every exchange; rows of exchanges come from the bounded listing, and each section says how many of
/// how many it lists (``Listed``).
struct ReportSections {
    /// The title line's facts and the notes under it.
    struct Header {
        /// `callback-doctor 0.1.0 · 1 capture · 2026-11-25 18:32:57.723 → 18:33:25.651 UTC (27.928 s)`;
        /// with several captures, each capture's span is in its row instead (their clocks may be
        /// years apart).
        var meta: String
        /// (label, text): `Redacted`, `Listed`.
        var notes: [(label: String, text: String)]
    }

    /// A rule that fired: exact count, title, what OSS says, and the first listed exchange with
    /// a finding of it (offset in `report.exchanges`), if one is listed.
    struct RuleRow {
        var rule: RuleID
        var count: Int
        var title: String
        var ossError: String?
        var fix: String
        var example: Int?
    }

    /// One input file: what it is, its own time span, and its exact callback counts.
    struct CaptureRow {
        var path: String
        /// The short name the exchange rows use for it (``ReportSections/captureLabel(_:)``).
        var label: String
        /// Why it could not be read at all; the other fields are then empty.
        var error: String?
        var format: String
        var linkTypes: String
        var packets: Int
        var httpConnections: Int
        var tlsConnections: Int
        /// `12`, or `12 (+ 3 TLS)`.
        var connections: String { "\(httpConnections)" + (tlsConnections > 0 ? " (+ \(tlsConnections) TLS)" : "") }
        var problems: [String]
        /// `2026-11-25 18:32:57.723 → 18:33:25.651 UTC (27.928 s)`, on this capture's own clock.
        var span: String?
        var callbacks: Int
        var passed: Int
        var failed: Int
        /// The capture's worst rule (``ReportAggregates/worstRule``: the most severe, then the one
        /// on most exchanges, then catalogue order), with its findings; nil when none fired.
        var worstRule: (rule: RuleID, count: Int)?
    }

    /// One callback server over every callback sent to it (exact).
    struct ServerRow {
        /// `10.0.0.10:9000`
        var server: String
        var callbacks: Int
        var passed: Int
        var failed: Int
        var unknown: Int
        var refused: Int
        /// Latency percentiles of its callbacks with a complete response, in seconds (HTTPS
        /// estimates excluded); nil without any.
        var median: Double?
        var p99: Double?
        var slowest: Double?
        /// False when the percentiles are histogram bucket bounds (over 1,000 latencies: within 0.1 %).
        var latencyExact: Bool
        /// The rule with the most findings on its callbacks.
        var topRule: (rule: RuleID, count: Int)?
    }

    /// A listed exchange as a table row (raw text).
    struct ExchangeRow {
        /// Offset in `report.exchanges`; `#N` is `offset + 1`.
        var offset: Int
        /// `18:32:57.942`, or with the date when the report spans days.
        var time: String
        /// The capture's label, when the report has more than one capture.
        var capture: String?
        var client: String
        var server: String
        var request: String
        var possibleCallback: Bool
        var status: String
        var latency: String
        /// The error findings' rules (what decided the failure).
        var rules: [RuleID]
        var uploader: String
    }

    /// How many of a kind are listed, of how many there are.
    struct Listed: Equatable {
        var shown: Int
        var total: Int
        var isCut: Bool { shown < total }
    }

    var header: Header
    var rules: [RuleRow]
    var captures: [CaptureRow]
    var servers: [ServerRow]
    /// Failing callbacks (and refused connection attempts, failing possible callbacks), listed ones.
    var failures: [ExchangeRow]
    /// Failing exchanges listed in the report, of all that failed (exact); not cut when the
    /// listing was narrowed on purpose (`--rule`, `--since`, …), which the header's note says.
    var failuresListed: Listed
    /// True with more than one capture: rows then name their capture.
    var namesCaptures: Bool
    /// True when the listed exchanges' days differ: rows then carry dates.
    var showsDates: Bool

    init(_ report: Report) {
        let s = report.summary
        namesCaptures = report.captures.count > 1
        showsDates = s.spansDays
        let labels = Self.captureLabels(report.captures.map(\.path))
        var notes: [(label: String, text: String)] = []
        if let note = ReportWording.redactionNote(report) { notes.append(("Redacted", note)) }
        if let note = ReportWording.listingNote(report) { notes.append(("Listed", note)) }
        var meta =
            "\(report.tool.name) \(report.tool.version) · \(ReportWording.plural(report.captures.count, "capture"))"
        if report.captures.count == 1, let span = ReportWording.span(report) { meta += " · " + span }
        header = Header(meta: meta, notes: notes)
        rules = s.findingsByRule.map { rule, count in
            let info = RuleCatalog.rule(rule)
            let example = report.exchanges.firstIndex { $0.diagnosed.findings.contains { $0.rule == rule } }
            return RuleRow(
                rule: rule, count: count, title: info.title,
                ossError: info.ossError.map { $0 + ReportWording.basisMark(info.ossErrorSource) }, fix: info.fix,
                example: example)
        }
        captures = report.captures.enumerated().map { t, capture in
            Self.captureRow(capture, label: labels[t], tally: s.perCapture.indices.contains(t) ? s.perCapture[t] : nil)
        }
        servers = Self.serverRows(s)
        let failing = report.exchanges.indices.filter { ReportWording.isFailure(report.exchanges[$0]) }
        let names = namesCaptures, dates = showsDates
        let labelOf = Dictionary(zip(report.captures.map(\.path), labels), uniquingKeysWith: { a, _ in a })
        failures = failing.map {
            Self.exchangeRow(
                report.exchanges[$0], offset: $0, capture: names ? labelOf[report.exchanges[$0].capture] : nil,
                dates: dates)
        }
        // Narrowed by --rule, --since, …: the header's "Listed" note says what is listed, and
        // --list-all would not list the rest.
        let narrowed = !report.settings.listing.isEmpty
        failuresListed = Listed(
            shown: failing.count, total: narrowed ? failing.count : max(failing.count, ReportWording.failedTotal(s)))
    }

    /// A listed exchange as a row.
    static func exchangeRow(_ reported: ReportedExchange, offset: Int, capture: String?, dates: Bool) -> ExchangeRow {
        let d = reported.diagnosed, e = d.exchange
        return ExchangeRow(
            offset: offset, time: ReportWording.clock(e.startTime, date: dates), capture: capture,
            client: e.connection.client.description, server: e.connection.server.description,
            request: ReportWording.requestLine(e, withVersion: false), possibleCallback: d.isPossibleCallback,
            status: ReportWording.status(d), latency: ReportWording.latency(d),
            rules: d.findings.filter { $0.severity == .error }.map(\.rule), uploader: ReportWording.uploaderCell(d))
    }

    static func captureRow(_ capture: CaptureSummary, label: String, tally: CaptureTally?) -> CaptureRow {
        let worst = tally?.worstRule.flatMap { rule in
            tally?.findingsByRule.first { $0.rule == rule }.map { (rule, $0.count) }
        }
        return CaptureRow(
            path: capture.path, label: label, error: capture.error, format: capture.format ?? "?",
            linkTypes: capture.linkTypes.joined(separator: ", "), packets: capture.packets,
            httpConnections: capture.http.httpConnections, tlsConnections: capture.http.tlsConnections,
            problems: capture.problems, span: ReportWording.span(of: capture),
            callbacks: tally?.callbacks ?? 0, passed: tally?.callbacksPassed ?? 0, failed: tally?.callbacksFailed ?? 0,
            worstRule: worst)
    }

    /// One row per callback server (`host:port`) over every callback (exact, from the aggregates):
    /// counts, latency percentiles and the rule with the most findings; the servers with the most
    /// failures first.
    static func serverRows(_ s: ReportSummary) -> [ServerRow] {
        let rows = s.aggregates.callbacksByServerMinute.servers.map { server, total, _ in
            let top = RuleCatalog.all.compactMap { rule in
                total.findingsByRule[rule.id].map { (rule: rule.id, count: $0) }
            }
            .enumerated().max { a, b in
                a.element.count != b.element.count ? a.element.count < b.element.count : a.offset > b.offset
            }?.element
            return ServerRow(
                server: server.description, callbacks: total.callbacks, passed: total.passed, failed: total.failed,
                unknown: total.unknown, refused: total.refusedConnections,
                median: total.latency.percentile(50).map(Self.seconds),
                p99: total.latency.percentile(99).map(Self.seconds),
                slowest: total.latency.maximum.map(Self.seconds), latencyExact: total.latency.isExact, topRule: top)
        }
        // Most failures (and refusals) first; endpoint order among equals.
        return rows.enumerated().sorted { a, b in
            let fa = a.element.failed + a.element.refused, fb = b.element.failed + b.element.refused
            return fa != fb ? fa > fb : a.offset < b.offset
        }.map(\.element)
    }

    static func seconds(_ nanoseconds: Int64) -> Double { Double(nanoseconds) / 1e9 }

    /// A short, unambiguous name per capture path: the file name, or the whole path where two
    /// captures share a file name.
    static func captureLabels(_ paths: [String]) -> [String] {
        func fileName(_ path: String) -> String {
            path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        }
        var seen: [String: Int] = [:]
        for path in paths { seen[fileName(path), default: 0] += 1 }
        return paths.map { seen[fileName($0), default: 0] > 1 ? $0 : fileName($0) }
    }
}
