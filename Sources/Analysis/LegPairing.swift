import CaptureModel
import Diagnosis
import HTTPExchanges

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
    static let maxHeld = 8192

    private struct Held: Sendable {
        var diagnosed: DiagnosedExchange
        /// The capture time its part had reached when it was offered.
        var offeredAt: Timestamp
    }

    /// Held exchanges, in the order they were offered.
    private var held: [Held] = []
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
            defer { held = [] }
            return held.map(\.diagnosed)
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
        if let outer = outerIndex(for: d.exchange, at: now) {
            Self.attach(d, to: &held[outer].diagnosed)
            return
        }
        var index = held.count - 1
        while index >= 0 {
            if Self.inWindow(held[index], now), Self.isLeg(held[index].diagnosed.exchange, of: d.exchange) {
                Self.attach(held.remove(at: index).diagnosed, to: &d)
            }
            index -= 1
        }
        held.append(Held(diagnosed: d, offeredAt: now))
    }

    /// The held callback `inner` is a leg of; the latest-starting one when several are. Only
    /// exchanges offered within ``holdSeconds`` of `now` pair, whether or not an older one is
    /// still held: so the pairs do not depend on when held exchanges happen to be released.
    private func outerIndex(for inner: HTTPExchange, at now: Timestamp) -> Int? {
        var best: Int?
        for (i, candidate) in held.enumerated()
        where Self.inWindow(candidate, now) && Self.isLeg(inner, of: candidate.diagnosed.exchange) {
            if best == nil || held[best!].diagnosed.exchange.startTime < candidate.diagnosed.exchange.startTime { best = i }
        }
        return best
    }

    /// True when `h` was offered at most ``holdSeconds`` before `now`.
    private static func inWindow(_ h: Held, _ now: Timestamp) -> Bool {
        !(h.offeredAt < now.adding(seconds: -holdSeconds))
    }

    /// Releases the held exchanges whose partner can no longer come, and the earliest offered
    /// beyond ``maxHeld``.
    private mutating func release() -> [DiagnosedExchange] {
        var out: [DiagnosedExchange] = []
        if let watermark {
            let cutoff = watermark.adding(seconds: -Self.holdSeconds)
            var kept: [Held] = []
            for h in held {
                if h.offeredAt < cutoff { out.append(h.diagnosed) } else { kept.append(h) }
            }
            held = kept
        }
        while held.count > Self.maxHeld { out.append(held.removeFirst().diagnosed) }
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
