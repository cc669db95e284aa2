import CaptureModel

/// One direction of a TCP connection turned into an in-order byte stream.
///
/// Contract: feed it every segment of its direction in capture order with ``receive(sequence:payload:missing:fin:origin:emit:)``;
/// it emits `.data` for bytes in stream order exactly once each (the first copy wins), and
/// `.gap` for ranges that will never be seen. ``flush(emit:)`` at the end of the connection
/// releases whatever is still buffered, with gaps in front of it.
///
/// Out-of-order segments are buffered up to ``maxBufferedBytes``; past that the stream
/// declares the missing range a gap and moves on, so memory per direction stays bounded.
///
/// Capture order is not wire order (`tcpdump -i any` on several cores, queues merged): a segment
/// can be written after the peer's ACK that acknowledges it. So a hole the peer has acknowledged
/// while later bytes wait in the buffer is not a gap at once: it stays open for a
/// ``ReorderWindow`` (some packets of the connection, some milliseconds of capture time, whichever
/// ends first; see ``closeReorderWindow(ifExpiredAt:emit:)``), and bytes that fill it meanwhile are
/// data delivered in order, each run with its own packet's origin.
struct DirectionStream: Sendable {
    /// One buffered range that arrived ahead of ``nextOffset``.
    private struct Pending: Sendable {
        var offset: Int64
        /// The bytes, or nil for a range known to be missing (snaplen-truncated payload).
        var bytes: ArraySlice<UInt8>?
        var length: Int64
        var origin: StreamOrigin
        var end: Int64 { offset + length }
    }

    enum Delivery {
        case data(offset: Int64, bytes: ArraySlice<UInt8>, origin: StreamOrigin)
        case gap(offset: Int64, length: Int64, origin: StreamOrigin)
        /// A retransmission whose bytes differ from the first copy (which was kept).
        case conflict(offset: Int64, length: Int64, origin: StreamOrigin)
    }

    private(set) var space: SequenceSpace?
    /// The stream offset of the next byte to deliver.
    private(set) var nextOffset: Int64 = 0
    /// Stream offset of the FIN, once seen.
    private(set) var finOffset: Int64?
    /// The record that carried the FIN, once seen.
    private(set) var finOrigin: StreamOrigin?
    /// The last record that carried this direction's bytes or FIN.
    private var lastOrigin: StreamOrigin?
    private var pending: [Pending] = []
    private var bufferedBytes: Int64 = 0
    let maxBufferedBytes: Int64
    /// The highest stream offset the peer has acknowledged (RFC 9293 §3.4: the next byte it expects).
    private(set) var acknowledgedOffset: Int64?
    /// The last few delivered segments, copied into the direction's own storage, to tell an
    /// identical retransmission from one carrying different bytes.
    private var recent = RetransmissionMemory()
    /// How far past the last byte seen an acknowledgment may reach and still reveal lost bytes.
    static let maxAcknowledgmentLead: Int64 = 16 << 20
    /// The end of the furthest segment seen (delivered or buffered).
    private var highestEnd: Int64 = 0

    // Statistics (read by the tracker).
    private(set) var retransmittedSegments = 0
    private(set) var outOfOrderSegments = 0
    private(set) var gapCount = 0
    private(set) var gapBytes: Int64 = 0
    private(set) var bufferLimitHits = 0
    private(set) var keepAliveProbes = 0
    private(set) var conflictingRetransmissions = 0

    /// How long an acknowledged hole waits for its bytes.
    let reorderWindow: ReorderWindow
    /// Set while a hole below acknowledged bytes waits for late bytes: when (in the connection's
    /// packets and capture time) the acknowledgment revealed it, and how far that acknowledgment
    /// reached (holes below it are declared gaps when the window closes).
    private(set) var openHole: (since: ConnectionClock, acknowledged: Int64)?

    init(maxBufferedBytes: Int64, reorderWindow: ReorderWindow = .standard) {
        self.maxBufferedBytes = maxBufferedBytes
        self.reorderWindow = reorderWindow
    }

    var hasBase: Bool { space != nil }

    /// Fixes offset 0 at `sequence` (the ISN + 1 when the SYN was seen, else the first data byte).
    mutating func setBase(_ sequence: SequenceNumber) {
        if space == nil { space = SequenceSpace(base: sequence) }
    }

    /// True once every byte up to the FIN has been delivered.
    var finDelivered: Bool {
        if let finOffset { return nextOffset >= finOffset && pending.isEmpty }
        return false
    }

    /// Takes one segment of this direction.
    ///
    /// - Parameters:
    ///   - sequence: the segment's sequence number (of its first payload byte; the caller has
    ///     already stepped past a SYN's own sequence number).
    ///   - payload: captured payload bytes.
    ///   - missing: payload bytes the IP header announced but the capture lacks (snaplen).
    ///   - fin: the segment carries FIN, which occupies the sequence number after the payload.
    mutating func receive(
        sequence: SequenceNumber, payload: ArraySlice<UInt8>, missing: Int, fin: Bool, origin: StreamOrigin,
        emit: (Delivery) -> Void
    ) {
        if space == nil {
            guard !payload.isEmpty || missing > 0 || fin else { return }
            space = SequenceSpace(base: sequence)
        }
        guard let space else { return }
        lastOrigin = origin
        let offset = space.offset(of: sequence, near: nextOffset)
        let length = Int64(payload.count)
        highestEnd = max(highestEnd, offset + length + Int64(missing))
        if fin {
            let end = offset + length + Int64(missing)
            if finOffset.map({ end < $0 }) ?? true {
                finOffset = end
                finOrigin = origin
            }
        }
        if length > 0 {
            insert(Pending(offset: offset, bytes: payload, length: length, origin: origin), emit: emit)
        } else if missing == 0 && !fin && offset == nextOffset - 1 {
            keepAliveProbes += 1  // An empty keep-alive probe (RFC 9293 §3.8.4: SEG.SEQ = SND.NXT-1).
        }
        if missing > 0 {
            insert(Pending(offset: offset + length, bytes: nil, length: Int64(missing), origin: origin), emit: emit)
        }
    }

    private mutating func insert(_ segment: Pending, emit: (Delivery) -> Void) {
        var segment = segment
        if segment.end <= nextOffset {
            if segment.length <= 1 && segment.offset == nextOffset - 1 {
                // A keep-alive probe (RFC 9293 §3.8.4): one old byte (or none) below the window.
                keepAliveProbes += 1
                return
            }
            retransmittedSegments += 1
            checkRetransmission(segment, emit: emit)
            return
        }
        if segment.offset < nextOffset {
            // Partial retransmission: the first copy of the overlapping bytes wins.
            retransmittedSegments += 1
            checkRetransmission(segment, emit: emit)
            let skip = nextOffset - segment.offset
            if let bytes = segment.bytes { segment.bytes = bytes.dropFirst(Int(skip)) }
            segment.offset = nextOffset
            segment.length -= skip
        }
        if segment.offset == nextOffset {
            deliver(segment, emit: emit)
            drain(emit: emit)
            if openHole != nil { forgetFilledHole() }
            return
        }
        outOfOrderSegments += 1
        // Keep `pending` sorted by offset; later duplicates of buffered ranges are trimmed on delivery.
        var index = pending.endIndex
        while index > pending.startIndex, pending[index - 1].offset > segment.offset { index -= 1 }
        pending.insert(segment, at: index)
        bufferedBytes += segment.length
        while bufferedBytes > maxBufferedBytes, let first = pending.first {
            // Bounded memory: give up waiting for the hole in front of the buffer.
            bufferLimitHits += 1
            declareGap(upTo: first.offset, origin: first.origin, emit: emit)
            drain(emit: emit)
        }
        if openHole != nil { forgetFilledHole() }
    }

    /// Compares the already-delivered part of a retransmission with the first copy, where that
    /// copy is still remembered; a difference is reported (the first copy stays).
    private mutating func checkRetransmission(_ segment: Pending, emit: (Delivery) -> Void) {
        guard let bytes = segment.bytes,
            let conflict = recent.firstConflict(with: bytes, at: segment.offset, below: nextOffset)
        else { return }
        conflictingRetransmissions += 1
        emit(
            .conflict(
                offset: conflict.lowerBound, length: conflict.upperBound - conflict.lowerBound, origin: segment.origin))
    }

    /// The peer acknowledged everything before `sequence` (RFC 9293 §3.4), at `clock`. Bytes it
    /// acknowledged that the capture has not shown reached the receiver, so no retransmission will
    /// bring them; but the capture may still write them late (capture order is not wire order).
    /// When later bytes are buffered and the acknowledgment is a pure ACK (`opensWindow`), the
    /// hole before them opens a ``ReorderWindow`` (returns true) instead of becoming a gap at once.
    /// An acknowledgment riding on the peer's data (its reply has begun), or one that covers this
    /// direction's FIN (the sender is done), declares the acknowledged holes gaps now.
    @discardableResult
    mutating func acknowledge(
        _ sequence: SequenceNumber, at clock: ConnectionClock, opensWindow: Bool = true, emit: (Delivery) -> Void
    ) -> Bool {
        guard let space else { return false }
        let offset = space.offset(of: sequence, near: nextOffset)
        // A receiver cannot acknowledge much beyond what the sender sent: an acknowledgment
        // further ahead than one large window past the last byte seen is not about this stream
        // (a bogus or unrelated number) and is ignored.
        guard offset >= 0, offset <= max(nextOffset, highestEnd) + Self.maxAcknowledgmentLead else { return false }
        guard offset > (acknowledgedOffset ?? Int64.min) else { return false }
        acknowledgedOffset = offset
        if !opensWindow || finOffset.map({ offset > $0 }) == true {
            openHole = nil
            declareHoles(below: offset, emit: emit)
            return false
        }
        guard openHole == nil, hasHole(below: offset) else { return false }
        openHole = (clock, offset)
        return true
    }

    /// True when a buffered range waits behind a hole that ends at or below `offset`.
    private func hasHole(below offset: Int64) -> Bool {
        if let first = pending.first, first.offset > nextOffset, offset >= first.offset { return true }
        return false
    }

    /// Closes the open ``ReorderWindow`` if it has run out at `clock`: more than
    /// ``ReorderWindow/packets`` packets of the connection, or more than
    /// ``ReorderWindow/nanoseconds`` of capture time, after the acknowledgment that revealed the
    /// hole. The holes below that acknowledgment become gaps and the bytes behind them are
    /// delivered; a hole a later acknowledgment revealed gets a fresh window from `clock`.
    /// Returns true while a window is still open.
    @discardableResult
    mutating func closeReorderWindow(ifExpiredAt clock: ConnectionClock, emit: (Delivery) -> Void) -> Bool {
        guard let (since, acknowledged) = openHole else { return false }
        guard reorderWindow.hasRunOut(since: since, at: clock) else { return true }
        openHole = nil
        declareHoles(below: acknowledged, emit: emit)
        if let acknowledgedOffset, hasHole(below: acknowledgedOffset) {
            // From the instant this window ran out (not the time of whichever packet noticed),
            // so that the result does not depend on other connections' packets.
            let ranOut = min(clock.nanoseconds, since.nanoseconds &+ reorderWindow.nanoseconds)
            openHole = (ConnectionClock(packets: clock.packets, nanoseconds: ranOut), acknowledgedOffset)
        }
        return openHole != nil
    }

    /// The peer has begun to send data: its reply is read after everything it acknowledged, so an
    /// open window closes now and its acknowledged holes become gaps before the reply's bytes.
    mutating func closeReorderWindowForReply(emit: (Delivery) -> Void) {
        guard openHole != nil, let acknowledgedOffset else { return }
        openHole = nil
        declareHoles(below: acknowledgedOffset, emit: emit)
    }

    /// Capture time (ns since the epoch) at which the open window runs out if no packet of the
    /// connection comes first; nil when none is open.
    var reorderDeadline: Int64? {
        openHole.map { $0.since.nanoseconds &+ reorderWindow.nanoseconds }
    }

    /// Declares every hole with buffered bytes behind it below `offset` a gap, delivering those bytes.
    private mutating func declareHoles(below offset: Int64, emit: (Delivery) -> Void) {
        while let first = pending.first, first.offset > nextOffset, offset >= first.offset {
            declareGap(upTo: first.offset, origin: first.origin, emit: emit)
            drain(emit: emit)
        }
    }

    /// Drops the open window once no acknowledged hole is left (late bytes filled it, or the
    /// buffer cap declared it a gap).
    private mutating func forgetFilledHole() {
        if let acknowledgedOffset, hasHole(below: acknowledgedOffset) { return }
        openHole = nil
    }

    private mutating func deliver(_ segment: Pending, emit: (Delivery) -> Void) {
        if let bytes = segment.bytes {
            recent.remember(offset: segment.offset, bytes: bytes)
            emit(.data(offset: segment.offset, bytes: bytes, origin: segment.origin))
        } else {
            gapCount += 1
            gapBytes += segment.length
            emit(.gap(offset: segment.offset, length: segment.length, origin: segment.origin))
        }
        nextOffset = segment.end
    }

    /// Delivers buffered segments that have become contiguous.
    private mutating func drain(emit: (Delivery) -> Void) {
        while let first = pending.first, first.offset <= nextOffset {
            pending.removeFirst()
            bufferedBytes -= first.length
            var segment = first
            if segment.end <= nextOffset {
                retransmittedSegments += 1
                continue
            }
            if segment.offset < nextOffset {
                let skip = nextOffset - segment.offset
                if let bytes = segment.bytes { segment.bytes = bytes.dropFirst(Int(skip)) }
                segment.offset = nextOffset
                segment.length -= skip
            }
            deliver(segment, emit: emit)
        }
    }

    private mutating func declareGap(upTo offset: Int64, origin: StreamOrigin, emit: (Delivery) -> Void) {
        guard offset > nextOffset else { return }
        deliver(Pending(offset: nextOffset, bytes: nil, length: offset - nextOffset, origin: origin), emit: emit)
    }

    /// End of the connection: everything buffered is delivered, with gaps for the holes
    /// before it and before the FIN.
    mutating func flush(emit: (Delivery) -> Void) {
        openHole = nil
        while let first = pending.first {
            declareGap(upTo: first.offset, origin: first.origin, emit: emit)
            drain(emit: emit)
        }
        if let finOffset, let finOrigin, finOffset > nextOffset {
            declareGap(upTo: finOffset, origin: finOrigin, emit: emit)
        } else if finOffset == nil, let acknowledged = acknowledgedOffset, acknowledged > nextOffset + 1,
            let origin = lastOrigin
        {
            // The peer acknowledged bytes the capture never showed (one more than delivered is
            // just an uncaptured FIN).
            declareGap(upTo: acknowledged, origin: origin, emit: emit)
        }
    }
}

/// Where one connection is in the capture: how many of its packets the tracker has taken, and
/// the capture time of the latest (ns since the epoch).
struct ConnectionClock: Sendable, Hashable {
    var packets: Int
    var nanoseconds: Int64
}

/// How long a hole below acknowledged bytes waits for them before it is declared a gap.
///
/// Capture order is not wire order: `tcpdump -i any` on a multi-core host (one ring per CPU),
/// or a capture merged from several queues, can write a segment after the ACK that acknowledges
/// it (issue #16 saw a head written 2 ms after the ACK of the body behind it). A real loss the
/// receiver acknowledged (the capture, not the network, dropped it) is only reported later by the
/// length of the window, never wrongly; a window that is too short turns late bytes into a gap
/// and the real bytes into a discarded "retransmission". The buffered bytes behind the hole stay
/// within ``DirectionStream/maxBufferedBytes`` either way.
public struct ReorderWindow: Sendable, Hashable {
    /// Packets of the connection (both directions) after the revealing acknowledgment.
    public var packets: Int
    /// Capture time after the revealing acknowledgment, in nanoseconds.
    public var nanoseconds: Int64

    public init(packets: Int, nanoseconds: Int64) {
        self.packets = packets
        self.nanoseconds = nanoseconds
    }

    /// 32 packets or 200 ms: two orders of magnitude above the 2 ms displacement issue #16
    /// reports, and short against the 5 s OSS waits for a callback answer, so a real loss is
    /// still reported while the exchange is fresh. It seldom decides anything: the peer's reply
    /// or the acknowledgment of the FIN closes a window first, and none of the 59 captures of
    /// the public corpus writes a segment after an ACK that covers it (measured with tshark).
    public static let standard = ReorderWindow(packets: 32, nanoseconds: 200_000_000)

    /// True once more than ``packets`` packets or more than ``nanoseconds`` of capture time have
    /// passed since `since` (time stamps that go backwards count as no time).
    func hasRunOut(since: ConnectionClock, at now: ConnectionClock) -> Bool {
        now.packets - since.packets > packets || now.nanoseconds - since.nanoseconds > nanoseconds
    }
}
