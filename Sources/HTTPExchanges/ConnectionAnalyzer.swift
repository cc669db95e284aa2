import CallbackSignature
import CaptureModel
public import HTTP1
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
    /// On a connection picked up mid-stream, bytes searched for a first start line before the
    /// connection is declared not HTTP. Default 256 KiB.
    public var midStreamResyncBytes: Int64 = 256 * 1024
    /// On a connection seen from its start, bytes searched for a first start line (past a
    /// malformed one) before the connection is declared not HTTP. Default 64 KiB.
    public var firstMessageSearchBytes: Int64 = 64 * 1024
    public init() {}
}

/// The HTTP state of one TCP connection: a request parser on the client's stream, a response
/// parser on the server's, and the FIFO that pairs them (pipelining, RFC 9112 §9.3.2).
///
/// Contract: feed it the connection's stream events; it appends finished exchanges, in
/// exchange order, to the `output` array it is given. ``ConnectionAnalyzer`` routes a
/// connection here unless its client speaks TLS.
struct HTTPConnectionAnalyzer {
    let info: ConnectionInfo
    let limits: ExchangeLimits
    let signatureVerifier: SignatureVerifier
    private var requestParser: HTTPMessageParser
    private var responseParser: HTTPMessageParser
    private var clientOrigins = OriginMap()
    private var serverOrigins = OriginMap()
    /// Exchanges not yet handed out, oldest first.
    private var pending = PendingExchanges()
    private var nextIndex = 0
    /// Index (exchange number) whose request the request parser is in.
    private var requestTarget: Int?
    private var requestBody: BodyInspector?
    /// The signature check of the request in progress, when it is a signed callback: its body is
    /// hashed as it streams past (bounded memory), never kept.
    private var requestSignature: SignatureCheck?
    /// Index whose response the response parser is in; nil between responses.
    private var responseTarget: Int?
    private var responseIsInterim = false
    private var responseBody: BodyInspector?
    /// The last exchange whose response completed, held back in case the server sends more.
    private var held: HTTPExchange?
    /// A server gap happened after the held exchange's response ended.
    private var serverGapSinceHeld = false
    private var serverTrailing = false
    private var clientHalted = false
    private var serverHalted = false
    /// How the connection's directions ended so far.
    private(set) var outcome = ConnectionOutcome()
    /// The exchange whose request or response ended where missing bytes destroyed its framing (a
    /// head cut short, chunk framing lost): until that direction's next message begins, the
    /// bytes it sends are the rest of that message, and its ``MessageTiming/end`` moves with them.
    private var requestWithLostFraming: Int?
    private var responseWithLostFraming: Int?
    /// The last server gap, when its record carried no captured byte: either a record whose whole
    /// payload a snaplen cut (its time is that of the bytes) or bytes lost from the capture (the
    /// record is a later one). The next server delivery tells: a record of its own means the gap
    /// was a cut record, and the response that ended in it (or whose framing was lost) ends there.
    private var uncertainServerGap: (origin: StreamOrigin, ended: Int?, lostFraming: Int?)?
    /// The same for the client's stream and its requests.
    private var uncertainClientGap: (origin: StreamOrigin, ended: Int?, lostFraming: Int?)?
    /// The exchange whose final response (request) ended during the parser's last events.
    private var lastEndedResponse: Int?
    private var lastEndedRequest: Int?
    /// Holes seen between messages, given to the next exchange that direction starts.
    private var unassignedClientHoles: [CaptureHole] = []
    private var unassignedServerHoles: [CaptureHole] = []
    /// Nil until the first request or response is seen; false once the client spoke something else.
    private(set) var isHTTP: Bool?
    /// Parser events of the segment being handled; kept to reuse its storage.
    private var scratch: [HTTPEvent] = []
    /// True while neither stream has produced a message part (no exchange numbered yet).
    var hasSeenNoMessage: Bool { isHTTP == nil && nextIndex == 0 }

    init(info: ConnectionInfo, limits: ExchangeLimits, signatureVerifier: SignatureVerifier) {
        self.info = info
        self.limits = limits
        self.signatureVerifier = signatureVerifier
        requestParser = HTTPMessageParser(role: .request, limits: limits.parser)
        responseParser = HTTPMessageParser(role: .response, limits: limits.parser)
        // Lenient like a diagnosis tool must be: a malformed start line, broken chunked framing or
        // a connection picked up mid-stream costs the bytes up to the next message, not the rest
        // of the connection. Until a first message is found the search is bounded, so streams
        // that are not HTTP at all are given up quickly.
        let fromStart = info.handshakeSeen || info.roleEvidence == .synAck
        let budget = fromStart ? limits.firstMessageSearchBytes : limits.midStreamResyncBytes
        requestParser.recoversFromInvalidStartLines = true
        responseParser.recoversFromInvalidStartLines = true
        requestParser.resynchronize(budget: budget)
        responseParser.resynchronize(budget: budget)
    }

    // MARK: - Stream input

    mutating func data(
        direction: StreamDirection, offset: Int64, bytes: ArraySlice<UInt8>, origin: StreamOrigin,
        output: inout [HTTPExchange]
    ) {
        switch direction {
        case .clientToServer:
            guard !clientHalted else { return }
            confirmClientGap(ifNotFrom: origin.frame)
            clientOrigins.append(offset: offset, length: Int64(bytes.count), origin: origin)
            var events = takeScratch()
            requestParser.feed(bytes, into: &events)
            for event in events { handleRequest(event, output: &output) }
            returnScratch(&events)
        case .serverToClient:
            confirmServerGap(ifNotFrom: origin.frame)
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

    /// Bytes the capture does not have. The hole is recorded on the exchange it touches (the
    /// message in progress in that direction; for the server between responses, the oldest request
    /// still waiting for one — its response may be in the hole), and the parser skips it: a
    /// Content-Length or chunk size that spans the gap still frames the message, otherwise the
    /// parser resynchronises at the next start line.
    mutating func gap(
        direction: StreamDirection, offset: Int64, length: Int64, origin: StreamOrigin, output: inout [HTTPExchange]
    ) {
        let hole = CaptureHole(direction: direction, offset: offset, length: length, origin: origin)
        switch direction {
        case .clientToServer:
            let cutTail = clientOrigins.appendCutTail(offset: offset, length: length, origin: origin)
            if let target = requestTarget, let i = pending.position(of: target) {
                pending[i].holes.append(hole)
                requestSignature?.markUnverifiable(
                    "\(length) byte\(length == 1 ? "" : "s") the client sent \(length == 1 ? "is" : "are") missing from the capture (after frame \(origin.frame))."
                )
            } else {
                unassignedClientHoles.append(hole)
            }
            guard !clientHalted else { return }
            confirmClientGap(ifNotFrom: origin.frame)
            lastEndedRequest = nil
            for event in requestParser.skip(length) { handleRequest(event, output: &output) }
            // After the parser's events: a head cut in this gap is a new message, not the old one's rest.
            if cutTail, let lost = requestWithLostFraming { extendRequest(lost, to: origin) }
            if !cutTail { uncertainClientGap = (origin, lastEndedRequest, requestWithLostFraming) }
        case .serverToClient:
            let cutTail = serverOrigins.appendCutTail(offset: offset, length: length, origin: origin)
            if let target = responseTarget, let i = pending.position(of: target) {
                pending[i].holes.append(hole)
            } else if let i = pending.firstAwaitingResponse() {
                pending[i].holes.append(hole)
            } else if held != nil {
                held?.holes.append(hole)
                serverGapSinceHeld = true
            } else {
                unassignedServerHoles.append(hole)
            }
            guard !serverHalted, !serverTrailing else { return }
            confirmServerGap(ifNotFrom: origin.frame)
            lastEndedResponse = nil
            for event in responseParser.skip(length) { handleResponse(event, output: &output) }
            if cutTail, let lost = responseWithLostFraming { extendResponse(lost, to: origin) }
            if !cutTail { uncertainServerGap = (origin, lastEndedResponse, responseWithLostFraming) }
        }
    }

    /// A TCP oddity: noted on the exchange whose message is in progress in that direction (or the
    /// most recent one).
    mutating func anomaly(direction: StreamDirection, _ anomaly: TCPAnomaly) {
        let target = direction == .clientToServer ? requestTarget : responseTarget
        if let target, let i = pending.position(of: target) {
            pending[i].tcpAnomalies.append(anomaly)
        } else if let i = pending.lastPosition {
            pending[i].tcpAnomalies.append(anomaly)
        } else {
            held?.tcpAnomalies.append(anomaly)
        }
    }

    mutating func ended(direction: StreamDirection, how: StreamEnd, output: inout [HTTPExchange]) {
        switch direction {
        case .clientToServer:
            outcome.clientEnd = how
            if case .fin(let fin) = how { confirmClientGap(ifNotFrom: fin.frame) }
            uncertainClientGap = nil
            if !clientHalted {
                if let unfinished = requestParser.unfinishedRequestHead {
                    // The client stopped mid-header: what was captured of the head is reported.
                    let range = unfinished.start..<max(unfinished.start, clientOrigins.totalEnd)
                    handleRequest(HTTPEvent(part: .requestHead(unfinished.head), range: range), output: &output)
                    handleRequest(
                        HTTPEvent(part: .anomaly(.headCutByEnd), range: range.upperBound..<range.upperBound),
                        output: &output)
                }
                for event in requestParser.finish() { handleRequest(event, output: &output) }
            }
        case .serverToClient:
            outcome.serverEnd = how
            if case .fin(let fin) = how { confirmServerGap(ifNotFrom: fin.frame) }
            uncertainServerGap = nil
            if !serverHalted && !serverTrailing {
                for event in responseParser.finish() { handleResponse(event, output: &output) }
                if case .fin(let fin) = how { endCloseDelimitedResponse(at: fin) }
            }
        }
    }

    /// The connection is gone: hands out everything still pending.
    mutating func close(output: inout [HTTPExchange]) {
        releaseHeld(output: &output)
        for var exchange in pending.removeAll() {
            exchange.outcome = outcome
            if var request = exchange.request, request.end == nil {
                request.end = .truncated(expected: nil, received: request.body.size)
                if exchange.index == requestTarget, var check = requestSignature {
                    check.markUnverifiable("The connection ended before the request was complete.")
                    request.signature = check.finish()
                    requestSignature = nil
                }
                exchange.request = request
            }
            output.append(exchange)
        }
    }

    // MARK: - Requests

    private mutating func handleRequest(_ event: HTTPEvent, output: inout [HTTPExchange]) {
        switch event.part {
        case .requestHead(let head):
            startRequest(head, range: event.range, output: &output)
        case .body(let bytes):
            requestBody?.feed(bytes)
            requestSignature?.feed(bytes)
            clientOrigins.prune(before: event.range.lowerBound)
        case .missingBody(let length):
            requestBody?.noteMissing(length)
            requestSignature?.markUnverifiable(
                "\(length) body byte\(length == 1 ? " is" : "s are") missing from the capture.")
        case .skipped:
            // Bytes between requests: the rest of a request whose framing was lost, else garbage.
            if let lost = requestWithLostFraming,
                let origin = clientOrigins.lastOrigin(in: event.range, notAfter: responseStart(of: lost)?.timestamp)
            {
                extendRequest(lost, to: origin)
            }
        case .end(let end, _):
            endRequest(end, range: event.range)
        case .anomaly(let anomaly):
            if let target = requestTarget, let i = pending.position(of: target) {
                pending[i].request?.anomalies.append(anomaly)
            }
            switch anomaly {
            case .headCutByGap, .headCutByEnd, .headCutByLimit, .headerLimitExceeded:
                requestSignature?.markUnverifiable(
                    "The request's header section was cut, so its framing and body are not known whole.")
            default: break
            }
        case .notHTTP:
            clientHalted = true
            decideNotHTTP()
        case .responseHead:
            break  // A request parser never produces a response head.
        }
    }

    /// A request head: a new exchange, numbered next, with the client holes seen since the last
    /// request, a body inspector, a signature check when it is a callback, and its method queued
    /// for the response parser (a HEAD's response has no body).
    private mutating func startRequest(_ head: HTTPRequestHead, range: Range<Int64>, output: inout [HTTPExchange]) {
        isHTTP = true
        let start = clientOrigins.origin(at: range.lowerBound) ?? info.firstSeen
        // Made in its slot of `pending` (a local appended afterwards was copied whole).
        let slot = pending.append(HTTPExchange(connection: info, index: nextIndex))
        pending[slot].request = CapturedRequest(head: head, timing: MessageTiming(start: start))
        pending[slot].holes = unassignedClientHoles
        unassignedClientHoles = []
        requestWithLostFraming = nil
        requestTarget = nextIndex
        nextIndex += 1
        requestBody = BodyInspector(
            contentEncoding: head.headers["content-encoding"], judge: false, previewLimit: limits.requestPreviewBytes,
            declaredLength: head.headers["content-length"].flatMap { Int64($0) })
        let isCallback = readPending(slot) { $0.request?.isOSSCallback ?? false }
        requestSignature = isCallback ? Self.signatureCheck(head, verifier: signatureVerifier) : nil
        responseParser.enqueueRequestMethod(head.method)
        if pending.count > limits.maxPendingExchanges {
            var oldest = pending.removeFirst()
            oldest.outcome = outcome
            output.append(consume oldest)
        }
        clientOrigins.prune(before: range.upperBound)
    }

    /// The request in progress ended (`end` says how): its end, body summary and signature verdict.
    private mutating func endRequest(_ end: HTTPMessageEnd, range: Range<Int64>) {
        let endOrigin = clientOrigins.origin(at: max(0, range.upperBound - 1)) ?? clientOrigins.last
        if let target = requestTarget, let i = pending.position(of: target) {
            pending[i].request?.end = end
            pending[i].request?.timing.end = endOrigin
            lastEndedRequest = target
            if case .truncated = end { requestWithLostFraming = target }
            if let summary = requestBody?.finish() { pending[i].request?.body = summary }
            if case .truncated(let expected, let received) = end {
                let of = expected.map { " of \($0)" } ?? ""
                requestSignature?.markUnverifiable(
                    "The request ended early: \(received)\(of) body bytes were captured.")
            }
            if let check = requestSignature { pending[i].request?.signature = check.finish() }
        }
        requestTarget = nil
        requestBody = nil
        requestSignature = nil
        clientOrigins.prune(before: range.upperBound)
    }

    /// The signature check for a callback request: `missing` when it lacks the signed pair.
    static func signatureCheck(_ head: HTTPRequestHead, verifier: SignatureVerifier) -> SignatureCheck {
        SignatureCheck(
            target: head.target, authorization: head.headers["authorization"],
            publicKeyURL: head.headers["x-oss-pub-key-url"],
            verifier: verifier)
    }

    // MARK: - Responses

    private mutating func handleResponse(_ event: HTTPEvent, output: inout [HTTPExchange]) {
        switch event.part {
        case .responseHead(let head, let framing):
            startResponse(head, framing: framing, range: event.range, output: &output)
        case .body(let bytes):
            responseBody?.feed(bytes)
            serverOrigins.prune(before: event.range.lowerBound)
        case .missingBody(let length):
            responseBody?.noteMissing(length)
        case .skipped(let length):
            // After a complete response, bytes that start no response are more than its framing
            // announced — unless a gap since then makes them the tail of a lost message.
            if let lost = responseWithLostFraming {
                if let origin = serverOrigins.origin(at: max(0, event.range.upperBound - 1)) {
                    extendResponse(lost, to: origin)
                }
            } else if held != nil && !serverGapSinceHeld {
                held?.response?.trailingBytes += length
            }
        case .end(let end, _):
            endResponse(end, range: event.range, output: &output)
        case .anomaly(let anomaly):
            if let target = responseTarget, let i = pending.position(of: target) {
                pending[i].response?.anomalies.append(anomaly)
            }
        case .notHTTP:
            if held != nil {
                // More bytes than the previous response's framing allowed.
                serverTrailing = true
                held?.response?.trailingBytes = max(0, serverOrigins.totalEnd - event.range.lowerBound)
            } else {
                serverHalted = true
                decideNotHTTP()
            }
        case .requestHead:
            break
        }
    }

    /// A response head: the exchange it answers (``responseSlot(startingAt:)``), as an interim
    /// response (1xx but 101) or as the final one with a body inspector.
    private mutating func startResponse(
        _ head: HTTPResponseHead, framing: BodyFraming, range: Range<Int64>, output: inout [HTTPExchange]
    ) {
        if isHTTP == nil { isHTTP = true }
        releaseHeld(output: &output)
        let start = serverOrigins.origin(at: range.lowerBound) ?? info.firstSeen
        responseWithLostFraming = nil
        let i = responseSlot(startingAt: start)
        if (100..<200).contains(head.status) && head.status != 101 {
            responseIsInterim = true
            pending[i].interimResponses.append(
                InterimResponse(status: head.status, reason: head.reason, timing: MessageTiming(start: start)))
        } else {
            responseIsInterim = false
            pending[i].response = CapturedResponse(head: head, framing: framing, timing: MessageTiming(start: start))
            let judge = readPending(i) { $0.request?.isOSSCallback ?? false }
            responseBody = BodyInspector(
                contentEncoding: head.headers["content-encoding"], judge: judge,
                previewLimit: limits.responsePreviewBytes,
                declaredLength: framing.declaredLength)
        }
        responseTarget = pending[i].index
        serverOrigins.prune(before: range.upperBound)
    }

    /// The response in progress ended (`end` says how). A final response whose request is
    /// complete too is held: more bytes may follow it.
    private mutating func endResponse(_ end: HTTPMessageEnd, range: Range<Int64>, output: inout [HTTPExchange]) {
        let endOrigin = serverOrigins.origin(at: max(0, range.upperBound - 1)) ?? serverOrigins.last
        if let target = responseTarget, let i = pending.position(of: target) {
            if responseIsInterim {
                if !pending[i].interimResponses.isEmpty {
                    pending[i].interimResponses[pending[i].interimResponses.count - 1].timing.end = endOrigin
                }
            } else {
                pending[i].response?.end = end
                pending[i].response?.timing.end = endOrigin
                lastEndedResponse = target
                if case .truncated = end, let target = responseTarget { responseWithLostFraming = target }
                if let summary = responseBody?.finish() { pending[i].response?.body = summary }
                // Finished: hold it (more bytes may follow) once its request is finished too.
                if readPending(i, { $0.request.map { $0.end != nil } ?? true }) {
                    releaseHeld(output: &output)
                    held = pending.remove(at: i)
                    serverGapSinceHeld = false
                }
            }
        }
        responseTarget = nil
        responseBody = nil
        responseIsInterim = false
        serverOrigins.prune(before: range.upperBound)
    }

    /// The exchange the next response belongs to: the oldest request still waiting for a final
    /// response that was sent before this response began (RFC 9112 §9.3.2: responses come in
    /// request order). When bytes the server sent are missing and a later request was sent after
    /// them, the older request's response is taken to be in the missing bytes and this response
    /// answers the later request (sequential keep-alive). A response with no such request (its
    /// request was not captured) gets an exchange of its own.
    private mutating func responseSlot(startingAt start: StreamOrigin) -> Int {
        if let slot = pending.waitingPosition(forResponseAt: start.timestamp) { return slot }
        var exchange = HTTPExchange(connection: info, index: nextIndex)
        nextIndex += 1
        exchange.holes = unassignedServerHoles
        unassignedServerHoles = []
        return pending.append(exchange)
    }

    /// Moves the end of exchange `index`'s request (framing lost) to `origin`, a later record of
    /// the client's that continues it — while its response has not begun: what the client sends
    /// after that is not part of it.
    private mutating func extendRequest(_ index: Int, to origin: StreamOrigin) {
        func extends(_ exchange: borrowing HTTPExchange) -> Bool {
            if let responseStart = exchange.response?.timing.start, origin.timestamp > responseStart.timestamp {
                return false
            }
            return exchange.request?.timing.end.map { origin.timestamp >= $0.timestamp } ?? false
        }
        if held?.index == index, let exchange = held {
            if extends(exchange) { held?.request?.timing.end = origin }
        } else if let i = pending.position(of: index), readPending(i, extends) {
            pending[i].request?.timing.end = origin
        }
    }

    /// Settles ``uncertainServerGap`` when the server's next delivery comes from record `frame`:
    /// another record than the gap's means the gap's record carried only cut bytes (a loss
    /// declared on arrival of a later record carries that record's frame, delivered next), so the
    /// response that ended in it, or continues through it, ends at its time.
    private mutating func confirmServerGap(ifNotFrom frame: Int) {
        guard let gap = uncertainServerGap else { return }
        uncertainServerGap = nil
        guard gap.origin.frame != frame else { return }
        if let ended = gap.ended { extendResponse(ended, to: gap.origin) }
        if let lost = gap.lostFraming, lost != gap.ended { extendResponse(lost, to: gap.origin) }
    }

    /// ``confirmServerGap(ifNotFrom:)`` for the client's stream: the request that ended in the
    /// gap, or continues through it, ends at the gap's record (not after its response began).
    private mutating func confirmClientGap(ifNotFrom frame: Int) {
        guard let gap = uncertainClientGap else { return }
        uncertainClientGap = nil
        guard gap.origin.frame != frame else { return }
        if let ended = gap.ended { extendRequest(ended, to: gap.origin) }
        if let lost = gap.lostFraming, lost != gap.ended { extendRequest(lost, to: gap.origin) }
    }

    /// When exchange `index`'s response began, if it has.
    private func responseStart(of index: Int) -> StreamOrigin? {
        if held?.index == index { return held?.response?.timing.start }
        guard let i = pending.position(of: index) else { return nil }
        return readPending(i) { $0.response?.timing.start }
    }

    /// Moves the end of exchange `index`'s response (framing lost) to `origin`, a later record of
    /// the server's that continues it.
    private mutating func extendResponse(_ index: Int, to origin: StreamOrigin) {
        func later(_ end: StreamOrigin?) -> Bool { end.map { origin.timestamp >= $0.timestamp } ?? true }
        if held?.index == index {
            if later(held?.response?.timing.end) { held?.response?.timing.end = origin }
        } else if let i = pending.position(of: index), later(pending[i].response?.timing.end) {
            pending[i].response?.timing.end = origin
        }
    }

    /// A close-delimited body (no Content-Length, not chunked) ends when the server closes the
    /// connection (RFC 9112 §6.3 rule 8): its response ends at that FIN, not at the record of its
    /// last data byte. Called after the parser finished the response on the server's FIN.
    private mutating func endCloseDelimitedResponse(at fin: StreamOrigin) {
        guard let index = lastEndedResponse else { return }
        func endsAtClose(_ response: CapturedResponse?) -> Bool {
            response?.framing == .closeDelimited && response?.end == .complete
        }
        if held?.index == index {
            if endsAtClose(held?.response) { held?.response?.timing.end = fin }
        } else if let i = pending.position(of: index), readPending(i, { endsAtClose($0.response) }) {
            pending[i].response?.timing.end = fin
        }
    }

    /// A connection is not HTTP when, before any message, the side that starts from a known
    /// beginning spoke something else — or, picked up mid-stream, when both sides gave up.
    private mutating func decideNotHTTP() {
        guard isHTTP == nil else { return }
        let fromStart = info.handshakeSeen || info.roleEvidence == .synAck
        if fromStart || (clientHalted && serverHalted) { isHTTP = false }
    }

    /// Copies of the exchanges whose request is complete — its last byte captured at or before
    /// `deadline` — and whose final response has not completed, oldest first, with the
    /// connection's outcome so far. Nothing is handed out or changed: the exchanges stay pending
    /// and are finalised as usual when their response or the connection's end arrives (issue #8,
    /// the live view's time tick).
    func waiting(requestEndedAtOrBefore deadline: Timestamp, into output: inout [HTTPExchange]) {
        pending.forEach { exchange in
            guard let request = exchange.request, request.end != nil, let end = request.timing.end,
                end.timestamp <= deadline
            else { return }
            if exchange.response?.end != nil { return }
            var copy = copy exchange
            copy.outcome = outcome
            output.append(copy)
        }
    }

    /// `body` applied to `pending[i]`, read in place (``PendingExchanges/read(_:_:)``).
    private func readPending<Result>(_ i: Int, _ body: (borrowing HTTPExchange) -> Result) -> Result {
        pending.read(i, body)
    }

    private mutating func releaseHeld(output: inout [HTTPExchange]) {
        // Moved, never copied: `held.take()` and a `guard var` binding each copied the whole
        // exchange (every buffer retained, then released), on every response.
        var taken: HTTPExchange? = nil
        swap(&taken, &held)
        guard var exchange = consume taken else { return }
        exchange.outcome = outcome
        output.append(consume exchange)
    }
}

extension BodyFraming {
    /// The length a `Content-Length` framing announces; nil for the other framings.
    fileprivate var declaredLength: Int64? {
        if case .contentLength(let length) = self { length } else { nil }
    }
}
