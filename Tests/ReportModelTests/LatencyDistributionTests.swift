import TestSupport
import Testing

@testable import ReportModel

@Suite("Latency distribution")
struct LatencyDistributionTests {
    @Test("nearest-rank percentiles are exact up to the limit")
    func exactPercentiles() throws {
        var d = LatencyDistribution()
        for v in (1...100).reversed() { d.record(nanoseconds: Int64(v) * 1_000_000) }
        #expect(d.isExact)
        #expect(d.percentile(50) == 50_000_000)
        #expect(d.percentile(90) == 90_000_000)
        #expect(d.percentile(99) == 99_000_000)
        #expect(d.percentile(100) == 100_000_000)
        #expect(d.maximum == 100_000_000 && d.minimum == 1_000_000 && d.count == 100)
        #expect(LatencyDistribution().percentile(50) == nil)
    }

    @Test("beyond the limit: an upper bound within 0.1 % of the exact value (seeded)")
    func histogramPrecision() throws {
        var random = SplitMix64.forTest(seed: 42)
        func next() -> UInt64 { random.next() }
        var d = LatencyDistribution(), values: [Int64] = []
        for _ in 0..<20_000 {
            let v = Int64(next() % 10_000_000_000)  // up to 10 s
            values.append(v)
            d.record(nanoseconds: v)
        }
        #expect(!d.isExact)
        values.sort()
        for p in [50.0, 90, 99, 99.9] {
            let exact = values[Int((p / 100 * Double(values.count)).rounded(.up)) - 1]
            let bound = try #require(d.percentile(p))
            #expect(bound >= exact, "p\(p), \(random.replay)")
            #expect(Double(bound - exact) <= Double(exact) / 1000 + 1, "p\(p): \(bound) vs \(exact), \(random.replay)")
        }
        #expect(d.maximum == values.last, random.comment)
    }

    @Test("buckets are ordered and every value lies within its bucket")
    func buckets() {
        var previous = -1
        for v: Int64 in [0, 1, 2047, 2048, 2049, 3071, 3072, 4095, 4096, 1_000_000, 5_000_000_000, Int64.max / 2] {
            let b = LatencyDistribution.bucket(of: v)
            #expect(b >= previous)
            previous = b
            #expect(LatencyDistribution.upperBound(ofBucket: b) >= v)
            #expect(Double(LatencyDistribution.upperBound(ofBucket: b) - v) <= Double(v) / 1000 + 1)
        }
    }

    @Test("adding two distributions gives the distribution of both")
    func adding() {
        var a = LatencyDistribution(), b = LatencyDistribution(), both = LatencyDistribution()
        for v in 0..<700 {
            a.record(nanoseconds: Int64(v) * 1000)
            both.record(nanoseconds: Int64(v) * 1000)
        }
        for v in 0..<700 {
            b.record(nanoseconds: Int64(v) * 7919)
            both.record(nanoseconds: Int64(v) * 7919)
        }
        a.add(b)
        #expect(a.count == 1400 && !a.isExact)
        #expect(a == both)
        #expect(a.percentile(99) == both.percentile(99))
    }
}
