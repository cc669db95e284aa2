import Analysis
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import ReportModel
import TestSupport
import Testing
import UploadCallbacks

/// The uploader's side (issue #7) on the recorded samples: what the report says about uploads
/// to the fake OSS endpoint, beyond the rule ids SampleScenarioTests checks.
@Suite(.tags(.endToEnd)) struct UploadSampleTests {
    static func analyze(_ name: String) -> [DiagnosedExchange] { analyze(path: "captures/\(name).pcap") }

    /// The exchanges of `samples/<path>`, in connection order.
    static func analyze(path: String) -> [DiagnosedExchange] {
        CaptureAnalyzer.analyze(path: SampleRecording.path(path), options: AnalysisOptions()).exchanges
            .map(\.diagnosed).sorted { $0.exchange.index < $1.exchange.index }
    }

    @Test func callbackFailedShowsMessageAndEC() throws {
        let d = try #require(Self.analyze("upload-callback-failed").first)
        #expect(d.upload?.callback?.location == .header)
        #expect(d.upload?.callback?.variables.map(\.name) == ["x:uid"])
        #expect(d.upload?.callbackFailed?.message == "Response body is not valid json format.")
        #expect(d.upload?.callbackFailed?.ec == "0007-00000205")
        #expect(d.upload?.callbackFailed?.meaning == .bodyNotJSON)
    }

    @Test func everyInvalidUploadMatchesWhatTheFakeOSSAnswered() throws {
        let exchanges = Self.analyze("upload-invalid-callback") + Self.analyze("upload-private-address")
        #expect(exchanges.count == 4)
        for d in exchanges {
            // The fake OSS (samples/fake_oss.py) checks independently; the predicted message must be its answer.
            let predicted = try #require(d.upload?.callback?.predictedRejection)
            #expect(d.exchange.response?.head.status == 400)
            #expect(d.upload?.ossError?.message == predicted.ossMessage)
            #expect(d.upload?.ossError?.ec == predicted.ec)
        }
        #expect(exchanges.last?.upload?.callback?.location == .query)
    }

    @Test func postObjectFormIsDecodedAndItsSecretRedacted() throws {
        let d = try #require(Self.analyze("upload-postobject").first)
        #expect(d.upload?.callback?.location == .form)
        #expect(d.upload?.callback?.variables.map(\.name) == ["x:uid", "x:token"])
        #expect(d.upload?.callbackFailed?.meaning == .couldNotConnect)
        #expect(d.upload?.callbackFailed?.ec == nil)
        for format in ["markdown", "html"] {
            let r = try CLIRunner.run(["analyze", "--format", format, "samples/captures/upload-postobject.pcap"])
            #expect(r.status == 1)
            #expect(r.stdout.contains("x:token"))
            #expect(!r.stdout.contains("tok-5ecret-42"), "\(format) leaks the x:token value")
        }
        let json = try CLIRunner.run([
            "analyze", "--format", "json", "--redact", "samples/captures/upload-postobject.pcap",
        ])
        #expect(!json.stdout.contains("tok-5ecret-42"))
        let plain = try CLIRunner.run(["analyze", "--format", "json", "samples/captures/upload-postobject.pcap"])
        #expect(plain.stdout.contains("tok-5ecret-42"))
    }

    // MARK: - Issue #16 item 7: samples/record-uploads.sh's recordings (samples/uploads/)

    /// One upload of `samples/uploads/recording.json`: its target, the fake OSS's status line, and
    /// the rule ids expected.
    struct RecordedUpload {
        var scenario: String
        var capture: String
        var target: String
        var statusLine: String
        var expect: [String]
    }

    static func recordedUploads() throws -> [RecordedUpload] {
        let url = SampleRecording.samplesDirectory.appendingPathComponent("uploads/recording.json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let scenarios = try #require(root["scenarios"] as? [[String: Any]])
        return try scenarios.flatMap { s in
            let name = try #require(s["name"] as? String)
            let capture = try #require(s["capture"] as? String)
            return try #require(s["exchanges"] as? [[String: Any]]).map { e in
                RecordedUpload(
                    scenario: name, capture: capture, target: e["target"] as? String ?? "",
                    statusLine: e["statusLine"] as? String ?? "",
                    expect: e["expect"] as? [String] ?? [])
            }
        }
    }

    @Test func everyRecordedUploadGetsTheRulesItsRecordingExpects() throws {
        let uploads = try Self.recordedUploads()
        #expect(uploads.count == 5)
        for (capture, recorded) in Dictionary(grouping: uploads, by: \.capture) {
            let analysed = Self.analyze(path: capture)
            #expect(analysed.count == recorded.count, "\(capture)")
            for (d, r) in zip(analysed, recorded) {
                #expect(d.exchange.request?.head.target == r.target)
                #expect(r.statusLine.hasPrefix("HTTP/1.1 \(d.exchange.response?.head.status ?? 0) "), "\(r.target)")
                #expect(
                    Set(d.findings.map(\.rule.rawValue)) == Set(r.expect),
                    "\(r.scenario) \(r.target): \(d.findings.map(\.message))")
                #expect(d.upload?.callback != nil, "\(r.target) is an upload with callback parameters")
            }
        }
    }

    @Test func jsonTemplateWarningNamesTheByteBesideOSSsAnswer() throws {
        let d = try #require(Self.analyze(path: "uploads/upload-json-body-broken.pcap").first)
        let warning = try #require(d.findings.first { $0.rule == .callbackConfigWarning })
        #expect(warning.message.contains("callbackBody cannot become JSON"))
        #expect(warning.message.contains("the template ends at byte 34 before the JSON value is complete"))
        #expect(d.upload?.callbackFailed?.message == "Error status : 400.")
        let text = try CLIRunner.run(["analyze", "samples/uploads/upload-json-body-broken.pcap"])
        #expect(text.status == 1)
        #expect(
            text.stdout.contains(
                "checks: OSS's documented checks pass, but the callback will not work as meant (see the warning)"))
        #expect(!text.stdout.contains("checks: OSS's documented checks pass\n"))
    }

    @Test func callbackVarOnlySaysSoInEveryLine() throws {
        let text = try CLIRunner.run(["analyze", "samples/uploads/upload-callback-var-only.pcap"])
        #expect(text.status == 0)  // a warning does not fail the run under --fail-on error
        #expect(text.stdout.contains("    callback: none; only callback-var, in header\n"))
        #expect(!text.stdout.contains("Base64 bytes"))
        #expect(!text.stdout.contains("checks: OSS's documented checks pass"))
        #expect(text.stdout.contains("fix: Add the callback parameter (x-oss-callback)"))
        #expect(!text.stdout.contains("IPv4"))
        #expect(text.stdout.contains("location: none (callback-var in header)"))
    }

    @Test func variableCaseNoteSaysWhatIsWrong() throws {
        let d = try #require(Self.analyze(path: "uploads/upload-variable-case.pcap").first)
        let warning = try #require(d.findings.first)
        #expect(warning.message.hasPrefix("variable \"x:MyVar\" has upper-case letters;"))
        #expect(!warning.message.contains("should start with"))
        #expect(warning.hint == "Name the variable \"x:myvar\", in callback-var and in callbackBody alike.")
    }

    /// Issue #16 item 7: the blocks keep their report-wide numbers, and the line under them names
    /// the numbers not listed, so every number 1...N is accounted for.
    @Test func everyExchangeNumberIsListedOrNamedAsLeftOut() throws {
        let text = try CLIRunner.run(["analyze", "samples/captures/all-lo.pcap"]).stdout
        let lines = text.split(separator: "\n")
        let blocks = lines.compactMap { line -> Int? in
            guard line.hasPrefix("#"), let end = line.firstIndex(of: " ") else { return nil }
            return Int(line[line.index(after: line.startIndex)..<end])
        }
        let footer = try #require(lines.last { $0.contains("-v lists them") })
        let named = try #require(footer.split(separator: "(").last).dropLast(2).split(separator: ", ").flatMap {
            item -> [Int] in
            let bounds = item.split(separator: "-").compactMap { Int($0.dropFirst()) }
            return bounds.count == 2 ? Array(bounds[0]...bounds[1]) : bounds
        }
        let total = try #require(
            try JSONSerialization.jsonObject(
                with: Data(CLIRunner.run(["analyze", "--format", "json", "samples/captures/all-lo.pcap"]).stdout.utf8))
                as? [String: Any])
        let count = try #require(total["exchanges"] as? [Any]).count
        #expect(Set(blocks).isDisjoint(with: named))
        #expect((blocks + named).sorted() == Array(1...count), "\(footer)")
    }
}
