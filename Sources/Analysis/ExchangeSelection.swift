import CaptureModel
import Diagnosis
import HTTPExchanges
import ReportModel
import TCPReassembly

/// Which finished exchanges of a capture are listed in full in the report, and the count of the
/// rest (``UnlistedExchanges``).
///
/// Each kind has a quota: an exchange with findings counts against the quota of its first finding's
/// rule (``AnalysisOptions/maxFailingExchangesKeptPerRule``), a clean callback against the passing
/// quota and any other exchange against the other quota (both
/// ``AnalysisOptions/maxPassingExchangesKept``). Within a kind the **earliest in report order** are
/// kept — start time, then connection, then position on the connection — whatever order the
/// exchanges finished in. That makes the selection a function of the set of exchanges only, so the
/// parts of one capture analysed on several threads (``ShardedPipeline``), offering their
/// exchanges to one shared selection in whatever interleaving, get exactly the selection one
/// thread makes.
///
/// HTTPS exchanges are selected, and their quotas kept, on their own (kinds of their own, by their
/// rule as a callback), whether or not they turn out judged (``HTTPSJudging``, decided only at the
/// end of the capture): at the end, ``judged()`` re-labels the listed ones whose server is not
/// judged, and folds in the unlisted ones from per-server tallies — so the counts are exact, the
/// listing bounded, and no HTTPS exchange is held until the end beyond the quotas. When servers
/// are named (``AnalysisOptions/servers``), only exchanges with them are offered a place; the rest
/// are counted.
///
/// Connections are ordered by their first frame, which orders them as their ids do (ids are given
/// in the order connections start) but, unlike ids, means the same in every part.
///
/// Memory: at most the quotas' worth of exchanges; a kind's quota is a max-heap of small keys on
/// the order, so an exchange later than every one kept (the usual case: exchanges mostly finish
/// in order) costs one comparison, and kept exchanges never move.
struct ExchangeSelection: Sendable {
    private enum Kind: Hashable, Sendable {
        case failing(RuleID)
        case passing
        case other
        /// An HTTPS exchange, by its first finding's rule as a callback (nil: none).
        case https(RuleID?)
    }

    /// An exchange's place in report order (start time, connection by first frame, index on it),
    /// and where it is kept.
    struct OrderKey: Sendable {
        var startTime: Timestamp
        var connectionFrame: Int
        var index: Int
        /// Its slot in ``Kept/exchanges`` (not part of the order).
        var slot = 0

        init(_ d: borrowing DiagnosedExchange) {
            startTime = d.exchange.startTime
            connectionFrame = d.exchange.connection.firstSeen.frame
            index = d.exchange.index
        }

        static func < (a: OrderKey, b: OrderKey) -> Bool {
            if a.startTime != b.startTime { return a.startTime < b.startTime }
            if a.connectionFrame != b.connectionFrame { return a.connectionFrame < b.connectionFrame }
            return a.index < b.index
        }
    }

    /// A kind's kept exchanges, in slots that never move, and their keys: a max-heap once the
    /// quota is reached (the root is the latest kept, the first to give way), a plain list before.
    private struct Kept: Sendable {
        var quota: Int
        var exchanges: [DiagnosedExchange] = []
        var keys: [OrderKey] = []
    }

    private let maxPassing: Int
    private let maxFailingPerRule: Int
    /// Which exchanges may be listed at all (``AnalysisOptions/listing``); the others are only counted.
    private let listing: ListingFilter
    /// The capture's first packet time: the day a time-of-day bound of ``listing`` is on.
    private(set) var captureStart: Timestamp?
    private var kept: [Kind: Kept] = [:]
    /// Exchanges finished and not listed (beyond their kind's quota, or with a server not named),
    /// except HTTPS ones.
    private(set) var unlisted = UnlistedExchanges()
    /// HTTPS exchanges not listed, counted as callbacks, per server (one small tally per server
    /// that HTTPS went to): folded in by ``judged()`` once it is known whether the server is judged.
    private var unlistedHTTPS: [Endpoint: UnlistedExchanges] = [:]
    /// Which HTTPS servers are judged: the named ones and those plaintext callbacks went to.
    private(set) var judging: HTTPSJudging
    /// Pairs inner legs with their callbacks before they are offered (``take(_:part:now:)``).
    private var pairing: LegPairing

    /// - Parameters:
    ///   - servers: the servers named by the user (``AnalysisOptions/servers``): HTTPS to them is
    ///     judged and, when any is named, only exchanges with them are listed.
    ///   - listing: which exchanges may be listed at all (``AnalysisOptions/listing``).
    ///   - parts: how many parts of the capture offer exchanges (``LegPairing``'s clocks).
    init(
        maxPassing: Int, maxFailingPerRule: Int, servers: [ServerName] = [], listing: ListingFilter = .init(),
        parts: Int = 1
    ) {
        pairing = LegPairing(parts: parts)
        self.maxPassing = maxPassing
        self.maxFailingPerRule = maxFailingPerRule
        self.listing = listing
        judging = HTTPSJudging(named: servers)
    }

    /// Tells the selection the time of the capture's first packet (before any offer).
    mutating func captureStarted(at time: Timestamp) {
        if captureStart == nil { captureStart = time }
    }

    /// True when `a` comes before `b` in the report (within one capture).
    static func order(_ a: DiagnosedExchange, _ b: DiagnosedExchange) -> Bool {
        OrderKey(a) < OrderKey(b)
    }

    private func kind(of d: DiagnosedExchange) -> Kind {
        if d.exchange.tls != nil { return .https(d.findings.first?.rule) }
        if let first = d.findings.first { return .failing(first.rule) }
        return d.isCallback ? .passing : .other
    }

    /// Takes one finished exchange, as diagnosed (an HTTPS one as a callback): kept if it is among
    /// the earliest of its kind so far (an exchange it displaces is counted as unlisted), else
    /// counted as unlisted.
    mutating func offer(_ d: consuming DiagnosedExchange) {
        judging.note(d)
        guard judging.named.isEmpty || judging.named.names(d.exchange.connection.server),
            listing.isEmpty || listing.admits(d, captureStart: captureStart)
        else {
            countUnlisted(d)
            return
        }
        let kind = kind(of: d), key = OrderKey(d)
        let index: Dictionary<Kind, Kept>.Index
        if let existing = kept.index(forKey: kind) {
            index = existing
        } else {
            let quota: Int
            switch kind {
            case .failing, .https(_?): quota = maxFailingPerRule
            case .passing, .other, .https(nil): quota = maxPassing
            }
            kept[kind] = Kept(quota: quota)
            index = kept.index(forKey: kind)!
        }
        if let displaced = Self.insert(d, key: key, into: &kept.values[index]) { countUnlisted(displaced) }
    }

    /// Takes one finished exchange from `part`, whose clock is at `now`, through the leg pairing
    /// (``LegPairing``) and offers what that releases; returns the exchanges offered (callbacks
    /// with their legs attached: a leg itself is never offered).
    mutating func take(_ d: consuming DiagnosedExchange, part: Int, now: Timestamp) -> [DiagnosedExchange] {
        offering(pairing.take(d, part: part, now: now))
    }

    /// `part`'s clock is at `now`: offers what that releases, and returns it.
    mutating func advance(part: Int, to now: Timestamp) -> [DiagnosedExchange] {
        offering(pairing.advance(part: part, to: now))
    }

    /// `part` has no more exchanges: offers what that releases (everything held, once every part
    /// is done), and returns it.
    mutating func finish(part: Int) -> [DiagnosedExchange] {
        offering(pairing.finish(part: part))
    }

    private mutating func offering(_ released: [DiagnosedExchange]) -> [DiagnosedExchange] {
        for d in released { offer(d) }
        return released
    }

    private mutating func countUnlisted(_ d: DiagnosedExchange) {
        if d.exchange.tls != nil {
            unlistedHTTPS[d.exchange.connection.server, default: UnlistedExchanges()].count(d)
        } else {
            unlisted.count(d)
        }
    }

    /// Adds `d` to `kept`; returns the exchange that did not make it (`d` or the one it displaced).
    private static func insert(_ d: consuming DiagnosedExchange, key: OrderKey, into kept: inout Kept)
        -> DiagnosedExchange?
    {
        guard kept.quota > 0 else { return d }
        var key = key
        if kept.exchanges.count < kept.quota {
            key.slot = kept.exchanges.count
            kept.exchanges.append(d)
            kept.keys.append(key)
            // Sift up only once it is a heap that matters; with an unbounded quota it never does.
            if kept.quota != .max { siftUp(&kept.keys, from: kept.keys.count - 1) }
            return nil
        }
        // Full: the root is the latest kept.
        guard key < kept.keys[0] else { return d }
        key.slot = kept.keys[0].slot
        var displaced = d
        swap(&displaced, &kept.exchanges[key.slot])
        kept.keys[0] = key
        siftDown(&kept.keys, from: 0)
        return displaced
    }

    private static func siftUp(_ heap: inout [OrderKey], from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[parent] < heap[child] else { return }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private static func siftDown(_ heap: inout [OrderKey], from start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1, right = left + 1
            var latest = parent
            if left < heap.count, heap[latest] < heap[left] { latest = left }
            if right < heap.count, heap[latest] < heap[right] { latest = right }
            if latest == parent { return }
            heap.swapAt(parent, latest)
            parent = latest
        }
    }

    /// The listed exchanges in report order, and the counts of the rest, with HTTPS judged as
    /// ``judging`` says now (at the end of the capture: finally): listed HTTPS exchanges whose
    /// server is not judged are re-labelled (``DiagnosedExchange/notJudgedHTTPS()``), unlisted ones
    /// count as `httpsNotJudged` instead of as callbacks.
    func judged() -> (listed: [DiagnosedExchange], unlisted: UnlistedExchanges) {
        var unlisted = unlisted
        for (server, tally) in unlistedHTTPS {
            if judging.judges(server) {
                unlisted.add(tally)
            } else {
                unlisted.add(tally.asHTTPSNotJudged())
            }
        }
        var listed: [DiagnosedExchange] = []
        for d in self.listed.map(judging.applied) {
            // Re-labelled HTTPS may no longer match a narrowed listing (`--failed`, `--rule`).
            if listing.isEmpty || d.exchange.tls == nil || listing.admits(d, captureStart: captureStart) {
                listed.append(d)
            } else {
                unlisted.count(d)
            }
        }
        return (listed, unlisted)
    }

    /// The kept exchanges, in report order, as diagnosed (HTTPS ones as callbacks).
    var listed: [DiagnosedExchange] {
        kept.values.flatMap { kept in kept.keys.map { (key: $0, exchange: kept.exchanges[$0.slot]) } }
            .sorted { $0.key < $1.key }.map(\.exchange)
    }
}
