import Analysis
import CallbackSignature
import CaptureModel
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import ReportModel
import TCPReassembly
import TestSupport
import Testing

/// The real stacks of issue #19 (`samples/record-stacks.sh`, `samples/recording-stacks.json`):
/// nginx in front of an app, recorded with both legs on one interface (the `tcpdump -i any`
/// situation). One callback per scenario, its inner legs attached, one verdict.
@Suite struct StackSampleTests {
    /// One scenario of `recording-stacks.json`: what the sender sent and what it stands for.
    struct Scenario {
        var name: String
        var capture: String
        var port: Int
        var expect: Set<String>
        /// The truth's inner legs that are on the wire (`upstream` host:port), with their `expect`.
        var legs: [(upstream: String, expect: String)]
        var status: Int?
    }

    static let truthFile = SampleRecording.samplesDirectory.appendingPathComponent("recording-stacks.json").path

    /// `recording-stacks.json`'s scenarios, or why they could not be read
    /// (``recordingHasEveryStack()`` fails with it; the parameterised tests then have no case).
    static let loaded: Result<[Scenario], any Error> = Result {
        let data = try #require(FileManager.default.contents(atPath: truthFile), "cannot read \(truthFile)")
        let root = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let list = try #require(root?["scenarios"] as? [[String: Any]], "\(truthFile) has no scenarios list")
        return list.map { s in
            let legs = (s["legs"] as? [[String: Any]] ?? []).compactMap { leg -> (String, String)? in
                guard let upstream = leg["upstream"] as? String, upstream.hasPrefix("127.0.0.1:") else { return nil }
                return (upstream, leg["expect"] as? String ?? "")
            }
            let exchange = (s["exchanges"] as? [[String: Any]])?.first
            let response = exchange?["response"] as? [String: Any]
            return Scenario(
                name: s["name"] as? String ?? "", capture: s["capture"] as? String ?? "", port: s["port"] as? Int ?? 0,
                expect: Set(s["expect"] as? [String] ?? []), legs: legs, status: response?["status"] as? Int)
        }
    }

    static func analyze(_ relative: String, parts: Int = 1) throws -> CaptureAnalysis {
        var options = try SampleRecording.analysisOptions()
        options.servers = []
        options.maxPassingExchangesKept = .max
        options.maxFailingExchangesKeptPerRule = .max
        return CaptureAnalyzer.analyze(path: SampleRecording.path(relative), options: options, parts: parts)
    }

    static var scenarios: [Scenario] { (try? loaded.get()) ?? [] }

    @Test func recordingHasEveryStack() throws {
        let scenarios = try Self.loaded.get()
        #expect(scenarios.count == 10, "\(Self.truthFile)")
        #expect(scenarios.filter { !$0.legs.isEmpty }.count == 6, "\(Self.truthFile)")
    }

    /// Each scenario's own capture holds both legs; the report has one exchange: the callback,
    /// with the truth's rules and its inner legs as the truth says they ended.
    @Test(arguments: scenarios.map(\.name))
    func scenarioIsOneCallbackWithItsLegs(name: String) throws {
        let scenario = try #require(Self.scenarios.first { $0.name == name })
        let exchanges = try Self.analyze(scenario.capture).exchanges.map(\.diagnosed)
        try #require(exchanges.count == 1, "\(name): \(exchanges.map { $0.exchange.connection.server.description })")
        let callback = exchanges[0]
        #expect(callback.isCallback)
        #expect(Int(callback.exchange.connection.server.port) == scenario.port)
        #expect(callback.exchange.response?.head.status == scenario.status)
        #expect(Set(callback.findings.map(\.rule.rawValue)) == scenario.expect, "\(name)")
        #expect(callback.legs.map(\.server.description) == scenario.legs.map(\.upstream))
        for (leg, truth) in zip(callback.legs, scenario.legs) {
            switch truth.expect {
            case "refused":
                #expect(leg.kind == .refused)
            case "answered 200":
                #expect(leg.kind == .forwarded && leg.status == 200 && !leg.answeredTooLate)
            case "answered too late":
                #expect(leg.kind == .forwarded && leg.status == 200 && leg.answeredTooLate)
            default:
                Issue.record("\(name): unknown leg expectation \(truth.expect)")
            }
        }
    }

    /// Done-when of issue #19: on the `-i any`-like recording of every stack, the report counts
    /// exactly the callbacks OSS made (10), no refused connection, each nginx → app leg attached
    /// to its callback and no second verdict for any upload; the same with the capture split
    /// across threads.
    @Test func combinedRecordingCountsExactlyTheCallbacksOSSMade() throws {
        let whole = try Self.analyze("captures/stacks/all-lo.pcap")
        let callbacks = whole.exchanges.map(\.diagnosed)
        #expect(callbacks.count == 10)
        #expect(callbacks.allSatisfy { $0.isCallback && $0.exchange.refusal == nil })
        #expect(Set(callbacks.map(\.exchange.connection.server.port)).count == 10)
        #expect(callbacks.reduce(0) { $0 + $1.legs.count } == 6)
        let uploads = callbacks.compactMap { $0.exchange.request?.head.headers.values(for: "x-oss-request-id").first }
        #expect(Set(uploads).count == 10, "one verdict per upload")
        for parts in 2...4 {
            let split = try Self.analyze("captures/stacks/all-lo.pcap", parts: parts)
            #expect(split.exchanges == whole.exchanges, "--jobs \(parts) pairs legs differently")
            #expect(split.summary.unlisted == whole.summary.unlisted)
        }
    }

    /// nginx's 502 is explained by its refused upstream; the refused SYN is not a second failure.
    @Test func refusedUpstreamIsTheCauseOfTheGatewayError() throws {
        let callback = try #require(
            try Self.analyze("captures/stacks/nginx-upstream-down.pcap").exchanges.first?.diagnosed)
        let badStatus = try #require(callback.findings.first { $0.rule == .badStatus })
        let cause = try #require(badStatus.evidence.first { $0.key == "cause" })
        #expect(cause.value.hasPrefix("upstream 127.0.0.1:18099 refused the connection (RST to the SYN in frame "))
    }

    /// nginx rewrote /h11/cb to /cb: the inner copy's signature cannot verify, and that is not
    /// a forged callback accepted — the callback (the outer leg) verifies.
    @Test func rewrittenInnerPathIsNotAForgedCallback() throws {
        let callback = try #require(
            try Self.analyze("captures/stacks/nginx-rewrite-uri.pcap").exchanges.first?.diagnosed)
        #expect(callback.findings.isEmpty)
        #expect(callback.exchange.request?.signature?.status == .valid)
        #expect(callback.legs.first?.requestLine == "POST /cb?scenario=nginx-rewrite-uri HTTP/1.0")
        #expect(callback.legs.first?.forwardingHeaders == ["X-Forwarded-For", "X-Real-IP"])
    }

    /// The chain of legs in every format.
    @Test func chainIsShownInEveryFormat() throws {
        let capture = "samples/captures/stacks/nginx-read-timeout.pcap"
        let chainStart = "OSS → nginx 127.0.0.1:9072 (504 after 3.0"
        let chainEnd = "→ BaseHTTP 127.0.0.1:18072 (200 after 4.0"
        for format in ["text", "markdown", "html"] {
            let r = try CLIRunner.run(["analyze", "--format", format, capture])
            #expect(r.status == 1)
            #expect(r.stdout.contains(chainStart), "\(format)")
            #expect(r.stdout.contains(chainEnd), "\(format)")
            #expect(r.stdout.contains("too late for nginx"), "\(format)")
        }
        let json = try CLIRunner.run(["analyze", "--format", "json", capture])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let exchange = try #require((root["exchanges"] as? [[String: Any]])?.first)
        let legs = try #require(exchange["legs"] as? [[String: Any]])
        #expect(legs.count == 1)
        #expect(legs.first?["server"] as? String == "127.0.0.1:18072")
        #expect(legs.first?["answeredTooLate"] as? Bool == true)
        #expect((exchange["legChain"] as? String)?.hasPrefix(chainStart) == true)
        let show = try CLIRunner.run(["show", capture, "1"])
        #expect(show.stdout.contains(chainStart))
    }
}
