public import CallbackSignature
public import CaptureModel
public import TCPReassembly

/// Connection-level HTTP counters for the capture section of the report.
public struct ExchangeStatistics: Sendable, Hashable {
    /// Connections that carried at least one HTTP message.
    public var httpConnections = 0
    /// Connections whose client began with a TLS handshake (HTTPS): analysed from their TLS
    /// records, one exchange each.
    public var tlsConnections = 0
    /// Connections whose bytes were neither HTTP nor a TLS handshake from its start (other
    /// protocols, TLS picked up mid-stream) — counted, not analysed.
    public var otherConnections = 0
    /// Connections that closed without carrying a byte of payload.
    public var emptyConnections = 0
    public init() {}

    /// Adds the counters of `other` (the assembler of another part of the same capture).
    public mutating func add(_ other: ExchangeStatistics) {
        httpConnections += other.httpConnections
        tlsConnections += other.tlsConnections
        otherConnections += other.otherConnections
        emptyConnections += other.emptyConnections
    }
}

/// The HTTP stage: takes stream events from the reassembler and produces ``HTTPExchange``s.
///
/// Finished exchanges accumulate in an internal buffer; the pipeline takes them with
/// ``takeFinished()`` after each packet, so nothing is held longer than its connection needs.
public struct ExchangeAssembler: StreamEventSink {
    public let limits: ExchangeLimits
    /// The keys callback signatures are verified with.
    public var signatureKeys: SignatureKeys { signatureVerifier.keys }
    /// This analysis's verifier (prepared libcrypto contexts): one assembler, one thread.
    private let signatureVerifier: SignatureVerifier
    public private(set) var statistics = ExchangeStatistics()
    private var analyzers: [Int: ConnectionAnalyzer] = [:]
    private var finished: [HTTPExchange] = []
    private var sawPayload: Set<Int> = []

    public init(limits: ExchangeLimits = .init(), signatureKeys: SignatureKeys = .ossOnly) {
        self.limits = limits
        self.signatureVerifier = SignatureVerifier(keys: signatureKeys)
    }

    /// Exchanges finished since the last call, in the order they finished.
    public mutating func takeFinished() -> [HTTPExchange] {
        var batch: [HTTPExchange] = []
        takeFinished(into: &batch)
        return batch
    }

    /// Moves the exchanges finished since the last call, in the order they finished, into
    /// `batch`, which must be empty; `batch`'s storage becomes the assembler's buffer for the
    /// next ones. Per packet this allocates nothing and copies no exchange (`takeFinished()`
    /// returned the shared buffer, so clearing it allocated a new one every time).
    public mutating func takeFinished(into batch: inout [HTTPExchange]) {
        precondition(batch.isEmpty, "takeFinished(into:) needs an empty batch")
        guard !finished.isEmpty else { return }
        swap(&batch, &finished)
    }

    /// Requests still waiting for their response: copies of the exchanges, on every open
    /// connection, whose request's last byte was captured at or before `deadline` and whose
    /// final response has not completed (not started, or started and unfinished), with how the
    /// connection's directions have ended so far.
    ///
    /// A snapshot only: the exchanges are still finalised by the stream events as usual, so a late
    /// response is paired with its request and the final result does not depend on whether or
    /// when this was called. The live view (`watch`) calls it on its time tick with
    /// `deadline = now − OSS's timeout` to report callbacks OSS has given up on.
    public func exchangesWaitingForResponse(requestEndedAtOrBefore deadline: Timestamp) -> [HTTPExchange] {
        var output: [HTTPExchange] = []
        for analyzer in analyzers.values {
            analyzer.waiting(requestEndedAtOrBefore: deadline, into: &output)
        }
        return output
    }

    public mutating func receive(_ event: StreamEvent) {
        switch event {
        case .opened(let info):
            analyzers[info.id] = ConnectionAnalyzer(info: info, limits: limits, signatureVerifier: signatureVerifier)
        case .data(let id, let direction, let offset, let bytes, let origin):
            sawPayload.insert(id)
            // In place (`values[index]`, through `inPlace`): `analyzers[id]?.…`, or reading a
            // property back, would copy the whole analyzer out of the dictionary for every segment.
            guard let index = analyzers.index(forKey: id) else { break }
            var notHTTP = false
            inPlace(&analyzers.values[index]) { analyzer in
                analyzer.data(direction: direction, offset: offset, bytes: bytes, origin: origin, output: &finished)
                notHTTP = analyzer.isHTTP == false
            }
            if notHTTP {
                // Not HTTP: stop spending time on it.
                analyzers.remove(at: index)
                statistics.otherConnections += 1
            }
        case .gap(let id, let direction, let offset, let length, let origin):
            sawPayload.insert(id)
            guard let index = analyzers.index(forKey: id) else { break }
            analyzers.values[index].gap(
                direction: direction, offset: offset, length: length, origin: origin, output: &finished)
        case .ended(let id, let direction, let how):
            guard let index = analyzers.index(forKey: id) else { break }
            analyzers.values[index].ended(direction: direction, how: how, output: &finished)
        case .closed(let id, _):
            if var analyzer = analyzers.removeValue(forKey: id) {
                analyzer.close(output: &finished)
                if analyzer.isTLS {
                    statistics.tlsConnections += 1
                } else if analyzer.isHTTP == true {
                    statistics.httpConnections += 1
                } else if sawPayload.contains(id) {
                    statistics.otherConnections += 1
                } else {
                    statistics.emptyConnections += 1
                }
            }
            sawPayload.remove(id)
        case .anomaly(let id, let direction, let anomaly, _):
            analyzers[id]?.anomaly(direction: direction, anomaly)
        case .refused(let refused):
            var exchange = HTTPExchange(connection: refused.info, index: 0)
            exchange.refusal = refused
            finished.append(exchange)
        }
    }
}

/// Runs `body` on `value` through a single inout access (a dictionary value's `_modify`), so that
/// a large struct is neither copied out nor back.
@inline(__always)
private func inPlace<Value>(_ value: inout Value, _ body: (inout Value) -> Void) {
    body(&value)
}
