import CaptureModel
import Foundation
import TestSupport
import Testing

/// What counts as a callback, through the binary: requests whose head was cut are *possible
/// callbacks* and every format counts them so that the numbers add up; HTTPS is judged only for
/// callback servers (`--server`, or a server plaintext callbacks went to), so unrelated HTTPS
/// never fails a run.
@Suite(.tags(.endToEnd)) struct CallbackScopeTests {
    static let formats = ["text", "json", "jsonl", "markdown", "html"]

    // MARK: - HTTPS to an unrelated server

    /// A capture with HTTPS to 10.0.0.9:443 whose response ends 6 s after the request (a
    /// `slow-response` if it were a callback) and a plain GET: no OSS callback at all.
    static func unrelatedHTTPSCapture() throws -> URL {
        var capture = InterleavedConversations()
        let client = PacketBuilder.ipv4("10.0.0.7"), server = PacketBuilder.ipv4("10.0.0.9")
        capture.add(
            client: Endpoint(address: client, port: 40_001), server: Endpoint(address: server, port: 443), at: 0,
            InterleavedConversations.https(latency: 6))
        capture.add(
            client: Endpoint(address: client, port: 40_002), server: Endpoint(address: server, port: 80), at: 1,
            InterleavedConversations.plainGET())
        let file = try CLIRunner.temporaryDirectory().appendingPathComponent("unrelated-https.pcap")
        try capture.write(to: file.path)
        return file
    }

    @Test func unrelatedHTTPSIsListedNotJudgedAndDoesNotFailTheRunInAnyFormat() throws {
        let file = try Self.unrelatedHTTPSCapture()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        for format in Self.formats {
            let r = try CLIRunner.run(["analyze", "--format", format, file.path])
            #expect(r.status == 0, "\(format): \(r.stderr)")
            // (The HTML's stylesheet names every rule: only what follows it is the report.)
            let said = r.stdout.components(separatedBy: "</style>").last ?? ""
            #expect(!said.contains("slow-response") && !said.contains("OSS told the uploader"), "\(format)")
        }
        let text = try CLIRunner.run(["analyze", "-v", file.path]).stdout
        #expect(text.contains("Callbacks: 0 seen, 0 passed, 0 failed\n"))
        #expect(
            text.contains(
                "HTTPS: 1 connection not judged (no plaintext callback went to its server; --server HOST:PORT judges it)"
            ))
        #expect(text.contains("HTTPS, not judged (1):"))
        let report = try Self.json(["analyze", "--format", "json", file.path])
        let summary = try #require(report["summary"] as? [String: Any])
        #expect(
            summary["httpsNotJudged"] as? Int == 1 && summary["callbacks"] as? Int == 0
                && summary["exchanges"] as? Int == 2)
        let exchanges = try #require(report["exchanges"] as? [[String: Any]])
        let https = try #require(exchanges.first { $0["tls"] is [String: Any] })
        #expect(https["httpsNotJudged"] as? Bool == true && https["isCallback"] as? Bool == false)
        #expect((https["findings"] as? [Any])?.isEmpty == true)
        #expect((https["outcome"] as? [String: Any])?["result"] as? String == "not-a-callback")
    }

    @Test func namingTheServerJudgesItsHTTPS() throws {
        let file = try Self.unrelatedHTTPSCapture()
        defer { try? FileManager.default.removeItem(at: file.deletingLastPathComponent()) }
        let r = try CLIRunner.run(["analyze", "--server", "10.0.0.9:443", file.path])
        #expect(r.status == 1)
        #expect(r.stdout.contains("Callbacks: 1 seen, 0 passed, 1 failed"))
        #expect(r.stdout.contains("slow-response (estimated)"))
        // The listing keeps to the named server: the GET to port 80 is counted, not listed.
        let report = try Self.json(["analyze", "--format", "json", "--server", "10.0.0.9:443", file.path])
        #expect((report["exchanges"] as? [Any])?.count == 1)
        #expect((report["summary"] as? [String: Any])?["exchanges"] as? Int == 2)
        #expect((report["settings"] as? [String: Any])?["servers"] as? [String] == ["10.0.0.9:443"])
        let table = try CLIRunner.run(["exchanges", "--server", ":443", file.path])
        #expect(table.status == 0)
        #expect(table.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }.count == 1)
    }

    @Test(arguments: ["analyze", "exchanges", "watch"])
    func aBadServerIsAOneLineUsageError(_ command: String) throws {
        var arguments = [command, "--server", "callback.example:9000"]
        arguments += command == "watch" ? ["-i", "lo"] : ["samples/captures/good-json.pcap"]
        let r = try CLIRunner.run(arguments)
        #expect(r.status == 64)
        let first = try #require(r.stderr.split(separator: "\n").first)
        #expect(
            first
                == "Error: --server callback.example:9000: callback.example is not an IP address (names are not resolved; use the address the capture shows)"
        )
    }

    // MARK: - Possible callbacks: the numbers add up

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let r = try CLIRunner.run(arguments)
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    struct Counts: Equatable {
        var exchanges = 0, callbacks = 0, passed = 0, failed = 0, unknown = 0
        var possible = 0, possibleFailed = 0, possibleUnknown = 0, refused = 0, httpsNotJudged = 0

        init() {}

        /// From a `summary` or `perCapture` object.
        init(summary s: [String: Any]) {
            exchanges = s["exchanges"] as? Int ?? -1
            callbacks = s["callbacks"] as? Int ?? -1
            passed = s["callbacksPassed"] as? Int ?? -1
            failed = s["callbacksFailed"] as? Int ?? -1
            unknown = s["callbacksUnknown"] as? Int ?? -1
            possible = s["possibleCallbacks"] as? Int ?? -1
            possibleFailed = s["possibleCallbacksFailed"] as? Int ?? -1
            possibleUnknown = s["possibleCallbacksUnknown"] as? Int ?? -1
            refused = s["refusedConnections"] as? Int ?? -1
            httpsNotJudged = s["httpsNotJudged"] as? Int ?? -1
        }

        /// Counted from exchange objects (the JSON report's or JSONL's lines).
        init(exchanges list: [[String: Any]]) {
            for e in list {
                exchanges += 1
                let result = (e["outcome"] as? [String: Any])?["result"] as? String
                if e["connectionAttempt"] != nil { refused += 1 }
                if e["httpsNotJudged"] as? Bool == true { httpsNotJudged += 1 }
                if e["isCallback"] as? Bool == true {
                    callbacks += 1
                    if result == "pass" { passed += 1 }
                    if result == "fail" { failed += 1 }
                    if result == "unknown" { unknown += 1 }
                } else if e["possibleCallback"] as? Bool == true {
                    possible += 1
                    if result == "fail" { possibleFailed += 1 } else { possibleUnknown += 1 }
                }
            }
        }
    }

    @Test(arguments: ["samples/derived/snaplen-200.pcap", "samples/derived/recorded-snaplen200.pcap"])
    func possibleCallbacksAddUpInEveryFormat(_ capture: String) throws {
        let report = try Self.json(["analyze", "--format", "json", capture])
        let summary = Counts(summary: try #require(report["summary"] as? [String: Any]))
        let exchanges = try #require(report["exchanges"] as? [[String: Any]])
        let perCapture = try #require((report["summary"] as? [String: Any])?["perCapture"] as? [[String: Any]])
        let unlisted = try #require(
            ((report["captures"] as? [[String: Any]])?.first)?["unlistedExchanges"] as? [String: Any])
        try #require(unlisted["exchanges"] as? Int == 0, "every exchange listed, so the listing can be counted")

        // The cut heads are possible callbacks, and they fail the run.
        #expect(summary.callbacks == 0 && summary.possible > 0 && summary.possibleFailed > 0)
        #expect(summary.callbacks == summary.passed + summary.failed + summary.unknown)
        #expect(summary.possible == summary.possibleFailed + summary.possibleUnknown)
        #expect(Counts(exchanges: exchanges) == summary)
        #expect(perCapture.count == 1 && Counts(summary: perCapture[0]) == summary)
        // No exchange fails that is neither a callback, a possible callback nor a connection attempt.
        for e in exchanges where (e["outcome"] as? [String: Any])?["result"] as? String == "fail" {
            #expect(
                e["isCallback"] as? Bool == true || e["possibleCallback"] as? Bool == true
                    || e["connectionAttempt"] != nil)
        }
        #expect(try CLIRunner.run(["analyze", "--format", "json", capture]).status == 1)

        // JSONL: the same exchanges, one a line.
        let lines = try CLIRunner.run(["analyze", "--format", "jsonl", capture]).stdout.split(separator: "\n")
        let records = try lines.map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        #expect(Counts(exchanges: records) == summary)

        // Text: the headline and the failure section say the same numbers.
        let text = try CLIRunner.run(["analyze", "--color", "never", capture]).stdout
        var headline =
            "Callbacks: 0 seen, 0 passed, 0 failed; \(summary.possible) possible callbacks (request head cut): \(summary.possibleFailed) failed"
        if summary.possibleUnknown > 0 { headline += ", \(summary.possibleUnknown) not judged" }
        if summary.refused > 0 {
            headline += "; \(summary.refused) refused connection attempt\(summary.refused == 1 ? "" : "s")"
        }
        #expect(text.contains(headline + "\n"), "\(text.prefix(600))")
        var failed = "Failed (\(summary.possibleFailed) possible callbacks"
        if summary.refused > 0 {
            failed += ", \(summary.refused) refused connection attempt\(summary.refused == 1 ? "" : "s")"
        }
        #expect(text.contains(failed + "):\n"))
        let failBlocks = text.split(separator: "\n").filter { $0.hasPrefix("#") && $0.hasSuffix("  FAIL") }
        #expect(failBlocks.count == summary.possibleFailed + summary.refused)
        #expect(!text.contains("No OSS callback was found"))

        // Markdown and HTML: the summary line, and one failing row per failure.
        // (--detail full: the brief Markdown shows the first 10 rows.)
        let markdown = try CLIRunner.run(["analyze", "--format", "markdown", "--detail", "full", capture]).stdout
        #expect(
            markdown.contains(
                "- Possible callbacks: \(summary.possible) possible callbacks (request head cut): \(summary.possibleFailed) failed"
            ))
        #expect(markdown.components(separatedBy: "(possible callback: head cut)").count - 1 == summary.possibleFailed)
        let html = try CLIRunner.run(["analyze", "--format", "html", capture]).stdout
        #expect(
            html.contains(
                "<span class=\"n\">\(summary.possible)</span><span class=\"l\">possible callbacks (head cut): \(summary.possibleFailed) failed</span>"
            ))
        #expect(
            html.components(separatedBy: "<em>(possible callback: head cut)</em>").count - 1 == summary.possibleFailed)
    }
}
