import Foundation
import TestSupport
import Testing

/// The command line as a user meets it: exit statuses, one-line errors, partial reports.
@Suite(.serialized, .tags(.endToEnd)) struct CLITests {
    @Test func passingCallbackExitsZero() throws {
        let r = try CLIRunner.run(["analyze", "samples/captures/good-json.pcap"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("Callbacks: 1 seen, 1 passed, 0 failed"))
        #expect(r.stderr.isEmpty)
    }

    @Test(arguments: ["text", "json"])
    func failingCallbackExitsOne(format: String) throws {
        let r = try CLIRunner.run(["analyze", "--format", format, "samples/captures/bom-json.pcap"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("bom-prefix"))
    }

    @Test func jsonFollowsTheContract() throws {
        let r = try CLIRunner.run([
            "analyze", "--format", "json", "samples/captures/short-body.pcap", "samples/captures/refused.pcap",
        ])
        #expect(r.status == 1)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(root["schemaVersion"] as? Int == 1)
        #expect((root["tool"] as? [String: Any])?["name"] as? String == "callback-doctor")
        let settings = try #require(root["settings"] as? [String: Any])
        #expect(settings["latencyThresholdSeconds"] as? Double == 5)
        let captures = try #require(root["captures"] as? [[String: Any]])
        #expect(
            captures.map { $0["path"] as? String } == [
                "samples/captures/short-body.pcap", "samples/captures/refused.pcap",
            ])
        #expect(captures.allSatisfy { ($0["linkTypes"] as? [String]) == ["EN10MB"] && $0["complete"] as? Bool == true })
        let exchanges = try #require(root["exchanges"] as? [[String: Any]])
        #expect(exchanges.count == 2)

        let short = exchanges[0]
        let connection = try #require(short["connection"] as? [String: Any])
        #expect((connection["server"] as? String) == "127.0.0.1:9018")
        #expect(connection["index"] as? Int == 0)
        #expect(short["isCallback"] as? Bool == true)
        let request = try #require(short["request"] as? [String: Any])
        #expect(request["method"] as? String == "POST")
        let headers = try #require(request["headers"] as? [[String: String]])
        #expect(headers.first?["name"] == "Host")
        for key in ["startTime", "endTime"] {
            let time = try #require(request[key] as? String)
            // RFC 3339 UTC with nanoseconds.
            #expect(
                time.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$"#, options: .regularExpression) != nil,
                "\(time)")
        }
        let response = try #require(short["response"] as? [String: Any])
        #expect(response["status"] as? Int == 200)
        #expect(response["contentLength"] as? Int == 15)
        #expect(response["bodySize"] as? Int == 0)
        #expect(short["latencySeconds"] is Double)
        let findings = try #require(short["findings"] as? [[String: Any]])
        #expect(findings.map { $0["rule"] as? String } == ["content-length-mismatch"])
        for key in ["severity", "message", "evidence", "ossError", "hint"] {
            #expect(findings[0][key] != nil, "\(key)")
        }
        #expect((short["outcome"] as? [String: Any])?["uploaderStatus"] as? Int == 203)

        let refused = exchanges[1]
        #expect(refused["request"] is NSNull)
        #expect(refused["response"] is NSNull)
        #expect((refused["findings"] as? [[String: Any]])?.first?["rule"] as? String == "connection-refused")

        let summary = try #require(root["summary"] as? [String: Any])
        #expect(summary["callbacksFailed"] as? Int == 1)
        #expect(
            (summary["findingsByRule"] as? [String: Int]) == ["connection-refused": 1, "content-length-mismatch": 1])
    }

    @Test func missingFileIsOneLineAndExitTwo() throws {
        let r = try CLIRunner.run(["analyze", "no/such/file.pcap"])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("no/such/file.pcap") == true)
    }

    @Test func textFileAndEmptyDirectoryAreReportedAndTheBatchGoesOn() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let text = dir.appendingPathComponent("notes.pcap")
        try "this is not a capture\n".write(to: text, atomically: true, encoding: .utf8)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let r = try CLIRunner.run([
            "analyze", "--format", "json", text.path, empty.path, "samples/captures/good-json.pcap",
        ])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 2, "\(r.stderr)")
        #expect(lines.contains { $0.contains(text.path) })
        #expect(lines.contains { $0.contains(empty.path) && $0.contains("no capture files") })
        // The good capture was still analysed.
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((root["exchanges"] as? [Any])?.count == 1)
        #expect((root["summary"] as? [String: Any])?["capturesUnreadable"] as? Int == 2)
    }

    @Test func truncatedCaptureGivesThePartReadAndExitTwo() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let cut = dir.appendingPathComponent("cut.pcap")
        let whole = try Data(contentsOf: URL(fileURLWithPath: SampleRecording.path("captures/all-lo.pcap")))
        // Cut inside a record in the second half of the file.
        try whole.prefix(whole.count / 2 + 7).write(to: cut)
        let r = try CLIRunner.run(["analyze", "--format", "json", cut.path])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains(cut.path) == true)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let capture = try #require((root["captures"] as? [[String: Any]])?.first)
        #expect(capture["complete"] as? Bool == false)
        #expect((capture["problems"] as? [String])?.isEmpty == false)
        #expect(((root["exchanges"] as? [Any])?.count ?? 0) >= 5)
    }

    @Test func directoriesAreSearchedRecursively() throws {
        let r = try CLIRunner.run(["analyze", "--format", "json", "samples/captures"])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let paths = (root["captures"] as? [[String: Any]])?.compactMap { $0["path"] as? String } ?? []
        // 36 scenarios + 4 combined recordings + the two-interface merge (issue #18), in
        // field/ 8 scenarios + their combined recording, in stacks/ (issue #19, legs) 10 stacks +
        // their combined recording, and in hints/ (issue #19, stack hints) 8 + 1.
        #expect(paths.count == 70)
        #expect(paths.filter { $0.contains("/captures/field/") }.count == 9)
        #expect(paths.filter { $0.contains("/captures/stacks/") }.count == 11)
        #expect(paths.filter { $0.contains("/captures/hints/") }.count == 9)
        #expect(paths == paths.sorted())
        #expect(r.status == 1)
    }

    @Test func latencyThresholdIsAnOption() throws {
        let strict = try CLIRunner.run(["analyze", "--latency-threshold", "4", "samples/captures/slow-4_5s.pcap"])
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("slow-response"))
        let bad = try CLIRunner.run(["analyze", "--latency-threshold", "-1", "samples/captures/slow-4_5s.pcap"])
        #expect(bad.status == 64)  // usage error (EX_USAGE), as swift-argument-parser reports validation errors
    }

    @Test func bpfFilterSelectsTraffic() throws {
        let r = try CLIRunner.run([
            "analyze", "--format", "json", "-f", "tcp port 9001", "samples/captures/all-lo.pcap",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect((root["exchanges"] as? [Any])?.count == 1)
        // A filter that does not compile is a usage error (exit 64), told once before any file is read (issue #18).
        let bad = try CLIRunner.run(["analyze", "-f", "tcp port", "samples/captures/all-lo.pcap"])
        #expect(bad.status == 64)
        #expect(bad.stderr.split(separator: "\n").filter { $0.contains("tcp port") }.count == 1)
        #expect(bad.stdout.isEmpty)
    }

    @Test func rulesListsEveryRule() throws {
        let r = try CLIRunner.run(["rules"])
        #expect(r.status == 0)
        for id in [
            "connection-refused", "no-response", "slow-response", "bad-status", "bom-prefix", "non-json-body",
            "missing-content-length", "content-length-mismatch", "body-too-large", "incomplete",
        ] {
            #expect(r.stdout.contains(id + " ("), "\(id)")
        }
    }
}
