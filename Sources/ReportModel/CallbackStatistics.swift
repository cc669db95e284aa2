public import CaptureModel
public import Diagnosis
import HTTPExchanges
import TCPReassembly

/// Statistics of OSS callbacks per callback server and per minute (`callback-doctor stats`, after
/// `tshark -z`): callbacks, passed, failed, unknown, refused connection attempts, findings by
/// rule and the latency distribution.
///
/// Exact over every exchange, not the bounded listing: kept in ``ReportAggregates``, which
/// records each diagnosed exchange once (``record(_:)``), and the parts of a split capture, or
/// several captures or reports, are added (``add(_:)``) — addition is commutative, so the result
/// does not depend on the order. Memory: one ``Row`` per server and minute that saw a callback, each latency
/// distribution bounded (``LatencyDistribution``).
public struct CallbackStatistics: Sendable, Equatable {
    /// A server's minute: the server endpoint and the minute the exchanges started in (Unix
    /// minutes, UTC).
    public struct Key: Sendable, Hashable, Comparable {
        public var server: Endpoint
        public var minute: Int64

        public init(server: Endpoint, minute: Int64) {
            self.server = server
            self.minute = minute
        }

        public static func < (a: Key, b: Key) -> Bool {
            a.server != b.server ? a.server < b.server : a.minute < b.minute
        }
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

        /// Adds the counts and latencies of `other`.
        public mutating func add(_ other: Row) {
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

    public init() {}

    /// Counts one diagnosed exchange: OSS callbacks and refused connection attempts; any other
    /// exchange is not a callback and is left out. An HTTPS exchange counts as a callback only when
    /// it is judged as one, so callers record HTTPS once it is judged (``ReportAggregates``: the
    /// listed ones as the report has them, the unlisted ones by ``ExchangeSelection`` once the
    /// capture's end says which servers are judged).
    public mutating func record(_ d: borrowing DiagnosedExchange) {
        let e = d.exchange
        guard d.isCallback || e.refusal != nil else { return }
        rows[Key(server: e.connection.server, minute: Self.minute(of: e.startTime)), default: Row()].count(d)
    }

    /// The Unix minute (UTC) `time` falls in, rounded down (also before 1970).
    public static func minute(of time: Timestamp) -> Int64 {
        let start = time.seconds
        return start >= 0 ? start / 60 : (start - 59) / 60
    }

    /// Adds `row` to the row of `key` (a report read back from JSON, or another part).
    public mutating func add(_ row: Row, at key: Key) { rows[key, default: Row()].add(row) }

    /// Adds the counts of `other` (another part of a capture, or another capture).
    public mutating func add(_ other: CallbackStatistics) {
        for (key, row) in other.rows { rows[key, default: Row()].add(row) }
    }

    /// Adds the counts of `b` to `a`.
    public static func += (a: inout CallbackStatistics, b: CallbackStatistics) { a.add(b) }

    /// Every minute that saw a callback, in order, each with every server's row added.
    public var minutes: [(minute: Int64, row: Row)] {
        var byMinute: [Int64: Row] = [:]
        for (key, row) in rows { byMinute[key.minute, default: Row()].add(row) }
        return byMinute.keys.sorted().map { ($0, byMinute[$0]!) }
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
    mutating func count(_ d: borrowing DiagnosedExchange) {
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
        if let nanoseconds = LatencyDistribution.latencyNanoseconds(of: d) { latency.record(nanoseconds: nanoseconds) }
    }
}
