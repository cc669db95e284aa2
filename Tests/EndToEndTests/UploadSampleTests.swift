import Analysis
import Diagnosis
import Foundation
import ReportModel
import Testing

/// The uploader's side (issue #7) on the recorded samples: what the report says about uploads
/// to the fake OSS endpoint, beyond the rule ids SampleScenarioTests checks.
@Suite struct UploadSampleTests {
    static func analyze(_ name: String) -> [DiagnosedExchange] {
        CaptureAnalyzer.analyze(path: SampleRecording.path("captures/\(name).pcap"), options: AnalysisOptions()).exchanges
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
        let json = try CLIRunner.run(["analyze", "--format", "json", "--redact", "samples/captures/upload-postobject.pcap"])
        #expect(!json.stdout.contains("tok-5ecret-42"))
        let plain = try CLIRunner.run(["analyze", "--format", "json", "samples/captures/upload-postobject.pcap"])
        #expect(plain.stdout.contains("tok-5ecret-42"))
    }
}
