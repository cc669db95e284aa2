import CaptureModel
public import TCPReassembly

/// Follows one TLS connection through its record layer — both directions — and tells how the
/// handshake went and when the (encrypted) request and response went past. Nothing is decrypted.
///
/// Contract: feed it the connection's stream events in capture order (``data(direction:bytes:origin:)``,
/// ``gap(direction:length:origin:)``, ``ended(direction:how:)``), then call ``finish()`` once.
///
/// ## When is the handshake "done"?
/// - TLS ≤ 1.2 (RFC 5246 §7.3): when both sides have sent ChangeCipherSpec followed by a
///   handshake record (their encrypted Finished), in either order (full or abbreviated handshake).
/// - TLS 1.3 (RFC 8446 §2): everything after the ServerHello is encrypted and sent as
///   application_data records, so the Finished messages cannot be told from data by type. The
///   client's first application_data record after the ServerHello is taken as its Finished
///   (it has no certificate to send: OSS authenticates with a signature, not a client
///   certificate), and the handshake is done at the client's *next* application_data record —
///   its first flight of real data. Server application_data records before that request are
///   the server's encrypted flight and post-handshake messages (NewSessionTicket).
///
/// Limits of the TLS 1.3 heuristic: a client that sends a certificate (several records before its
/// data) would have its handshake called done one record early; a server that sends its session
/// tickets only after the request arrived (a race on fast links) has them counted as the start
/// of the response. The response's *end* — the last server record before the client closed —
/// is what the latency uses, so a ticket raced in front of a slow response does not hide the delay;
/// and the diagnosis treats a client that waited out its timeout before closing as having had no
/// response, so raced tickets in front of silence do not pass either.
///
/// ## Failure
/// Before the handshake is done: a fatal plaintext alert; an encrypted alert (a TLS 1.2 alert
/// record after ChangeCipherSpec; in TLS 1.3 a 19-byte client record where the Finished was
/// expected, then the end); or a FIN or RST from either side. Bytes missing from the capture
/// during the handshake give ``TLSHandshakeOutcome/incomplete(_:)`` unless a plaintext alert
/// proves the failure — never a guessed verdict.
///
/// Memory: two ``TLSRecordReader``s (bounded) and a fixed-size summary.
public struct TLSConnectionTracker: Sendable {
    /// The explicit handshake state machine.
    private enum Phase: Sendable, Equatable {
        case awaitingClientHello
        case awaitingServerHello
        /// ServerHello seen; waiting for the handshake to finish.
        case negotiating
        case established
        case failed
        /// Framing lost or malformed before a verdict.
        case lost
    }

    private var phase = Phase.awaitingClientHello
    private var client = TLSRecordReader()
    private var server = TLSRecordReader()
    public private(set) var session = TLSSession()
    private var scratch: [TLSRecordEvent] = []

    // TLS ≤ 1.2 progress.
    private var clientChangedCipher = false
    private var serverChangedCipher = false
    private var clientFinished = false
    private var serverFinished = false
    // TLS 1.3 progress: the client's first application_data record after the ServerHello.
    private var clientFinishedRecord: TLSRecord?
    /// A warning-level (or close_notify) alert seen before the handshake was done; it becomes the
    /// failure if the connection then ends.
    private var pendingAlert: TLSAlertSeen?
    /// Bytes went missing before the handshake was done.
    private var lostDuringHandshake: String?

    /// The smallest TLS 1.3 Finished record: 32-byte verify_data (SHA-256) + 4-byte header +
    /// content type + 16-byte tag = 53; 19 bytes is the size of an encrypted alert.
    static let encryptedAlertLength = 19

    public init() {}

    private var isTLS13: Bool { session.version == .tls13 }

    // MARK: - Input

    public mutating func data(direction: StreamDirection, bytes: ArraySlice<UInt8>, origin: StreamOrigin) {
        var events = takeScratch()
        switch direction {
        case .clientToServer: client.feed(bytes, origin: origin, into: &events)
        case .serverToClient: server.feed(bytes, origin: origin, into: &events)
        }
        for event in events { handle(event, from: direction) }
        returnScratch(&events)
    }

    public mutating func gap(direction: StreamDirection, length: Int64, origin: StreamOrigin) {
        if phase != .established && phase != .failed && lostDuringHandshake == nil {
            lostDuringHandshake =
                "\(length) bytes from the \(direction == .clientToServer ? "client" : "server") are missing from the capture during the handshake"
        }
        var events = takeScratch()
        switch direction {
        case .clientToServer: client.skip(length, origin: origin, into: &events)
        case .serverToClient: server.skip(length, origin: origin, into: &events)
        }
        for event in events { handle(event, from: direction) }
        returnScratch(&events)
    }

    public mutating func ended(direction: StreamDirection, how: StreamEnd) {
        let closer: (StreamDirection, StreamOrigin, Bool)?
        switch how {
        case .fin(let origin): closer = (direction, origin, false)
        case .reset(let by, let origin): closer = (by, origin, true)
        case .endOfCapture, .idleTimeout: closer = nil
        }
        guard let (by, origin, isReset) = closer else { return }
        if by == .clientToServer && session.clientClose == nil { session.clientClose = origin }
        guard phase != .established, phase != .failed, phase != .lost else { return }
        if let lost = lostDuringHandshake {
            phase = .lost
            session.handshake = .incomplete(lost)
            return
        }
        let kind: TLSHandshakeFailureKind
        var sender = by
        var at = origin
        if let alert = pendingAlert {
            kind = alert.alert.map(TLSHandshakeFailureKind.alert) ?? .encryptedAlert
            sender = alert.from
            at = alert.origin
        } else if isTLS13, let finished = clientFinishedRecord, finished.header.length == Self.encryptedAlertLength {
            kind = .encryptedAlert
            sender = .clientToServer
            at = finished.start
        } else {
            kind = isReset ? .reset : .closed
        }
        fail(TLSHandshakeFailure(kind: kind, by: sender, origin: at, stage: stage))
    }

    /// The summary, with the handshake outcome settled: a handshake still in progress is
    /// `unfinished` (or `incomplete` when bytes were missing).
    public mutating func finish() -> TLSSession {
        switch phase {
        case .awaitingClientHello, .awaitingServerHello, .negotiating:
            session.handshake = lostDuringHandshake.map(TLSHandshakeOutcome.incomplete) ?? .unfinished
        case .established, .failed, .lost:
            break
        }
        return session
    }

    // MARK: - Events

    private mutating func handle(_ event: TLSRecordEvent, from direction: StreamDirection) {
        switch event {
        case .record(let record):
            direction == .clientToServer ? clientRecord(record) : serverRecord(record)
        case .handshakeMessage(let type, let body, _):
            hello(type, body: body, from: direction)
        case .handshakeMessageLost(let type, let reason):
            note("\(type == .clientHello ? "ClientHello" : "ServerHello") not read: \(reason)")
            if phase != .established && phase != .failed && lostDuringHandshake == nil {
                lostDuringHandshake =
                    "the \(type == .clientHello ? "ClientHello" : "ServerHello") was not read (\(reason))"
            }
        case .malformed(let reason, let offset):
            stop(
                "the \(direction == .clientToServer ? "client" : "server")'s bytes stopped being TLS records at stream offset \(offset): \(reason)"
            )
        case .lost(let offset):
            stop(
                "the \(direction == .clientToServer ? "client" : "server")'s record framing was lost at stream offset \(offset) (bytes missing from the capture)"
            )
        }
    }

    private mutating func clientRecord(_ record: TLSRecord) {
        session.clientRecords += 1
        switch record.header.contentType {
        case .alert?:
            alert(record, from: .clientToServer)
        case .changeCipherSpec?:
            clientChangedCipher = true
        case .handshake?:
            if phase == .negotiating && !isTLS13 && clientChangedCipher {
                clientFinished = true
                checkLegacyDone(record)
            }
        case .applicationData?:
            switch phase {
            case .established:
                if session.response == nil {
                    if session.request == nil {
                        session.request = TLSRecordRun(record)
                    } else {
                        session.request?.add(record)
                    }
                }
            case .negotiating where isTLS13:
                if clientFinishedRecord == nil {
                    clientFinishedRecord = record
                } else {
                    phase = .established
                    session.handshake = .completed(record.start)
                    session.request = TLSRecordRun(record)
                }
            default:
                break  // Early data (0-RTT) or data before a finished TLS ≤ 1.2 handshake: not the request.
            }
        case .heartbeat?, nil:
            break
        }
    }

    private mutating func serverRecord(_ record: TLSRecord) {
        session.serverRecords += 1
        switch record.header.contentType {
        case .alert?:
            alert(record, from: .serverToClient)
        case .changeCipherSpec?:
            serverChangedCipher = true
        case .handshake?:
            if phase == .negotiating && !isTLS13 && serverChangedCipher {
                serverFinished = true
                checkLegacyDone(record)
            }
        case .applicationData?:
            switch phase {
            case .established where session.request != nil:
                if session.clientClose == nil {
                    if session.response == nil {
                        session.response = TLSRecordRun(record)
                    } else {
                        session.response?.add(record)
                    }
                } else if session.lateServerRecords == nil {
                    session.lateServerRecords = TLSRecordRun(record)
                } else {
                    session.lateServerRecords?.add(record)
                }
            case .established:
                session.postHandshakeServerRecords += 1
            case .negotiating where isTLS13 && clientFinishedRecord != nil:
                session.postHandshakeServerRecords += 1
            default:
                break  // TLS 1.3: the server's encrypted handshake flight.
            }
        case .heartbeat?, nil:
            break
        }
    }

    private mutating func alert(_ record: TLSRecord, from direction: StreamDirection) {
        let seen = TLSAlertSeen(
            from: direction, alert: record.alert, origin: record.start, recordLength: record.header.length)
        if session.alerts.count < TLSSession.maxAlertsKept { session.alerts.append(seen) }
        guard phase != .established, phase != .failed, phase != .lost else { return }
        if let alert = record.alert {
            if alert.isFatal {
                fail(TLSHandshakeFailure(kind: .alert(alert), by: direction, origin: record.start, stage: stage))
            } else if pendingAlert == nil {
                pendingAlert = seen
            }
        } else if record.header.length != 2 {
            // Encrypted (after ChangeCipherSpec): the level is unknown, and no alert is expected
            // during a handshake that goes well.
            fail(TLSHandshakeFailure(kind: .encryptedAlert, by: direction, origin: record.start, stage: stage))
        }
    }

    private mutating func hello(_ type: TLSHandshakeType, body: [UInt8], from direction: StreamDirection) {
        switch (type, direction) {
        case (.clientHello, .clientToServer):
            do {
                let hello = try TLSClientHello(body: body)
                if session.clientHello == nil || session.helloRetryRequested { session.clientHello = hello }
            } catch {
                note("ClientHello not understood: \(error)")
            }
            if phase == .awaitingClientHello { phase = .awaitingServerHello }
        case (.serverHello, .serverToClient):
            do {
                let hello = try TLSServerHello(body: body)
                if hello.isHelloRetryRequest {
                    session.helloRetryRequested = true
                } else {
                    session.serverHello = hello
                    if phase == .awaitingServerHello || phase == .awaitingClientHello { phase = .negotiating }
                }
            } catch {
                note("ServerHello not understood: \(error)")
                if lostDuringHandshake == nil { lostDuringHandshake = "the ServerHello was not understood (\(error))" }
            }
        default:
            note("a \(type == .clientHello ? "ClientHello" : "ServerHello") came from the wrong side")
        }
    }

    private mutating func checkLegacyDone(_ record: TLSRecord) {
        guard clientChangedCipher, serverChangedCipher, clientFinished, serverFinished else { return }
        phase = .established
        session.handshake = .completed(record.end)
    }

    private mutating func fail(_ failure: TLSHandshakeFailure) {
        phase = .failed
        session.handshake = .failed(failure)
    }

    private mutating func stop(_ reason: String) {
        note(reason)
        if phase != .established && phase != .failed {
            phase = .lost
            session.handshake = .incomplete(reason)
        }
    }

    private mutating func note(_ problem: String) {
        if session.problem == nil { session.problem = problem }
    }

    private var stage: String {
        switch phase {
        case .awaitingClientHello: "before the ClientHello"
        case .awaitingServerHello: "after the ClientHello, before a ServerHello"
        case .negotiating where isTLS13 && clientFinishedRecord != nil:
            "after the client's Finished, before its first data"
        case .negotiating: "after the ServerHello"
        case .established, .failed, .lost: "after the handshake"
        }
    }

    private mutating func takeScratch() -> [TLSRecordEvent] {
        var events: [TLSRecordEvent] = []
        swap(&events, &scratch)
        return events
    }

    private mutating func returnScratch(_ events: inout [TLSRecordEvent]) {
        events.removeAll(keepingCapacity: true)
        swap(&events, &scratch)
    }
}
