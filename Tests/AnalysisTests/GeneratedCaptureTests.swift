import Analysis
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import ReportModel
import TCPReassembly
import TestSupport
import Testing

/// The benchmark's generator (`bench/gen_capture.py`) writes a capture and its own record of what
/// every exchange in it is. Analysing a small one must give back exactly that record: every
/// exchange, its status, its latency to the microsecond, and its findings.
@Suite(.serialized, .tags(.endToEnd)) struct GeneratedCaptureTests {
    struct Truth {
        var method: String
        var status: Int?
        var latencyMicros: Int64?
        var rules: [String]
    }

    /// Runs the generator; returns the capture's path and the truth by "client #index".
    static func generate(size: String, seed: Int, in dir: String) throws -> (String, [String: Truth], [String: Any]) {
        let capture = dir + "/generated.pcap"
        let run = try Subprocess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", Fixtures.packageRoot.appendingPathComponent("bench/gen_capture.py").path, capture, "--size",
                size, "--seed", String(seed),
            ],
            environment: ["PYTHONDONTWRITEBYTECODE": "1"])
        try #require(run.status == 0, "gen_capture.py: \(run.stderr)")

        let tsv = try String(contentsOfFile: dir + "/generated.truth.tsv", encoding: .utf8)
        var truth: [String: Truth] = [:]
        for line in tsv.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            try #require(f.count == 8)
            truth[f[0] + " #" + f[2]] = Truth(
                method: f[4], status: Int(f[5]), latencyMicros: Int64(f[6]),
                rules: f[7] == "-" ? [] : f[7].split(separator: ",").map(String.init))
        }
        let totals =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: dir + "/generated.truth.json"))) as? [String: Any]
        return (capture, truth, totals ?? [:])
    }

    @Test func everyExchangeMatchesTheGeneratorsRecord() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let (capture, truth, totals) = try Self.generate(size: "3M", seed: 11, in: dir)
        var options = try Fixtures.options(key: Fixtures.benchKey)
        options.maxPassingExchangesKept = .max
        let report = BatchAnalyzer.analyze(arguments: [capture], options: options, tool: .init(version: "t"), jobs: 1)
        let summary = try #require(report.captures.first)
        #expect(summary.error == nil && summary.complete)
        #expect(summary.packets == totals["packets"] as? Int)
        #expect(summary.reassembly.gaps == 0 && summary.reassembly.retransmittedSegments == 0)

        #expect(report.exchanges.count == truth.count)
        var seen = Set<String>()
        for reported in report.exchanges {
            let e = reported.diagnosed.exchange
            let key = "\(e.connection.client) #\(e.index)"
            #expect(seen.insert(key).inserted, "\(key) twice")
            guard let expected = truth[key] else {
                Issue.record("\(key) is not in the truth file")
                continue
            }
            #expect((e.request?.head.method ?? "-") == expected.method, "\(key)")
            #expect(e.response?.head.status == expected.status || expected.status == nil && e.response == nil, "\(key)")
            if let micros = expected.latencyMicros {
                let latency = try #require(e.latencySeconds, "\(key)")
                #expect(abs(latency * 1e6 - Double(micros)) < 0.5, "\(key): \(latency) s vs \(micros) µs")
            }
            #expect(reported.diagnosed.findings.map(\.rule.rawValue) == expected.rules, "\(key)")
        }
        // The totals, from the summary.
        #expect(report.summary.exchanges == totals["exchanges"] as? Int)
        #expect(report.summary.callbacks == totals["callbacks"] as? Int)
        #expect(report.summary.callbacksFailed == totals["callbacksFailed"] as? Int)
        #expect(report.summary.callbacksPassed == totals["callbacksPassed"] as? Int)
        let byRule = Dictionary(
            uniqueKeysWithValues: report.summary.findingsByRule.map { ($0.rule.rawValue, $0.count) })
        #expect(byRule == totals["findingsByRule"] as? [String: Int])
    }

    /// With the default quotas, the summary still equals the truth, and what is listed plus what
    /// is only counted is every exchange.
    @Test func boundedReportKeepsExactTotals() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let (capture, truth, totals) = try Self.generate(size: "8M", seed: 5, in: dir)
        let report = BatchAnalyzer.analyze(
            arguments: [capture], options: try Fixtures.options(key: Fixtures.benchKey), tool: .init(version: "t"),
            jobs: 1)
        let unlisted = report.captures[0].unlisted
        #expect(unlisted.callbacksPassed == (totals["callbacksPassed"] as? Int ?? 0) - 100)
        #expect(report.exchanges.count + unlisted.exchanges == truth.count)
        #expect(report.summary.exchanges == truth.count)
        #expect(report.summary.callbacksFailed == totals["callbacksFailed"] as? Int)
        let byRule = Dictionary(
            uniqueKeysWithValues: report.summary.findingsByRule.map { ($0.rule.rawValue, $0.count) })
        #expect(byRule == totals["findingsByRule"] as? [String: Int])
        // No kind of failure lists more than its quota.
        let listedByRule = Dictionary(
            grouping: report.exchanges.compactMap { $0.diagnosed.findings.first?.rule }, by: { $0 })
        #expect(listedByRule.values.allSatisfy { $0.count <= 100 })
    }
}
