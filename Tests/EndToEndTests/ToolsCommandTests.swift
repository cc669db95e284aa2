import Foundation
import TestSupport
import Testing

/// Issue #18's tools through the real binary: `show`, `stats` (and `analyze --stats`), the
/// narrowing options (`--since`, `--until`, `--rule`, `--failed`) and `exchanges --format csv`.
@Suite(.serialized, .tags(.endToEnd)) struct ToolsCommandTests {
    static let capture = "samples/captures/all-lo.pcap"
    static let key = CLIRunner.sampleKeyArguments

    /// The JSON report with `args` on the sample capture, parsed.
    static func jsonReport(_ args: [String]) throws -> [String: Any] {
        let r = try CLIRunner.run(["analyze", "--format", "json"] + args + [capture])
        #expect(r.status == 1, "stderr: \(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    static func exchanges(_ report: [String: Any]) throws -> [[String: Any]] {
        try #require(report["exchanges"] as? [[String: Any]])
    }

    static func summaryCounts(_ report: [String: Any]) throws -> [Int] {
        let summary = try #require(report["summary"] as? [String: Any])
        return try ["exchanges", "callbacks", "callbacksPassed", "callbacksFailed", "refusedConnections"].map {
            try #require(summary[$0] as? Int)
        }
    }

    /// `--rule` and `--failed` narrow the listing; the summary stays the whole capture's.
    @Test func ruleAndFailedNarrowTheListingNotTheCounts() throws {
        let whole = try Self.jsonReport([])
        let wholeExchanges = try Self.exchanges(whole)
        let narrowed = try Self.jsonReport(["--rule", "bad-status", "--rule", "bom-prefix"])
        let listed = try Self.exchanges(narrowed)
        let expected = wholeExchanges.filter { e in
            ((e["findings"] as? [[String: Any]]) ?? []).contains {
                ["bad-status", "bom-prefix"].contains($0["rule"] as? String ?? "")
            }
        }
        #expect(listed.count == expected.count)
        #expect(listed.count == 9)  // 8 bad-status + 1 bom-prefix in all-lo.pcap (the text report's header)
        #expect(try Self.summaryCounts(narrowed) == Self.summaryCounts(whole))
        let settings = try #require(narrowed["settings"] as? [String: Any])
        let listing = try #require(settings["listing"] as? [String: Any])
        #expect(listing["rules"] as? [String] == ["bad-status", "bom-prefix"])

        let failed = try Self.exchanges(Self.jsonReport(["--failed"]))
        let expectedFailed = wholeExchanges.filter {
            (($0["outcome"] as? [String: Any])?["result"] as? String) == "fail"
        }
        #expect(failed.count == expectedFailed.count)
        // 18 failed callbacks + 1 refused connection attempt (HTTPS is not judged without --server)
        #expect(failed.count == 19)
    }

    /// `--since` / `--until`: half-open `[since, until)` on the exchange's start (`ts` of
    /// `exchanges`); `HH:MM[:SS]` is on the capture's (UTC) day, and an RFC 3339 time with an
    /// offset means the same instant.
    @Test func sinceAndUntilSelectByStartTime() throws {
        func starts(_ args: [String]) throws -> [Double] {
            let r = try CLIRunner.run(["exchanges", "--format", "jsonl"] + args + [Self.capture])
            #expect(r.status == 0, "\(r.stderr)")
            return try r.stdout.split(separator: "\n").map { line in
                let row = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
                return try #require(row["ts"] as? Double)
            }
        }
        let whole = try starts([])
        // all-lo.pcap runs 2026-11-26 00:58:23.731 → 00:59:05.189 UTC; 00:58:40 is 1795654720.
        let lower = 1_795_654_720.0, upper = lower + 20
        let expected = whole.filter { $0 >= lower && $0 < upper }
        #expect(!expected.isEmpty && expected.count < whole.count)
        let window = try starts(["--since", "00:58:40", "--until", "2026-11-26T08:59:00+08:00"])
        #expect(window == expected)
        #expect(try starts(["--since", "2026-11-26T00:58:40Z"]) == whole.filter { $0 >= lower })
        #expect(try starts(["--until", "00:58:40"]) == whole.filter { $0 < lower })
        // One thread (PacketPipeline) and the capture split across three (ShardedPipeline) agree.
        let narrowing = ["--since", "00:58:40", "--failed"]
        #expect(try starts(narrowing + ["-j", "1"]) == starts(narrowing + ["-j", "3"]))
        #expect(try !starts(narrowing + ["-j", "1"]).isEmpty)
    }

    /// Markdown and HTML say the listing was narrowed, as the text does.
    @Test func ticketFormatsSayTheListingIsNarrowed() throws {
        let markdown = try CLIRunner.run(["analyze", "--format", "markdown", "--failed", Self.capture])
        #expect(
            markdown.stdout.contains(
                "> **Listed:** only the exchanges matching --failed, 19 of 40; the counts are the whole capture's."))
        let html = try CLIRunner.run(["analyze", "--format", "html", "--rule", "bom-prefix", Self.capture])
        #expect(
            html.stdout.contains("<strong>Listed:</strong> only the exchanges matching --rule bom-prefix, 1 of 40;"))
        let plain = try CLIRunner.run(["analyze", "--format", "markdown", Self.capture])
        #expect(!plain.stdout.contains("**Listed:**"))
    }

    @Test func badNarrowingValuesAreUsageErrors() throws {
        for args in [["--since", "yesterday"], ["--until", "25:00"], ["--rule", "no-such-rule"]] {
            let r = try CLIRunner.run(["analyze"] + args + [Self.capture])
            #expect(r.status == 64 || r.status == 2, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(args[0]), "\(r.stderr)")
            #expect(r.stdout.isEmpty)
        }
    }

    /// `show CAPTURE N` shows the report's `#N`: the same exchange, with its heads and frames.
    @Test func showPicksTheReportsNumbering() throws {
        let text = try CLIRunner.run(["analyze", "--color", "never", "-v", Self.capture])
        // Every `#N` block or line of the verbose report names its client → server; show agrees.
        let lines = text.stdout.split(separator: "\n").filter { $0.hasPrefix("#") || $0.hasPrefix("  #") }
        #expect(lines.count > 20)
        for line in lines.prefix(40) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            let number = String(fields[0].dropFirst())
            let endpoints = "\(fields[2]) → \(fields[4])"
            let shown = try CLIRunner.run(["show", "--color", "never"] + Self.key + [Self.capture, number])
            #expect(shown.status == 0, "\(shown.stderr)")
            #expect(shown.stdout.hasPrefix("#\(number)  "), "\(shown.stdout.prefix(80))")
            #expect(shown.stdout.contains(endpoints), "#\(number): \(endpoints)")
        }
        let beyond = try CLIRunner.run(["show"] + Self.key + [Self.capture, "9999"])
        #expect(beyond.status == 2)
        #expect(beyond.stderr.contains("no exchange #9999"), "\(beyond.stderr)")
        #expect(beyond.stdout.isEmpty)
    }

    /// `show --redact` hides the authorization header that plain `show` prints as captured.
    @Test func showRedactsOnlyWhenAsked() throws {
        let plain = try CLIRunner.run(["show"] + Self.key + [Self.capture, "2"])
        let redacted = try CLIRunner.run(["show", "--redact"] + Self.key + [Self.capture, "2"])
        #expect(plain.stdout.contains("Authorization: GhLY6pJILKCG"))
        #expect(!plain.stdout.contains("[redacted"))
        #expect(redacted.stdout.contains("[redacted"))
    }

    /// `analyze --stats` writes what `stats` writes.
    @Test func analyzeStatsIsStats() throws {
        let stats = try CLIRunner.run(["stats", "--format", "json"] + Self.key + [Self.capture])
        let viaAnalyze = try CLIRunner.run(["analyze", "--stats", "--format", "json", Self.capture])
        #expect(stats.status == 0)
        #expect(viaAnalyze.status == 1)  // analyze's exit status: callbacks failed
        #expect(viaAnalyze.stdout == stats.stdout)
    }

    /// The statistics add up to the report's summary: every exchange, not the listing.
    @Test func statsAddUpToTheSummary() throws {
        let report = try Self.jsonReport([])
        let summary = try #require(report["summary"] as? [String: Any])
        let r = try CLIRunner.run(["stats", "--format", "json"] + Self.key + [Self.capture])
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let servers = try #require(stats["servers"] as? [[String: Any]])
        var callbacks = 0, failed = 0, passed = 0, refused = 0
        for server in servers {
            let total = try #require(server["total"] as? [String: Any])
            callbacks += try #require(total["callbacks"] as? Int)
            failed += try #require(total["failed"] as? Int)
            passed += try #require(total["passed"] as? Int)
            refused += try #require(total["refusedConnections"] as? Int)
            // The minutes add up to the total.
            let minutes = try #require(server["minutes"] as? [[String: Any]])
            #expect(minutes.compactMap { $0["callbacks"] as? Int }.reduce(0, +) == total["callbacks"] as? Int)
        }
        #expect(callbacks == summary["callbacks"] as? Int)
        #expect(failed == summary["callbacksFailed"] as? Int)
        #expect(passed == summary["callbacksPassed"] as? Int)
        #expect(refused == summary["refusedConnections"] as? Int)
    }

    /// The signature hint: a 128-byte signature cannot be from OSS's 512-bit key; with the key
    /// that made it given, the hint is gone.
    @Test func signatureLengthHintOnlyWithoutTheKey() throws {
        let without = try CLIRunner.run(
            ["analyze", "--color", "never", "samples/captures/good-json.pcap"], sampleKey: false)
        #expect(without.stdout.contains("cannot be from OSS's 512-bit key"), "\(without.stdout)")
        #expect(without.stdout.contains("--public-key"))
        let with = try CLIRunner.run(["analyze", "--color", "never", "-v", Self.capture])
        #expect(!with.stdout.contains("cannot be from OSS's"))
    }

    /// `exchanges --help` offers no option that does nothing there (`--list-all`: it always lists all).
    @Test func exchangesHelpHasNoListAll() throws {
        let r = try CLIRunner.run(["exchanges", "--help"])
        #expect(r.status == 0)
        #expect(!r.stdout.contains("--list-all"))
        #expect(r.stdout.contains("--format <format>"))
        #expect(r.stdout.contains("csv"))
    }
}
