import CaptureModel
import Diagnosis
import Foundation
import HTTPExchanges
import ReportModel
import TCPReassembly
import TestSupport
import Testing

@testable import Analysis

/// One capture split by connection across threads (`ShardedPipeline`) must give the report one
/// thread gives: the same summary, the same listed exchanges with the same connection numbers.
@Suite(.tags(.endToEnd)) struct ShardedPipelineTests {
    /// Every sample capture (`samples/captures/`, committed: their listing must succeed).
    static func sampleCaptures() throws -> [String] {
        let directory = Fixtures.packageRoot.appendingPathComponent("samples/captures").path
        return try FileManager.default.contentsOfDirectory(atPath: directory)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") || $0.hasSuffix(".gz") }.sorted()
            .map { directory + "/" + $0 }
    }

    /// Every sample capture and every capture of the shared HTTP corpus (when present; its
    /// listing is checked against MANIFEST.tsv by CorpusCaptureTests).
    static func captures() throws -> [String] {
        try sampleCaptures() + Corpus.files(in: "http")
    }

    static func expectSameAnalysis(_ split: CaptureAnalysis, _ whole: CaptureAnalysis, _ comment: String) {
        #expect(split.summary == whole.summary, "summary, \(comment)")
        let order = { (a: ReportedExchange, b: ReportedExchange) in ExchangeSelection.order(a.diagnosed, b.diagnosed) }
        let splitExchanges = split.exchanges.sorted(by: order), wholeExchanges = whole.exchanges.sorted(by: order)
        #expect(splitExchanges.count == wholeExchanges.count, "exchanges listed, \(comment)")
        #expect(splitExchanges == wholeExchanges, "exchanges, \(comment)")
        #expect(
            splitExchanges.map(\.diagnosed.exchange.connection.id)
                == wholeExchanges.map(\.diagnosed.exchange.connection.id))
    }

    @Test func theSamplesAndTheCorpusGiveTheSameReportSplitOrWhole() throws {
        let captures = try Self.captures()
        try #require(try Self.sampleCaptures().count >= 20, "sample captures found")
        try #require(!Corpus.isAvailable || Corpus.files(in: "http").count >= 50, "corpus captures found")
        var bounded = try Fixtures.options()
        bounded.maxPassingExchangesKept = 2
        bounded.maxFailingExchangesKeptPerRule = 1
        var splitSomething = false
        for path in captures {
            for options in [try Fixtures.options(), bounded] {
                let whole = CaptureAnalyzer.analyze(path: path, options: options, parts: 1)
                for parts in [2, 3, 5] {
                    let split = CaptureAnalyzer.analyze(path: path, options: options, parts: parts)
                    Self.expectSameAnalysis(split, whole, "\(path), \(parts) parts")
                }
                let connections = Set(whole.exchanges.map(\.diagnosed.exchange.connection.id))
                if connections.count >= 4 { splitSomething = true }
            }
        }
        #expect(splitSomething, "some capture has connections enough to be split")
    }

    /// The selection is a function of the set of exchanges: offered in any order — as the parts
    /// of a split capture offer theirs to the selection they share — it lists the earliest of each
    /// kind and counts the rest.
    @Test func theSelectionIgnoresTheOrderOfItsOffers() throws {
        var all = try Fixtures.options()
        all.maxPassingExchangesKept = .max
        all.maxFailingExchangesKeptPerRule = .max
        all.servers = Fixtures.sampleServers
        let exchanges = CaptureAnalyzer.analyze(path: Fixtures.sample("all-lo.pcap"), options: all).exchanges.map(
            \.diagnosed)
        try #require(exchanges.count >= 30)
        try #require(exchanges.contains { $0.exchange.tls != nil && !$0.findings.isEmpty }, "judged HTTPS among them")
        var reference = ExchangeSelection(maxPassing: 2, maxFailingPerRule: 1, servers: Fixtures.sampleServers)
        for d in exchanges { reference.offer(d) }
        let judged = reference.judged()
        #expect(judged.listed.count < exchanges.count)
        #expect(judged.unlisted.exchanges == exchanges.count - judged.listed.count)
        // The oracle: in report order, the first of each kind (HTTPS in kinds of its own).
        var seen: [String: Int] = [:]
        let expected = exchanges.filter { d in
            var kind = d.findings.first.map { "rule " + $0.rule.rawValue } ?? (d.isCallback ? "passing" : "other")
            if d.exchange.tls != nil { kind = "https " + kind }
            seen[kind, default: 0] += 1
            return seen[kind]! <= (kind.contains("rule") ? 1 : 2)
        }
        #expect(judged.listed == expected)

        var generator = SplitMix64.forTest(seed: 7)
        for _ in 0..<25 {
            var selection = ExchangeSelection(maxPassing: 2, maxFailingPerRule: 1, servers: Fixtures.sampleServers)
            for d in exchanges.shuffled(using: &generator) { selection.offer(d) }
            #expect(selection.judged().listed == judged.listed)
            #expect(selection.judged().unlisted == judged.unlisted)
        }
    }

    /// The table sweeps (idle timeouts) happen at the same points of the capture in every part:
    /// with a zero idle timeout, which sweep closes a connection decides its exchanges' fate, so a
    /// part sweeping on its own schedule would give a different report. (The time limit only
    /// catches a hang: it also counts time spent waiting for a thread of a busy pool.)
    @Test(.timeLimit(.minutes(30))) func connectionsExpireAtTheSamePointsSplitOrWhole() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        // ~8 MB: well over ConnectionTracker.sweepInterval TCP segments, so several sweeps.
        let (capture, _, _) = try GeneratedCaptureTests.generate(size: "8M", seed: 5, in: dir)
        var options = try Fixtures.options(key: Fixtures.benchKey)
        options.reassembly.idleTimeoutSeconds = 0
        options.reassembly.closedLingerSeconds = 0
        options.maxPassingExchangesKept = 5
        options.maxFailingExchangesKeptPerRule = 3
        let whole = CaptureAnalyzer.analyze(path: capture, options: options, parts: 1)
        #expect(whole.summary.tcpPackets > 2 * 8192)
        #expect(whole.summary.reassembly.expiredConnections > 0, "the sweeps expired connections")
        for parts in [2, 3] {
            let split = CaptureAnalyzer.analyze(path: capture, options: options, parts: parts)
            Self.expectSameAnalysis(split, whole, "generated capture, \(parts) parts")
        }
    }

    @Test func aConnectionGoesToOnePartBothWaysAndConnectionsSpreadEvenly() {
        var counts = [0, 0, 0]
        var generator = SplitMix64.forTest(seed: 0x5AA2_D1D3)
        for i in 0..<3000 {
            let client = Endpoint(
                address: .v4(UInt32.random(in: 0...UInt32.max, using: &generator)), port: UInt16(1024 + i % 60000))
            let server =
                i % 2 == 0
                ? Endpoint(address: .v4(0x7F00_0001), port: 9000)
                : Endpoint(address: .v6(UInt64(i), UInt64.random(in: 0...UInt64.max, using: &generator)), port: 443)
            let there = TCPSegment(
                source: client, destination: server, sequenceNumber: 1, acknowledgmentNumber: 0, flags: [.syn],
                window: 0, payload: [])
            let back = TCPSegment(
                source: server, destination: client, sequenceNumber: 1, acknowledgmentNumber: 2, flags: [.syn, .ack],
                window: 0,
                payload: [])
            let part = ShardedPipeline.part(of: there, among: 3)
            #expect(ShardedPipeline.part(of: back, among: 3) == part, generator.comment)
            counts[part] += 1
        }
        #expect(counts.allSatisfy { $0 > 800 }, "\(counts), \(generator.replay)")
    }

    @Test func theStartLogRanksFramesAcrossVarintLengths() {
        var log = ConnectionStartLog()
        let frames = [1, 2, 130, 131, 20_000, 2_500_000, 2_500_001, 400_000_000]
        for frame in frames { log.append(frame: frame) }
        let queries = [
            0, 1, 2, 3, 130, 131, 132, 19_999, 20_000, 20_001, 2_500_001, 2_500_002, 400_000_000, 500_000_000,
        ]
        let expected = queries.map { q in frames.filter { $0 < q }.count }
        #expect(log.ranks(of: queries) == expected)
        #expect(ConnectionStartLog().ranks(of: [5]) == [0])
    }
}
