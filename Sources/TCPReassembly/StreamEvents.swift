public import CaptureModel

/// Which way bytes flow on a connection.
public enum StreamDirection: String, Sendable, Hashable, CaseIterable {
    /// From the side that opened the connection (the SYN sender) — OSS, for a callback.
    case clientToServer
    /// From the side that accepted it — the callback server.
    case serverToClient

    public var reversed: StreamDirection { self == .clientToServer ? .serverToClient : .clientToServer }
}

/// Where a run of stream bytes came from: the capture record that first carried them.
public struct StreamOrigin: Sendable, Hashable {
    /// Capture time of the bytes' first transmission.
    public var timestamp: Timestamp
    /// Frame number (1-based) of that record.
    public var frame: Int
    public init(timestamp: Timestamp, frame: Int) {
        self.timestamp = timestamp
        self.frame = frame
    }
}

/// How the client/server roles of a connection were decided.
public enum RoleEvidence: String, Sendable, Hashable {
    /// The SYN (without ACK) sender is the client (RFC 9293 §3.5).
    case syn
    /// Only the SYN-ACK was seen; its receiver is the client.
    case synAck
    /// No handshake seen; the first payload looked like an HTTP request or response.
    case content
    /// No handshake, no telling payload: the side on the lower (non-ephemeral) port is the server.
    case ports
}

/// Facts about a tracked TCP connection, fixed once its roles are decided.
public struct ConnectionInfo: Sendable, Hashable {
    /// 0-based, in the order connections were first seen in the capture.
    public var id: Int
    public var client: Endpoint
    public var server: Endpoint
    public var roleEvidence: RoleEvidence
    /// True when the client's SYN was captured.
    public var handshakeSeen: Bool
    /// The first record of the connection.
    public var firstSeen: StreamOrigin

    public init(
        id: Int, client: Endpoint, server: Endpoint, roleEvidence: RoleEvidence, handshakeSeen: Bool,
        firstSeen: StreamOrigin
    ) {
        self.id = id
        self.client = client
        self.server = server
        self.roleEvidence = roleEvidence
        self.handshakeSeen = handshakeSeen
        self.firstSeen = firstSeen
    }
}

/// How one direction, or a whole connection, came to an end.
public enum StreamEnd: Sendable, Hashable {
    /// A FIN was received and every byte before it delivered.
    case fin(StreamOrigin)
    /// A RST was sent by the given side.
    case reset(by: StreamDirection, StreamOrigin)
    /// The capture ended while the connection was open.
    case endOfCapture
    /// The tracker dropped the connection after it was idle too long (bounded memory).
    case idleTimeout(StreamOrigin)
}

/// Why a connection attempt never became a connection.
public enum RefusalKind: String, Sendable, Hashable {
    /// The SYN was answered by RST (nobody listening, or a firewall rejecting).
    case reset
    /// No SYN-ACK was captured before the capture ended or the attempt expired.
    case unanswered
}

/// A connection attempt that failed during the handshake.
public struct RefusedConnection: Sendable, Hashable {
    public var info: ConnectionInfo
    public var kind: RefusalKind
    /// Every SYN the client sent (the first, then retransmissions).
    public var synFrames: [Int]
    public var firstSyn: StreamOrigin
    /// The RST, for `.reset`.
    public var reset: StreamOrigin?

    public init(info: ConnectionInfo, kind: RefusalKind, synFrames: [Int], firstSyn: StreamOrigin, reset: StreamOrigin?)
    {
        self.info = info
        self.kind = kind
        self.synFrames = synFrames
        self.firstSyn = firstSyn
        self.reset = reset
    }
}

/// What the tracker tells the next stage, in capture order.
///
/// For one connection the order is: `opened`, then any mix of `data` / `gap` per direction,
/// `ended` per direction (at most once each), then `closed` exactly once. A failed handshake
/// produces a single `refused` instead.
public enum StreamEvent: Sendable {
    case opened(ConnectionInfo)
    /// In-order bytes at stream offset `offset` of `direction`.
    case data(
        connection: Int, direction: StreamDirection, offset: Int64, bytes: ArraySlice<UInt8>, origin: StreamOrigin)
    /// `length` bytes at `offset` were never captured (loss, snaplen, capture start).
    case gap(connection: Int, direction: StreamDirection, offset: Int64, length: Int64, origin: StreamOrigin)
    /// No more bytes will come in `direction`.
    case ended(connection: Int, direction: StreamDirection, how: StreamEnd)
    /// The connection is gone; its state has been freed.
    case closed(connection: Int, how: StreamEnd)
    case refused(RefusedConnection)
    /// Something odd about the stream that does not change its bytes.
    case anomaly(connection: Int, direction: StreamDirection, TCPAnomaly, origin: StreamOrigin)
}

/// A TCP oddity worth telling the reader about.
public enum TCPAnomaly: Sendable, Hashable, CustomStringConvertible {
    /// A retransmission carried bytes different from the first copy at `offset` (the first copy
    /// was kept, as a receiver's stack keeps it). A middlebox rewriting traffic, or an attack.
    case retransmissionWithDifferentBytes(offset: Int64, length: Int64)

    public var description: String {
        switch self {
        case .retransmissionWithDifferentBytes(let offset, let length):
            "a retransmission carried different bytes at stream offset \(offset) (\(length) bytes); the first copy was kept"
        }
    }
}

/// Receives stream events. Generic (not an existential) so the hot loop is specialised.
public protocol StreamEventSink {
    mutating func receive(_ event: StreamEvent)
}
