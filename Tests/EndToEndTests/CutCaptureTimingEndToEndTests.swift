import Analysis
import CaptureModel
import Diagnosis
import HTTPExchanges
import ReportModel
import TCPReassembly
import TestSupport
import Testing

/// Issue #16 item 2 on the snaplen-200 captures (the derived `snaplen-200.pcap` and the real
/// `tcpdump -s 200` recording): every record's time and original length are kept, so every
/// exchange whose request and response heads were captured has the latency of the recording
/// — the chunked response 202 ms, not the 0.6 ms of its head; the request whose body came in a
/// second record 0.4 ms, not 10.6 ms — and the 6 s response is `slow-response`.
@Suite(.tags(.endToEnd)) struct CutCaptureTimingEndToEndTests {
    static let files = ["snaplen-200.pcap", "recorded-snaplen200.pcap"]

    @Test(arguments: files)
    func latenciesAreTheRecordings(file: String) throws {
        let entry = try #require(DerivedSampleTests.derived.entries.first { $0.file == file })
        let analysis = try DerivedSampleTests.analysis(of: file)
        var compared = 0
        for scenario in try DerivedSampleTests.scenarios(of: entry) {
            let exchanges = analysis.exchanges.map(\.diagnosed.exchange).filter {
                $0.connection.client.description == scenario.client
                    && $0.connection.server.description == scenario.server
            }
            for e in exchanges where e.request != nil && e.response != nil {
                let truth = try #require(
                    scenario.exchanges.indices.contains(e.index) ? scenario.exchanges[e.index] : nil)
                guard let expected = truth.latencySeconds else { continue }
                let latency = try #require(e.latencySeconds, "\(file) \(scenario.name) #\(e.index): no latency")
                #expect(
                    abs(latency - expected) < 0.010,
                    "\(file) \(scenario.name) #\(e.index): latency \(latency) vs sender \(expected)")
                compared += 1
            }
        }
        #expect(compared >= 12, "\(file): only \(compared) exchanges compared")
    }

    @Test func theSixSecondResponseIsSlowAndIncomplete() throws {
        let analysis = try DerivedSampleTests.analysis(of: "snaplen-200.pcap")
        let slow = try #require(DerivedSampleTests.recording.scenarios.first { $0.name == "slow-6s" })
        let d = try #require(
            analysis.exchanges.map(\.diagnosed).first { $0.exchange.connection.server.description == slow.server })
        #expect(d.findings.map(\.rule) == [.slowResponse, .incomplete])
        guard case .failed(let message) = d.outcome else {
            Issue.record("expected a failure, got \(d.outcome)")
            return
        }
        #expect(message.contains("reply timeout"))
    }
}
