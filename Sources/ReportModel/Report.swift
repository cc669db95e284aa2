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
        diagnosis: DiagnosisSettings = .init(), filter: String? = nil, publicKeys: [String] = [],
        servers: [String] = [],
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
/// properties (`summary.callbacksFailed`), through the one stored `counts` (SE-0252 key-path member
/// lookup, so a counter added to ``OutcomeCounts`` needs no forwarding property here).
@dynamicMemberLookup
public protocol ExchangeCounting {
    var counts: OutcomeCounts { get set }
}

extension ExchangeCounting {
    public subscript(dynamicMember counter: WritableKeyPath<OutcomeCounts, Int>) -> Int {
        get { counts[keyPath: counter] }
        set { counts[keyPath: counter] = newValue }
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
    /// The capture's first and last packet times (nil when it had none).
    public var firstPacketTime: Timestamp?
    public var lastPacketTime: Timestamp?
    /// Findings per rule in this capture, in catalogue order.
    public var findingsByRule = RuleCounts()
    /// The rule that matters most in this capture (``ReportAggregates/worstRule``).
    public var worstRule: RuleID?
    /// This capture's callbacks per server and minute, with latency histograms — for time charts
    /// on each capture's own clock. Kept in memory for renderers; not in the JSON (whose
    /// `summary.aggregates` has the report's), so a report read back (`merge`) leaves it empty.
    public var callbacksByServerMinute = CallbackStatistics()

    public init(path: String) { self.path = path }

    /// The tally of a capture from its summary and the aggregates of all its exchanges.
    public init(capture: CaptureSummary, aggregates: ReportAggregates) {
        path = capture.path
        readError = capture.error != nil
        firstPacketTime = capture.firstPacketTime
        lastPacketTime = capture.lastPacketTime
        counts = aggregates.counts
        findingsByRule = RuleCounts(aggregates.findingsInCatalogueOrder)
        worstRule = aggregates.worstRule
        callbacksByServerMinute = aggregates.callbacksByServerMinute
    }

    /// Equal counts, times and rules. ``callbacksByServerMinute`` is left out: it is kept for
    /// renderers only and not written to the JSON, so a report read back (`merge`) has none.
    public static func == (a: CaptureTally, b: CaptureTally) -> Bool {
        a.path == b.path && a.counts == b.counts && a.readError == b.readError && a.firstPacketTime == b.firstPacketTime
            && a.lastPacketTime == b.lastPacketTime && a.findingsByRule == b.findingsByRule
            && a.worstRule == b.worstRule
    }
    public func hash(into hasher: inout Hasher) {
        hasher.combine(path)
        hasher.combine(counts)
    }
}

/// How much of each kind of exchange the report lists, of how many there are (see
/// ``ShownOfTotal``): the bounded listing's cuts, for renderers to say so where a list is.
public struct ListingCounts: Sendable, Hashable {
    /// By kind, every kind (shown 0 of 0 included).
    public var byKind: [ExchangeKind: ShownOfTotal] = [:]
    /// By rule, for the rules that fired: exchanges with a finding of the rule.
    public var byRule: [RuleID: ShownOfTotal] = [:]

    public init() {}

    /// The counts of `listed` against the totals in `aggregates`.
    public init(listed: [ReportedExchange], aggregates: ReportAggregates) {
        var shownByKind: [ExchangeKind: Int] = [:], shownByRule: [RuleID: Int] = [:]
        for reported in listed {
            shownByKind[ExchangeKind(reported.diagnosed), default: 0] += 1
            for rule in Set(reported.diagnosed.findings.map(\.rule)) { shownByRule[rule, default: 0] += 1 }
        }
        for kind in ExchangeKind.allCases {
            byKind[kind] = ShownOfTotal(shown: shownByKind[kind] ?? 0, total: aggregates.count(of: kind))
        }
        for (rule, total) in aggregates.exchangesByRule {
            byRule[rule] = ShownOfTotal(shown: shownByRule[rule] ?? 0, total: total)
        }
    }

    /// The listing of `kind`.
    public subscript(kind: ExchangeKind) -> ShownOfTotal { byKind[kind] ?? ShownOfTotal(shown: 0, total: 0) }

    /// Every exchange: listed, of all.
    public var all: ShownOfTotal {
        byKind.values.reduce(ShownOfTotal(shown: 0, total: 0)) {
            ShownOfTotal(shown: $0.shown + $1.shown, total: $0.total + $1.total)
        }
    }

    /// True when any list is cut.
    public var isCut: Bool { byKind.values.contains(where: \.isCut) }
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
    /// Every aggregate of every exchange of every capture (exact, streamed: not the listing).
    public var aggregates = ReportAggregates()
    /// How much of each kind the report lists, of how many there are.
    public var listing = ListingCounts()

    public init() {}
    /// True when the captures' packets fall on more than one UTC day, so times need their date.
    public var spansDays: Bool {
        let times = perCapture.flatMap { [$0.firstPacketTime, $0.lastPacketTime].compactMap { $0 } }
        guard let first = times.min(), let last = times.max() else { return false }
        func utcDay(_ t: Timestamp) -> Int64 { t.seconds >= 0 ? t.seconds / 86_400 : (t.seconds - 86_399) / 86_400 }
        return utcDay(first) != utcDay(last)
    }

    /// Equal totals and aggregates: the whole captures' numbers. ``listing`` is left out — it says
    /// what is listed, which the quotas, `--server` and the narrowing options change.
    public static func == (a: ReportSummary, b: ReportSummary) -> Bool {
        a.captures == b.captures && a.capturesUnreadable == b.capturesUnreadable && a.counts == b.counts
            && a.findingsByRule == b.findingsByRule && a.perCapture == b.perCapture
            && a.worstSeverity == b.worstSeverity
            && a.aggregates == b.aggregates
    }
    public func hash(into hasher: inout Hasher) { hasher.combine(counts) }
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

    /// The summary of `captures` with their listed `exchanges`: each capture's aggregates are its
    /// unlisted exchanges' (``CaptureSummary/unlisted``) plus its listed ones, and the report's
    /// are those added — every exchange counted once, exactly.
    static func summarize(captures: [CaptureSummary], exchanges: [ReportedExchange]) -> ReportSummary {
        var perCapture = captures.map(\.unlisted)
        let index = Dictionary(captures.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
        var orphans = ReportAggregates()  // listed exchanges of no capture given (a hand-made report)
        for reported in exchanges {
            if let c = index[reported.capture] {
                perCapture[c].record(reported.diagnosed)
            } else {
                orphans.record(reported.diagnosed)
            }
        }
        var summary = ReportSummary()
        summary.captures = captures.count
        summary.capturesUnreadable = captures.filter { $0.error != nil }.count
        summary.perCapture = zip(captures, perCapture).map { CaptureTally(capture: $0, aggregates: $1) }
        var total = orphans
        for aggregates in perCapture { total += aggregates }
        summary.setTotals(total, listed: exchanges)
        return summary
    }
}

extension ReportSummary {
    /// Sets the totals, the findings, the aggregates and the listing counts from `total` (the
    /// aggregates of every exchange) and the exchanges `listed`; ``perCapture`` is the caller's.
    public mutating func setTotals(_ total: ReportAggregates, listed: [ReportedExchange]) {
        counts = total.counts
        findingsByRule = RuleCounts(total.findingsInCatalogueOrder)
        worstSeverity = total.worstSeverity
        aggregates = total
        listing = ListingCounts(listed: listed, aggregates: total)
    }
}
