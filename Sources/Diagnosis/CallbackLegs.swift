public import CaptureModel
public import HTTP1
public import HTTPExchanges
import TCPReassembly

/// One inner leg of a callback: a connection the callback server's host opened, while OSS's
/// callback was open, to pass the callback on (a reverse proxy such as nginx forwarding it to the
/// app), or a connection attempt to that app that failed (issue #19).
///
/// An inner leg is not a callback OSS made: it is listed under the callback it serves (the
/// outer leg, OSS → front server), whose verdict is the callback's. What is kept is what the
/// chain of legs needs to be shown and explained; the leg's own bytes are not kept.
public struct CallbackLeg: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        /// A request carrying the callback's own signature (`authorization`, `x-oss-pub-key-url`)
        /// and body, sent on by the callback server's host.
        case forwarded
        /// A connection attempt from the callback server's host that was refused (RST to its
        /// SYN) before the front server answered OSS with a gateway error.
        case refused
        /// A connection attempt from the callback server's host that got no answer to its SYN
        /// before the front server answered OSS with a gateway error.
        case unanswered
    }

    public var kind: Kind
    /// The callback server's host, as the client of this leg.
    public var client: Endpoint
    /// Where the leg went: the upstream (the app).
    public var server: Endpoint
    /// First frame of the leg's connection (the first SYN for a failed attempt).
    public var firstFrame: Int
    /// The request line as sent on this leg (`POST /cb HTTP/1.0`); nil for a failed attempt.
    public var requestLine: String?
    /// The forwarding headers the leg's request carries (`X-Forwarded-For`, `X-Real-IP`,
    /// `Forwarded`, `Via`), by name as sent.
    public var forwardingHeaders: [String]
    /// When the leg started: its request's first byte, or the first SYN.
    public var start: Timestamp
    /// The upstream's status, when it answered.
    public var status: Int?
    /// The upstream's product (`Server` header up to the first `/` or space), when it named one.
    public var serverSoftware: String?
    /// Response end minus request end on this leg (as ``HTTPExchange/latencySeconds``).
    public var latencySeconds: Double?
    /// True when the upstream's answer ended after the outer leg had ended (the front server
    /// had answered OSS, or the outer connection had closed): too late to be relayed.
    public var answeredTooLate: Bool

    public init(
        kind: Kind, client: Endpoint, server: Endpoint, firstFrame: Int, requestLine: String?,
        forwardingHeaders: [String],
        start: Timestamp, status: Int?, serverSoftware: String?, latencySeconds: Double?, answeredTooLate: Bool
    ) {
        self.kind = kind
        self.client = client
        self.server = server
        self.firstFrame = firstFrame
        self.requestLine = requestLine
        self.forwardingHeaders = forwardingHeaders
        self.start = start
        self.status = status
        self.serverSoftware = serverSoftware
        self.latencySeconds = latencySeconds
        self.answeredTooLate = answeredTooLate
    }

    /// The headers a proxy adds to say whom it forwards for (RFC 7239 `Forwarded`, RFC 9110
    /// §7.6.3 `Via`, and the de-facto `X-Forwarded-For` / `X-Real-IP`).
    public static let forwardingHeaderNames = ["X-Forwarded-For", "X-Real-IP", "Forwarded", "Via"]

    /// The leg `inner` is of `outer`: what it did, and whether its answer came after `outerEnd`
    /// (the time the outer leg ended: its response's last byte, or its connection's end).
    public init(inner: HTTPExchange, outerEnd: Timestamp?) {
        if let refusal = inner.refusal {
            self.init(
                kind: refusal.kind == .reset ? .refused : .unanswered, client: inner.connection.client,
                server: inner.connection.server, firstFrame: refusal.firstSyn.frame, requestLine: nil,
                forwardingHeaders: [], start: refusal.firstSyn.timestamp, status: nil, serverSoftware: nil,
                latencySeconds: nil, answeredTooLate: false)
            return
        }
        let head = inner.request?.head
        let responseEnd = inner.response?.timing.end?.timestamp
        let late = responseEnd.map { end in outerEnd.map { end > $0 } ?? false } ?? false
        self.init(
            kind: .forwarded, client: inner.connection.client, server: inner.connection.server,
            firstFrame: inner.connection.firstSeen.frame,
            requestLine: head.map { "\($0.method) \($0.target) \($0.version)" },
            forwardingHeaders: Self.forwardingHeaderNames.compactMap { name in
                guard let head, let index = head.headers.firstIndex(named: name) else { return nil }
                return head.headers.fields[index].name
            },
            start: inner.startTime, status: inner.response?.head.status,
            serverSoftware: inner.response.flatMap { Self.software(of: $0.head) },
            latencySeconds: inner.latencySeconds, answeredTooLate: late)
    }

    /// The product named by a `Server` header (RFC 9110 §10.2.4): `nginx` of `nginx/1.22.1`.
    public static func software(of head: HTTPResponseHead) -> String? {
        guard let value = head.headers.values(for: "Server").first else { return nil }
        let product = value.prefix { $0 != "/" && $0 != " " }
        return product.isEmpty ? nil : String(product)
    }

    /// For a failed upstream connection attempt, the cause of the front server's gateway error:
    /// `upstream 127.0.0.1:18099 refused the connection (RST to the SYN in frame 6)`.
    public var causeText: String? {
        switch kind {
        case .refused: "upstream \(server) refused the connection (RST to the SYN in frame \(firstFrame))"
        case .unanswered: "upstream \(server) did not answer the connection attempt (SYN in frame \(firstFrame))"
        case .forwarded: nil
        }
    }

    /// What happened on this leg, in a few words: `200 after 4.000 s, too late for nginx`,
    /// `refused the connection`, `no answer to SYN`.
    public func outcomeText(frontServer: String) -> String {
        switch kind {
        case .refused: return "refused the connection"
        case .unanswered: return "did not answer the connection attempt"
        case .forwarded:
            guard let status else { return "no answer" }
            var text = "\(status)"
            if let latencySeconds { text += " after " + Diagnoser.duration(latencySeconds) }
            if answeredTooLate { text += ", too late for \(frontServer)" }
            return text
        }
    }
}

extension DiagnosedExchange {
    /// The chain of legs in one line: `OSS → nginx 127.0.0.1:9072 (504 after 3.032 s) → app
    /// 127.0.0.1:18072 (200 after 4.000 s, too late for nginx)`; nil without legs.
    public var legChain: String? {
        guard !legs.isEmpty else { return nil }
        let front = exchange.response.flatMap { CallbackLeg.software(of: $0.head) }
        let frontName = front ?? "the front server"
        var outer = "\(front.map { $0 + " " } ?? "")\(exchange.connection.server)"
        if let status = exchange.response?.head.status {
            outer += " (\(status)"
            if let latency = exchange.latencySeconds { outer += " after " + Diagnoser.duration(latency) }
            outer += ")"
        } else {
            outer += " (no answer)"
        }
        let inner = legs.map { leg in
            "\(leg.serverSoftware.map { $0 + " " } ?? "")\(leg.server) (\(leg.outcomeText(frontServer: frontName)))"
        }
        return (["OSS", outer] + inner).joined(separator: " → ")
    }
}
