import CallbackSignature
import CaptureModel
import TCPReassembly
import TLSRecords

/// One TCP connection's analysis, routed by what its client speaks: HTTP/1.x (a callback in
/// clear text) to ``HTTPConnectionAnalyzer``, TLS (an HTTPS callback, seen without decryption)
/// to the TLS record layer, where the connection becomes a single exchange carrying
/// ``HTTPExchange/tls``.
///
/// Contract: the route is decided once, at the client's first byte; every stream event after
/// that goes to the chosen side only. Finished exchanges are appended, in exchange order, to the
/// `output` array each entry point is given.
struct ConnectionAnalyzer {
    /// What the connection speaks.
    private enum Route {
        /// HTTP (the default until the client's first byte says otherwise).
        case http
        /// The client's stream, seen from its first byte, began with a TLS handshake record.
        case tls(TLSState)
    }

    /// The TLS side of a connection, boxed: plain HTTP connections (the hot path, stored by value
    /// in the assembler's table) carry one reference instead of the tracker's kilobyte.
    private final class TLSState {
        var tracker = TLSConnectionTracker()
        /// Holes and TCP oddities seen on the connection, for its exchange.
        var holes: [CaptureHole] = []
        var anomalies: [TCPAnomaly] = []
        var outcome: ConnectionOutcome

        init(outcome: ConnectionOutcome) { self.outcome = outcome }
    }

    private var route = Route.http
    /// The HTTP side, stored beside the route rather than as `.http`'s payload: changing an enum
    /// payload in place copies it (and every buffer it holds) on each segment.
    private var http: HTTPConnectionAnalyzer

    /// Nil until the first request or response is seen; false once the client spoke something else.
    var isHTTP: Bool? { http.isHTTP }
    /// True once the connection was routed to the TLS record layer.
    var isTLS: Bool {
        if case .tls = route { true } else { false }
    }

    init(info: ConnectionInfo, limits: ExchangeLimits, signatureVerifier: SignatureVerifier) {
        http = HTTPConnectionAnalyzer(info: info, limits: limits, signatureVerifier: signatureVerifier)
    }

    mutating func data(
        direction: StreamDirection, offset: Int64, bytes: ArraySlice<UInt8>, origin: StreamOrigin,
        output: inout [HTTPExchange]
    ) {
        switch route {
        case .tls(let tls):
            tls.tracker.data(direction: direction, bytes: bytes, origin: origin)
        case .http where startsTLS(direction: direction, offset: offset, bytes: bytes):
            let tls = TLSState(outcome: http.outcome)
            tls.tracker.data(direction: direction, bytes: bytes, origin: origin)
            route = .tls(tls)
        case .http:
            http.data(direction: direction, offset: offset, bytes: bytes, origin: origin, output: &output)
        }
    }

    /// Routing: a client whose stream, seen from its first byte, starts with a TLS handshake
    /// record header (0x16 0x03 0x00…0x04) speaks TLS — an HTTPS callback.
    private func startsTLS(direction: StreamDirection, offset: Int64, bytes: ArraySlice<UInt8>) -> Bool {
        let info = http.info
        return direction == .clientToServer && offset == 0 && http.hasSeenNoMessage
            && (info.handshakeSeen || info.roleEvidence == .synAck)
            && TLSRecordHeader.startsHandshake(bytes.prefix(3))
    }

    /// Bytes the capture does not have (``HTTPConnectionAnalyzer/gap(direction:offset:length:origin:output:)``).
    mutating func gap(
        direction: StreamDirection, offset: Int64, length: Int64, origin: StreamOrigin, output: inout [HTTPExchange]
    ) {
        switch route {
        case .tls(let tls):
            tls.holes.append(CaptureHole(direction: direction, offset: offset, length: length, origin: origin))
            tls.tracker.gap(direction: direction, length: length, origin: origin)
        case .http:
            http.gap(direction: direction, offset: offset, length: length, origin: origin, output: &output)
        }
    }

    /// A TCP oddity, noted on the exchange it belongs to.
    mutating func anomaly(direction: StreamDirection, _ anomaly: TCPAnomaly) {
        switch route {
        case .tls(let tls): tls.anomalies.append(anomaly)
        case .http: http.anomaly(direction: direction, anomaly)
        }
    }

    mutating func ended(direction: StreamDirection, how: StreamEnd, output: inout [HTTPExchange]) {
        switch route {
        case .tls(let tls):
            tls.tracker.ended(direction: direction, how: how)
            if direction == .clientToServer { tls.outcome.clientEnd = how } else { tls.outcome.serverEnd = how }
        case .http:
            http.ended(direction: direction, how: how, output: &output)
        }
    }

    /// The connection is gone: hands out everything still pending (for TLS, its one exchange).
    mutating func close(output: inout [HTTPExchange]) {
        switch route {
        case .tls(let tls):
            var exchange = HTTPExchange(connection: http.info, index: 0)
            exchange.tls = tls.tracker.finish()
            exchange.outcome = tls.outcome
            exchange.holes = tls.holes
            exchange.tcpAnomalies = tls.anomalies
            output.append(exchange)
        case .http:
            http.close(output: &output)
        }
    }

    /// Requests still waiting for their response
    /// (``HTTPConnectionAnalyzer/waiting(requestEndedAtOrBefore:into:)``); none on a TLS connection.
    func waiting(requestEndedAtOrBefore deadline: Timestamp, into output: inout [HTTPExchange]) {
        guard case .http = route else { return }
        http.waiting(requestEndedAtOrBefore: deadline, into: &output)
    }
}
