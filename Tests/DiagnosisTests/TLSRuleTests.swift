import CaptureModel
import HTTPExchanges
import TCPReassembly
import TLSRecords
import TestSupport
import Testing

@testable import Diagnosis

/// An HTTPS exchange built by running real record bytes through the TLS tracker.
private struct TLSExchange {
    var tracker = TLSConnectionTracker()
    var frame = 0
    var outcome = ConnectionOutcome()
    var holes: [CaptureHole] = []

    mutating func send(_ direction: StreamDirection, _ bytes: [UInt8], at seconds: Double) {
        frame += 1
        tracker.data(direction: direction, bytes: bytes[...], origin: ExchangeFactory.origin(seconds, frame: frame))
    }

    mutating func end(_ direction: StreamDirection, _ how: (StreamOrigin) -> StreamEnd, at seconds: Double) {
        frame += 1
        let end = how(ExchangeFactory.origin(seconds, frame: frame))
        tracker.ended(direction: direction, how: end)
        if direction == .clientToServer { outcome.clientEnd = end } else { outcome.serverEnd = end }
    }

    mutating func exchange() -> HTTPExchange {
        var e = HTTPExchange(
            connection: ConnectionInfo(
                id: 0, client: ExchangeFactory.client, server: ExchangeFactory.server, roleEvidence: .syn,
                handshakeSeen: true,
                firstSeen: ExchangeFactory.origin(0, frame: 1)), index: 0)
        e.tls = tracker.finish()
        e.outcome = outcome
        e.holes = holes
        return e
    }

    /// TLS 1.3 up to the client's first data record at 0.01 s.
    mutating func establishedTLS13(sni: String? = nil) {
        send(.clientToServer, TLSRecordBuilder.clientHelloRecord(sni: sni), at: 0)
        send(
            .serverToClient,
            TLSRecordBuilder.serverHelloRecord() + TLSRecordBuilder.changeCipherSpec
                + TLSRecordBuilder.applicationData(2000), at: 0.001)
        send(.clientToServer, TLSRecordBuilder.changeCipherSpec + TLSRecordBuilder.applicationData(53), at: 0.002)
        send(.clientToServer, TLSRecordBuilder.applicationData(850), at: 0.010)
    }
}

@Suite struct TLSRuleTests {
    @Test func serverAlertWithoutSNIFailsWithTheNote() {
        var t = TLSExchange()
        t.send(.clientToServer, TLSRecordBuilder.clientHelloRecord(sni: nil), at: 0)
        t.send(.serverToClient, TLSRecordBuilder.alert(level: 2, code: 112), at: 0.001)
        t.end(.serverToClient, { .fin($0) }, at: 0.002)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.isCallback && d.callbackSignals == [.tlsConnection])
        #expect(d.findings.map(\.rule) == [.tlsHandshakeFailed, .tlsNoSNI])
        #expect(d.findings[0].message.contains("unrecognized_name"))
        #expect(d.findings[0].evidence.contains(Evidence("sni", "(none)")))
        #expect(d.findings[1].severity == .info)
        guard case .failed(let message) = d.outcome else {
            Issue.record("outcome \(d.outcome)")
            return
        }
        #expect(message.hasPrefix("Error status : 502."))
    }

    @Test func versionMismatchHasNoSNINote() {
        var t = TLSExchange()
        t.send(.clientToServer, TLSRecordBuilder.clientHelloRecord(sni: nil, versions: []), at: 0)
        t.send(.serverToClient, TLSRecordBuilder.alert(level: 2, code: 70), at: 0.001)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.tlsHandshakeFailed])
        #expect(d.findings[0].message.contains("no TLS version in common"))
    }

    @Test func sniPresentGivesNoSNINote() {
        var t = TLSExchange()
        t.send(.clientToServer, TLSRecordBuilder.clientHelloRecord(sni: "cb.example"), at: 0)
        t.end(.serverToClient, { .reset(by: .serverToClient, $0) }, at: 0.001)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.tlsHandshakeFailed])
        #expect(d.findings[0].evidence.contains(Evidence("sni", "cb.example")))
        #expect(d.findings[0].message.contains("reset"))
    }

    @Test func slowEncryptedResponseIsAnEstimatedSlowResponse() throws {
        var t = TLSExchange()
        t.establishedTLS13()
        t.send(.serverToClient, TLSRecordBuilder.applicationData(300), at: 6.5)
        t.end(.serverToClient, { .fin($0) }, at: 6.6)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.slowResponse])
        let finding = try #require(d.findings.first)
        #expect(finding.estimated)
        #expect(finding.evidence.contains(Evidence("latencySeconds", "6.490000")))
        #expect(finding.ossError?.contains("reply timeout") == true)
    }

    @Test func fastEncryptedResponsePasses() {
        var t = TLSExchange()
        t.establishedTLS13()
        t.send(.serverToClient, TLSRecordBuilder.applicationData(300), at: 0.011)
        t.end(.serverToClient, { .fin($0) }, at: 0.012)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.isEmpty)
        #expect(d.outcome == .passed)
    }

    @Test func silentServerIsAnEstimatedNoResponse() throws {
        var t = TLSExchange()
        t.establishedTLS13()
        t.end(.clientToServer, { .fin($0) }, at: 5.010)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.noResponse])
        #expect(d.findings.first?.estimated == true)
        #expect(d.findings.first?.message.contains("5.000 s") == true)
    }

    /// TLS 1.3: session tickets that raced the request are the only server records; OSS waits
    /// out its 5 s and closes. That is no response, not a fast one.
    @Test func ticketsRacingTheRequestAreNotAResponseWhenOSSGaveUp() throws {
        var t = TLSExchange()
        t.establishedTLS13()
        t.send(
            .serverToClient, TLSRecordBuilder.applicationData(250) + TLSRecordBuilder.applicationData(250), at: 0.0102)
        t.end(.clientToServer, { .fin($0) }, at: 5.011)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.noResponse])
        let finding = try #require(d.findings.first)
        #expect(finding.estimated)
        #expect(finding.message.contains("session tickets"))
        #expect(finding.ossError?.contains("reply timeout") == true)
    }

    /// A fast response after which the server closes, then OSS: a pass, even if OSS closed late.
    @Test func serverThatClosedFirstAnswered() {
        var t = TLSExchange()
        t.establishedTLS13()
        t.send(.serverToClient, TLSRecordBuilder.applicationData(300), at: 0.011)
        t.end(.serverToClient, { .fin($0) }, at: 0.012)
        t.end(.clientToServer, { .fin($0) }, at: 5.5)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.isEmpty)
    }

    @Test func responseAfterOSSClosedIsNoResponse() {
        var t = TLSExchange()
        t.establishedTLS13()
        t.end(.clientToServer, { .fin($0) }, at: 5.010)
        t.send(.serverToClient, TLSRecordBuilder.applicationData(300), at: 6.0)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.noResponse])
        #expect(d.findings.first?.message.contains("too late") == true)
    }

    @Test func missingServerBytesGiveNoVerdict() {
        var t = TLSExchange()
        t.establishedTLS13()
        t.holes = [
            CaptureHole(
                direction: .serverToClient, offset: 2100, length: 300, origin: ExchangeFactory.origin(1, frame: 9))
        ]
        t.end(.clientToServer, { .fin($0) }, at: 5.010)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.incomplete])
        if case .unknown = d.outcome {} else { Issue.record("expected unknown, got \(d.outcome)") }
    }

    @Test func handshakeCutByTheEndOfTheCaptureIsNotJudged() {
        var t = TLSExchange()
        t.send(.clientToServer, TLSRecordBuilder.clientHelloRecord(sni: nil), at: 0)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.findings.map(\.rule) == [.incomplete])
    }

    @Test func completedHandshakeWithoutARequestIsNotAPass() {
        var t = TLSExchange()
        t.send(.clientToServer, TLSRecordBuilder.clientHelloRecord(sni: nil, versions: []), at: 0)
        t.send(.serverToClient, TLSRecordBuilder.serverHelloRecord(selected: nil), at: 0.001)
        t.send(
            .clientToServer,
            TLSRecordBuilder.changeCipherSpec + TLSRecordBuilder.record(22, [UInt8](repeating: 1, count: 40)), at: 0.002
        )
        t.send(
            .serverToClient,
            TLSRecordBuilder.changeCipherSpec + TLSRecordBuilder.record(22, [UInt8](repeating: 2, count: 40)), at: 0.003
        )
        t.end(.clientToServer, { .fin($0) }, at: 0.004)
        let d = Diagnoser().diagnose(t.exchange())
        #expect(d.exchange.tls?.handshake.label == "completed")
        #expect(d.findings.map(\.rule) == [.incomplete])
        if case .unknown = d.outcome {} else { Issue.record("expected unknown, got \(d.outcome)") }
    }

    @Test func catalogueHasTheTLSRules() {
        #expect(RuleCatalog.rule(.tlsHandshakeFailed).severity == .error)
        #expect(RuleCatalog.rule(.tlsNoSNI).severity == .info)
        #expect(RuleCatalog.precedence(of: .tlsHandshakeFailed) < RuleCatalog.precedence(of: .noResponse))
    }
}
