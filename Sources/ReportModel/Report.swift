public import CaptureModel
public import Diagnosis
public import HTTPExchanges
public import TCPReassembly

/// The tool that wrote a report.
public struct ToolInfo: Sendable, Hashable {
    public var name: String
    public var version: String
    public init(name: String = "callback-doctor", version: String) {
        self.name = name
        self.version = version
    }
}

/// The settings a report was produced with (echoed in the report so it can be reproduced).
public struct ReportSettings: Sendable, Hashable {
    public var diagnosis: DiagnosisSettings
    /// The BPF capture filter, if any (`-f`).
    public var filter: String?
    /// Labels (file paths) of the keys signatures were also verified with (`--public-key`).
    public var publicKeys: [String]
    /// The callback servers named (`--server`), as given: `127.0.0.1:9000`, `[::1]:9000`, `:9000`.
    public var servers: [String]
    /// Which exchanges are listed (`--since`, `--until`, `--rule`, `--failed`); the counts cover
    /// every exchange whatever it says.
    public var listing: ListingFilter
    public init(
        diagnosis: DiagnosisSettings = .init(), filter: String? = nil, publicKeys: [String] = [], servers: [String] = [],
        listing: ListingFilter = .init()
    ) {
        self.diagnosis = diagnosis
        self.filter = filter
        self.publicKeys = publicKeys
        self.servers = servers
        self.listing = listing
    }
}

/// Packets the decoder did not turn into TCP segments, by reason.
public struct SkippedPackets: Sendable, Hashable {
    /// Stable key, e.g. `non-tcp:udp`.
    public var reason: String
    /// Human text, e.g. `UDP (IP protocol 17)`.
    public var description: String
    public var packets: Int
    public init(reason: String, description: String, packets: Int) {
        self.reason = reason
        self.description = description
        self.packets = packets
    }
}

/// Facts about one input file: what it is, what was read, and what went wrong.
public struct CaptureSummary: Sendable, Equatable {
    public var path: String
    /// `pcap (µs, little-endian)`, `pcapng`, … ; nil when the file could not be opened.
    public var format: String?
    public var linkTypes: [String] = []
    public var packets = 0
    /// Captured bytes (sum of record lengths).
    public var bytes: Int64 = 0
    public var firstPacketTime: Timestamp?
    public var lastPacketTime: Timestamp?
    /// Records cut by the snaplen (`caplen < len`).
    public var snaplenTruncatedPackets = 0
    public var tcpPackets = 0
    public var skipped: [SkippedPackets] = []
    public var reassembly = ReassemblyStatistics()
    public var http = ExchangeStatistics()
    /// Capture-level problems that did not stop the analysis (a cut file, …).
    public var problems: [String] = []
    /// True when the file was read to its end without damage.
    public var complete = true
    /// The error that stopped the capture from being read at all (exit status 2).
    public var error: String?
    /// The one-line error that stopped reading partway (a cut or damaged file); also in `problems`.
    public var damage: String?
    /// Exchanges counted in the summary but not listed in `Report.exchanges`: the analysis lists
    /// a bounded number of each kind per capture (`AnalysisOptions.maxPassingExchangesKept`,
    /// `maxFailingExchangesKeptPerRule`), so memory stays bounded and the totals stay exact.
    public var unlisted = UnlistedExchanges()
    /// Per-server, per-minute statistics of every exchange, when they were asked for
    /// (`callback-doctor stats`); nil otherwise.
    public var statistics: CallbackStatistics?

    public init(path: String) { self.path = path }
}

/// The counts of exchanges every level of the report keeps (a capture's unlisted exchanges, a
/// capture's tally, the report's totals), counted in one place so that they add up the same way.
///
/// Each exchange adds 1 to `exchanges` and to at most one of: `callbacks` (an OSS callback,
/// split into passed/failed/unknown), `possibleCallbacks` (a POST whose head was cut, split into
/// failed/unknown: it can never pass), `httpsNotJudged` (an HTTPS connection not judged as a
/// callback); a refused connection attempt adds 1 to `refusedConnections`. Counts are exact and
/// add with `+=`.
public struct OutcomeCounts: Sendable, Hashable {
    public var exchanges = 0
    public var callbacks = 0
    public var callbacksPassed = 0
    public var callbacksFailed = 0
    public var callbacksUnknown = 0
    /// POSTs whose request head was cut (``DiagnosedExchange/isPossibleCallback``): not in
    /// `callbacks`; failed + unknown == possibleCallbacks.
    public var possibleCallbacks = 0
    public var possibleCallbacksFailed = 0
    public var possibleCallbacksUnknown = 0
    /// HTTPS connections not judged as callbacks (``DiagnosedExchange/isHTTPSNotJudged``).
    public var httpsNotJudged = 0
    public var refusedConnections = 0

    public init() {}

    /// Counts one exchange (its findings are counted by the caller).
    public mutating func count(_ d: DiagnosedExchange) {
        exchanges += 1
        if d.exchange.refusal != nil { refusedConnections += 1 }
        if d.isHTTPSNotJudged { httpsNotJudged += 1 }
        if d.isCallback {
            callbacks += 1
            switch d.outcome {
            case .passed: callbacksPassed += 1
            case .failed: callbacksFailed += 1
            case .unknown: callbacksUnknown += 1
            case .notACallback: break
            }
        } else if d.isPossibleCallback {
            possibleCallbacks += 1
            // Its head is cut, so it is never judged passed: what did not fail is unknown.
            if case .failed = d.outcome { possibleCallbacksFailed += 1 } else { possibleCallbacksUnknown += 1 }
        }
    }

    public static func += (a: inout OutcomeCounts, b: OutcomeCounts) {
        a.exchanges += b.exchanges
        a.callbacks += b.callbacks
        a.callbacksPassed += b.callbacksPassed
        a.callbacksFailed += b.callbacksFailed
        a.callbacksUnknown += b.callbacksUnknown
        a.possibleCallbacks += b.possibleCallbacks
        a.possibleCallbacksFailed += b.possibleCallbacksFailed
        a.possibleCallbacksUnknown += b.possibleCallbacksUnknown
        a.httpsNotJudged += b.httpsNotJudged
        a.refusedConnections += b.refusedConnections
    }
}

/// A level of the report that keeps ``OutcomeCounts``: its counters read and write as its own
/// properties (`summary.callbacksFailed`), through the one stored `counts`.
public protocol ExchangeCounting {
    var counts: OutcomeCounts { get set }
}

extension ExchangeCounting {
    public var exchanges: Int {
        get { counts.exchanges }
        set { counts.exchanges = newValue }
    }
    public var callbacks: Int {
        get { counts.callbacks }
        set { counts.callbacks = newValue }
    }
    public var callbacksPassed: Int {
        get { counts.callbacksPassed }
        set { counts.callbacksPassed = newValue }
    }
    public var callbacksFailed: Int {
        get { counts.callbacksFailed }
        set { counts.callbacksFailed = newValue }
    }
    public var callbacksUnknown: Int {
        get { counts.callbacksUnknown }
        set { counts.callbacksUnknown = newValue }
    }
    public var possibleCallbacks: Int {
        get { counts.possibleCallbacks }
        set { counts.possibleCallbacks = newValue }
    }
    public var possibleCallbacksFailed: Int {
        get { counts.possibleCallbacksFailed }
        set { counts.possibleCallbacksFailed = newValue }
    }
    public var possibleCallbacksUnknown: Int {
        get { counts.possibleCallbacksUnknown }
        set { counts.possibleCallbacksUnknown = newValue }
    }
    public var httpsNotJudged: Int {
        get { counts.httpsNotJudged }
        set { counts.httpsNotJudged = newValue }
    }
    public var refusedConnections: Int {
        get { counts.refusedConnections }
        set { counts.refusedConnections = newValue }
    }
}

/// Findings per rule, in catalogue order, each element a `(rule, count)` pair; rules that never
/// fired are omitted.
public struct RuleCounts: Sendable, Hashable, RandomAccessCollection {
    private struct Entry: Sendable, Hashable {
        var rule: RuleID
        var count: Int
    }
    private var entries: [Entry]

    public init(_ pairs: some Sequence<(rule: RuleID, count: Int)> = []) {
        entries = pairs.map { Entry(rule: $0.rule, count: $0.count) }
    }

    public var startIndex: Int { entries.startIndex }
    public var endIndex: Int { entries.endIndex }
    public subscript(position: Int) -> (rule: RuleID, count: Int) {
        (entries[position].rule, entries[position].count)
    }
}

/// Exchanges of a capture that were counted but not listed (see `CaptureSummary.unlisted`): what
/// they add to the report's summary.
public struct UnlistedExchanges: Sendable, Hashable, ExchangeCounting {
    public var counts = OutcomeCounts()
    /// Their findings, per rule.
    public var findingsByRule: [RuleID: Int] = [:]
    /// The worst severity among their findings.
    public var worstSeverity: Severity?

    public init() {}

    /// Counts one exchange and its findings, as `Report` counts a listed one.
    public mutating func count(_ d: DiagnosedExchange) {
        counts.count(d)
        for finding in d.findings {
            findingsByRule[finding.rule, default: 0] += 1
            worstSeverity = max(worstSeverity ?? finding.severity, finding.severity)
        }
    }

    /// Adds the counts and findings of `other` (another part of the same capture).
    public mutating func add(_ other: UnlistedExchanges) {
        counts += other.counts
        findingsByRule.merge(other.findingsByRule, uniquingKeysWith: +)
        if let severity = other.worstSeverity { worstSeverity = max(worstSeverity ?? severity, severity) }
    }
}

/// An exchange as it appears in the report: the diagnosis plus the capture it came from.
public struct ReportedExchange: Sendable, Equatable {
    public var capture: String
    public var diagnosed: DiagnosedExchange
    public init(capture: String, diagnosed: DiagnosedExchange) {
        self.capture = capture
        self.diagnosed = diagnosed
    }
}

/// Counts for one capture in the summary.
public struct CaptureTally: Sendable, Hashable, ExchangeCounting {
    public var path: String
    public var counts = OutcomeCounts()
    public var readError = false

    public init(path: String) { self.path = path }
}

/// The totals of a report.
public struct ReportSummary: Sendable, Hashable, ExchangeCounting {
    public var captures = 0
    public var capturesUnreadable = 0
    /// Every exchange of every capture, listed or not.
    public var counts = OutcomeCounts()
    /// Findings per rule, in catalogue order; rules that never fired are omitted.
    public var findingsByRule = RuleCounts()
    public var perCapture: [CaptureTally] = []
    /// The worst severity found on any exchange.
    public var worstSeverity: Severity?

    public init() {}
}

/// The one value every output format is rendered from.
public struct Report: Sendable {
    /// Version of the JSON contract (`docs/report-schema.md`). Bumped on any incompatible change.
    public static let schemaVersion = 1

    public var tool: ToolInfo
    public var settings: ReportSettings
    public var captures: [CaptureSummary]
    /// Every exchange, ordered by capture (input order), then start time, connection and index.
    public var exchanges: [ReportedExchange]
    public var summary: ReportSummary
    /// What ``redacted(policy:)`` removed; `applied == false` for a report as analysed.
    public var redaction = RedactionSummary()

    public init(tool: ToolInfo, settings: ReportSettings, captures: [CaptureSummary], exchanges: [ReportedExchange]) {
        self.tool = tool
        self.settings = settings
        self.captures = captures
        let order = Dictionary(captures.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        self.exchanges = exchanges.sorted { a, b in
            let ca = order[a.capture] ?? 0, cb = order[b.capture] ?? 0
            if ca != cb { return ca < cb }
            let ea = a.diagnosed.exchange, eb = b.diagnosed.exchange
            if ea.startTime != eb.startTime { return ea.startTime < eb.startTime }
            if ea.connection.id != eb.connection.id { return ea.connection.id < eb.connection.id }
            return ea.index < eb.index
        }
        self.summary = Self.summarize(captures: captures, exchanges: self.exchanges)
    }

    /// Failing callbacks (and refused connection attempts), in report order.
    public var failures: [ReportedExchange] {
        exchanges.filter { if case .failed = $0.diagnosed.outcome { true } else { false } }
    }

    static func summarize(captures: [CaptureSummary], exchanges: [ReportedExchange]) -> ReportSummary {
        var summary = ReportSummary()
        summary.captures = captures.count
        summary.capturesUnreadable = captures.filter { $0.error != nil }.count
        var tallies = captures.map { capture -> CaptureTally in
            var tally = CaptureTally(path: capture.path)
            tally.readError = capture.error != nil
            return tally
        }
        let index = Dictionary(captures.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        var counts: [RuleID: Int] = [:]
        for reported in exchanges {
            let d = reported.diagnosed
            summary.counts.count(d)
            if let t = index[reported.capture] { tallies[t].counts.count(d) }
            for finding in d.findings {
                counts[finding.rule, default: 0] += 1
                summary.worstSeverity = max(summary.worstSeverity ?? finding.severity, finding.severity)
            }
        }
        for (t, capture) in captures.enumerated() where capture.unlisted.exchanges > 0 {
            let u = capture.unlisted
            summary.counts += u.counts
            tallies[t].counts += u.counts
            for (rule, n) in u.findingsByRule { counts[rule, default: 0] += n }
            if let worst = u.worstSeverity { summary.worstSeverity = max(summary.worstSeverity ?? worst, worst) }
        }
        summary.findingsByRule = RuleCounts(RuleCatalog.all.compactMap { rule in counts[rule.id].map { (rule.id, $0) } })
        summary.perCapture = tallies
        return summary
    }
}
