import CaptureModel
import HTTP1
import HTTPExchanges
import JSONValidation
import TCPReassembly

/// Builds exchanges in code, so each rule can be tested without a capture.
enum ExchangeFactory {
    static let client = Endpoint(address: .v4(0x7F00_0001), port: 50_000)
    static let server = Endpoint(address: .v4(0x7F00_0001), port: 9000)
    static let t0 = Timestamp(seconds: 1_795_627_201)

    static func origin(_ seconds: Double, frame: Int) -> StreamOrigin {
        StreamOrigin(timestamp: t0.adding(seconds: seconds), frame: frame)
    }

    static var ossHeaders: HTTPHeaders {
        HTTPHeaders([
            ("Host", "127.0.0.1:9000"), ("Connection", "close"), ("authorization", "c2lnbmF0dXJl"),
            ("Content-Type", "application/x-www-form-urlencoded"), ("User-Agent", "aliyun-oss-callback"),
            ("x-oss-pub-key-url", "aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0="),
            ("x-oss-tag", "CALLBACK"), ("Content-Length", "13"),
        ])
    }

    /// A callback exchange: request sent at 0 s, response finished at `latency`.
    static func callback(
        status: Int = 200, reason: String = "OK", headers: HTTPHeaders = ["Content-Type": "application/json"],
        body: [UInt8] = Array(#"{"Status":"OK"}"#.utf8), framing: BodyFraming? = nil, latency: Double = 0.002,
        end: HTTPMessageEnd = .complete, requestHeaders: HTTPHeaders = ossHeaders,
        contentDecoding: ContentDecodingSummary? = nil
    ) -> HTTPExchange {
        let info = ConnectionInfo(
            id: 0, client: client, server: server, roleEvidence: .syn, handshakeSeen: true,
            firstSeen: origin(0, frame: 1))
        var exchange = HTTPExchange(connection: info, index: 0)
        var request = CapturedRequest(
            head: HTTPRequestHead(method: "POST", target: "/callback", version: .http11, headers: requestHeaders),
            timing: MessageTiming(start: origin(0, frame: 4), end: origin(0, frame: 4)))
        request.end = .complete
        request.body.size = 13
        exchange.request = request
        var response = CapturedResponse(
            head: HTTPResponseHead(version: .http11, status: status, reason: reason, headers: headers),
            framing: framing ?? .contentLength(Int64(body.count)),
            timing: MessageTiming(start: origin(latency, frame: 6), end: origin(latency, frame: 6)))
        response.end = end
        response.body = summary(body, decoding: contentDecoding)
        exchange.response = response
        exchange.outcome = ConnectionOutcome(
            clientEnd: .fin(origin(latency, frame: 7)), serverEnd: .fin(origin(latency, frame: 8)))
        return exchange
    }

    /// What BodyInspector would have produced for `body` (validated the same way).
    static func summary(_ body: [UInt8], decoding: ContentDecodingSummary? = nil) -> BodySummary {
        var s = BodySummary()
        s.size = Int64(body.count)
        s.leadingBytes = Array(body.prefix(32))
        s.preview = body
        s.contentDecoding = decoding
        var rest = body[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) {
            s.byteOrderMark = .utf8
            rest = rest.dropFirst(3)
        } else if body.starts(with: [0xFE, 0xFF]) {
            s.byteOrderMark = .utf16BigEndian
            rest = rest.dropFirst(2)
        }
        s.json = JSONValidator.validate(rest)
        return s
    }

    /// A callback whose request got no response; `serverEnd` / `clientEnd` say how it ended.
    static func unanswered(clientEnd: StreamEnd?, serverEnd: StreamEnd?) -> HTTPExchange {
        var exchange = callback()
        exchange.response = nil
        exchange.outcome = ConnectionOutcome(clientEnd: clientEnd, serverEnd: serverEnd)
        return exchange
    }
}
