public import CaptureModel
public import Diagnosis
import HTTPExchanges

/// What an exchange is, for counting and for the bounded listing: every exchange is exactly one
/// kind (checked in this order), so the kinds' counts add up to `exchanges`.
public enum ExchangeKind: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A connection attempt answered by RST or never answered (never a callback).
    case refusedConnection
    case passedCallback
    case failedCallback
    /// A callback not judged: bytes missing from the capture.
    case unknownCallback
    /// A POST whose head was cut (``DiagnosedExchange/isPossibleCallback``).
    case possibleCallback
    /// An HTTPS connection not judged as a callback (``DiagnosedExchange/isHTTPSNotJudged``).
    case httpsNotJudged
    /// Any other exchange (not a callback: an upload to OSS, other HTTP).
    case other

    public init(_ d: borrowing DiagnosedExchange) {
        if d.exchange.refusal != nil {
            self = .refusedConnection
        } else if d.isCallback {
            switch d.outcome {
            case .passed: self = .passedCallback
            case .failed: self = .failedCallback
            case .unknown, .notACallback: self = .unknownCallback
            }
        } else if d.isPossibleCallback {
            self = .possibleCallback
        } else if d.isHTTPSNotJudged {
            self = .httpsNotJudged
        } else {
            self = .other
        }
    }

    public static func < (a: ExchangeKind, b: ExchangeKind) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// How many of a kind of exchange the report lists, of how many there are: renderers say
/// "showing 100 of 9,868 passing callbacks" where ``isCut``.
public struct ShownOfTotal: Sendable, Hashable {
    public var shown: Int
    public var total: Int
    public init(shown: Int, total: Int) {
        self.shown = shown
        self.total = total
    }
    /// True when some are not listed.
    public var isCut: Bool { shown < total }
}

/// Exact aggregates of a set of exchanges — a capture's unlisted ones, a capture, a report, or
/// several reports merged — computed by streaming: each exchange is recorded once
/// (``record(_:)``), and two aggregates of disjoint sets add (``add(_:)``, `+=`) to the aggregates
/// of their union, whatever the order or grouping (counts add, latency histograms have fixed
/// bucket boundaries: ``LatencyDistribution``). So the summary of a report never depends on which
/// exchanges are listed, on `--jobs`, or on how the captures were split between runs (`merge`).
///
/// Latency everywhere is ``LatencyDistribution/latencyNanoseconds(of:)`` (response end minus
/// request end; HTTPS estimates left out). Memory: a few counters per kind and rule, one
/// distribution per outcome and rule, one ``CallbackStatistics`` row per server and minute.
public struct ReportAggregates: Sendable, Equatable, ExchangeCounting {
    /// Every exchange's outcome counted.
    public var counts = OutcomeCounts()
    /// Exchanges by kind; the kinds' counts add up to ``exchanges``.
    public var exchangesByKind: [ExchangeKind: Int] = [:]
    /// Findings per rule (each finding counts once).
    public var findingsByRule: [RuleID: Int] = [:]
    /// Exchanges with at least one finding of the rule.
    public var exchangesByRule: [RuleID: Int] = [:]
    /// The worst severity among the findings.
    public var worstSeverity: Severity?
    /// Latencies of callbacks by outcome (`.passedCallback`, `.failedCallback`,
    /// `.unknownCallback`), and of possible callbacks and refused… (any kind that has one).
    public var latencyByKind: [ExchangeKind: LatencyDistribution] = [:]
    /// Latencies of the exchanges with at least one finding of the rule.
    public var latencyByRule: [RuleID: LatencyDistribution] = [:]
    /// Callbacks and refused connection attempts per server (`host:port`) and minute, with their
    /// outcomes, findings and latencies: the per-server and per-minute tallies and the latency
    /// histograms per time bucket (``CallbackStatistics/servers``, ``CallbackStatistics/minutes``).
    public var callbacksByServerMinute = CallbackStatistics()
    /// The start of the earliest and of the latest exchange.
    public var firstExchangeStart: Timestamp?
    public var lastExchangeStart: Timestamp?

    public init() {}

    /// Records one exchange, as the report has it (an HTTPS one judged: see
    /// ``CallbackStatistics/record(_:)``).
    public mutating func record(_ d: borrowing DiagnosedExchange) {
        counts.count(d)
        let kind = ExchangeKind(d)
        exchangesByKind[kind, default: 0] += 1
        let latency = LatencyDistribution.latencyNanoseconds(of: d)
        if let latency { latencyByKind[kind, default: LatencyDistribution()].record(nanoseconds: latency) }
        var rulesSeen: [RuleID] = []
        for finding in d.findings {
            findingsByRule[finding.rule, default: 0] += 1
            worstSeverity = max(worstSeverity ?? finding.severity, finding.severity)
            guard !rulesSeen.contains(finding.rule) else { continue }
            rulesSeen.append(finding.rule)
            exchangesByRule[finding.rule, default: 0] += 1
            if let latency { latencyByRule[finding.rule, default: LatencyDistribution()].record(nanoseconds: latency) }
        }
        callbacksByServerMinute.record(d)
        let start = d.exchange.startTime
        firstExchangeStart = min(firstExchangeStart ?? start, start)
        lastExchangeStart = max(lastExchangeStart ?? start, start)
    }

    /// ``record(_:)``, under the name the selection's unlisted tally has always used.
    public mutating func count(_ d: borrowing DiagnosedExchange) { record(d) }

    /// Adds the aggregates of `other` (a disjoint set of exchanges).
    public mutating func add(_ other: ReportAggregates) {
        counts += other.counts
        exchangesByKind.merge(other.exchangesByKind, uniquingKeysWith: +)
        findingsByRule.merge(other.findingsByRule, uniquingKeysWith: +)
        exchangesByRule.merge(other.exchangesByRule, uniquingKeysWith: +)
        if let severity = other.worstSeverity { worstSeverity = max(worstSeverity ?? severity, severity) }
        for (kind, latency) in other.latencyByKind { latencyByKind[kind, default: LatencyDistribution()] += latency }
        for (rule, latency) in other.latencyByRule { latencyByRule[rule, default: LatencyDistribution()] += latency }
        callbacksByServerMinute += other.callbacksByServerMinute
        if let first = other.firstExchangeStart { firstExchangeStart = min(firstExchangeStart ?? first, first) }
        if let last = other.lastExchangeStart { lastExchangeStart = max(lastExchangeStart ?? last, last) }
    }

    public static func += (a: inout ReportAggregates, b: ReportAggregates) { a.add(b) }

    /// These exchanges — HTTPS ones recorded as callbacks — as they count once their server turns
    /// out not judged (``DiagnosedExchange/notJudgedHTTPS()``): each is an exchange of kind
    /// `.httpsNotJudged`, with no outcome, findings or callback rows; their start times stay.
    public func asHTTPSNotJudged() -> ReportAggregates {
        var notJudged = ReportAggregates()
        notJudged.exchanges = counts.exchanges
        notJudged.httpsNotJudged = counts.exchanges
        if counts.exchanges > 0 { notJudged.exchangesByKind[.httpsNotJudged] = counts.exchanges }
        notJudged.firstExchangeStart = firstExchangeStart
        notJudged.lastExchangeStart = lastExchangeStart
        return notJudged
    }

    /// Rules that fired, in catalogue order, with their finding counts.
    public var findingsInCatalogueOrder: [(rule: RuleID, count: Int)] {
        RuleCatalog.all.compactMap { rule in findingsByRule[rule.id].map { (rule.id, $0) } }
    }

    /// The rule that matters most here: the most severe that fired, then the one on most
    /// exchanges, then the first in the catalogue; nil when none fired.
    public var worstRule: RuleID? {
        var best: (rule: RuleID, severity: Severity, exchanges: Int)?
        for rule in RuleCatalog.all {
            guard let n = exchangesByRule[rule.id] else { continue }
            if let b = best, (b.severity, b.exchanges) >= (rule.severity, n) { continue }
            best = (rule.id, rule.severity, n)
        }
        return best?.rule
    }

    /// Exchanges of `kind` (0 when none).
    public func count(of kind: ExchangeKind) -> Int { exchangesByKind[kind] ?? 0 }

    /// The latencies of every callback, whatever its outcome.
    public var callbackLatency: LatencyDistribution {
        var all = LatencyDistribution()
        for kind in [ExchangeKind.passedCallback, .failedCallback, .unknownCallback] {
            all += latencyByKind[kind] ?? LatencyDistribution()
        }
        return all
    }
}

/// Exchanges of a capture that were counted but not listed (see `CaptureSummary.unlisted`): what
/// they add to the report's summary, with every aggregate.
public typealias UnlistedExchanges = ReportAggregates
