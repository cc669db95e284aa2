import CaptureModel
public import Diagnosis
import HTTPExchanges
import TCPReassembly

/// One home for latency distributions: the stats command's rows (``CallbackStatistics``) and the
/// report's aggregates (``ReportAggregates``) both keep theirs in this type.
/// A distribution of latencies, in nanoseconds, with nearest-rank percentiles.
///
/// Exact while it holds at most ``exactLimit`` values (every value kept). Beyond, the values go
/// into a log-bucket histogram after HdrHistogram's layout with 3 significant digits: values below
/// 2,048 ns have a bucket each; above, each power of two is split into 1,024 buckets, so a bucket
/// spans less than 0.1 % of its values. A percentile is then the upper bound of the bucket holding
/// its rank (never more than ``maximum``): the true value is at most that, and at least 99.9 % of
/// it. ``count``, ``minimum`` and ``maximum`` are always exact. Memory: at most ``exactLimit``
/// values or one counter per bucket used (a few thousand at most for latencies up to hours).
///
/// Mergeable: ``add(_:)`` (or `+=`) of two distributions gives the distribution of all their
/// values, whatever the order or grouping — exact while the total is at most ``exactLimit``,
/// bucketed beyond; bucket boundaries are fixed, so two histograms merge by adding counts.
public struct LatencyDistribution: Sendable, Equatable {
    /// Values kept exactly before switching to the histogram.
    public static let exactLimit = 1000

    public private(set) var count = 0
    public private(set) var minimum: Int64?
    public private(set) var maximum: Int64?
    /// The values, while exact (unsorted).
    private var exactValues: [Int64] = []
    /// Bucket index → count, once over ``exactLimit`` (nil while exact).
    private var buckets: [Int: Int]?

    public init() {}

    /// Equal when they hold the same values (or buckets), in whatever order they were recorded.
    public static func == (a: LatencyDistribution, b: LatencyDistribution) -> Bool {
        a.count == b.count && a.minimum == b.minimum && a.maximum == b.maximum && a.buckets == b.buckets
            && a.exactValues.sorted() == b.exactValues.sorted()
    }

    /// True when the percentiles are exact values rather than bucket bounds.
    public var isExact: Bool { buckets == nil }

    /// The latency every distribution records: response end minus request end
    /// (`HTTPExchange.latencySeconds`), in whole nanoseconds from the time stamps rather than
    /// through a Double; nil without both ends, and for HTTPS (its latency is an estimate).
    public static func latencyNanoseconds(of d: borrowing DiagnosedExchange) -> Int64? {
        guard d.exchange.tls == nil, let requestEnd = d.exchange.request?.timing.end,
            let responseEnd = d.exchange.response?.timing.end
        else { return nil }
        return responseEnd.timestamp.totalNanoseconds - requestEnd.timestamp.totalNanoseconds
    }

    /// Records a latency in seconds (rounded to the nanosecond).
    public mutating func record(_ seconds: Double) {
        record(nanoseconds: Int64((seconds * 1e9).rounded()))
    }

    public mutating func record(nanoseconds value: Int64) {
        count += 1
        minimum = min(minimum ?? value, value)
        maximum = max(maximum ?? value, value)
        if buckets == nil {
            exactValues.append(value)
            if exactValues.count > Self.exactLimit { switchToHistogram() }
        } else {
            buckets![Self.bucket(of: value), default: 0] += 1
        }
    }

    /// The same distribution from its parts, as ``values`` and ``bucketCounts`` give them (for a
    /// report read back from JSON). Nil when the parts do not agree (counts, exactness).
    public init?(count: Int, minimum: Int64?, maximum: Int64?, values: [Int64]?, buckets: [(index: Int, count: Int)]?) {
        guard count >= 0, (count == 0) == (minimum == nil), (count == 0) == (maximum == nil) else { return nil }
        self.count = count
        self.minimum = minimum
        self.maximum = maximum
        if let values {
            guard buckets == nil, values.count == count, count <= Self.exactLimit else { return nil }
            exactValues = values
        } else {
            guard let buckets, count > Self.exactLimit, buckets.reduce(0, { $0 + $1.count }) == count,
                buckets.allSatisfy({ $0.count > 0 && $0.index >= 0 })
            else { return nil }
            self.buckets = Dictionary(buckets.map { ($0.index, $0.count) }, uniquingKeysWith: +)
        }
    }

    /// The values in ascending order while exact (``isExact``); nil once bucketed.
    public var values: [Int64]? { buckets == nil ? exactValues.sorted() : nil }

    /// Non-empty buckets in ascending order of index, with their counts — computed from the values
    /// while exact, so a chart draws every distribution the same way. A bucket's values lie in
    /// ``lowerBound(ofBucket:)``…``upperBound(ofBucket:)``.
    public var bucketCounts: [(index: Int, count: Int)] {
        var histogram = buckets ?? [:]
        if buckets == nil { for value in exactValues { histogram[Self.bucket(of: value), default: 0] += 1 } }
        return histogram.keys.sorted().map { ($0, histogram[$0]!) }
    }

    /// Adds every value of `other` (see ``add(_:)``).
    public static func += (a: inout LatencyDistribution, b: LatencyDistribution) { a.add(b) }

    /// Adds every value of `other`: the result is the distribution of both sets of values.
    public mutating func add(_ other: LatencyDistribution) {
        guard other.count > 0 else { return }
        count += other.count
        minimum = min(minimum ?? other.minimum!, other.minimum!)
        maximum = max(maximum ?? other.maximum!, other.maximum!)
        if buckets == nil, other.buckets == nil, exactValues.count + other.exactValues.count <= Self.exactLimit {
            exactValues += other.exactValues
            return
        }
        switchToHistogram()
        if let theirs = other.buckets {
            buckets!.merge(theirs, uniquingKeysWith: +)
        } else {
            for value in other.exactValues { buckets![Self.bucket(of: value), default: 0] += 1 }
        }
    }

    private mutating func switchToHistogram() {
        guard buckets == nil else { return }
        var histogram: [Int: Int] = [:]
        for value in exactValues { histogram[Self.bucket(of: value), default: 0] += 1 }
        buckets = histogram
        exactValues = []
    }

    /// The nearest-rank percentile `p` (0 < p ≤ 100): the smallest recorded value with at least
    /// p % of the values at or below it (its bucket's upper bound once over ``exactLimit``); nil
    /// when empty.
    public func percentile(_ p: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((p / 100 * Double(count)).rounded(.up)))
        guard let buckets else { return exactValues.sorted()[rank - 1] }
        var seen = 0
        for index in buckets.keys.sorted() {
            seen += buckets[index]!
            if seen >= rank { return min(Self.upperBound(ofBucket: index), maximum!) }
        }
        return maximum
    }

    /// Values 0–2,047 (and negatives, as 0) index themselves; above, `shift * 1024 + (value >> shift)`
    /// with the shift that leaves 11 significant bits (1,024 ≤ value >> shift < 2,048).
    public static func bucket(of value: Int64) -> Int {
        guard value >= 2048 else { return Int(max(0, value)) }
        let shift = (63 - value.leadingZeroBitCount) - 10
        return shift * 1024 + Int(value >> shift)
    }

    /// The largest value that falls in bucket `index`.
    public static func upperBound(ofBucket index: Int) -> Int64 {
        guard index >= 2048 else { return Int64(index) }
        let shift = index / 1024 - 1, mantissa = index % 1024 + 1024
        return (Int64(mantissa + 1) << shift) - 1
    }

    /// The smallest value that falls in bucket `index`.
    public static func lowerBound(ofBucket index: Int) -> Int64 {
        guard index >= 2048 else { return Int64(index) }
        let shift = index / 1024 - 1, mantissa = index % 1024 + 1024
        return Int64(mantissa) << shift
    }
}
