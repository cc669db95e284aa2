import Analysis
import CaptureModel
import Diagnosis
import Foundation
import HTTPExchanges
import ReportModel
import TLSRecords
import TestSupport
import Testing

/// HTTPS connections written as real TCP/IP frames (PacketBuilder → PcapWriter) and analysed
/// through the whole pipeline: libpcap, decoding, reassembly, routing to the TLS analyzer, rules.
@Suite struct TLSCaptureTests {
    /// One TCP conversation: a list of (seconds, from client?, flags, payload), turned into frames
    /// with consistent sequence and acknowledgment numbers.
    static func capture(_ steps: [(Double, Bool, TCPFlags, [UInt8])]) throws -> String {
        let client = Endpoint(address: PacketBuilder.ipv4("10.0.0.7"), port: 51_000)
        let server = Endpoint(address: PacketBuilder.ipv4("10.0.0.9"), port: 443)
        var writer = PcapWriter(linkLayer: .ethernet)
        var next: [Bool: UInt32] = [true: 1000, false: 5000]
        let t0 = Timestamp(seconds: 1_795_627_201)
        for (i, (seconds, fromClient, flags, payload)) in steps.enumerated() {
            let seq = next[fromClient]!
            let ack = next[!fromClient]!
            let packet = PacketBuilder.tcpPacket(
                frameNumber: i + 1, timestamp: t0.adding(seconds: seconds), source: fromClient ? client : server,
                destination: fromClient ? server : client, sequenceNumber: seq,
                acknowledgmentNumber: flags.contains(.syn) && fromClient ? 0 : ack,
                flags: flags, payload: payload)
            writer.append(packet)
            next[fromClient] = seq &+ UInt32(payload.count) &+ (flags.contains(.syn) || flags.contains(.fin) ? 1 : 0)
        }
        let dir = try Fixtures.temporaryDirectory()
        let path = dir + "/tls.pcap"
        try writer.write(to: path)
        return path
    }

    /// HTTPS to port 443 judged as callbacks (`--server :443`): no plaintext callback goes there.
    static var judgingPort443: AnalysisOptions {
        var options = AnalysisOptions()
        options.servers = [ServerName(address: nil, ports: 443...443)]
        return options
    }

    static let handshakeOpen: [(Double, Bool, TCPFlags, [UInt8])] = [
        (0, true, [.syn], []), (0.0001, false, [.syn, .ack], []), (0.0002, true, [.ack], []),
    ]

    @Test func slowHTTPSServerIsFlaggedEstimated() throws {
        let hello = TLSRecordBuilder.clientHelloRecord(sni: nil)
        var steps = Self.handshakeOpen
        steps += [
            (0.001, true, [.psh, .ack], Array(hello.prefix(40))),  // the ClientHello in two segments
            (0.0011, true, [.psh, .ack], Array(hello.dropFirst(40))),
            (
                0.002, false, [.psh, .ack],
                TLSRecordBuilder.serverHelloRecord() + TLSRecordBuilder.changeCipherSpec
                    + TLSRecordBuilder.applicationData(1800)
            ),
            (0.003, true, [.psh, .ack], TLSRecordBuilder.changeCipherSpec + TLSRecordBuilder.applicationData(53)),
            (0.004, true, [.psh, .ack], TLSRecordBuilder.applicationData(850)),
            (
                0.0045, false, [.psh, .ack],
                TLSRecordBuilder.applicationData(250) + TLSRecordBuilder.applicationData(250)
            ),
            (6.004, false, [.psh, .ack], TLSRecordBuilder.applicationData(230)),
            (6.005, false, [.fin, .ack], []), (6.006, true, [.fin, .ack], []),
        ]
        let path = try Self.capture(steps)
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let analysis = CaptureAnalyzer.analyze(path: path, options: Self.judgingPort443)
        #expect(analysis.summary.http.tlsConnections == 1)
        try #require(analysis.exchanges.count == 1)
        let d = analysis.exchanges[0].diagnosed
        let tls = try #require(d.exchange.tls)
        #expect(tls.version?.description == "TLS 1.3")
        #expect(tls.clientHello?.serverName == nil)
        #expect(tls.handshake.label == "completed")
        #expect(abs((tls.estimatedLatencySeconds ?? 0) - 6.0) < 1e-6)
        #expect(d.findings.map(\.rule) == [.slowResponse])
        #expect(d.findings.first?.estimated == true)
        // The JSON carries the tls object and the estimated flag.
        let json = analysis.exchanges[0].json
        #expect(json["tls"]?["version"] == .string("TLS 1.3"))
        #expect(json["tls"]?["sni"] == .null)
        #expect(
            json["findings"].flatMap { if case .array(let a) = $0 { a.first?["estimated"] } else { nil } }
                == .bool(true))
    }

    @Test func sniRequiredServerFailsTheHandshake() throws {
        var steps = Self.handshakeOpen
        steps += [
            (0.001, true, [.psh, .ack], TLSRecordBuilder.clientHelloRecord(sni: nil)),
            (0.002, false, [.psh, .ack], TLSRecordBuilder.alert(level: 2, code: 112)),
            (0.0021, false, [.fin, .ack], []), (0.003, true, [.fin, .ack], []),
        ]
        let path = try Self.capture(steps)
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let analysis = CaptureAnalyzer.analyze(path: path, options: Self.judgingPort443)
        try #require(analysis.exchanges.count == 1)
        let d = analysis.exchanges[0].diagnosed
        #expect(d.findings.map(\.rule) == [.tlsHandshakeFailed, .tlsNoSNI])
        #expect(d.findings.first?.evidence.contains(Evidence("frame", "5")) == true)
        #expect(d.outcome.label == "fail")
    }

    /// `bench/gen_tls_capture.py` (interleaved HTTPS connections, some slow, some refused by an
    /// alert) analysed end to end: the findings by rule equal the generator's truth.
    @Test func generatedHTTPSCaptureMatchesItsTruth() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let capture = dir + "/tls.pcap"
        let run = try Subprocess.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            [
                "python3", Fixtures.packageRoot.appendingPathComponent("bench/gen_tls_capture.py").path, capture,
                "--connections", "600",
            ],
            environment: ["PYTHONDONTWRITEBYTECODE": "1"])
        try #require(run.status == 0, "gen_tls_capture.py: \(run.stderr)")
        let truth = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/tls.truth.json")))
                as? [String: Int])
        // 12 slow and 12 refused: fewer than the 100 failures per rule a report lists in full.
        let analysis = CaptureAnalyzer.analyze(path: capture, options: Self.judgingPort443)
        #expect(analysis.summary.http.tlsConnections == 600)
        var counts: [String: Int] = [:]
        for reported in analysis.exchanges {
            for finding in reported.diagnosed.findings { counts[finding.rule.rawValue, default: 0] += 1 }
        }
        #expect(counts["tls-handshake-failed"] == truth["tls-handshake-failed"])
        #expect(counts["tls-no-sni"] == truth["tls-no-sni"])
        #expect(counts["slow-response"] == truth["slow-response"])
        #expect(counts.keys.sorted() == ["slow-response", "tls-handshake-failed", "tls-no-sni"])
    }
}
