import Analysis
import CallbackSignature
import CaptureModel
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import ReportModel
import TCPReassembly
import TLSRecords
import TestSupport
import Testing

/// Every recorded sample, analysed end to end, against the sender's own record.
@Suite(.tags(.endToEnd)) struct SampleScenarioTests {
    static let recording = try! SampleRecording.load()
    /// `recording` plus the field servers' recording (`captures/field/`, not in the combined files).
    static let everySample = try! SampleRecording.loadEverySample()
    static var names: [String] { everySample.scenarios.map(\.name) }

    static func analyze(_ path: String) throws -> CaptureAnalysis {
        CaptureAnalyzer.analyze(path: path, options: try SampleRecording.analysisOptions())
    }

    @Test(arguments: names)
    func scenarioMatchesTheSendersRecord(name: String) throws {
        let scenario = try #require(Self.everySample.scenarios.first { $0.name == name })
        let analysis = try Self.analyze(SampleRecording.path(scenario.capture))
        #expect(analysis.summary.error == nil)
        #expect(analysis.summary.complete)
        let exchanges = analysis.exchanges.map(\.diagnosed).sorted { $0.exchange.index < $1.exchange.index }
        try #require(exchanges.count == scenario.exchanges.count, "exchanges: \(exchanges.map(\.exchange.index))")
        for (d, truth) in zip(exchanges, scenario.exchanges) {
            let e = d.exchange
            if let tlsTruth = scenario.tls {
                try checkTLS(d, tlsTruth, truth, scenario)
                continue
            }
            #expect(e.connection.client.description == scenario.client)
            #expect(e.connection.server.description == scenario.server)
            // A refused attempt carried no request, so nothing marks it as a callback.
            #expect(d.isCallback == (scenario.isCallback && e.refusal == nil))
            #expect(e.request?.head.method == truth.method)
            #expect(e.request?.head.target == truth.target)
            if scenario.outcome == "timeout-gave-up" {
                // The sender stopped listening; a late response may still be on the wire, and is not what OSS saw.
                #expect(truth.status == nil)
            } else {
                #expect(e.response?.head.status == truth.status)
            }
            if let expected = truth.latencySeconds {
                let latency = try #require(e.latencySeconds)
                #expect(abs(latency - expected) < 0.010, "latency \(latency) vs sender \(expected)")
            } else {
                #expect(e.latencySeconds == nil || scenario.outcome != "response")
            }
            let expect = truth.expect ?? scenario.expect
            let unknown = expect.filter { id in !RuleCatalog.all.contains { $0.id.rawValue == id } }
            try #require(unknown.isEmpty, "the truth names rules the catalog does not have: \(unknown)")
            #expect(d.findings.map(\.rule.rawValue) == expect, "findings: \(d.findings.map(\.message))")
            // The signature verdict agrees with the sender's own openssl check of the bytes it sent.
            if let valid = truth.signatureValidAsSent {
                let signature = try #require(e.request?.signature)
                #expect(signature.status == (valid ? .valid : .invalid), "\(signature.reason)")
            } else if truth.unsigned {
                #expect(e.request?.signature?.status == .missing)
            } else {
                #expect(e.request?.signature == nil)
            }
            // Only OSS's own (delivery) rules decide the outcome; signature rules never do.
            let delivery = expect.filter { RuleCatalog.rule(RuleID(rawValue: $0)).concern == .delivery }
            switch d.outcome {
            case .failed: #expect(!delivery.isEmpty)
            case .passed: #expect(delivery.isEmpty && scenario.isCallback)
            case .notACallback: #expect(!scenario.isCallback || e.refusal != nil)
            case .unknown: Issue.record("no sample is missing bytes")
            }
        }
    }

    /// A server that accepts forged callbacks: a forger's signature and key URL, answered 200.
    @Test func theServerThatAcceptsForgedCallbacks() throws {
        let analysis = try Self.analyze(SampleRecording.path("captures/forged-accepted.pcap"))
        let d = try #require(analysis.exchanges.first?.diagnosed)
        let signature = try #require(d.exchange.request?.signature)
        #expect(signature.status == .invalid)
        #expect(signature.keyURL?.url == "https://callback-keys.example.net/callback_pub_key_v1.pem")
        #expect(signature.keyURL?.trusted == false)
        #expect(d.findings.map(\.rule) == [.signatureInvalid, .untrustedKeyURL, .forgedCallbackAccepted])
        #expect(d.findings.map(\.severity) == [.warning, .error, .error])
        #expect(d.exchange.response?.head.status == 200)
        // OSS's checks on the answer pass: a security finding, not a delivery failure.
        #expect(d.outcome == .passed)
        #expect(d.hasFinding(atLeast: .error))
    }

    /// A server whose own verification hashes the digest twice: a genuine callback gets 403.
    @Test func theServerThatRejectsGenuineCallbacks() throws {
        let analysis = try Self.analyze(SampleRecording.path("captures/genuine-rejected.pcap"))
        let d = try #require(analysis.exchanges.first?.diagnosed)
        let signature = try #require(d.exchange.request?.signature)
        #expect(signature.status == .valid, "\(signature.reason)")
        #expect(signature.verifiedWith == "samples/keys/test-callback-public.pem")
        #expect(signature.keyURL?.trusted == true)
        #expect(d.findings.map(\.rule) == [.badStatus, .genuineCallbackRejected])
        #expect(d.exchange.response?.head.status == 403)
        #expect(d.outcome == .failed(ossMessage: "Error status : 403."))
    }

    /// A proxy rewrote the path after OSS signed it; the server (good-json) said 200.
    @Test func theRewrittenPathDoesNotVerify() throws {
        let analysis = try Self.analyze(SampleRecording.path("captures/signature-mismatch.pcap"))
        let d = try #require(analysis.exchanges.first?.diagnosed)
        #expect(d.exchange.request?.head.target.hasPrefix("/app/oss/callback") == true)
        #expect(d.exchange.request?.signature?.status == .invalid)
        #expect(d.findings.map(\.rule) == [.signatureInvalid, .forgedCallbackAccepted])
        #expect(d.outcome == .passed)
    }

    /// Without the test key only OSS's key is tried: no sample signature verifies with it, so a
    /// server that answers 200 is accepting what, for all the tool can tell, is a forgery.
    @Test func withoutTheTestKeyTheSamplesDoNotVerify() throws {
        let analysis = CaptureAnalyzer.analyze(
            path: SampleRecording.path("captures/good-json.pcap"), options: AnalysisOptions())
        let d = try #require(analysis.exchanges.first?.diagnosed)
        #expect(d.exchange.request?.signature?.status == .invalid)
        #expect(d.exchange.request?.signature?.reason.contains("OSS's published key") == true)
        #expect(d.findings.map(\.rule) == [.signatureInvalid, .forgedCallbackAccepted])
    }

    /// An HTTPS scenario: what the sender saw of TLS (SNI, version, how the handshake went, its
    /// latency inside TLS) against what the TLS records show.
    func checkTLS(
        _ d: DiagnosedExchange, _ tlsTruth: SampleRecording.TLS, _ truth: SampleRecording.Exchange,
        _ scenario: SampleRecording.Scenario
    ) throws {
        let e = d.exchange
        #expect(e.connection.client.description == scenario.client)
        #expect(e.connection.server.description == scenario.server)
        #expect(e.request == nil && e.response == nil, "an HTTPS exchange has no parsed HTTP")
        let tls = try #require(e.tls, "\(scenario.name) was not recognised as TLS")
        #expect(d.isCallback && d.callbackSignals == [.tlsConnection])
        let hello = try #require(tls.clientHello)
        #expect(hello.serverName == tlsTruth.sni)
        #expect(tls.handshake.label == tlsTruth.handshake)
        #expect(tls.version?.description == tlsTruth.version)
        if let expected = truth.latencySeconds {
            let latency = try #require(tls.estimatedLatencySeconds)
            #expect(abs(latency - expected) < 0.020, "estimated latency \(latency) vs sender \(expected)")
        }
        if case .failed(let failure) = tls.handshake, let reason = tlsTruth.reason {
            // OpenSSL's reason on the client names the alert the server sent.
            let names = [
                "TLSV1_UNRECOGNIZED_NAME": "unrecognized_name", "TLSV1_ALERT_PROTOCOL_VERSION": "protocol_version",
            ]
            if let name = names[reason] {
                guard case .alert(let alert) = failure.kind else {
                    Issue.record("expected an alert, got \(failure.kind)")
                    return
                }
                #expect(alert.name == name && alert.isFatal && failure.by == .serverToClient)
            }
        }
        #expect(d.findings.map(\.rule.rawValue) == scenario.expect, "findings: \(d.findings.map(\.message))")
        for finding in d.findings where [.slowResponse, .noResponse].contains(finding.rule) {
            #expect(finding.estimated, "\(finding.rule) on TLS must be marked estimated")
        }
        switch d.outcome {
        case .failed: #expect(!scenario.expect.isEmpty)
        case .passed: #expect(scenario.expect.isEmpty)
        default: Issue.record("unexpected outcome \(d.outcome)")
        }
    }

    /// tshark's TLS dissector agrees on every HTTPS sample's SNI (skipped without tshark).
    @Test(
        .enabled(if: Subprocess.which("tshark") != nil, "skipped: tshark is not installed"),
        arguments: recording.scenarios.filter { $0.tls != nil }.map(\.name))
    func sniAgreesWithTshark(name: String) throws {
        let tshark = try #require(Subprocess.which("tshark"))
        let scenario = try #require(Self.recording.scenarios.first { $0.name == name })
        let path = SampleRecording.path(scenario.capture)
        let port = scenario.server.split(separator: ":").last.map(String.init) ?? ""
        let run = try CLIRunner.execute(
            tshark,
            [
                "-n", "-r", path, "-d", "tcp.port==\(port),tls", "-Y", "tls.handshake.type==1", "-T", "fields", "-e",
                "tls.handshake.extensions_server_name",
            ])
        try #require(run.status == 0, "tshark: \(run.stderr)")
        let output = run.stdout
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 1, "tshark ClientHellos: \(lines)")
        let tsharkSNI = lines.first.map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        let ours = try Self.analyze(path).exchanges.first?.diagnosed.exchange.tls?.clientHello
        #expect(ours != nil)
        #expect(ours?.serverName == tsharkSNI)
    }

    /// The same recording written four ways (-i lo µs, -i lo ns, -i any = LINUX_SLL2, dumpcap pcapng)
    /// gives the same exchanges and findings.
    @Test func everyLinkTypeAndFormatGivesTheSameExchanges() throws {
        func fingerprint(_ file: String) throws -> [String] {
            let analysis = try Self.analyze(SampleRecording.path("captures/" + file))
            #expect(analysis.summary.error == nil && analysis.summary.complete, "\(file)")
            return analysis.exchanges.map { r in
                let e = r.diagnosed.exchange
                return
                    "\(e.connection.client) \(e.connection.server) #\(e.index) \(e.tls.map { "tls:\($0.handshake.label)" } ?? "") \(e.request?.head.method ?? "-") "
                    + "\(e.request?.head.target ?? "-") \(e.response?.head.status ?? 0) "
                    + r.diagnosed.findings.map(\.rule.rawValue).joined(separator: ",")
            }.sorted()
        }
        let reference = try fingerprint("all-lo.pcap")
        #expect(reference.count == Self.recording.scenarios.reduce(0) { $0 + $1.exchanges.count })
        for variant in ["all-lo-nano.pcap", "all-any.pcap", "all-lo.pcapng"] {
            #expect(try fingerprint(variant) == reference, "\(variant) differs")
        }
    }

    /// Timestamps keep nanoseconds where the file has them.
    @Test func nanosecondCapturesKeepNanoseconds() throws {
        let analysis = try Self.analyze(SampleRecording.path("captures/all-lo-nano.pcap"))
        let nanos = analysis.exchanges.compactMap { $0.diagnosed.exchange.request?.timing.start.timestamp.nanoseconds }
        #expect(nanos.contains { $0 % 1000 != 0 }, "no sub-microsecond digit in any timestamp")
        #expect(analysis.summary.format?.contains("ns") == true)
        let micro = try Self.analyze(SampleRecording.path("captures/all-lo.pcap"))
        #expect(
            micro.exchanges.allSatisfy {
                ($0.diagnosed.exchange.request?.timing.start.timestamp.nanoseconds ?? 0) % 1000 == 0
            })
    }
}
