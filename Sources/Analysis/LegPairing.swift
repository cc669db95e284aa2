import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
import TCPReassembly

/// Pairs the inner legs of a callback with the callback they serve, across connections
/// (issue #19): with `tcpdump -i any` on a host running a reverse proxy in front of the app, both
/// OSS → proxy and proxy → app are captured, and the forwarded copy is not a second callback.
///
/// An exchange `inner` is an inner leg of the callback `outer` when (``isForwardedLeg(_:of:)``):
/// it carries the same `authorization` and `x-oss-pub-key-url` and the same body (size and bytes
/// kept, or the same `Content-MD5`); it was sent by the callback server's host (its client
/// address is `outer`'s server address) to another endpoint; and its request started while
/// `outer` was open (from `outer`'s request start to the end of `outer`'s response or
/// connection). A connection attempt from the callback server's host to another endpoint that was
/// refused or unanswered after `outer`'s request started and before `outer`'s gateway-error
/// answer (502, 503 or 504) began is `outer`'s cause (``isFailedUpstream(_:of:)``). A leg is
/// attached to `outer` (``DiagnosedExchange/legs``) and is neither listed nor counted; the
/// verdict is `outer`'s.
///
/// Streaming: callbacks and failed connection attempts — the only exchanges that can be either
/// side of a pair — are held for ``holdSeconds`` of capture time after they finish, so that a
/// leg finishing before or after its callback meets it; everything else passes at once. The
/// clock that releases them is the *slowest* part's (``watermark``): every part reports the
/// capture time it has reached, so a capture split by connection across threads
/// (``ShardedPipeline``) pairs exactly as one thread does — a held exchange is released only
/// once every part is past the time its partner could still finish.
///
/// Limits (measured on the stack samples, where legs finish within 1.1 s of their callback):
/// a leg finishing more than ``holdSeconds`` after its callback was released is counted on its
/// own; at most ``maxHeld`` exchanges are held (beyond that, under overload only, the earliest
/// offered are released unpaired).
struct LegPairing: Sendable {
    /// Capture seconds an exchange that may be one side of a pair waits for the other side.
    static let holdSeconds = 2.0
    /// Exchanges held at most (bounded memory).
    static let maxHeld = 1024

    private struct Held: Sendable {
        var diagnosed: DiagnosedExchange
        /// The capture time its part had reached when it was offered.
        var offeredAt: Timestamp
        /// The keys it is found by (``keys(of:authorization:)``), kept to unindex it.
        var keys: [PairingKey]
    }

    /// Held exchanges by their number (given in offer order), and that order.
    private var held: [Int: Held] = [:]
    private var order: [Int] = []
    private var orderHead = 0
    private var nextNumber = 0
    /// Held exchanges by the key a partner is looked up by (``keys(of:)``): a forwarded copy
    /// and its callback share their `authorization`; a failed attempt and a gateway error share
    /// the callback server's address.
    private var byKey: [PairingKey: [Int]] = [:]

    private enum PairingKey: Hashable, Sendable {
        case authorization(String)
        /// A failed connection attempt from this address.
        case attemptFrom(IPAddress)
        /// A callback to this address answered with a gateway error.
        case gatewayErrorAt(IPAddress)
    }

    /// The capture time each part has reached (nil: not started); a finished part is past every
    /// time.
    private var reached: [Timestamp?]
    private var finished: [Bool]

    init(parts: Int) {
        reached = Array(repeating: nil, count: max(1, parts))
        finished = Array(repeating: false, count: max(1, parts))
    }

    /// Takes one finished exchange from `part`, whose clock is at `now`; returns the exchanges
    /// released (unpaired, or callbacks with their legs attached), in no particular order.
    mutating func take(_ d: consuming DiagnosedExchange, part: Int, now: Timestamp) -> [DiagnosedExchange] {
        advanceClock(part: part, to: now)
        if Self.mayPair(d) { hold(d, at: now) } else { return release() + [d] }
        return release()
    }

    /// `part` has reached `now` (no exchange finished): returns what that releases.
    mutating func advance(part: Int, to now: Timestamp) -> [DiagnosedExchange] {
        advanceClock(part: part, to: now)
        return release()
    }

    /// `part` has no more exchanges: returns what that releases (everything, once every part is
    /// done).
    mutating func finish(part: Int) -> [DiagnosedExchange] {
        finished[part] = true
        if finished.allSatisfy({ $0 }) {
            defer {
                held = [:]
                order = []
                orderHead = 0
                byKey = [:]
            }
            return order[orderHead...].compactMap { held[$0]?.diagnosed }
        }
        return release()
    }

    private mutating func advanceClock(part: Int, to now: Timestamp) {
        if let old = reached[part], !(old < now) { return }
        reached[part] = now
    }

    /// The capture time every part that is not finished has reached; nil while one of them has
    /// not started (and when every part is finished: ``finish(part:)`` releases everything).
    private var watermark: Timestamp? {
        var low: Timestamp?
        for (time, done) in zip(reached, finished) where !done {
            guard let time else { return nil }
            if low == nil || time < low! { low = time }
        }
        return low
    }

    /// A callback with a signature (it may be forwarded, or be forwarded) or a failed connection
    /// attempt (it may be an upstream's); HTTPS is never paired (its requests are encrypted).
    static func mayPair(_ d: DiagnosedExchange) -> Bool {
        guard d.exchange.tls == nil else { return false }
        if d.exchange.refusal != nil { return true }
        return d.isCallback && d.exchange.request?.head.headers.contains("authorization") == true
    }

    /// Pairs `d` with what is held, then holds the result.
    private mutating func hold(_ d: consuming DiagnosedExchange, at now: Timestamp) {
        var d = d
        let authorization = d.exchange.request?.head.headers.values(for: "authorization").first
        let candidates = Self.partnerKeys(of: d.exchange, authorization: authorization).flatMap { byKey[$0] ?? [] }
        var outer: Int?
        for number in candidates {
            guard let h = held[number], Self.inWindow(h, now), Self.isLeg(d.exchange, of: h.diagnosed.exchange) else {
                continue
            }
            if outer == nil || held[outer!]!.diagnosed.exchange.startTime < h.diagnosed.exchange.startTime {
                outer = number
            }
        }
        if let outer {
            Self.attach(d, to: &held[outer]!.diagnosed)
            return
        }
        for number in Set(candidates).sorted() {
            guard let h = held[number], Self.inWindow(h, now), Self.isLeg(h.diagnosed.exchange, of: d.exchange) else {
                continue
            }
            Self.attach(remove(number).diagnosed, to: &d)
        }
        let number = nextNumber
        nextNumber += 1
        let keys = Self.keys(of: d.exchange, authorization: authorization)
        for key in keys { byKey[key, default: []].append(number) }
        held[number] = Held(diagnosed: d, offeredAt: now, keys: keys)
        order.append(number)
    }

    /// The keys `e` is found by (`authorization`: its request's, looked up once).
    private static func keys(of e: HTTPExchange, authorization: String?) -> [PairingKey] {
        var keys: [PairingKey] = []
        if let authorization { keys.append(.authorization(authorization)) }
        if e.refusal != nil { keys.append(.attemptFrom(e.connection.client.address)) }
        if let status = e.response?.head.status, (502...504).contains(status) {
            keys.append(.gatewayErrorAt(e.connection.server.address))
        }
        return keys
    }

    /// The keys `e`'s partners are found by: the same authorization; for a failed attempt, a
    /// gateway error at its client's address; for a gateway error, failed attempts from its
    /// server's address.
    private static func partnerKeys(of e: HTTPExchange, authorization: String?) -> [PairingKey] {
        var keys: [PairingKey] = []
        if let authorization { keys.append(.authorization(authorization)) }
        if e.refusal != nil { keys.append(.gatewayErrorAt(e.connection.client.address)) }
        if let status = e.response?.head.status, (502...504).contains(status) {
            keys.append(.attemptFrom(e.connection.server.address))
        }
        return keys
    }

    /// Takes held exchange `number` out (its place in ``order`` is skipped when reached).
    private mutating func remove(_ number: Int) -> Held {
        let h = held.removeValue(forKey: number)!
        for key in h.keys {
            byKey[key]?.removeAll { $0 == number }
            if byKey[key]?.isEmpty == true { byKey[key] = nil }
        }
        return h
    }

    /// True when `h` was offered at most ``holdSeconds`` before `now`.
    private static func inWindow(_ h: Held, _ now: Timestamp) -> Bool {
        !(h.offeredAt < now.adding(seconds: -holdSeconds))
    }

    /// Releases held exchanges, in offer order, while the first is older than the window on the
    /// slowest part's clock, and the earliest offered beyond ``maxHeld``. (Offer order is capture
    /// order within a part; one held a little longer behind a later one changes no pair, as
    /// pairs never span more than the window.)
    private mutating func release() -> [DiagnosedExchange] {
        var out: [DiagnosedExchange] = []
        let cutoff = watermark?.adding(seconds: -Self.holdSeconds)
        while orderHead < order.count {
            let number = order[orderHead]
            if let h = held[number] {
                let expired = cutoff.map { h.offeredAt < $0 } ?? false
                guard expired || held.count > Self.maxHeld else { break }
                out.append(remove(number).diagnosed)
            }
            orderHead += 1
        }
        if orderHead > 1024, orderHead * 2 > order.count {
            order.removeFirst(orderHead)
            orderHead = 0
        }
        return out
    }

    /// Adds `leg` (and the legs it had gathered) to `outer`'s legs, in start order.
    private static func attach(_ leg: DiagnosedExchange, to outer: inout DiagnosedExchange) {
        let end = openUntil(outer.exchange)
        let attached = CallbackLeg(inner: leg.exchange, outerEnd: end)
        if let cause = attached.causeText, let bad = outer.findings.firstIndex(where: { $0.rule == .badStatus }) {
            outer.findings[bad].evidence.append(Evidence("cause", cause))
        }
        outer.legs.append(attached)
        outer.legs.append(contentsOf: leg.legs)
        outer.legs.sort { ($0.start, $0.firstFrame) < ($1.start, $1.firstFrame) }
    }

    static func isLeg(_ inner: HTTPExchange, of outer: HTTPExchange) -> Bool {
        isForwardedLeg(inner, of: outer) || isFailedUpstream(inner, of: outer)
    }

    /// `inner` is a copy of the callback `outer`, forwarded by `outer`'s server host while
    /// `outer` was open.
    static func isForwardedLeg(_ inner: HTTPExchange, of outer: HTTPExchange) -> Bool {
        guard let i = inner.request, let o = outer.request, sentByServerHost(inner, of: outer),
            let authorization = o.head.headers.values(for: "authorization").first,
            i.head.headers.values(for: "authorization").first == authorization,
            i.head.headers.values(for: "x-oss-pub-key-url") == o.head.headers.values(for: "x-oss-pub-key-url"),
            sameBody(i, o)
        else { return false }
        let start = i.timing.start.timestamp
        guard !(start < o.timing.start.timestamp) else { return false }
        guard let end = openUntil(outer) else { return true }
        return !(end < start)
    }

    /// `attempt` is a connection attempt from `outer`'s server host that failed after `outer`'s
    /// request began and before `outer`'s gateway-error answer (502, 503, 504) began.
    static func isFailedUpstream(_ attempt: HTTPExchange, of outer: HTTPExchange) -> Bool {
        guard let refusal = attempt.refusal, let request = outer.request, let response = outer.response,
            (502...504).contains(response.head.status), sentByServerHost(attempt, of: outer)
        else { return false }
        let syn = refusal.firstSyn.timestamp
        return !(syn < request.timing.start.timestamp) && !(response.timing.start.timestamp < syn)
    }

    /// The client of `inner` is `outer`'s server host, and `inner` went elsewhere.
    private static func sentByServerHost(_ inner: HTTPExchange, of outer: HTTPExchange) -> Bool {
        inner.connection.client.address == outer.connection.server.address
            && inner.connection.server != outer.connection.server
            && inner.connection.firstSeen.frame != outer.connection.firstSeen.frame
    }

    /// The same body: the same `Content-MD5`, or the same size and the same bytes kept.
    private static func sameBody(_ a: CapturedRequest, _ b: CapturedRequest) -> Bool {
        if let md5 = a.head.headers.values(for: "Content-MD5").first,
            let other = b.head.headers.values(for: "Content-MD5").first
        {
            return md5 == other
        }
        return a.body.size == b.body.size && a.body.preview == b.body.preview
    }

    /// When `outer` stopped being open: its response's last byte, else the end of its
    /// connection (the later of the two directions' ends); nil while unknown (open at the end of
    /// the capture).
    static func openUntil(_ outer: HTTPExchange) -> Timestamp? {
        if let end = outer.response?.timing.end { return end.timestamp }
        let ends = [outer.outcome.clientEnd, outer.outcome.serverEnd].compactMap { end -> Timestamp? in
            switch end {
            case .fin(let origin)?, .reset(_, let origin)?, .idleTimeout(let origin)?: origin.timestamp
            case .endOfCapture?, nil: nil
            }
        }
        return ends.max()
    }
}
