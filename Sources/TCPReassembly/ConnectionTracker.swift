public import CaptureModel

/// Limits that keep the tracker's memory independent of capture size.
public struct ReassemblyLimits: Sendable {
    /// Out-of-order bytes buffered per direction before the hole is declared a gap. Default 4 MiB.
    public var maxBufferedBytesPerDirection: Int64 = 4 << 20
    /// How long a hole the peer has acknowledged waits for its bytes, which the capture may write
    /// after the acknowledgment (capture order is not wire order). Default ``ReorderWindow/standard``.
    public var reorderWindow = ReorderWindow.standard
    /// Connections idle this long (capture time) are closed with `.idleTimeout`. Default 600 s.
    public var idleTimeoutSeconds: Int64 = 600
    /// Closed connections are remembered this long to absorb stray retransmissions. Default 30 s.
    public var closedLingerSeconds: Int64 = 30
    /// Connections held at once (open, half-open or lingering). Past this, the least recently
    /// active tenth is closed (`.idleTimeout`) and counted in `evictedConnections`. Default 20,000
    /// (about 1 KiB each: ~20 MiB), far more than a callback server has open at once.
    public var maxConnections = 20_000
    public init() {}
}

/// Capture-wide reassembly counters, reported in the capture section.
public struct ReassemblyStatistics: Sendable, Hashable {
    public var connections = 0
    public var refusedConnections = 0
    public var retransmittedSegments = 0
    public var outOfOrderSegments = 0
    public var gaps = 0
    public var gapBytes: Int64 = 0
    public var expiredConnections = 0
    public var bufferLimitHits = 0
    /// Connections dropped because the table was full (``ReassemblyLimits/maxConnections``).
    public var evictedConnections = 0
    public var keepAliveProbes = 0
    public var conflictingRetransmissions = 0
    public init() {}

    /// Adds the counters of `other` (the tracker of another part of the same capture).
    public mutating func add(_ other: ReassemblyStatistics) {
        connections += other.connections
        refusedConnections += other.refusedConnections
        retransmittedSegments += other.retransmittedSegments
        outOfOrderSegments += other.outOfOrderSegments
        gaps += other.gaps
        gapBytes += other.gapBytes
        expiredConnections += other.expiredConnections
        bufferLimitHits += other.bufferLimitHits
        evictedConnections += other.evictedConnections
        keepAliveProbes += other.keepAliveProbes
        conflictingRetransmissions += other.conflictingRetransmissions
    }
}

/// Tracks TCP connections by 4-tuple and turns segments into per-direction byte streams.
///
/// Feed every decoded segment in capture order with ``process(_:origin:into:)`` and call
/// ``finish(into:)`` at the end of the capture. Events reach the sink in capture order; see
/// ``StreamEvent`` for the per-connection contract.
///
/// Roles: the sender of a SYN without ACK is the client (RFC 9293 §3.5). Without a
/// handshake the first payload decides (an HTTP request line comes from the client, a
/// status line from the server), and failing that the lower, non-ephemeral port is the server.
public struct ConnectionTracker: Sendable {
    private enum Phase: Sendable {
        /// SYN seen, no answer yet.
        case synSent
        /// Roles decided; bytes flow.
        case open
        /// Gone; kept briefly to absorb stragglers.
        case closed
    }

    private struct Tracked: Sendable {
        var info: ConnectionInfo
        var phase: Phase
        var announced = false
        var clientISN: SequenceNumber?
        var synFrames: [Int] = []
        var streams: [DirectionStream]  // [clientToServer, serverToClient]
        var ended: [Bool] = [false, false]
        var lastActivity: Timestamp
        /// Packets of this connection taken so far (the clock of its reorder windows).
        var packets = 0
    }

    /// What applying one segment to a tracked connection did.
    private enum Applied {
        case applied
        /// An acknowledgment opened a reorder window: the connection joins ``reorderWatch``.
        case openedReorderWindow
        /// A fresh SYN on a closed connection's 4-tuple: the caller starts a new connection.
        case reusedPort
    }

    private struct Key: Hashable, Sendable {
        var low: Endpoint
        var high: Endpoint
        init(_ a: Endpoint, _ b: Endpoint) {
            if a < b {
                low = a
                high = b
            } else {
                low = b
                high = a
            }
        }

        /// One 64-bit word into the hasher instead of every field of both endpoints (two lookups
        /// per packet); equality still compares the endpoints in full.
        func hash(into hasher: inout Hasher) {
            hasher.combine(low.foldedWord &* 0x9E37_79B9_7F4A_7C15 ^ high.foldedWord)
        }
    }

    /// Segments between two sweeps of the table (``sweep(now:into:)``) when the tracker sweeps on
    /// its own: on every 8192nd segment, before it is applied, with its time as `now`.
    public static let sweepInterval = 8192

    public let limits: ReassemblyLimits
    public private(set) var statistics = ReassemblyStatistics()
    private var connections: [Key: Tracked] = [:]
    private var nextID = 0
    private let sweepsOnItsOwn: Bool
    private var packetsSinceSweep = 0
    /// Connections that opened a reorder window (possibly closed since, possibly listed twice),
    /// so that capture time passing on other connections closes windows too (`watch`: a quiet
    /// connection must not hold its bytes). Holds only windows opened within one window length
    /// of capture time: it is rebuilt whenever ``reorderWatchDeadline`` passes.
    private var reorderWatch: [Key] = []
    /// The earliest capture time (ns since the epoch) at which a window in ``reorderWatch`` runs out.
    private var reorderWatchDeadline = Int64.max

    /// - Parameter sweepsOnItsOwn: true (the default) to sweep every ``sweepInterval`` segments;
    ///   false when the owner calls ``sweep(now:into:)`` itself — the analysis of one capture split
    ///   across threads does, so that every part sweeps at the same points of the capture as one
    ///   tracker would.
    public init(limits: ReassemblyLimits = .init(), sweepsOnItsOwn: Bool = true) {
        self.limits = limits
        self.sweepsOnItsOwn = sweepsOnItsOwn
    }

    /// Number of connections currently held in memory (open, half-open or lingering).
    public var trackedConnectionCount: Int { connections.count }

    /// Connections started so far; the next one gets this as its ``ConnectionInfo/id``.
    public var connectionsStarted: Int { nextID }

    /// Takes one TCP segment.
    public mutating func process<Sink: StreamEventSink>(
        _ segment: TCPSegment, origin: StreamOrigin, into sink: inout Sink
    ) {
        let now = origin.timestamp.totalNanoseconds
        if now > reorderWatchDeadline { closeExpiredReorderWindows(now: now, into: &sink) }
        if sweepsOnItsOwn {
            packetsSinceSweep += 1
            if packetsSinceSweep >= Self.sweepInterval {
                packetsSinceSweep = 0
                sweep(now: origin.timestamp, into: &sink)
            }
        }
        if connections.count >= limits.maxConnections {
            evictLeastRecentlyActive(into: &sink)
        }
        let key = Key(segment.source, segment.destination)
        guard let slot = connections.index(forKey: key) else {
            start(key: key, segment: segment, origin: origin, into: &sink)
            return
        }
        // The entry is read and updated where it lives (Dictionary.Values' in-place subscript):
        // one hash lookup per packet and no copy of the connection's state. (Reading `.phase`
        // through the subscript's getter first copied the whole entry, retaining its arrays.)
        switch Self.updateUnlessReused(
            &connections.values[slot], segment: segment, origin: origin, statistics: &statistics, into: &sink)
        {
        case .applied: break
        case .openedReorderWindow: watchReorderWindow(of: key, openedAt: now)
        case .reusedPort:
            // Port reuse: a fresh SYN after a close starts a new connection.
            start(key: key, segment: segment, origin: origin, into: &sink)
        }
    }

    /// ``update(_:segment:origin:statistics:into:)`` for an entry that is not closed. For a closed
    /// one: `.reusedPort` when `segment` is a fresh SYN (the 4-tuple is reused: the caller starts
    /// a new connection), otherwise the straggler only refreshes its activity time.
    private static func updateUnlessReused<Sink: StreamEventSink>(
        _ tracked: inout Tracked, segment: TCPSegment, origin: StreamOrigin, statistics: inout ReassemblyStatistics,
        into sink: inout Sink
    ) -> Applied {
        if case .closed = tracked.phase {
            let flags = segment.flags
            if flags.contains(.syn), !flags.contains(.ack) { return .reusedPort }
            tracked.lastActivity = origin.timestamp
            return .applied
        }
        return update(&tracked, segment: segment, origin: origin, statistics: &statistics, into: &sink)
    }

    /// End of capture: every open connection is flushed and closed with `.endOfCapture`;
    /// attempts still waiting for a SYN-ACK are reported as refused (`.unanswered`).
    public mutating func finish<Sink: StreamEventSink>(into sink: inout Sink) {
        let remaining = connections.values.sorted { $0.info.id < $1.info.id }
        connections.removeAll()
        reorderWatch = []
        reorderWatchDeadline = .max
        for var tracked in remaining {
            switch tracked.phase {
            case .closed: continue
            case .synSent: Self.refuse(tracked, kind: .unanswered, reset: nil, statistics: &statistics, into: &sink)
            case .open: Self.close(&tracked, how: .endOfCapture, statistics: &statistics, into: &sink)
            }
        }
    }

    // MARK: - Lifecycle

    private mutating func start<Sink: StreamEventSink>(
        key: Key, segment: TCPSegment, origin: StreamOrigin, into sink: inout Sink
    ) {
        let flags = segment.flags
        let client: Endpoint, server: Endpoint, evidence: RoleEvidence
        if flags.contains(.syn), !flags.contains(.ack) {
            (client, server, evidence) = (segment.source, segment.destination, .syn)
        } else if flags.contains(.syn) {
            (client, server, evidence) = (segment.destination, segment.source, .synAck)
        } else if flags.contains(.rst) && segment.payload.isEmpty {
            return  // A stray reset for a connection we never saw: nothing to analyse.
        } else if let sender = Self.roleFromContent(segment.payload) {
            (client, server, evidence) =
                sender == .clientToServer
                ? (segment.source, segment.destination, .content) : (segment.destination, segment.source, .content)
        } else if segment.payload.isEmpty && !flags.contains(.fin) {
            return  // A bare ACK of an unknown connection tells nothing; wait for payload.
        } else {
            let sourceIsServer = Self.looksLikeServerPort(segment.source.port, comparedWith: segment.destination.port)
            (client, server, evidence) =
                sourceIsServer
                ? (segment.destination, segment.source, .ports) : (segment.source, segment.destination, .ports)
        }
        let info = ConnectionInfo(
            id: nextID, client: client, server: server, roleEvidence: evidence,
            handshakeSeen: evidence == .syn, firstSeen: origin)
        nextID += 1
        let stream = DirectionStream(
            maxBufferedBytes: limits.maxBufferedBytesPerDirection, reorderWindow: limits.reorderWindow)
        var tracked = Tracked(
            info: info, phase: evidence == .syn ? .synSent : .open, streams: [stream, stream],
            lastActivity: origin.timestamp)
        if evidence == .syn {
            tracked.clientISN = SequenceNumber(segment.sequenceNumber)
            tracked.synFrames = [origin.frame]
        }
        let applied = Self.update(&tracked, segment: segment, origin: origin, statistics: &statistics, into: &sink)
        connections[key] = tracked
        if case .openedReorderWindow = applied {
            watchReorderWindow(of: key, openedAt: origin.timestamp.totalNanoseconds)
        }
    }

    /// Applies one segment to `tracked` (which stays in the table: a connection that ends is
    /// turned into its tombstone in place by ``linger(_:)``). Reorder windows that have run out
    /// by this packet close first: the packet comes too late to fill them.
    private static func update<Sink: StreamEventSink>(
        _ tracked: inout Tracked, segment: TCPSegment, origin: StreamOrigin, statistics: inout ReassemblyStatistics,
        into sink: inout Sink
    ) -> Applied {
        tracked.lastActivity = origin.timestamp
        tracked.packets += 1
        let clock = ConnectionClock(packets: tracked.packets, nanoseconds: origin.timestamp.totalNanoseconds)
        if tracked.streams[0].openHole != nil || tracked.streams[1].openHole != nil {
            var deadline: Int64?
            closeExpiredWindows(&tracked, at: clock, deadline: &deadline, statistics: &statistics, into: &sink)
            if case .closed = tracked.phase {
                // It completed: this packet is a straggler, or a fresh SYN reusing the 4-tuple.
                return segment.flags.contains(.syn) && !segment.flags.contains(.ack) ? .reusedPort : .applied
            }
        }
        return apply(segment, to: &tracked, at: clock, origin: origin, statistics: &statistics, into: &sink)
    }

    /// The body of ``update(_:segment:origin:statistics:into:)`` once expired windows are closed.
    private static func apply<Sink: StreamEventSink>(
        _ segment: TCPSegment, to tracked: inout Tracked, at clock: ConnectionClock, origin: StreamOrigin,
        statistics: inout ReassemblyStatistics, into sink: inout Sink
    ) -> Applied {
        let direction: StreamDirection = segment.source == tracked.info.client ? .clientToServer : .serverToClient
        let d = direction == .clientToServer ? 0 : 1
        let flags = segment.flags
        var sequence = SequenceNumber(segment.sequenceNumber)

        if flags.contains(.syn) {
            if direction == .clientToServer {
                if case .synSent = tracked.phase, tracked.synFrames.last != origin.frame {
                    if tracked.synFrames.count < 16 { tracked.synFrames.append(origin.frame) }
                }
            } else if case .synSent = tracked.phase {
                tracked.phase = .open
            }
            sequence = SequenceNumber(sequence.rawValue &+ 1)
            tracked.streams[d].setBase(sequence)
        }

        if flags.contains(.rst) {
            reset(
                &tracked, by: direction, sequence: sequence, segment: segment, origin: origin, statistics: &statistics,
                into: &sink)
            return .applied
        }

        if case .synSent = tracked.phase, direction == .serverToClient {
            // Server data or ACK without a captured SYN-ACK: the handshake happened.
            tracked.phase = .open
        }
        if case .synSent = tracked.phase, !segment.payload.isEmpty || segment.missingPayloadLength > 0 {
            // Client data before any answer (TCP Fast Open on the SYN, or a lost SYN-ACK).
            tracked.phase = .open
        }
        let carriesBytes = !segment.payload.isEmpty || segment.missingPayloadLength > 0
        if carriesBytes, tracked.streams[1 - d].openHole != nil { closeWindowForReply(&tracked, 1 - d, into: &sink) }
        deliver(
            &tracked, direction: direction, sequence: sequence, segment: segment, fin: flags.contains(.fin),
            origin: origin,
            statistics: &statistics, into: &sink)
        var opened = false
        if flags.contains(.ack) {
            opened = acknowledge(
                &tracked, direction: direction.reversed, SequenceNumber(segment.acknowledgmentNumber), at: clock,
                opensWindow: !carriesBytes, into: &sink)
        }

        if tracked.ended[0] && tracked.ended[1] {
            finalize(&tracked, how: .fin(origin), statistics: &statistics, into: &sink)
            linger(&tracked)
            return .applied
        }
        return opened ? .openedReorderWindow : .applied
    }

    /// A RST from `direction`: a refused or aborted attempt during the handshake, else the end of
    /// the connection (after the bytes it carries).
    private static func reset<Sink: StreamEventSink>(
        _ tracked: inout Tracked, by direction: StreamDirection, sequence: SequenceNumber, segment: TCPSegment,
        origin: StreamOrigin, statistics: inout ReassemblyStatistics, into sink: inout Sink
    ) {
        if case .synSent = tracked.phase, direction == .serverToClient {
            refuse(tracked, kind: .reset, reset: origin, statistics: &statistics, into: &sink)
        } else if case .synSent = tracked.phase {
            // The client aborted its own attempt.
            refuse(tracked, kind: .unanswered, reset: nil, statistics: &statistics, into: &sink)
        } else {
            // Bytes carried on the RST itself are still delivered (RFC 9293 §3.10.7.4 lets a receiver ignore them;
            // the sender still sent them).
            deliver(
                &tracked, direction: direction, sequence: sequence, segment: segment, fin: false, origin: origin,
                statistics: &statistics, into: &sink)
            close(&tracked, how: .reset(by: direction, origin), statistics: &statistics, into: &sink)
        }
        linger(&tracked)
    }

    private static func deliver<Sink: StreamEventSink>(
        _ tracked: inout Tracked, direction: StreamDirection, sequence: SequenceNumber, segment: TCPSegment, fin: Bool,
        origin: StreamOrigin, statistics: inout ReassemblyStatistics, into sink: inout Sink
    ) {
        let d = direction == .clientToServer ? 0 : 1
        guard !tracked.ended[d] else { return }
        let hasBytes = !segment.payload.isEmpty || segment.missingPayloadLength > 0
        if hasBytes || fin { announce(&tracked, statistics: &statistics, into: &sink) }
        let id = tracked.info.id
        tracked.streams[d].receive(
            sequence: sequence, payload: segment.payload, missing: segment.missingPayloadLength, fin: fin,
            origin: origin
        ) { delivery in Self.forward(delivery, connection: id, direction: direction, into: &sink) }
        if fin || tracked.streams[d].finOffset != nil, tracked.streams[d].finDelivered, !tracked.ended[d] {
            tracked.ended[d] = true
            sink.receive(.ended(connection: id, direction: direction, how: .fin(origin)))
        }
    }

    /// Passes the peer's acknowledgment to the stream it acknowledges; true when it opened a
    /// reorder window. An acknowledged FIN can complete the stream: it ends here.
    private static func acknowledge<Sink: StreamEventSink>(
        _ tracked: inout Tracked, direction: StreamDirection, _ sequence: SequenceNumber, at clock: ConnectionClock,
        opensWindow: Bool, into sink: inout Sink
    ) -> Bool {
        let d = direction == .clientToServer ? 0 : 1
        guard !tracked.ended[d], tracked.streams.count == 2 else { return false }
        let id = tracked.info.id
        let opened = tracked.streams[d].acknowledge(sequence, at: clock, opensWindow: opensWindow) { delivery in
            Self.forward(delivery, connection: id, direction: direction, into: &sink)
        }
        endIfFinDelivered(&tracked, d, into: &sink)
        return opened
    }

    /// Ends direction `d` once every byte up to its FIN is delivered (after a reorder window or
    /// an acknowledgment declared the last hole a gap), with the FIN's own origin.
    private static func endIfFinDelivered<Sink: StreamEventSink>(
        _ tracked: inout Tracked, _ d: Int, into sink: inout Sink
    ) {
        guard !tracked.ended[d], tracked.streams[d].finDelivered, let fin = tracked.streams[d].finOrigin else { return }
        tracked.ended[d] = true
        sink.receive(
            .ended(connection: tracked.info.id, direction: d == 0 ? .clientToServer : .serverToClient, how: .fin(fin)))
    }

    // MARK: - Reorder windows

    /// Closes the reorder windows of `tracked` that have run out at `clock` (their holes become
    /// gaps) and ends the directions that thereby reach their FIN. Returns the capture time (ns)
    /// at which a window still open runs out, or nil.
    @discardableResult
    private static func closeReorderWindows<Sink: StreamEventSink>(
        _ tracked: inout Tracked, ifExpiredAt clock: ConnectionClock, into sink: inout Sink
    ) -> Int64? {
        let id = tracked.info.id
        var deadline: Int64?
        for d in 0..<2 where !tracked.ended[d] {
            let direction: StreamDirection = d == 0 ? .clientToServer : .serverToClient
            tracked.streams[d].closeReorderWindow(ifExpiredAt: clock) { delivery in
                Self.forward(delivery, connection: id, direction: direction, into: &sink)
            }
            endIfFinDelivered(&tracked, d, into: &sink)
            if let due = tracked.streams[d].reorderDeadline { deadline = min(deadline ?? .max, due) }
        }
        return deadline
    }

    /// Direction `d`'s peer sent bytes: `d`'s open window closes before they are delivered
    /// (``DirectionStream/closeReorderWindowForReply(emit:)``), so a request is complete, or
    /// known incomplete, before its response is read.
    private static func closeWindowForReply<Sink: StreamEventSink>(
        _ tracked: inout Tracked, _ d: Int, into sink: inout Sink
    ) {
        guard !tracked.ended[d] else { return }
        let id = tracked.info.id
        let direction: StreamDirection = d == 0 ? .clientToServer : .serverToClient
        tracked.streams[d].closeReorderWindowForReply { delivery in
            Self.forward(delivery, connection: id, direction: direction, into: &sink)
        }
        endIfFinDelivered(&tracked, d, into: &sink)
    }

    /// Lists `key`'s connection as holding a window opened at capture time `now` (ns).
    private mutating func watchReorderWindow(of key: Key, openedAt now: Int64) {
        reorderWatch.append(key)
        reorderWatchDeadline = min(reorderWatchDeadline, now &+ limits.reorderWindow.nanoseconds)
    }

    /// Capture time has reached `now` (ns) on some connection: closes every watched window that
    /// has run out by then, finishing connections that thereby complete, and rebuilds the watch
    /// list from the windows still open.
    private mutating func closeExpiredReorderWindows<Sink: StreamEventSink>(now: Int64, into sink: inout Sink) {
        let watched = reorderWatch
        reorderWatch = []
        reorderWatchDeadline = .max
        var seen = Set<Key>()
        for key in watched where seen.insert(key).inserted {
            guard let slot = connections.index(forKey: key) else { continue }
            var deadline: Int64?
            Self.closeExpiredWindows(
                &connections.values[slot], now: now, deadline: &deadline, statistics: &statistics, into: &sink)
            if let deadline {
                reorderWatch.append(key)
                reorderWatchDeadline = min(reorderWatchDeadline, deadline)
            }
        }
    }

    /// ``closeExpiredWindows(_:at:deadline:statistics:into:)`` by capture time alone (no packet
    /// of this connection has come since its last).
    private static func closeExpiredWindows<Sink: StreamEventSink>(
        _ tracked: inout Tracked, now: Int64, deadline: inout Int64?, statistics: inout ReassemblyStatistics,
        into sink: inout Sink
    ) {
        let clock = ConnectionClock(packets: tracked.packets, nanoseconds: now)
        closeExpiredWindows(&tracked, at: clock, deadline: &deadline, statistics: &statistics, into: &sink)
    }

    /// ``closeReorderWindows(_:ifExpiredAt:into:)`` for an open connection, finishing it (FIN
    /// both ways, closed with the later FIN's origin) when that completes it — the same way
    /// whether its own next packet or another connection's time noticed (a capture split across
    /// threads gives the same events).
    private static func closeExpiredWindows<Sink: StreamEventSink>(
        _ tracked: inout Tracked, at clock: ConnectionClock, deadline: inout Int64?,
        statistics: inout ReassemblyStatistics,
        into sink: inout Sink
    ) {
        guard case .open = tracked.phase, tracked.streams.count == 2 else { return }
        deadline = closeReorderWindows(&tracked, ifExpiredAt: clock, into: &sink)
        if tracked.ended[0] && tracked.ended[1] {
            let last = [tracked.streams[0].finOrigin, tracked.streams[1].finOrigin].compactMap { $0 }.max {
                $0.frame < $1.frame
            }
            finalize(&tracked, how: .fin(last ?? tracked.info.firstSeen), statistics: &statistics, into: &sink)
            linger(&tracked)
        }
    }

    private static func forward<Sink: StreamEventSink>(
        _ delivery: DirectionStream.Delivery, connection id: Int, direction: StreamDirection, into sink: inout Sink
    ) {
        switch delivery {
        case .data(let offset, let bytes, let origin):
            sink.receive(.data(connection: id, direction: direction, offset: offset, bytes: bytes, origin: origin))
        case .gap(let offset, let length, let origin):
            sink.receive(.gap(connection: id, direction: direction, offset: offset, length: length, origin: origin))
        case .conflict(let offset, let length, let origin):
            sink.receive(
                .anomaly(
                    connection: id, direction: direction,
                    .retransmissionWithDifferentBytes(offset: offset, length: length),
                    origin: origin))
        }
    }

    private static func announce<Sink: StreamEventSink>(
        _ tracked: inout Tracked, statistics: inout ReassemblyStatistics, into sink: inout Sink
    ) {
        guard !tracked.announced else { return }
        tracked.announced = true
        statistics.connections += 1
        sink.receive(.opened(tracked.info))
    }

    /// Flushes both directions, ends those still open with `how`, and emits `closed`.
    private static func close<Sink: StreamEventSink>(
        _ tracked: inout Tracked, how: StreamEnd, statistics: inout ReassemblyStatistics, into sink: inout Sink
    ) {
        announce(&tracked, statistics: &statistics, into: &sink)
        let id = tracked.info.id
        for d in 0..<2 where !tracked.ended[d] {
            let direction: StreamDirection = d == 0 ? .clientToServer : .serverToClient
            tracked.streams[d].flush { delivery in
                Self.forward(delivery, connection: id, direction: direction, into: &sink)
            }
            tracked.ended[d] = true
            sink.receive(.ended(connection: id, direction: direction, how: how))
        }
        finalize(&tracked, how: how, statistics: &statistics, into: &sink)
    }

    private static func finalize<Sink: StreamEventSink>(
        _ tracked: inout Tracked, how: StreamEnd, statistics: inout ReassemblyStatistics, into sink: inout Sink
    ) {
        for stream in tracked.streams {
            statistics.retransmittedSegments += stream.retransmittedSegments
            statistics.outOfOrderSegments += stream.outOfOrderSegments
            statistics.gaps += stream.gapCount
            statistics.gapBytes += stream.gapBytes
            statistics.bufferLimitHits += stream.bufferLimitHits
            statistics.keepAliveProbes += stream.keepAliveProbes
            statistics.conflictingRetransmissions += stream.conflictingRetransmissions
        }
        tracked.phase = .closed
        sink.receive(.closed(connection: tracked.info.id, how: how))
    }

    private static func refuse<Sink: StreamEventSink>(
        _ tracked: Tracked, kind: RefusalKind, reset: StreamOrigin?, statistics: inout ReassemblyStatistics,
        into sink: inout Sink
    ) {
        statistics.refusedConnections += 1
        sink.receive(
            .refused(
                RefusedConnection(
                    info: tracked.info, kind: kind, synFrames: tracked.synFrames, firstSyn: tracked.info.firstSeen,
                    reset: reset)))
    }

    /// Turns a closed connection into its tombstone (key and times, no buffers), kept so late
    /// packets do not open a phantom connection.
    private static func linger(_ tracked: inout Tracked) {
        tracked.phase = .closed
        tracked.streams = []
        tracked.synFrames = []
    }

    /// Drops lingering closed connections (``ReassemblyLimits/closedLingerSeconds``) and closes
    /// those idle longer than ``ReassemblyLimits/idleTimeoutSeconds`` at capture time `now`
    /// (`.idleTimeout`; a SYN never answered is reported refused), in connection order.
    public mutating func sweep<Sink: StreamEventSink>(now: Timestamp, into sink: inout Sink) {
        if now.totalNanoseconds > reorderWatchDeadline {
            closeExpiredReorderWindows(now: now.totalNanoseconds, into: &sink)
        }
        var expired: [(Key, Tracked)] = []
        for (key, tracked) in connections {
            let idle = now.seconds - tracked.lastActivity.seconds
            switch tracked.phase {
            case .closed where idle > limits.closedLingerSeconds: expired.append((key, tracked))
            case .open where idle > limits.idleTimeoutSeconds: expired.append((key, tracked))
            case .synSent where idle > limits.idleTimeoutSeconds: expired.append((key, tracked))
            default: break
            }
        }
        expired.sort { $0.1.info.id < $1.1.info.id }
        for (key, var tracked) in expired {
            connections.removeValue(forKey: key)
            switch tracked.phase {
            case .closed: break
            case .synSent: Self.refuse(tracked, kind: .unanswered, reset: nil, statistics: &statistics, into: &sink)
            case .open:
                statistics.expiredConnections += 1
                Self.close(
                    &tracked, how: .idleTimeout(StreamOrigin(timestamp: tracked.lastActivity, frame: 0)),
                    statistics: &statistics, into: &sink)
            }
        }
    }

    /// The table is full: closes the least recently active tenth (bounded memory).
    private mutating func evictLeastRecentlyActive<Sink: StreamEventSink>(into sink: inout Sink) {
        let victims = connections.sorted { $0.value.lastActivity < $1.value.lastActivity }
            .prefix(max(1, limits.maxConnections / 10))
        for (key, var tracked) in victims.sorted(by: { $0.value.info.id < $1.value.info.id }) {
            connections.removeValue(forKey: key)
            switch tracked.phase {
            case .closed: break
            case .synSent:
                statistics.evictedConnections += 1
                Self.refuse(tracked, kind: .unanswered, reset: nil, statistics: &statistics, into: &sink)
            case .open:
                statistics.evictedConnections += 1
                Self.close(
                    &tracked, how: .idleTimeout(StreamOrigin(timestamp: tracked.lastActivity, frame: 0)),
                    statistics: &statistics, into: &sink)
            }
        }
    }

    // MARK: - Role heuristics

    /// Which side sent `payload`, judged from its first bytes: an HTTP status line comes from
    /// the server, a request line from the client. Nil when it looks like neither.
    static func roleFromContent(_ payload: ArraySlice<UInt8>) -> StreamDirection? {
        guard payload.count >= 5 else { return nil }
        let start = payload.startIndex
        if payload[start] == 0x48, payload[start + 1] == 0x54, payload[start + 2] == 0x54, payload[start + 3] == 0x50,
            payload[start + 4] == 0x2F
        {
            return .serverToClient  // "HTTP/"
        }
        var index = start
        while index < payload.endIndex, index - start < 16, (0x41...0x5A).contains(payload[index]) { index += 1 }
        if index > start, index < payload.endIndex, payload[index] == 0x20 { return .clientToServer }
        return nil
    }

    /// True when `port` is more likely the server's than `other`: the lower of the two when one
    /// is in the ephemeral range (≥ 32768 on Linux, ≥ 49152 per RFC 6335), else the lower.
    static func looksLikeServerPort(_ port: UInt16, comparedWith other: UInt16) -> Bool {
        let ephemeral: (UInt16) -> Bool = { $0 >= 32768 }
        if ephemeral(port) != ephemeral(other) { return !ephemeral(port) }
        return port < other
    }
}
