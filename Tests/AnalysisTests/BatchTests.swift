import Diagnosis
import Foundation
import HTTPExchanges
import ReportModel
import TestSupport
import Testing

@testable import Analysis

/// Directories, globs, unreadable files, parallel jobs, and the merged report.
@Suite(.tags(.endToEnd)) struct BatchTests {
    static let tool = ToolInfo(version: "test")

    /// A directory tree of captures: two scenarios at the top, a gzip one in a subdirectory, a text
    /// file named like a capture (unreadable), and a file that is not a capture by name (skipped).
    static func makeTree() throws -> String {
        let dir = try Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir + "/fleet/host-b", withIntermediateDirectories: true)
        try Fixtures.copy(Fixtures.sample("bom-json.pcap"), to: dir + "/fleet/a-bom.pcap")
        try Fixtures.copy(Fixtures.sample("good-json.pcap"), to: dir + "/fleet/b-good.pcap")
        try Fixtures.writeGzip(
            try Fixtures.read(Fixtures.sample("status-500.pcap")), to: dir + "/fleet/host-b/c-500.pcap.gz")
        try Fixtures.write(Array("not a capture\n".utf8), to: dir + "/fleet/host-b/broken.pcap")
        try Fixtures.write(Array("notes\n".utf8), to: dir + "/fleet/README.txt")
        return dir
    }

    @Test func directoryIsSearchedRecursivelyAndTheUnreadableFileIsReported() throws {
        let dir = try Self.makeTree()
        defer { Fixtures.remove(dir) }
        let report = BatchAnalyzer.analyze(
            arguments: [dir + "/fleet"], options: try Fixtures.options(), tool: Self.tool, jobs: 2)
        #expect(
            report.captures.map(\.path) == [
                dir + "/fleet/a-bom.pcap", dir + "/fleet/b-good.pcap", dir + "/fleet/host-b/broken.pcap",
                dir + "/fleet/host-b/c-500.pcap.gz",
            ])
        let broken = report.captures[2]
        #expect(
            broken.error?.hasPrefix(dir + "/fleet/host-b/broken.pcap: is not a pcap or pcapng capture file") == true)
        #expect(!broken.complete)
        #expect(report.captures.filter { $0.error == nil }.allSatisfy { $0.complete })
        #expect(report.captures[3].format == "pcap (µs, little-endian), gzip")
        // Every readable capture contributed its exchange, in capture order.
        #expect(
            report.exchanges.map(\.capture) == [
                dir + "/fleet/a-bom.pcap", dir + "/fleet/b-good.pcap", dir + "/fleet/host-b/c-500.pcap.gz",
            ])
        #expect(report.summary.captures == 4)
        #expect(report.summary.capturesUnreadable == 1)
        #expect(report.summary.callbacks == 3)
        #expect(report.summary.callbacksFailed == 2)
        #expect(report.summary.findingsByRule.map(\.rule) == [.badStatus, .bomPrefix])
        #expect(report.summary.perCapture.map(\.readError) == [false, false, true, false])
    }

    @Test func globsExpandInPathOrder() throws {
        let dir = try Self.makeTree()
        defer { Fixtures.remove(dir) }
        let report = BatchAnalyzer.analyze(
            arguments: [dir + "/fleet/*.pcap", dir + "/fleet/*/*.gz", dir + "/nothing-*.pcap"],
            options: try Fixtures.options(),
            tool: Self.tool, jobs: 1)
        #expect(
            report.captures.map(\.path) == [
                dir + "/fleet/a-bom.pcap", dir + "/fleet/b-good.pcap", dir + "/fleet/host-b/c-500.pcap.gz",
                dir + "/nothing-*.pcap",
            ])
        #expect(report.captures[3].error == dir + "/nothing-*.pcap: no file matches this pattern")
        #expect(report.captures[0...2].allSatisfy { $0.error == nil })
    }

    /// The merged report does not depend on how many jobs ran or which finished first: the JSON
    /// is byte for byte the same.
    @Test func reportIsTheSameWhateverTheNumberOfJobs() throws {
        let dir = try Self.makeTree()
        defer { Fixtures.remove(dir) }
        // A long capture first, so that with several jobs the short ones finish before it.
        let arguments = [
            Fixtures.sample("all-lo.pcapng"), dir + "/fleet", Fixtures.sample("all-any.pcap"), "no/such/file.pcap",
        ]
        let reference = BatchAnalyzer.analyze(
            arguments: arguments, options: try Fixtures.options(), tool: Self.tool, jobs: 1
        ).json
            .serialized(indent: 2)
        for jobs in [2, 3, 8] {
            for _ in 0..<3 {
                let json = BatchAnalyzer.analyze(
                    arguments: arguments, options: try Fixtures.options(), tool: Self.tool, jobs: jobs
                ).json
                    .serialized(indent: 2)
                #expect(json == reference, "jobs \(jobs)")
            }
        }
        #expect(reference.contains("\"capturesUnreadable\": 2"))
        // `--format json` streams the exchanges (one JSON tree at a time): the same text.
        let report = BatchAnalyzer.analyze(
            arguments: arguments, options: try Fixtures.options(), tool: Self.tool, jobs: 2)
        #expect(report.serializedJSON(indent: 2) == reference)
        #expect(report.serializedJSON(indent: 0, newline: true) == report.json.serialized(indent: 0) + "\n")
    }

    /// Past the per-kind quotas, exchanges are counted, not listed: the summary stays exact and
    /// every kind keeps its first examples — also when the capture is split across threads
    /// (`jobs` 3 on one capture: the quotas are applied again to the union of the parts).
    @Test(arguments: [1, 3]) func exchangesBeyondTheQuotasAreCountedNotListed(jobs: Int) throws {
        let path = Fixtures.sample("all-lo.pcap")
        var all = try Fixtures.options()
        all.maxPassingExchangesKept = .max
        all.maxFailingExchangesKeptPerRule = .max
        all.servers = Fixtures.sampleServers
        var bounded = all
        bounded.maxPassingExchangesKept = 2
        bounded.maxFailingExchangesKeptPerRule = 1
        let full = BatchAnalyzer.analyze(arguments: [path], options: all, tool: Self.tool, jobs: 1)
        let lean = BatchAnalyzer.analyze(arguments: [path], options: bounded, tool: Self.tool, jobs: jobs)

        // The oracle, from the full listing in report order: an exchange with findings counts
        // against the quota of its first finding's rule (1), a clean callback against the passing
        // quota (2), anything else against the other quota (2); HTTPS has quotas of its own.
        #expect(full.captures[0].unlisted == UnlistedExchanges())
        var perRule: [String: Int] = [:]
        var passingSeen = 0, otherSeen = 0
        var expectedUnlisted: [ReportedExchange] = []
        for reported in full.exchanges {
            let d = reported.diagnosed
            let listed: Bool
            if d.exchange.tls != nil {
                let kind = "https " + (d.findings.first?.rule.rawValue ?? "clean")
                perRule[kind, default: 0] += 1
                listed = perRule[kind]! <= (d.findings.isEmpty ? 2 : 1)
            } else if let rule = d.findings.first?.rule {
                perRule[rule.rawValue, default: 0] += 1
                listed = perRule[rule.rawValue]! <= 1
            } else if d.isCallback {
                passingSeen += 1
                listed = passingSeen <= 2
            } else {
                otherSeen += 1
                listed = otherSeen <= 2
            }
            if !listed { expectedUnlisted.append(reported) }
        }
        // The sample has several of most kinds, so the quotas really cut.
        #expect(expectedUnlisted.count >= 10 && perRule.values.contains { $0 >= 3 } && passingSeen > 2)
        let unlisted = lean.captures[0].unlisted
        #expect(unlisted.exchanges == expectedUnlisted.count)
        #expect(unlisted.callbacksPassed == expectedUnlisted.filter { $0.diagnosed.outcome == .passed }.count)
        #expect(
            unlisted.callbacksFailed
                == expectedUnlisted.filter { if case .failed = $0.diagnosed.outcome { true } else { false } }.count)
        var expectedByRule: [RuleID: Int] = [:]
        for reported in expectedUnlisted {
            for rule in Set(reported.diagnosed.findings.map(\.rule)) { expectedByRule[rule, default: 0] += 1 }
        }
        #expect(unlisted.findingsByRule == expectedByRule)
        #expect(lean.exchanges.count == full.exchanges.count - unlisted.exchanges)
        // The first of each kind are the ones listed, in order.
        let expectedListed = full.exchanges.filter { r in !expectedUnlisted.contains { $0.diagnosed == r.diagnosed } }
        #expect(lean.exchanges.map(\.diagnosed) == expectedListed.map(\.diagnosed))
        // The summary is the same as with everything listed.
        #expect(lean.summary == full.summary)
        #expect(lean.summary.worstSeverity == full.summary.worstSeverity)
        let json = lean.json.serialized(indent: 0)
        #expect(
            json.contains(
                #""unlistedExchanges":{"exchanges":\#(unlisted.exchanges),"callbacksPassed":\#(unlisted.callbacksPassed)"#
            ),
            "\(json.prefix(1500))")
    }

    /// A worker per job: the indices are all visited once, whatever the number of jobs.
    @Test(arguments: [1, 2, 5, 64])
    func everyIndexIsVisitedOnce(jobs: Int) {
        let counts = Counts(100)
        BatchAnalyzer.forEachConcurrently(count: 100, jobs: jobs) { counts.bump($0) }
        #expect(counts.values == Array(repeating: 1, count: 100))
    }
}

/// Thread-safe counters for ``BatchTests/everyIndexIsVisitedOnce(jobs:)``.
final class Counts: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Int]
    init(_ n: Int) { storage = Array(repeating: 0, count: n) }
    func bump(_ i: Int) {
        lock.lock()
        storage[i] += 1
        lock.unlock()
    }
    var values: [Int] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }
}
