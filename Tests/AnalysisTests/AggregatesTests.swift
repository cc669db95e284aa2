import CaptureModel
import Diagnosis
import Foundation
import HTTPExchanges
import ReportModel
import TestSupport
import Testing

@testable import Analysis

/// The summary's aggregates (issue #17) are the whole capture's, streamed over every exchange —
/// not the bounded listing's: they do not change with the quotas, they add up over any split,
/// and the listing counts say exactly how much is shown.
@Suite struct AggregatesTests {
    static let batch = Fixtures.packageRoot.appendingPathComponent("samples/captures").path

    static func report(_ options: AnalysisOptions) -> Report {
        BatchAnalyzer.analyze(arguments: [batch], options: options, tool: ToolInfo(version: "test"), jobs: 1)
    }

    static var listEverything: AnalysisOptions {
        get throws {
            // No `--server`: that would list only the named servers' exchanges.
            var options = try Fixtures.options()
            options.maxPassingExchangesKept = .max
            options.maxFailingExchangesKeptPerRule = .max
            return options
        }
    }

    @Test func theAggregatesDoNotDependOnWhatIsListed() throws {
        let all = Self.report(try Self.listEverything)
        try #require(all.exchanges.count > 200, "the sample batch is found")
        #expect(!all.summary.listing.isCut)
        for (passing, failing) in [(0, 0), (1, 0), (2, 1), (100, 100)] {
            var options = try Self.listEverything
            options.maxPassingExchangesKept = passing
            options.maxFailingExchangesKeptPerRule = failing
            let bounded = Self.report(options)
            #expect(bounded.summary.aggregates == all.summary.aggregates, "quotas \(passing)/\(failing)")
            #expect(bounded.summary.perCapture == all.summary.perCapture, "quotas \(passing)/\(failing)")
            #expect(bounded.summary.findingsByRule.map(\.count) == all.summary.findingsByRule.map(\.count))
            let listing = bounded.summary.listing
            #expect(listing.all.shown == bounded.exchanges.count)
            #expect(listing.all.total == all.exchanges.count)
            for kind in ExchangeKind.allCases {
                #expect(listing[kind].total == all.summary.listing[kind].total, "\(kind)")
                #expect(listing[kind].shown <= listing[kind].total, "\(kind)")
            }
            if passing == 0 { #expect(listing.all.shown == 0 && listing.isCut) }
        }
    }

    /// The truth, counted by hand from every exchange listed: kinds, rules, latencies, servers.
    @Test func theAggregatesEqualACountOfEveryExchange() throws {
        let all = Self.report(try Self.listEverything)
        let a = all.summary.aggregates
        let kinds = all.exchanges.map { ExchangeKind($0.diagnosed) }
        for kind in ExchangeKind.allCases { #expect(a.count(of: kind) == kinds.filter { $0 == kind }.count, "\(kind)") }
        #expect(a.exchangesByKind.values.reduce(0, +) == a.exchanges)
        #expect(a.exchanges == all.exchanges.count)
        let timed = all.exchanges.filter {
            $0.diagnosed.exchange.tls == nil && $0.diagnosed.exchange.latencySeconds != nil
        }
        let passedTimed = timed.filter { ExchangeKind($0.diagnosed) == .passedCallback }
        let passedLatency = try #require(a.latencyByKind[.passedCallback])
        #expect(passedLatency.count == passedTimed.count)
        let maximum = try #require(passedTimed.compactMap(\.diagnosed.exchange.latencySeconds).max())
        #expect(abs(Double(try #require(passedLatency.maximum)) / 1e9 - maximum) < 1e-9)
        let badStatus = all.exchanges.filter { $0.diagnosed.findings.contains { $0.rule == .badStatus } }
        #expect(a.exchangesByRule[.badStatus] == badStatus.count)
        #expect(badStatus.count > 0)
        let rows = a.callbacksByServerMinute.servers
        #expect(
            rows.map(\.total.callbacks).reduce(0, +)
                == kinds.filter { [.passedCallback, .failedCallback, .unknownCallback].contains($0) }.count)
        #expect(rows.map(\.total.refusedConnections).reduce(0, +) == a.refusedConnections)
        #expect(a.callbacksByServerMinute.minutes.map(\.row.callbacks).reduce(0, +) == a.callbacks)
        #expect(all.summary.spansDays, "the samples were recorded on several days")
        var perCaptureRows = CallbackStatistics()
        for tally in all.summary.perCapture { perCaptureRows += tally.callbacksByServerMinute }
        #expect(perCaptureRows == a.callbacksByServerMinute, "each capture's rows add up to the report's")
        let worst = try #require(all.summary.perCapture.first { $0.path.hasSuffix("/bom-json.pcap") })
        #expect(worst.worstRule != nil)
    }

    /// Aggregates of disjoint parts add to the aggregates of the whole, in any grouping.
    @Test func aggregatesAddInAnyGrouping() throws {
        let all = Self.report(try Self.listEverything)
        var random = SplitMix64.forTest(seed: 17)
        for _ in 0..<5 {
            var parts = [ReportAggregates](repeating: ReportAggregates(), count: 4)
            for reported in all.exchanges.shuffled(using: &random) {
                parts[Int(random.next() % 4)].record(reported.diagnosed)
            }
            var total = ReportAggregates()
            for part in parts.shuffled(using: &random) { total += part }
            #expect(total == all.summary.aggregates, random.comment)
        }
    }

    /// Latency distributions merge the same whether exact or bucketed, and come back from their parts.
    @Test func latencyDistributionsMergeAndRebuild() throws {
        var random = SplitMix64.forTest(seed: 1717)
        var whole = LatencyDistribution(), a = LatencyDistribution(), b = LatencyDistribution()
        for i in 0..<2500 {
            let value = Int64(random.next() % 10_000_000_000)
            whole.record(nanoseconds: value)
            if i % 3 == 0 { a.record(nanoseconds: value) } else { b.record(nanoseconds: value) }
        }
        #expect(!whole.isExact)
        var merged = a
        merged += b
        #expect(merged == whole, random.comment)
        #expect(merged.percentile(99) == whole.percentile(99))
        let rebuilt = try #require(
            LatencyDistribution(
                count: whole.count, minimum: whole.minimum, maximum: whole.maximum, values: nil,
                buckets: whole.bucketCounts))
        #expect(rebuilt == whole)
        var small = LatencyDistribution()
        for value in [5, 3_000, 2_000_000] as [Int64] { small.record(nanoseconds: value) }
        let exact = try #require(
            LatencyDistribution(count: 3, minimum: 5, maximum: 2_000_000, values: small.values, buckets: nil))
        #expect(exact == small && exact.isExact)
        #expect(LatencyDistribution(count: 2, minimum: 5, maximum: 9, values: [5], buckets: nil) == nil)
        for index in small.bucketCounts.map(\.index) {
            #expect(LatencyDistribution.lowerBound(ofBucket: index) <= LatencyDistribution.upperBound(ofBucket: index))
            #expect(LatencyDistribution.bucket(of: LatencyDistribution.lowerBound(ofBucket: index)) == index)
            #expect(LatencyDistribution.bucket(of: LatencyDistribution.upperBound(ofBucket: index)) == index)
        }
    }
}
