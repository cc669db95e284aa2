import Foundation
import TestSupport
import Testing

/// Issue #17, fleet scale, through the real binary: `analyze --shard K/N` on each "machine", then
/// `merge`, gives the report one run gives; and on a generated capture of over 10,000 callbacks
/// the summary's totals and latency histograms equal the generator's own record.
@Suite(.serialized, .tags(.endToEnd)) struct FleetTests {
    static let batch = "samples/captures"

    /// Every shard of the sample batch, merged (in a scrambled order), is byte for byte the one
    /// run's JSON and JSONL. No field names the run, so nothing is left out of the comparison.
    @Test(arguments: [1, 3, 7])
    func shardsMergedEqualOneRun(shards: Int) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let one = try CLIRunner.run(["analyze", "-q", "--format", "json", Self.batch])
        try #require(one.status == 1, "the batch has failing callbacks: \(one.stderr)")
        var parts: [String] = []
        var capturesSeen = 0
        for k in 0..<shards {
            let part = dir.appendingPathComponent("part-\(k).json").path
            let run = try CLIRunner.run([
                "analyze", "-q", "--shard", "\(k)/\(shards)", "--format", "json", "-o", part, Self.batch,
            ])
            #expect([0, 1].contains(run.status), "shard \(k): \(run.stderr)")
            let json =
                try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: part))) as? [String: Any]
            capturesSeen += (json?["captures"] as? [Any])?.count ?? 0
            parts.append(part)
        }
        let oneJSON = try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any]
        #expect(capturesSeen == (oneJSON?["captures"] as? [Any])?.count, "every capture in exactly one shard")
        let scrambled = parts.enumerated().sorted { ($0.offset * 5) % shards < ($1.offset * 5) % shards }.map(\.element)
        let merged = try CLIRunner.run(["merge"] + scrambled.reversed())
        #expect(merged.status == one.status, "\(merged.stderr)")
        #expect(
            merged.stdout == one.stdout,
            "merged JSON differs from one run (\(merged.stdout.count) vs \(one.stdout.count) bytes)")
        let oneLines = try CLIRunner.run(["analyze", "-q", "--format", "jsonl", Self.batch])
        let mergedLines = try CLIRunner.run(["merge", "--format", "jsonl"] + parts)
        #expect(mergedLines.stdout == oneLines.stdout)
    }

    @Test func mergeNamesAReportItCannotTakeAndGoesOn() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let part = dir.appendingPathComponent("part.json").path, other = dir.appendingPathComponent("other.json").path
        let notJSON = dir.appendingPathComponent("not.json").path
        try #require(
            try CLIRunner.run(["analyze", "-q", "--format", "json", "-o", part, Self.batch + "/bom-json.pcap"]).status
                == 1)
        try #require(
            try CLIRunner.run([
                "analyze", "-q", "--latency-threshold", "2", "--format", "json", "-o", other,
                Self.batch + "/good-json.pcap",
            ]).status == 0)
        try Data("{\"schemaVersion\": 1,".utf8).write(to: URL(fileURLWithPath: notJSON))
        let merged = try CLIRunner.run(["merge", part, part, other, notJSON])
        #expect(merged.status == 2)
        let errors = merged.stderr.split(separator: "\n")
        #expect(errors.count == 3, "\(merged.stderr)")
        #expect(
            errors.contains {
                $0.contains("part.json: capture samples/captures/bom-json.pcap is in an earlier report too")
            })
        #expect(errors.contains { $0.contains("other.json: analysed with other settings") })
        #expect(errors.contains { $0.contains("not.json: not a JSON report") })
        let json = try #require(try JSONSerialization.jsonObject(with: Data(merged.stdout.utf8)) as? [String: Any])
        #expect((json["captures"] as? [Any])?.count == 1, "the report that could be merged is written")
    }

    @Test(arguments: ["1/0", "3/3", "-1/2", "x", "1/2/3", "0/"])
    func aBadShardIsAUsageError(shard: String) throws {
        let run = try CLIRunner.run(["analyze", "--shard", shard, Self.batch])
        #expect(run.status == 64, "\(shard): \(run.stderr)")
        #expect(run.stdout.isEmpty)
    }

    /// The documented bucket layout (docs/report-schema.md), written out again here.
    static func bucket(_ value: Int64) -> Int {
        guard value >= 2048 else { return Int(value) }
        let shift = (64 - value.leadingZeroBitCount) - 11
        return shift * 1024 + Int(value >> shift)
    }

    /// `bench/gen_capture.py` writes > 10,000 callbacks and its truth; the report lists 100 passing
    /// ones, and still every total and the passing latencies' histogram equal the truth.
    @Test func summaryTotalsAndHistogramsEqualTheTruthOnTenThousandCallbacks() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = dir.appendingPathComponent("g.pcap").path
        let generator = try CLIRunner.execute(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["python3", "bench/gen_capture.py", capture, "--size", "30M", "--seed", "17"])
        try #require(generator.status == 0, "\(generator.stderr)")
        let truthData = try Data(contentsOf: dir.appendingPathComponent("g.truth.json"))
        let truth = try #require(try JSONSerialization.jsonObject(with: truthData) as? [String: Any])
        let truthCallbacks = try #require(truth["callbacks"] as? Int)
        try #require(truthCallbacks >= 10_000, "\(truthCallbacks) callbacks")
        var passedLatencies: [Int64] = []
        for line in try String(contentsOfFile: dir.appendingPathComponent("g.truth.tsv").path, encoding: .utf8).split(
            separator: "\n"
        ).dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false)
            if f[3] != "connection-refused", f[3] != "health-check", f[7] == "-", let micros = Int64(f[6]) {
                passedLatencies.append(micros * 1000)
            }
        }
        let run = try CLIRunner.run(
            ["analyze", "-q", "--public-key", "bench/keys/bench-callback-public.pem", "--format", "json", capture],
            sampleKey: false)
        try #require(run.status == 1, "\(run.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let summary = try #require(report["summary"] as? [String: Any])
        for key in ["exchanges", "callbacks", "callbacksPassed", "callbacksFailed", "refusedConnections"] {
            #expect(summary[key] as? Int == truth[key] as? Int, "\(key)")
        }
        #expect(summary["findingsByRule"] as? [String: Int] == truth["findingsByRule"] as? [String: Int])
        let aggregates = try #require(summary["aggregates"] as? [String: Any])
        let byKind = try #require(aggregates["exchangesByKind"] as? [String: Int])
        #expect(byKind["passedCallback"] == truth["callbacksPassed"] as? Int)
        #expect(byKind.values.reduce(0, +) == truth["exchanges"] as? Int)
        let latency = try #require((aggregates["latency"] as? [String: Any])?["byKind"] as? [String: Any])
        let passed = try #require(latency["passedCallback"] as? [String: Any])
        #expect(passed["count"] as? Int == passedLatencies.count)
        #expect(passed["exact"] as? Bool == false)
        #expect((passed["minNanoseconds"] as? NSNumber)?.int64Value == passedLatencies.min())
        #expect((passed["maxNanoseconds"] as? NSNumber)?.int64Value == passedLatencies.max())
        var expected: [Int: Int] = [:]
        for value in passedLatencies { expected[Self.bucket(value), default: 0] += 1 }
        let buckets = try #require(passed["buckets"] as? [[Int]])
        #expect(buckets.map { $0[0] } == expected.keys.sorted())
        #expect(buckets.map { $0[1] } == expected.keys.sorted().map { expected[$0]! })
        let minutes = try #require(aggregates["minutes"] as? [[String: Any]])
        #expect(minutes.compactMap { $0["callbacks"] as? Int }.reduce(0, +) == truthCallbacks)
        #expect(
            minutes.compactMap { ($0["latency"] as? [String: Any])?["count"] as? Int }.reduce(0, +)
                >= passedLatencies.count)
        let listing = try #require((summary["listing"] as? [String: Any])?["byKind"] as? [String: [String: Int]])
        #expect(listing["passedCallback"] == ["shown": 100, "total": truth["callbacksPassed"] as? Int ?? -1])
        #expect((report["exchanges"] as? [Any])?.count ?? 0 < 1000, "the listing stays bounded")
    }
}
