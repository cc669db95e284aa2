import CaptureModel
public import TCPReassembly

/// A run of application_data records in one direction: how many, how many bytes, and when the
/// first began and the last ended.
public struct TLSRecordRun: Sendable, Hashable {
    public var records: Int
    /// Record fragment bytes (ciphertext, headers excluded).
    public var bytes: Int64
    /// The capture record that carried the first record's first byte.
    public var firstStart: StreamOrigin
    /// The capture record that carried the last record's last byte.
    public var lastEnd: StreamOrigin

    init(_ record: TLSRecord) {
        records = 1
        bytes = Int64(record.header.length)
        firstStart = record.start
        lastEnd = record.end
    }

    mutating func add(_ record: TLSRecord) {
        records += 1
        bytes += Int64(record.header.length)
        lastEnd = record.end
    }
}

/// An alert seen on the connection, with its sender.
public struct TLSAlertSeen: Sendable, Hashable {
    public var from: StreamDirection
    /// The alert, or nil for an encrypted one (its level and description cannot be read).
    public var alert: TLSAlert?
    public var origin: StreamOrigin
    /// Bytes of the record (2 for a plaintext alert).
    public var recordLength: Int
}

/// Why a TLS handshake failed, as seen on the wire.
public enum TLSHandshakeFailureKind: Sendable, Hashable {
    /// A plaintext alert (fatal, or any alert followed by the end of the connection).
    case alert(TLSAlert)
    /// An encrypted alert: a TLS 1.2 alert record after ChangeCipherSpec, or in TLS 1.3 an
    /// application_data record of exactly 19 bytes (2 alert bytes + content type + a 16-byte
    /// AEAD tag) where the client's Finished (at least 37 bytes) was expected.
    case encryptedAlert
    /// The connection was reset (RST) before the handshake finished.
    case reset
    /// The connection was closed (FIN) before the handshake finished.
    case closed
}

/// A failed handshake: what happened, who did it, and when.
public struct TLSHandshakeFailure: Sendable, Hashable {
    public var kind: TLSHandshakeFailureKind
    /// The side that sent the alert, reset or closed.
    public var by: StreamDirection
    public var origin: StreamOrigin
    /// How far the handshake had got: `before the ClientHello`, `after the ClientHello`,
    /// `after the ServerHello`, `after the client's Finished`.
    public var stage: String
}

/// How the handshake ended, as far as the capture shows.
public enum TLSHandshakeOutcome: Sendable, Hashable {
    /// The handshake finished (see ``TLSConnectionTracker`` for the exact definition per version).
    case completed(StreamOrigin)
    case failed(TLSHandshakeFailure)
    /// The capture ended (or the tracker gave the connection up) during the handshake.
    case unfinished
    /// Bytes are missing, or the stream is not parseable: no verdict (the reason says which).
    case incomplete(String)

    /// `completed`, `failed`, `unfinished`, `incomplete`.
    public var label: String {
        switch self {
        case .completed: "completed"
        case .failed: "failed"
        case .unfinished: "unfinished"
        case .incomplete: "incomplete"
        }
    }
}

/// Everything the TLS analyzer learnt about one connection, without decrypting anything.
public struct TLSSession: Sendable, Equatable {
    public var clientHello: TLSClientHello?
    /// The ServerHello that fixed the version (after a HelloRetryRequest, the second one).
    public var serverHello: TLSServerHello?
    /// The server asked for a second ClientHello (RFC 8446 §4.1.4).
    public var helloRetryRequested = false
    public var handshake: TLSHandshakeOutcome = .unfinished
    /// Alerts, in order; at most ``maxAlertsKept``.
    public var alerts: [TLSAlertSeen] = []
    /// The client's application_data after the handshake — the estimated request: its first
    /// record, and every client record up to the first response record.
    public var request: TLSRecordRun?
    /// The server's application_data records that began after the request began and before
    /// the client closed — the estimated response (the last one ends it).
    public var response: TLSRecordRun?
    /// TLS 1.3: server application_data records after the client's Finished and before the
    /// request (post-handshake messages such as NewSessionTicket, RFC 8446 §4.6.1).
    public var postHandshakeServerRecords = 0
    /// Server application_data records that began after the client had closed (never read).
    public var lateServerRecords: TLSRecordRun?
    /// The client's close (FIN or RST), when seen.
    public var clientClose: StreamOrigin?
    public var clientRecords = 0
    public var serverRecords = 0
    /// The first reason a direction could not be parsed (malformed or lost framing), if any.
    public var problem: String?

    public static let maxAlertsKept = 8

    public init() {}

    /// The negotiated version: the ServerHello's, else nil.
    public var version: TLSProtocolVersion? {
        guard let hello = serverHello, !hello.isHelloRetryRequest else { return nil }
        return hello.negotiatedVersion
    }

    /// Estimated latency: end of the last response record minus end of the request's last
    /// record (the analogue of the HTTP latency, response end minus request end). Estimated:
    /// record boundaries stand in for message boundaries that encryption hides.
    public var estimatedLatencySeconds: Double? {
        guard let request, let response else { return nil }
        return response.lastEnd.timestamp.seconds(since: request.lastEnd.timestamp)
    }
}
