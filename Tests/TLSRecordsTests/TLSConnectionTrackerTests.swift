import TCPReassembly
import TestSupport
import Testing

@testable import TLSRecords

/// Drives a tracker with one segment per call, in capture order.
private struct Conversation {
    var tracker = TLSConnectionTracker()
    var frame = 0

    mutating func client(_ bytes: [UInt8], at seconds: Double) { send(.clientToServer, bytes, at: seconds) }
    mutating func server(_ bytes: [UInt8], at seconds: Double) { send(.serverToClient, bytes, at: seconds) }

    mutating func send(_ direction: StreamDirection, _ bytes: [UInt8], at seconds: Double) {
        frame += 1
        tracker.data(direction: direction, bytes: bytes[...], origin: TLSBytes.origin(seconds, frame: frame))
    }

    mutating func gap(_ direction: StreamDirection, _ length: Int64, at seconds: Double) {
        frame += 1
        tracker.gap(direction: direction, length: length, origin: TLSBytes.origin(seconds, frame: frame))
    }

    mutating func fin(_ direction: StreamDirection, at seconds: Double) {
        frame += 1
        tracker.ended(direction: direction, how: .fin(TLSBytes.origin(seconds, frame: frame)))
    }

    mutating func reset(by direction: StreamDirection, at seconds: Double) {
        frame += 1
        let origin = TLSBytes.origin(seconds, frame: frame)
        tracker.ended(direction: .clientToServer, how: .reset(by: direction, origin))
        tracker.ended(direction: .serverToClient, how: .reset(by: direction, origin))
    }

    /// A TLS 1.3 handshake up to the client's Finished (no SNI, as OSS).
    mutating func tls13Handshake() {
        client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        server(
            TLSBytes.serverHelloRecord(selected: 0x0304) + TLSBytes.changeCipherSpec + TLSBytes.applicationData(2100),
            at: 0.001)
        client(TLSBytes.changeCipherSpec + TLSBytes.applicationData(53), at: 0.002)
    }

    /// A full TLS 1.2 handshake (ServerHello … ServerHelloDone, then both CCS + Finished).
    mutating func tls12Handshake() {
        client(TLSBytes.clientHelloRecord(sni: "cb.example", versions: []), at: 0)
        let flight =
            TLSBytes.handshake(2, TLSBytes.serverHelloBody(selected: nil))
            + TLSBytes.handshake(11, [UInt8](repeating: 1, count: 800))
            + TLSBytes.handshake(14, [])
        server(TLSBytes.record(22, flight), at: 0.001)
        client(
            TLSBytes.record(22, [UInt8](repeating: 3, count: 70)) + TLSBytes.changeCipherSpec
                + TLSBytes.record(22, [UInt8](repeating: 4, count: 40)), at: 0.002)
        server(TLSBytes.changeCipherSpec + TLSBytes.record(22, [UInt8](repeating: 5, count: 40)), at: 0.003)
    }
}

@Suite struct TLSConnectionTrackerTests {
    @Test func tls13RequestAndSlowResponse() throws {
        var c = Conversation()
        c.tls13Handshake()
        c.client(TLSBytes.applicationData(850), at: 0.010)  // the request: handshake done here
        c.server(TLSBytes.applicationData(250) + TLSBytes.applicationData(250), at: 0.011)  // session tickets, raced
        c.server(TLSBytes.applicationData(220), at: 6.010)  // the response
        c.fin(.serverToClient, at: 6.011)
        c.fin(.clientToServer, at: 6.012)
        let session = c.tracker.finish()
        #expect(session.version == .tls13)
        #expect(session.clientHello?.serverName == nil)
        guard case .completed(let done) = session.handshake else {
            Issue.record("handshake \(session.handshake)")
            return
        }
        #expect(done.frame == 4)
        let request = try #require(session.request)
        #expect(request.records == 1 && request.bytes == 850)
        let response = try #require(session.response)
        #expect(response.records == 3)
        #expect(response.lastEnd.frame == 6)
        let latency = try #require(session.estimatedLatencySeconds)
        #expect(abs(latency - 6.0) < 1e-6)
    }

    @Test func tls13TicketsBeforeTheRequestAreNotTheResponse() throws {
        var c = Conversation()
        c.tls13Handshake()
        c.server(TLSBytes.applicationData(250), at: 0.003)
        c.client(TLSBytes.applicationData(850), at: 0.004)
        c.fin(.clientToServer, at: 5.004)
        c.fin(.serverToClient, at: 5.005)
        let session = c.tracker.finish()
        #expect(session.postHandshakeServerRecords == 1)
        #expect(session.request != nil)
        #expect(session.response == nil)
        #expect(session.handshake.label == "completed")
    }

    @Test func tls12HandshakeIsDoneAfterBothFinished() throws {
        var c = Conversation()
        c.tls12Handshake()
        c.client(TLSBytes.applicationData(900), at: 0.010)
        c.server(TLSBytes.applicationData(300), at: 0.012)
        c.fin(.serverToClient, at: 0.013)
        c.fin(.clientToServer, at: 0.014)
        let session = c.tracker.finish()
        #expect(session.version == .tls12)
        #expect(session.clientHello?.serverName == "cb.example")
        guard case .completed(let done) = session.handshake else {
            Issue.record("handshake \(session.handshake)")
            return
        }
        #expect(done.frame == 4)
        #expect(session.request?.bytes == 900)
        #expect(session.response?.bytes == 300)
        #expect(abs((session.estimatedLatencySeconds ?? -1) - 0.002) < 1e-6)
    }

    @Test func serverAlertAfterClientHelloFailsTheHandshake() throws {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        c.server(TLSBytes.alert(level: 2, code: 112), at: 0.001)
        c.fin(.serverToClient, at: 0.002)
        let session = c.tracker.finish()
        guard case .failed(let failure) = session.handshake else {
            Issue.record("handshake \(session.handshake)")
            return
        }
        #expect(failure.kind == .alert(TLSAlert(level: 2, code: 112)))
        #expect(failure.by == .serverToClient)
        #expect(failure.origin.frame == 2)
        #expect(failure.stage == "after the ClientHello, before a ServerHello")
        #expect(session.alerts.count == 1)
    }

    @Test func warningAlertThenCloseFailsWithThatAlert() throws {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        c.server(TLSBytes.alert(level: 1, code: 112), at: 0.001)
        #expect(c.tracker.session.handshake == .unfinished)  // a warning alone does not end it
        c.fin(.serverToClient, at: 0.002)
        guard case .failed(let failure) = c.tracker.finish().handshake else {
            Issue.record("not failed")
            return
        }
        #expect(failure.kind == .alert(TLSAlert(level: 1, code: 112)))
    }

    @Test func serverCloseOrResetDuringTheHandshake() {
        var closed = Conversation()
        closed.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        closed.fin(.serverToClient, at: 0.001)
        guard case .failed(let f1) = closed.tracker.finish().handshake else {
            Issue.record("not failed")
            return
        }
        #expect(f1.kind == .closed && f1.by == .serverToClient)

        var reset = Conversation()
        reset.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        reset.server(TLSBytes.serverHelloRecord(selected: nil, legacy: 0x0303), at: 0.001)
        reset.reset(by: .serverToClient, at: 0.002)
        guard case .failed(let f2) = reset.tracker.finish().handshake else {
            Issue.record("not failed")
            return
        }
        #expect(f2.kind == .reset && f2.by == .serverToClient)
        #expect(f2.stage == "after the ServerHello")
    }

    /// TLS 1.3: a client that rejects the certificate sends an encrypted alert (19 bytes) instead
    /// of its Finished, then closes.
    @Test func tls13ClientEncryptedAlertThenClose() {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        c.server(
            TLSBytes.serverHelloRecord(selected: 0x0304) + TLSBytes.changeCipherSpec + TLSBytes.applicationData(2100),
            at: 0.001)
        c.client(TLSBytes.changeCipherSpec + TLSBytes.applicationData(19), at: 0.002)
        c.fin(.clientToServer, at: 0.003)
        guard case .failed(let failure) = c.tracker.finish().handshake else {
            Issue.record("not failed")
            return
        }
        #expect(failure.kind == .encryptedAlert)
        #expect(failure.by == .clientToServer)
    }

    @Test func tls12EncryptedAlertAfterChangeCipherSpecFails() {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: nil, versions: []), at: 0)
        c.server(TLSBytes.serverHelloRecord(selected: nil), at: 0.001)
        c.client(TLSBytes.changeCipherSpec + TLSBytes.record(21, [UInt8](repeating: 0, count: 26)), at: 0.002)
        guard case .failed(let failure) = c.tracker.finish().handshake else {
            Issue.record("not failed")
            return
        }
        #expect(failure.kind == .encryptedAlert)
    }

    @Test func gapDuringTheHandshakeGivesNoVerdict() {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        c.gap(.serverToClient, 1200, at: 0.001)
        c.fin(.serverToClient, at: 0.002)
        let session = c.tracker.finish()
        guard case .incomplete(let reason) = session.handshake else {
            Issue.record("handshake \(session.handshake)")
            return
        }
        #expect(reason.contains("missing"))
    }

    @Test func endOfCaptureDuringTheHandshakeIsUnfinished() {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        c.tracker.ended(direction: .clientToServer, how: .endOfCapture)
        #expect(c.tracker.finish().handshake == .unfinished)
    }

    @Test func responseAfterTheClientClosedIsLate() throws {
        var c = Conversation()
        c.tls13Handshake()
        c.client(TLSBytes.applicationData(850), at: 0.010)
        c.fin(.clientToServer, at: 5.010)
        c.server(TLSBytes.applicationData(220), at: 6.010)
        let session = c.tracker.finish()
        #expect(session.response == nil)
        #expect(session.lateServerRecords?.records == 1)
        #expect(session.clientClose?.frame == 5)
    }

    @Test func helloRetryRequestThenRealServerHello() throws {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: "retry.example"), at: 0)
        c.server(TLSBytes.record(22, TLSBytes.handshake(2, TLSBytes.serverHelloBody(retry: true))), at: 0.001)
        #expect(c.tracker.session.helloRetryRequested)
        #expect(c.tracker.session.version == nil)
        c.client(TLSBytes.changeCipherSpec + TLSBytes.clientHelloRecord(sni: "retry.example"), at: 0.002)
        c.server(TLSBytes.serverHelloRecord(selected: 0x0304) + TLSBytes.applicationData(2000), at: 0.003)
        #expect(c.tracker.session.version == .tls13)
        c.client(TLSBytes.applicationData(53), at: 0.004)
        c.client(TLSBytes.applicationData(700), at: 0.005)
        #expect(c.tracker.finish().handshake.label == "completed")
    }

    /// TLS 1.3 middlebox-compatibility mode (RFC 8446 Appendix D.4, OpenSSL's default): the server
    /// sends a dummy ChangeCipherSpec right after its HelloRetryRequest, and the client one before
    /// its second ClientHello. The real ServerHello that follows is still read. Found by the `tls`
    /// fuzz target's seeds: this handshake used to end "failed" with no version.
    @Test func helloRetryRequestWithMiddleboxCompatibilityCCS() throws {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: "retry.example"), at: 0)
        c.server(
            TLSBytes.record(22, TLSBytes.handshake(2, TLSBytes.serverHelloBody(retry: true)))
                + TLSBytes.changeCipherSpec, at: 0.001)
        #expect(c.tracker.session.helloRetryRequested)
        c.client(TLSBytes.changeCipherSpec + TLSBytes.clientHelloRecord(sni: "retry.example"), at: 0.002)
        c.server(TLSBytes.serverHelloRecord(selected: 0x0304) + TLSBytes.applicationData(2000), at: 0.003)
        #expect(c.tracker.session.version == .tls13)
        c.client(TLSBytes.applicationData(53), at: 0.004)
        c.client(TLSBytes.applicationData(700), at: 0.005)
        #expect(c.tracker.finish().handshake.label == "completed")
    }

    /// TLS 1.2: a ChangeCipherSpec still ends the plaintext handshake — the encrypted Finished
    /// after it is never read as a hello, even when its first byte says "ServerHello".
    @Test func afterAnOrdinaryServerCCSHandshakeRecordsAreNotParsed() {
        var reader = TLSRecordReader()
        var events: [TLSRecordEvent] = []
        let finishedLookingLikeAHello = TLSBytes.record(22, [2, 0, 0, 4, 1, 2, 3, 4])
        let stream = TLSBytes.serverHelloRecord(selected: nil) + TLSBytes.changeCipherSpec + finishedLookingLikeAHello
        reader.feed(stream[...], origin: TLSBytes.origin(0, frame: 1), into: &events)
        let hellos = events.filter { if case .handshakeMessage = $0 { true } else { false } }
        #expect(hellos.count == 1)
    }

    @Test func garbageAfterAClientHelloIsIncomplete() {
        var c = Conversation()
        c.client(TLSBytes.clientHelloRecord(sni: nil), at: 0)
        c.server(Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8), at: 0.001)
        let session = c.tracker.finish()
        #expect(session.handshake.label == "incomplete")
        #expect(session.problem?.contains("server") == true)
    }

    /// Hostile input: random bytes after a valid-looking header never crash, and what the tracker
    /// keeps stays bounded: at most ``TLSSession/maxAlertsKept`` alerts, no more records counted
    /// than 5-byte record headers fit in the bytes fed.
    @Test func randomStreamsNeverCrash() {
        var generator = SplitMix64.forTest(seed: 0x7153_5EED)
        for round in 0..<200 {
            var c = Conversation()
            let length = Int.random(in: 0..<600, using: &generator)
            var bytes = [0x16, 0x03, 0x01] + (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if bytes.count > 4 { bytes[3] = 0x01 }
            var serverBytes = 0
            for chunk in stride(from: 0, to: bytes.count, by: 37) {
                c.client(Array(bytes[chunk..<min(bytes.count, chunk + 37)]), at: 0)
                c.server((0..<40).map { _ in UInt8.random(in: 0...255, using: &generator) }, at: 0)
                serverBytes += 40
            }
            c.fin(.clientToServer, at: 1)
            let session = c.tracker.finish()
            let label = "round \(round), \(generator.replay)"
            #expect(session.alerts.count <= TLSSession.maxAlertsKept, "\(label)")
            #expect(session.clientRecords <= bytes.count / 5, "\(label)")
            #expect(session.serverRecords <= serverBytes / 5, "\(label)")
        }
    }
}
