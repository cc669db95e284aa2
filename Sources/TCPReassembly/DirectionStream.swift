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
    private var finOrigin: StreamOrigin?
    /// The last record that carried this direction's bytes or FIN.
    private var lastOrigin: StreamOrigin?
    private var pending: [Pending] = []
    private var bufferedBytes: Int64 = 0
    let maxBufferedBytes: Int64
    /// The highest stream offset the peer has acknowledged (RFC 9293 §3.4: the next byte it expects).
    private(set) var acknowledgedOffset: Int64?
    /// The last few delivered segments, kept (as slices of their packets, no copy) to tell an
    /// identical retransmission from one carrying different bytes.
    private var recent: [(offset: Int64, bytes: ArraySlice<UInt8>)] = []
    private static let recentLimit = 4
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

    init(maxBufferedBytes: Int64) {
        self.maxBufferedBytes = maxBufferedBytes
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
    }

    /// Compares the already-delivered part of a retransmission with the first copy, where that
    /// copy is still remembered; a difference is reported (the first copy stays).
    private mutating func checkRetransmission(_ segment: Pending, emit: (Delivery) -> Void) {
        guard let bytes = segment.bytes else { return }
        for (offset, kept) in recent {
            let lower = max(offset, segment.offset), upper = min(offset + Int64(kept.count), segment.end, nextOffset)
            guard lower < upper else { continue }
            let a = kept[(kept.startIndex + Int(lower - offset))..<(kept.startIndex + Int(upper - offset))]
            let b = bytes[(bytes.startIndex + Int(lower - segment.offset))..<(bytes.startIndex + Int(upper - segment.offset))]
            if !a.elementsEqual(b) {
                conflictingRetransmissions += 1
                emit(.conflict(offset: lower, length: upper - lower, origin: segment.origin))
                return
            }
        }
    }

    /// The peer acknowledged everything before `sequence`. Bytes it acknowledged that the capture
    /// never showed were delivered but not captured: when later bytes are already buffered, the
    /// hole before them is declared a gap now instead of waiting for a retransmission that will
    /// never come (the receiver has the bytes).
    mutating func acknowledge(_ sequence: SequenceNumber, emit: (Delivery) -> Void) {
        guard let space else { return }
        let offset = space.offset(of: sequence, near: nextOffset)
        // A receiver cannot acknowledge much beyond what the sender sent: an acknowledgment
        // further ahead than one large window past the last byte seen is not about this stream
        // (a bogus or unrelated number) and is ignored.
        guard offset >= 0, offset <= max(nextOffset, highestEnd) + Self.maxAcknowledgmentLead else { return }
        guard offset > (acknowledgedOffset ?? Int64.min) else { return }
        acknowledgedOffset = offset
        if let first = pending.first, first.offset > nextOffset, offset >= first.offset {
            declareGap(upTo: first.offset, origin: first.origin, emit: emit)
            drain(emit: emit)
        }
    }

    private mutating func deliver(_ segment: Pending, emit: (Delivery) -> Void) {
        if let bytes = segment.bytes {
            recent.append((segment.offset, bytes))
            if recent.count > Self.recentLimit { recent.removeFirst() }
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
            if segment.end <= nextOffset { retransmittedSegments += 1; continue }
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
