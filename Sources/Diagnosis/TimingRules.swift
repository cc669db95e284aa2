import CaptureModel
import HTTP1
import HTTPExchanges
import TCPReassembly

/// One side ending the connection: a FIN or a RST, with the record that carried it.
struct ConnectionClosing: Equatable {
    /// The side that sent it.
    var side: StreamDirection
    var isReset: Bool
    var origin: StreamOrigin

    /// `the server` / `the client (OSS)`.
    var who: String { side == .serverToClient ? "the server" : "the client (OSS)" }

    /// Every FIN and RST in `outcome`, earliest first (capture time, then frame number).
    static func all(_ outcome: ConnectionOutcome) -> [ConnectionClosing] {
        var closings: [ConnectionClosing] = []
        for (end, direction) in [
            (outcome.clientEnd, StreamDirection.clientToServer), (outcome.serverEnd, .serverToClient),
        ] {
            switch end {
            case .fin(let origin)?: closings.append(ConnectionClosing(side: direction, isReset: false, origin: origin))
            case .reset(let by, let origin)?:
                closings.append(ConnectionClosing(side: by, isReset: true, origin: origin))
            default: break
            }
        }
        var unique: [ConnectionClosing] = []
        for closing in closings where !unique.contains(closing) { unique.append(closing) }
        return unique.sorted { ($0.origin.timestamp, $0.origin.frame) < ($1.origin.timestamp, $1.origin.frame) }
    }
}

extension Diagnoser {
    // MARK: - Timing (facts §4.5: OSS stops waiting 5 s after sending the request)

    /// `no-response` for a request without a response — unless bytes the server sent are
    /// missing and could hold it (then only `incomplete` is said), which is ruled out when OSS had
    /// closed its side before any of them was sent.
    func unanswered(_ exchange: HTTPExchange, request: CapturedRequest, missing: MissingBytes) -> Finding? {
        let earliestHole = missing.server.map(\.origin.timestamp).min()
        let closedBeforeHole =
            Self.clientClose(exchange.outcome.clientEnd).map { close in
                earliestHole.map { close.timestamp < $0 } ?? true
            } ?? false
        guard missing.server.isEmpty || closedBeforeHole else { return nil }
        return noResponse(
            exchange, requestStart: request.timing.start, requestEnd: request.timing.end ?? request.timing.start)
    }

    /// `no-response` for a response that only started after OSS had closed its side: OSS never read it.
    func answeredAfterClientClosed(_ exchange: HTTPExchange, request: CapturedRequest, response: CapturedResponse)
        -> Finding?
    {
        guard let gaveUp = Self.clientClose(exchange.outcome.clientEnd),
            gaveUp.timestamp < response.timing.start.timestamp
        else {
            return nil
        }
        let requestEnd = request.timing.end ?? request.timing.start
        let closedAfter = gaveUp.timestamp.seconds(since: requestEnd.timestamp)
        let startedAfter = response.timing.start.timestamp.seconds(since: requestEnd.timestamp)
        let timedOut = closedAfter >= settings.latencyThresholdSeconds - 0.05
        return Finding(
            .noResponse,
            "The client (OSS) closed the connection \(Self.duration(closedAfter)) after the request; the server's \(response.head.status) response only started \(Self.duration(startedAfter)) after it, too late to be read.",
            evidence: [
                Evidence("requestEndFrame", "\(requestEnd.frame)"), Evidence("clientCloseFrame", "\(gaveUp.frame)"),
                Evidence("lateResponseFrame", "\(response.timing.start.frame)"),
            ],
            ossError: timedOut
                ? Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)
                : "Error status : 502.",
            ossErrorSource: timedOut ? OSSMessageFacts.replyTimeout : nil)
    }

    /// `slow-response`: the response ended after OSS's limit. Its end is the record that carried
    /// its last byte — also when the capture cut that byte (snaplen): the record's time and length
    /// are still known. A response that never completed is said to have stopped, not completed.
    func slowResponse(
        _ exchange: HTTPExchange, request: CapturedRequest, response: CapturedResponse, missing: MissingBytes
    ) -> Finding? {
        guard let latency = exchange.latencySeconds, latency > settings.latencyThresholdSeconds,
            let responseEnd = response.timing.end
        else { return nil }
        let limit = Self.duration(settings.latencyThresholdSeconds)
        let after = Self.duration(latency)
        let what: String
        if !missing.server.isEmpty {
            // Exact when a snaplen cut the bytes (their record is known), a lower bound when
            // they were lost: "at least" holds either way.
            what =
                "The response ended at least \(after) after the request (frame \(responseEnd.frame); some of its bytes are missing from the capture)"
        } else if response.end != .complete {
            what =
                "The response never completed; its last byte came \(after) after the request (frame \(responseEnd.frame))"
        } else {
            what = "The response completed \(after) after the request"
        }
        return Finding(
            .slowResponse, "\(what), over OSS's \(limit) limit; OSS had already given up.",
            evidence: [
                Evidence("latencySeconds", Self.seconds(latency)),
                Evidence("requestEndFrame", "\(request.timing.end?.frame ?? 0)"),
                Evidence("responseEndFrame", "\(responseEnd.frame)"),
            ],
            ossError: Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds))
    }

    /// `no-response`, naming the side that ended the exchange first after the request (FIN or
    /// RST, with its frame), and the OSS message that follows from it: a reply timeout when OSS
    /// gave up after its limit, otherwise `Error status : 502.` (documented for a connection
    /// that broke; the exact message for a close without an answer is not documented, facts §4.7).
    func noResponse(_ exchange: HTTPExchange, requestStart: StreamOrigin, requestEnd: StreamOrigin) -> Finding {
        let closings = ConnectionClosing.all(exchange.outcome)
        if let serverClose = closings.first, serverClose.side == .serverToClient, !serverClose.isReset,
            serverClose.origin.timestamp < requestStart.timestamp
        {
            return sentAfterServerClosed(requestStart: requestStart, serverFin: serverClose, closings: closings)
        }
        /// `1.2 ms after the request`, or `0.3 ms before the request ended` for a close that came first.
        func after(_ origin: StreamOrigin) -> String {
            let seconds = origin.timestamp.seconds(since: requestEnd.timestamp)
            return seconds < 0
                ? "\(Self.duration(-seconds)) before the request ended" : "\(Self.duration(seconds)) after the request"
        }
        var evidence = [Evidence("requestEndFrame", "\(requestEnd.frame)")]
        let timeout = Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)
        guard let first = closings.first else {
            switch exchange.outcome.serverEnd ?? exchange.outcome.clientEnd {
            case .idleTimeout(let origin)?:
                return Finding(
                    .noResponse, "No response \(after(origin)); the connection went idle.", evidence: evidence)
            default:
                return Finding(
                    .noResponse, "No response before the capture ended.", evidence: evidence, ossError: timeout,
                    ossErrorSource: OSSMessageFacts.replyTimeout)
            }
        }
        // After the server's close, OSS's own is cited too (it shows OSS saw the close); after
        // OSS's, the server's is not news.
        let later = first.side == .serverToClient ? closings.dropFirst().first { $0.side != first.side } : nil
        var message: String
        var ossError = "Error status : 502."
        switch (first.side, first.isReset) {
        case (.serverToClient, true):
            message = "The server reset the connection \(after(first.origin)), without a response."
            evidence.append(Evidence("resetFrame", "\(first.origin.frame)"))
        case (.serverToClient, false):
            message = "The server closed the connection (FIN) \(after(first.origin)) without sending a response."
            evidence.append(Evidence("serverFinFrame", "\(first.origin.frame)"))
        case (.clientToServer, true):
            message = "No response: the client (OSS) reset the connection \(after(first.origin))."
            evidence.append(Evidence("resetFrame", "\(first.origin.frame)"))
            ossError = timeout
        case (.clientToServer, false):
            message = "No response: the client (OSS) closed the connection \(after(first.origin))."
            evidence.append(Evidence("clientFinFrame", "\(first.origin.frame)"))
            if first.origin.timestamp.seconds(since: requestEnd.timestamp) >= settings.latencyThresholdSeconds - 0.05 {
                ossError = timeout
            }
        }
        if let later {
            message += " Then \(later.who) \(later.isReset ? "reset" : "closed") its side \(after(later.origin))."
            evidence.append(
                Evidence(
                    later.side == .serverToClient ? "serverCloseFrame" : "clientCloseFrame", "\(later.origin.frame)"))
        }
        return Finding(
            .noResponse, message, evidence: evidence, ossError: ossError,
            ossErrorSource: ossError == timeout ? OSSMessageFacts.replyTimeout : nil)
    }

    /// `no-response` for a request sent on a kept-alive connection the server had already closed
    /// (its FIN came before the request): the server answers such a request with RST, if at all.
    private func sentAfterServerClosed(
        requestStart: StreamOrigin, serverFin: ConnectionClosing, closings: [ConnectionClosing]
    ) -> Finding {
        let before = Self.duration(requestStart.timestamp.seconds(since: serverFin.origin.timestamp))
        var message =
            "The server had already closed the connection (FIN, frame \(serverFin.origin.frame), \(before) before this request began) when the client (OSS) sent this request on it"
        var evidence = [
            Evidence("serverFinFrame", "\(serverFin.origin.frame)"),
            Evidence("requestStartFrame", "\(requestStart.frame)"),
        ]
        if let reset = closings.first(where: { $0.isReset && $0.origin.timestamp >= requestStart.timestamp }) {
            message += "; \(reset.who) answered it with RST (frame \(reset.origin.frame))"
            evidence.append(Evidence("resetFrame", "\(reset.origin.frame)"))
        }
        message +=
            ". A server that closes kept-alive connections while the client may still reuse them loses the requests sent on them."
        return Finding(.noResponse, message, evidence: evidence, ossError: "Error status : 502.")
    }
}
