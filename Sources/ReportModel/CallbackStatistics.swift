public import CaptureModel
public import Diagnosis
import HTTPExchanges
import TCPReassembly

/// Statistics of OSS callbacks per callback server and per minute (`callback-doctor stats`, after
/// `tshark -z`): callbacks, passed, failed, unknown, refused connection attempts, findings by
/// rule and the latency distribution.
///
/// Exact over every exchange, not the bounded listing: the pipeline records each diagnosed
/// exchange as it finishes (``record(_:)``), and the parts of a split capture, or several
/// captures, are added (``add(_:)``) — addition is commutative, so the result does not depend on
/// the order. Memory: one ``Row`` per server and minute that saw a callback, each latency
/// distribution bounded (``LatencyDistribution``).
public struct CallbackStatistics: Sendable, Equatable {
    /// A server's minute: the server endpoint and the minute the exchanges started in (Unix
    /// minutes, UTC).
    public struct Key: Sendable, Hashable, Comparable {
        public var server: Endpoint
        public var minute: Int64

        public static func < (a: Key, b: Key) -> Bool { a.server != b.server ? a.server < b.server : a.minute < b.minute }
    }

    /// The counts of one server's minute (or of all its minutes).
    public struct Row: Sendable, Equatable {
        /// OSS callbacks (requests carrying OSS's callback signals, or HTTPS connections).
        public var callbacks = 0
        public var passed = 0
        public var failed = 0
        /// Not judged: bytes missing from the capture.
        public var unknown = 0
        /// Connection attempts refused or never answered (not counted in ``callbacks``).
        public var refusedConnections = 0
        /// Findings per rule on those callbacks and connection attempts (each finding counts once).
        public var findingsByRule: [RuleID: Int] = [:]
        /// Response end minus request end of the callbacks with a complete response (HTTPS
        /// estimates excluded).
        public var latency = LatencyDistribution()

        public init() {}

        mutating func add(_ other: Row) {
            callbacks += other.callbacks
            passed += other.passed
            failed += other.failed
            unknown += other.unknown
            refusedConnections += other.refusedConnections
            findingsByRule.merge(other.findingsByRule, uniquingKeysWith: +)
            latency.add(other.latency)
        }
    }

    public private(set) var rows: [Key: Row] = [:]
    /// HTTPS connections' rows, kept apart until it is known whether their server is judged as a
    /// callback server (``judgeHTTPS(_:)``): HTTPS that is not judged is not a callback.
    private var httpsRows: [Key: Row] = [:]

    public init() {}

    /// Counts one diagnosed exchange: OSS callbacks and refused connection attempts; any other
    /// exchange is not a callback and is left out.
    public mutating func record(_ d: borrowing DiagnosedExchange) {
        let e = d.exchange
        guard d.isCallback || e.refusal != nil else { return }
        let start = e.startTime.seconds
        let key = Key(server: e.connection.server, minute: start >= 0 ? start / 60 : (start - 59) / 60)
        if e.tls != nil {
            httpsRows[key, default: Row()].count(d)
        } else {
            rows[key, default: Row()].count(d)
        }
    }

    /// Adds the counts of `other` (another part of a capture, or another capture).
    public mutating func add(_ other: CallbackStatistics) {
        for (key, row) in other.rows { rows[key, default: Row()].add(row) }
        for (key, row) in other.httpsRows { httpsRows[key, default: Row()].add(row) }
    }

    /// Folds in the HTTPS rows of the servers `judged` accepts and drops the others, once the
    /// whole capture has been seen (which servers are judged is only known then).
    public mutating func judgeHTTPS(_ judged: (Endpoint) -> Bool) {
        for (key, row) in httpsRows where judged(key.server) { rows[key, default: Row()].add(row) }
        httpsRows = [:]
    }

    /// The callback servers, in endpoint order, each with its total and its minutes in order.
    public var servers: [(server: Endpoint, total: Row, minutes: [(minute: Int64, row: Row)])] {
        var byServer: [Endpoint: [(minute: Int64, row: Row)]] = [:]
        for (key, row) in rows { byServer[key.server, default: []].append((key.minute, row)) }
        return byServer.keys.sorted().map { server in
            let minutes = byServer[server]!.sorted { $0.minute < $1.minute }
            var total = Row()
            for minute in minutes { total.add(minute.row) }
            return (server, total, minutes)
        }
    }

    /// Every rule that fired in any row, in catalogue order.
    public var rules: [RuleID] {
        var fired = Set<RuleID>()
        for row in rows.values { fired.formUnion(row.findingsByRule.keys) }
        return RuleCatalog.all.map(\.id).filter(fired.contains)
    }
}

extension CallbackStatistics.Row {
    fileprivate mutating func count(_ d: borrowing DiagnosedExchange) {
        if d.exchange.refusal != nil {
            refusedConnections += 1
        } else {
            callbacks += 1
            switch d.outcome {
            case .passed: passed += 1
            case .failed: failed += 1
            case .unknown: unknown += 1
            case .notACallback: break
            }
        }
        for finding in d.findings { findingsByRule[finding.rule, default: 0] += 1 }
        // Response end minus request end (`HTTPExchange.latencySeconds`), in whole nanoseconds
        // from the time stamps rather than through a Double.
        if d.exchange.tls == nil, let requestEnd = d.exchange.request?.timing.end, let responseEnd = d.exchange.response?.timing.end {
            latency.record(nanoseconds: responseEnd.timestamp.totalNanoseconds - requestEnd.timestamp.totalNanoseconds)
        }
    }
}

/// A distribution of latencies, in nanoseconds, with nearest-rank percentiles.
///
/// Exact while it holds at most ``exactLimit`` values (every value kept). Beyond, the values go
/// into a log-bucket histogram after HdrHistogram's layout with 3 significant digits: values below
/// 2,048 ns have a bucket each; above, each power of two is split into 1,024 buckets, so a bucket
/// spans less than 0.1 % of its values. A percentile is then the upper bound of the bucket holding
/// its rank (never more than ``maximum``): the true value is at most that, and at least 99.9 % of
/// it. ``count``, ``minimum`` and ``maximum`` are always exact. Memory: at most ``exactLimit``
/// values or one counter per bucket used (a few thousand at most for latencies up to hours).
public struct LatencyDistribution: Sendable, Equatable {
    /// Values kept exactly before switching to the histogram.
    public static let exactLimit = 1000

    public private(set) var count = 0
    public private(set) var minimum: Int64?
    public private(set) var maximum: Int64?
    /// The values, while exact (unsorted).
    private var values: [Int64] = []
    /// Bucket index → count, once over ``exactLimit`` (nil while exact).
    private var buckets: [Int: Int]?

    public init() {}

    /// Equal when they hold the same values (or buckets), in whatever order they were recorded.
    public static func == (a: LatencyDistribution, b: LatencyDistribution) -> Bool {
        a.count == b.count && a.minimum == b.minimum && a.maximum == b.maximum && a.buckets == b.buckets
            && a.values.sorted() == b.values.sorted()
    }

    /// True when the percentiles are exact values rather than bucket bounds.
    public var isExact: Bool { buckets == nil }

    /// Records a latency in seconds (rounded to the nanosecond).
    public mutating func record(_ seconds: Double) {
        record(nanoseconds: Int64((seconds * 1e9).rounded()))
    }

    public mutating func record(nanoseconds value: Int64) {
        count += 1
        minimum = min(minimum ?? value, value)
        maximum = max(maximum ?? value, value)
        if buckets == nil {
            values.append(value)
            if values.count > Self.exactLimit { switchToHistogram() }
        } else {
            buckets![Self.bucket(of: value), default: 0] += 1
        }
    }

    mutating func add(_ other: LatencyDistribution) {
        guard other.count > 0 else { return }
        count += other.count
        minimum = min(minimum ?? other.minimum!, other.minimum!)
        maximum = max(maximum ?? other.maximum!, other.maximum!)
        if buckets == nil, other.buckets == nil, values.count + other.values.count <= Self.exactLimit {
            values += other.values
            return
        }
        switchToHistogram()
        if let theirs = other.buckets {
            buckets!.merge(theirs, uniquingKeysWith: +)
        } else {
            for value in other.values { buckets![Self.bucket(of: value), default: 0] += 1 }
        }
    }

    private mutating func switchToHistogram() {
        guard buckets == nil else { return }
        var histogram: [Int: Int] = [:]
        for value in values { histogram[Self.bucket(of: value), default: 0] += 1 }
        buckets = histogram
        values = []
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 100): the smallest recorded value with at least
    /// p % of the values at or below it (its bucket's upper bound once over ``exactLimit``); nil
    /// when empty.
    public func percentile(_ p: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((p / 100 * Double(count)).rounded(.up)))
        guard let buckets else { return values.sorted()[rank - 1] }
        var seen = 0
        for index in buckets.keys.sorted() {
            seen += buckets[index]!
            if seen >= rank { return min(Self.upperBound(ofBucket: index), maximum!) }
        }
        return maximum
    }

    /// Values 0–2,047 (and negatives, as 0) index themselves; above, `shift * 1024 + (value >> shift)`
    /// with the shift that leaves 11 significant bits (1,024 ≤ value >> shift < 2,048).
    static func bucket(of value: Int64) -> Int {
        guard value >= 2048 else { return Int(max(0, value)) }
        let shift = (63 - value.leadingZeroBitCount) - 10
        return shift * 1024 + Int(value >> shift)
    }

    /// The largest value that falls in bucket `index`.
    static func upperBound(ofBucket index: Int) -> Int64 {
        guard index >= 2048 else { return Int64(index) }
        let shift = index / 1024 - 1, mantissa = index % 1024 + 1024
        return (Int64(mantissa + 1) << shift) - 1
    }
}
