import CaptureModel
import HTTP1
import TCPReassembly

/// Bounds on what is kept per exchange.
public struct ExchangeLimits: Sendable {
    /// Request body bytes kept (callback bodies are small; signature checks need them whole). Default 64 KiB.
    public var requestPreviewBytes = 64 * 1024
    /// Response body bytes kept after content decoding. Default 8 KiB.
    public var responsePreviewBytes = 8 * 1024
    /// Exchanges waiting for a response on one connection (pipelining) before the oldest is
    /// finalised without one. Default 1,000.
    public var maxPendingExchanges = 1000
    public var parser = HTTPParserLimits()
    public init() {}
}

/// The HTTP state of one TCP connection: a request parser on the client's stream, a response
/// parser on the server's, and the FIFO that pairs them (pipelining, RFC 9112 §9.3.2).
///
/// Contract: feed it the connection's stream events; it appends finished exchanges, in
/// exchange order, to the `output` array it is given.
struct ConnectionAnalyzer {
    let info: ConnectionInfo
    let limits: ExchangeLimits
    private var requestParser: HTTPMessageParser
    private var responseParser: HTTPMessageParser
    private var clientOrigins = OriginMap()
    private var serverOrigins = OriginMap()
    /// Exchanges not yet handed out, oldest first.
    private var pending: [HTTPExchange] = []
    private var nextIndex = 0
    /// Index (exchange number) whose request the request parser is in.
    private var requestTarget: Int?
    private var requestBody: BodyInspector?
    /// Index whose response the response parser is in; nil between responses.
    private var responseTarget: Int?
    private var responseIsInterim = false
    private var responseBody: BodyInspector?
    /// The last exchange whose response completed, held back in case the server sends more.
    private var held: HTTPExchange?
    private var serverTrailing = false
    private var clientHalted = false
    private var serverHalted = false
    private var outcome = ConnectionOutcome()
    private var holes: [CaptureHole] = []
    /// Nil until the first request or response is seen; false once the client spoke something else.
    private(set) var isHTTP: Bool?
    /// Parser events of the segment being handled; kept to reuse its storage.
    private var scratch: [HTTPEvent] = []

    init(info: ConnectionInfo, limits: ExchangeLimits) {
        self.info = info
        self.limits = limits
        requestParser = HTTPMessageParser(role: .request, limits: limits.parser)
        responseParser = HTTPMessageParser(role: .response, limits: limits.parser)
    }

    // MARK: - Stream input

    mutating func data(direction: StreamDirection, offset: Int64, bytes: ArraySlice<UInt8>, origin: StreamOrigin, output: inout [HTTPExchange]) {
        switch direction {
        case .clientToServer:
            guard !clientHalted else { return }
            clientOrigins.append(offset: offset, length: Int64(bytes.count), origin: origin)
            var events = takeScratch()
            requestParser.feed(bytes, into: &events)
            for event in events { handleRequest(event, output: &output) }
            returnScratch(&events)
        case .serverToClient:
            if serverTrailing {
                held?.response?.trailingBytes += Int64(bytes.count)
                return
            }
            guard !serverHalted else { return }
            serverOrigins.append(offset: offset, length: Int64(bytes.count), origin: origin)
            var events = takeScratch()
            responseParser.feed(bytes, into: &events)
            for event in events { handleResponse(event, output: &output) }
            returnScratch(&events)
        }
    }

    /// The reusable event array (so that feeding a segment allocates nothing when it completes
    /// no message part).
    private mutating func takeScratch() -> [HTTPEvent] {
        var events: [HTTPEvent] = []
        swap(&events, &scratch)
        return events
    }

    private mutating func returnScratch(_ events: inout [HTTPEvent]) {
        events.removeAll(keepingCapacity: true)
        swap(&events, &scratch)
    }

    /// Bytes the capture does not have. Parsing in that direction stops here; the exchanges it
    /// touches are marked incomplete. (Resynchronisation after a gap is a later refinement.)
    mutating func gap(direction: StreamDirection, offset: Int64, length: Int64, origin: StreamOrigin) {
        let hole = CaptureHole(direction: direction, offset: offset, length: length, origin: origin)
        holes.append(hole)
        for i in pending.indices { pending[i].holes.append(hole) }
        if direction == .serverToClient, serverTrailing {
            held?.holes.append(hole)
        }
        switch direction {
        case .clientToServer: clientHalted = true
        case .serverToClient: serverHalted = true
        }
    }

    mutating func ended(direction: StreamDirection, how: StreamEnd, output: inout [HTTPExchange]) {
        switch direction {
        case .clientToServer:
            outcome.clientEnd = how
            if !clientHalted {
                for event in requestParser.finish() { handleRequest(event, output: &output) }
            }
        case .serverToClient:
            outcome.serverEnd = how
            if !serverHalted && !serverTrailing {
                for event in responseParser.finish() { handleResponse(event, output: &output) }
            }
        }
    }

    /// The connection is gone: hands out everything still pending.
    mutating func close(output: inout [HTTPExchange]) {
        releaseHeld(output: &output)
        for var exchange in pending {
            exchange.outcome = outcome
            if var request = exchange.request, request.end == nil {
                request.end = .truncated(expected: nil, received: request.body.size)
                exchange.request = request
            }
            output.append(exchange)
        }
        pending.removeAll()
    }

    // MARK: - Requests

    private mutating func handleRequest(_ event: HTTPEvent, output: inout [HTTPExchange]) {
        switch event.part {
        case .requestHead(let head):
            isHTTP = true
            let start = clientOrigins.origin(at: event.range.lowerBound) ?? info.firstSeen
            var exchange = HTTPExchange(connection: info, index: nextIndex)
            nextIndex += 1
            exchange.request = CapturedRequest(head: head, timing: MessageTiming(start: start))
            exchange.holes = holes
            requestTarget = exchange.index
            requestBody = BodyInspector(
                contentEncoding: head.headers["content-encoding"], judge: false, previewLimit: limits.requestPreviewBytes)
            responseParser.enqueueRequestMethod(head.method)
            pending.append(exchange)
            if pending.count > limits.maxPendingExchanges {
                var oldest = pending.removeFirst()
                oldest.outcome = outcome
                output.append(oldest)
            }
            clientOrigins.prune(before: event.range.upperBound)
        case .body(let bytes):
            requestBody?.feed(bytes)
            clientOrigins.prune(before: event.range.lowerBound)
        case .end(let end, _):
            let endOrigin = clientOrigins.origin(at: max(0, event.range.upperBound - 1)) ?? clientOrigins.last
            if let target = requestTarget, let i = pending.firstIndex(where: { $0.index == target }) {
                pending[i].request?.end = end
                pending[i].request?.timing.end = endOrigin
                if let summary = requestBody?.finish() { pending[i].request?.body = summary }
            }
            requestTarget = nil
            requestBody = nil
            clientOrigins.prune(before: event.range.upperBound)
        case .anomaly(let anomaly):
            if let target = requestTarget, let i = pending.firstIndex(where: { $0.index == target }) {
                pending[i].request?.anomalies.append(anomaly)
            }
        case .notHTTP:
            if isHTTP == nil { isHTTP = false }
            clientHalted = true
        case .responseHead:
            break  // A request parser never produces a response head.
        }
    }

    // MARK: - Responses

    private mutating func handleResponse(_ event: HTTPEvent, output: inout [HTTPExchange]) {
        switch event.part {
        case .responseHead(let head, let framing):
            if isHTTP == nil { isHTTP = true }
            releaseHeld(output: &output)
            let start = serverOrigins.origin(at: event.range.lowerBound) ?? info.firstSeen
            let i = responseSlot()
            if (100..<200).contains(head.status) && head.status != 101 {
                responseIsInterim = true
                pending[i].interimResponses.append(
                    InterimResponse(status: head.status, reason: head.reason, timing: MessageTiming(start: start)))
            } else {
                responseIsInterim = false
                pending[i].response = CapturedResponse(head: head, framing: framing, timing: MessageTiming(start: start))
                let judge = pending[i].request?.head.isOSSCallback ?? false
                responseBody = BodyInspector(
                    contentEncoding: head.headers["content-encoding"], judge: judge, previewLimit: limits.responsePreviewBytes)
            }
            responseTarget = pending[i].index
            serverOrigins.prune(before: event.range.upperBound)
        case .body(let bytes):
            responseBody?.feed(bytes)
            serverOrigins.prune(before: event.range.lowerBound)
        case .end(let end, _):
            let endOrigin = serverOrigins.origin(at: max(0, event.range.upperBound - 1)) ?? serverOrigins.last
            if let target = responseTarget, let i = pending.firstIndex(where: { $0.index == target }) {
                if responseIsInterim {
                    if !pending[i].interimResponses.isEmpty {
                        pending[i].interimResponses[pending[i].interimResponses.count - 1].timing.end = endOrigin
                    }
                } else {
                    pending[i].response?.end = end
                    pending[i].response?.timing.end = endOrigin
                    if let summary = responseBody?.finish() { pending[i].response?.body = summary }
                    // Finished: hold it (more bytes may follow) once its request is finished too.
                    if pending[i].request?.end != nil || pending[i].request == nil {
                        releaseHeld(output: &output)
                        held = pending.remove(at: i)
                    }
                }
            }
            responseTarget = nil
            responseBody = nil
            responseIsInterim = false
            serverOrigins.prune(before: event.range.upperBound)
        case .anomaly(let anomaly):
            if let target = responseTarget, let i = pending.firstIndex(where: { $0.index == target }) {
                pending[i].response?.anomalies.append(anomaly)
            }
        case .notHTTP:
            if held != nil {
                // More bytes than the previous response's framing allowed.
                serverTrailing = true
                held?.response?.trailingBytes = max(0, serverOrigins.totalEnd - event.range.lowerBound)
            } else {
                if isHTTP == nil { isHTTP = false }
                serverHalted = true
            }
        case .requestHead:
            break
        }
    }

    /// The exchange the next response belongs to: the oldest without a final response, or a new
    /// exchange for a response whose request was not captured.
    private mutating func responseSlot() -> Int {
        if let i = pending.firstIndex(where: { $0.response == nil && $0.request != nil }) { return i }
        var exchange = HTTPExchange(connection: info, index: nextIndex)
        nextIndex += 1
        exchange.holes = holes
        pending.append(exchange)
        return pending.count - 1
    }

    private mutating func releaseHeld(output: inout [HTTPExchange]) {
        guard var exchange = held else { return }
        held = nil
        exchange.outcome = outcome
        output.append(exchange)
    }
}
