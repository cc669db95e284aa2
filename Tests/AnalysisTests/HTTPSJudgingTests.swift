import CaptureModel
import Diagnosis
import Foundation
import HTTPExchanges
import PcapCapture
import ReportModel
import TCPReassembly
import TLSRecords
import TestSupport
import Testing

@testable import Analysis

/// HTTPS is judged as OSS callbacks only for callback servers: servers named with `--server`, or
/// the address and port plaintext callbacks went to — before or after the HTTPS connection, on
/// one thread or split across several. Everything else is "HTTPS, not judged": counted, listed,
/// never failing.
@Suite struct HTTPSJudgingTests {
    static let client = PacketBuilder.ipv4("10.0.0.7")
    static let server = PacketBuilder.ipv4("10.0.0.9")
    static let otherServer = PacketBuilder.ipv4("10.0.0.10")

    static func endpoint(_ address: IPAddress, _ port: UInt16) -> Endpoint { Endpoint(address: address, port: port) }

    /// Writes `conversations` (server, start, steps; client ports in order from 40000) into a
    /// capture in a fresh directory; returns its path.
    static func capture(_ conversations: [(Endpoint, Double, [InterleavedConversations.Step])]) throws -> String {
        var capture = InterleavedConversations()
        for (i, (server, start, steps)) in conversations.enumerated() {
            capture.add(client: endpoint(client, UInt16(40_000 + i)), server: server, at: start, steps)
        }
        let path = try Fixtures.temporaryDirectory() + "/judging.pcap"
        try capture.write(to: path)
        return path
    }

    static func analyze(_ path: String, servers: [ServerName] = [], parts: Int = 1) -> CaptureAnalysis {
        var options = AnalysisOptions()
        options.servers = servers
        return CaptureAnalyzer.analyze(path: path, options: options, parts: parts)
    }

    static func report(_ analysis: CaptureAnalysis) -> Report {
        Report(
            tool: ToolInfo(version: "t"), settings: ReportSettings(), captures: [analysis.summary],
            exchanges: analysis.exchanges)
    }

    /// The HTTPS exchanges by server port and start time (seconds after the capture's start).
    static func https(_ analysis: CaptureAnalysis) -> [DiagnosedExchange] {
        analysis.exchanges.map(\.diagnosed).filter { $0.exchange.tls != nil }
    }

    // MARK: - The decision

    @Test func httpsToAServerPlaintextCallbacksWentToIsJudgedBeforeAndAfterThem() throws {
        let callbackServer = Self.endpoint(Self.server, 9000)
        let path = try Self.capture([
            (callbackServer, 0, InterleavedConversations.https(latency: 6)),  // before the plaintext callback
            (callbackServer, 10, InterleavedConversations.plaintextCallback()),
            (callbackServer, 20, InterleavedConversations.https(latency: 6)),  // after it
            (Self.endpoint(Self.server, 443), 30, InterleavedConversations.https(latency: 6)),  // another port: never
            (Self.endpoint(Self.otherServer, 9000), 40, InterleavedConversations.https(latency: 6)),  // another address
        ])
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let analysis = Self.analyze(path)
        let https = Self.https(analysis)
        try #require(https.count == 4)
        for judged in https.prefix(2) {
            #expect(judged.exchange.connection.server == callbackServer)
            #expect(judged.isCallback && !judged.isHTTPSNotJudged)
            #expect(judged.findings.map(\.rule) == [.slowResponse])
        }
        for notJudged in https.suffix(2) {
            #expect(notJudged.exchange.connection.server != callbackServer)
            #expect(!notJudged.isCallback && notJudged.isHTTPSNotJudged)
            #expect(notJudged.findings.isEmpty && notJudged.callbackSignals.isEmpty)
            #expect(notJudged.outcome == .notACallback)
            #expect(notJudged.exchange.tls?.estimatedLatencySeconds != nil, "its TLS facts are kept")
        }
        let summary = Self.report(analysis).summary
        #expect(summary.exchanges == 5)
        #expect(summary.callbacks == 3)
        #expect(summary.httpsNotJudged == 2)
        #expect(summary.findingsByRule.first { $0.rule == .slowResponse }?.count == 2)
    }

    @Test func httpsWithNothingSayingItIsACallbackIsNotJudgedAndFailsNothing() throws {
        let path = try Self.capture([
            (Self.endpoint(Self.server, 443), 0, InterleavedConversations.https(latency: 6)),
            (Self.endpoint(Self.server, 80), 1, InterleavedConversations.plainGET()),
        ])
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let summary = Self.report(Self.analyze(path)).summary
        #expect(summary.exchanges == 2 && summary.callbacks == 0 && summary.httpsNotJudged == 1)
        #expect(summary.worstSeverity == nil, "no finding, so nothing fails the run")
        #expect(summary.findingsByRule.isEmpty)
    }

    @Test(arguments: ["10.0.0.9:443", ":443", ":400-500"])
    func aNamedServerIsJudged(_ name: String) throws {
        let path = try Self.capture([(Self.endpoint(Self.server, 443), 0, InterleavedConversations.https(latency: 6))])
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let analysis = Self.analyze(path, servers: [try ServerName(parsing: name)])
        let https = try #require(Self.https(analysis).first)
        #expect(https.isCallback && https.findings.map(\.rule) == [.slowResponse])
        #expect(Self.report(analysis).summary.httpsNotJudged == 0)
    }

    @Test func aServerNamedElsewhereLeavesHTTPSNotJudged() throws {
        let path = try Self.capture([(Self.endpoint(Self.server, 443), 0, InterleavedConversations.https(latency: 6))])
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        for name in ["10.0.0.10:443", "10.0.0.9:444", "[::1]:443"] {
            let analysis = Self.analyze(path, servers: [try ServerName(parsing: name)])
            // Not named: counted, and not listed (the listing keeps to the named servers).
            #expect(analysis.exchanges.isEmpty, "\(name)")
            let summary = Self.report(analysis).summary
            #expect(summary.exchanges == 1 && summary.httpsNotJudged == 1 && summary.callbacks == 0, "\(name)")
        }
    }

    @Test func namingServersKeepsTheListingToThemAndTheCountsWhole() throws {
        let path = try Self.capture([
            (Self.endpoint(Self.server, 9000), 0, InterleavedConversations.plaintextCallback(status: 500)),
            (Self.endpoint(Self.server, 9001), 1, InterleavedConversations.plaintextCallback(status: 500)),
            (Self.endpoint(Self.server, 9001), 2, InterleavedConversations.https(latency: 6)),
        ])
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let whole = Self.report(Self.analyze(path))
        let named = Self.report(Self.analyze(path, servers: [try ServerName(parsing: "10.0.0.9:9000")]))
        #expect(named.exchanges.map(\.diagnosed.exchange.connection.server.port) == [9000])
        #expect(named.summary == whole.summary)
        #expect(named.summary.callbacks == 3 && named.summary.callbacksFailed == 3 && named.summary.httpsNotJudged == 0)
    }

    // MARK: - Exact counts with a bounded listing, split or whole

    /// Many connections to a few servers in a seeded random order: HTTPS before and after the
    /// plaintext callbacks of its server, HTTPS to servers no callback went to.
    static func mixedCapture(seed: UInt64) throws -> String {
        var random = SplitMix64.forTest(seed: seed)
        var conversations: [(Endpoint, Double, [InterleavedConversations.Step])] = []
        let servers = [
            Self.endpoint(Self.server, 9000), Self.endpoint(Self.server, 9443), Self.endpoint(Self.otherServer, 443),
        ]
        for i in 0..<60 {
            let start = Double(i) * 0.5 + Double(random.next() % 100) / 1000
            let server = servers[Int(random.next() % 3)]
            switch random.next() % 4 {
            case 0: conversations.append((server, start, InterleavedConversations.https(latency: 6)))
            case 1: conversations.append((server, start, InterleavedConversations.https(latency: 0.01)))
            case 2 where server.port == 9000:
                conversations.append((server, start, InterleavedConversations.plaintextCallback()))
            case 2: conversations.append((server, start, InterleavedConversations.https(latency: 0.02)))
            default: conversations.append((server, start, InterleavedConversations.plainGET()))
            }
        }
        // The callback server's one plaintext callback comes last: everything before it waits.
        conversations.append((servers[0], 40, InterleavedConversations.plaintextCallback()))
        return try capture(conversations)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func theCountsAreExactWhateverIsListedAndWhateverTheParts(_ seed: UInt64) throws {
        let path = try Self.mixedCapture(seed: seed)
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        var everything = AnalysisOptions()
        everything.maxPassingExchangesKept = .max
        everything.maxFailingExchangesKeptPerRule = .max
        let reference = CaptureAnalyzer.analyze(path: path, options: everything)
        let referenceSummary = Self.report(reference).summary
        // What the listed-everything report says, counted from its exchanges.
        let listed = reference.exchanges.map(\.diagnosed)
        let https = listed.filter { $0.exchange.tls != nil }
        #expect(referenceSummary.httpsNotJudged == https.count { $0.exchange.connection.server.port != 9000 })
        #expect(https.allSatisfy { $0.isHTTPSNotJudged == ($0.exchange.connection.server.port != 9000) })
        #expect(referenceSummary.httpsNotJudged > 0 && referenceSummary.callbacks > referenceSummary.callbacksPassed)
        #expect(referenceSummary.exchanges == listed.count)

        for (passing, failing) in [(0, 0), (1, 1), (2, 1), (Int.max, Int.max)] {
            var options = everything
            options.maxPassingExchangesKept = passing
            options.maxFailingExchangesKeptPerRule = failing
            let whole = CaptureAnalyzer.analyze(path: path, options: options)
            #expect(Self.report(whole).summary == referenceSummary, "quotas \(passing)/\(failing)")
            #expect(Self.report(whole).summary.worstSeverity == referenceSummary.worstSeverity)
            for parts in [2, 3, 5] {
                let split = CaptureAnalyzer.analyze(path: path, options: options, parts: parts)
                ShardedPipelineTests.expectSameAnalysis(
                    split, whole, "seed \(seed), quotas \(passing)/\(failing), \(parts) parts")
            }
        }
    }

    // MARK: - Live: what is known so far

    @Test func theLiveVerdictUsesWhatIsKnownSoFarAndTheReportTheWholeCapture() throws {
        let callbackServer = Self.endpoint(Self.server, 9000)
        let path = try Self.capture([
            (callbackServer, 0, InterleavedConversations.https(latency: 6)),
            (callbackServer, 10, InterleavedConversations.plaintextCallback()),
            (callbackServer, 20, InterleavedConversations.https(latency: 6)),
        ])
        defer { Fixtures.remove(URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        var file = try CaptureFile(path: path)
        var pipeline = PacketPipeline(capture: path, options: AnalysisOptions())
        var heard: [DiagnosedExchange] = []
        let observer: (PipelineEvent) -> Void = { event in
            if case .finished(let d, _) = event, d.exchange.tls != nil { heard.append(d) }
        }
        while case .packet(let packet) = file.next() { pipeline.process(packet, observer: observer) }
        pipeline.finish(observer: observer)
        try #require(heard.count == 2)
        #expect(heard[0].isHTTPSNotJudged, "before the plaintext callback, nothing said it was one")
        #expect(heard[1].isCallback && heard[1].findings.map(\.rule) == [.slowResponse])
        let final = Self.https(pipeline.result(into: CaptureSummary(path: path)))
        #expect(final.count == 2 && final.allSatisfy(\.isCallback))
    }

    // MARK: - --server values

    @Test(arguments: [
        ("127.0.0.1:9000", "127.0.0.1:9000"), ("[::1]:9000", "[::1]:9000"), (":9000", ":9000"),
        (":9030-9034", ":9030-9034"),
        ("[2001:DB8::1]:443", "[2001:db8::1]:443"), ("10.0.0.9:1-65535", "10.0.0.9:1-65535"),
    ])
    func serverNamesParse(_ text: String, _ description: String) throws {
        #expect(try ServerName(parsing: text).description == description)
    }

    @Test(arguments: [
        "9000", "127.0.0.1", "::1:9000", "host.example:9000", ":0", ":65536", ":9-3", ":9-", "[::1]9000", "[nope]:1",
        "1.2.3:80", ":x",
    ])
    func badServerNamesAreRefusedWithTheValue(_ text: String) {
        #expect {
            try ServerName(parsing: text)
        } throws: { error in
            "\(error)".hasPrefix(text + ": ") && !"\(error)".contains("\n")
        }
    }

    @Test func serverNamesMatchAddressAndPort() throws {
        let v4 = Self.endpoint(Self.server, 9000)
        let v6 = Endpoint(address: PacketBuilder.ipv6("::1"), port: 9000)
        #expect(try ServerName(parsing: "10.0.0.9:9000").matches(v4))
        #expect(try !ServerName(parsing: "10.0.0.9:9000").matches(v6))
        #expect(try ServerName(parsing: "[::1]:9000").matches(v6))
        #expect(try ServerName(parsing: ":9000").matches(v4) && ServerName(parsing: ":9000").matches(v6))
        #expect(try ServerName(parsing: ":8999-9001").matches(v4))
        #expect(try !ServerName(parsing: ":9001-9002").matches(v4))
    }
}
