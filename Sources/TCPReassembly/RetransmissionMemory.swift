/// The bytes of the last few segments one direction delivered, copied into storage the direction
/// owns, to tell an identical retransmission from one that carries different bytes (the first
/// copy stays, as a receiver keeps it: RFC 9293 §3.10.7.4, "segment text … already acknowledged").
///
/// Contract: ``remember(offset:bytes:)`` takes delivered segments in stream order (offsets
/// increase); the memory holds exactly the last ``segmentLimit`` of them, whatever their sizes.
/// ``firstConflict(with:at:below:)`` compares a retransmission with them, oldest first, and
/// returns the first range that differs.
///
/// Layout: one byte ring (a power-of-two capacity, grown to the sum of the remembered segments'
/// lengths and reused from then on) and a ring of ``segmentLimit`` segment descriptors. Nothing is
/// allocated per segment once the ring has its size, and no packet buffer is kept alive: an
/// earlier version held slices of the delivered packets, so every packet buffer stayed referenced
/// until four more segments had gone by and the capture reader could not recycle it.
struct RetransmissionMemory: Sendable {
    /// How many delivered segments are remembered.
    static let segmentLimit = 4

    private struct Segment: Sendable {
        /// Stream offset of the segment's first byte.
        var offset: Int64
        /// Position of its first byte in ``bytes`` (wrapping at the capacity).
        var start: Int
        var length: Int
    }

    /// The byte ring; its count is its capacity (zero or a power of two).
    private var bytes: [UInt8] = []
    /// The remembered segments, oldest at `first`; the first `count` places are used (4 places:
    /// ``segmentLimit``).
    private var segments = InlineArray<4, Segment>(repeating: Segment(offset: 0, start: 0, length: 0))
    /// Segments remembered (at most ``segmentLimit``).
    private(set) var count = 0
    private var first = 0
    /// Where the next remembered byte goes in ``bytes``.
    private var writePosition = 0
    /// Bytes of the remembered segments.
    private var heldBytes = 0

    /// Capacity of the byte ring (for tests: it stays put once the traffic's segment sizes are seen).
    var capacity: Int { bytes.count }

    /// Remembers `payload`, delivered at stream offset `offset`, forgetting the oldest segment
    /// when ``segmentLimit`` are already held.
    mutating func remember(offset: Int64, bytes payload: ArraySlice<UInt8>) {
        if count == Self.segmentLimit {
            heldBytes -= segments[first].length
            segments[first] = Segment(offset: offset, start: 0, length: 0)
            first = (first + 1) % Self.segmentLimit
        } else {
            count += 1
        }
        let newest = (first + count - 1) % Self.segmentLimit
        segments[newest] = Segment(offset: offset, start: 0, length: 0)
        if heldBytes + payload.count > bytes.count {
            // Room for the limit's worth of segments this size at once, so that a stream of
            // same-sized segments grows the ring once.
            grow(toHold: max(heldBytes + payload.count, Self.segmentLimit * payload.count), except: newest)
        }
        segments[newest] = Segment(offset: offset, start: writePosition, length: payload.count)
        write(payload)
        heldBytes += payload.count
    }

    /// The first range (stream offsets) where `retransmission`, at stream offset `offset`, differs
    /// from a remembered segment, looking only below `limit` (the bytes delivered so far); nil when
    /// every byte both hold agrees.
    func firstConflict(with retransmission: ArraySlice<UInt8>, at offset: Int64, below limit: Int64) -> Range<Int64>? {
        let end = offset + Int64(retransmission.count)
        for step in 0..<count {
            let kept = segments[(first + step) % Self.segmentLimit]
            let lower = max(kept.offset, offset), upper = min(kept.offset + Int64(kept.length), end, limit)
            guard lower < upper else { continue }
            let start = retransmission.startIndex + Int(lower - offset)
            let other = retransmission[start..<(start + Int(upper - lower))]
            if !equals(other, at: kept.start + Int(lower - kept.offset)) { return lower..<upper }
        }
        return nil
    }

    /// True when `other` equals the ring's bytes from `position` on (wrapping).
    private func equals(_ other: ArraySlice<UInt8>, at position: Int) -> Bool {
        let mask = bytes.count - 1
        var position = position & mask
        var index = other.startIndex
        while index < other.endIndex {
            let run = min(other.endIndex - index, bytes.count - position)
            let same = bytes[position..<(position + run)].elementsEqual(other[index..<(index + run)])
            if !same { return false }
            index += run
            position = (position + run) & mask
        }
        return true
    }

    /// Copies `payload` into the ring at ``writePosition`` (wrapping), which has room for it.
    private mutating func write(_ payload: ArraySlice<UInt8>) {
        guard !payload.isEmpty else { return }
        let mask = bytes.count - 1
        var index = payload.startIndex
        bytes.withUnsafeMutableBufferPointer { ring in
            while index < payload.endIndex {
                let run = min(payload.endIndex - index, ring.count - writePosition)
                payload[index..<(index + run)].withUnsafeBufferPointer { source in
                    _ = UnsafeMutableBufferPointer(rebasing: ring[writePosition..<(writePosition + run)])
                        .update(fromContentsOf: source)
                }
                index += run
                writePosition = (writePosition + run) & mask
            }
        }
    }

    /// A larger ring (the next power of two of `needed`) holding the remembered segments, except
    /// the one being added (`skipped`), in order from position 0.
    private mutating func grow(toHold needed: Int, except skipped: Int) {
        var capacity = max(bytes.count, 1024)
        while capacity < needed { capacity *= 2 }
        var larger = [UInt8](repeating: 0, count: capacity)
        var position = 0
        for step in 0..<count {
            let index = (first + step) % Self.segmentLimit
            guard index != skipped else { continue }
            let kept = segments[index]
            for k in 0..<kept.length { larger[position + k] = bytes[(kept.start + k) & (bytes.count - 1)] }
            segments[index].start = position
            position += kept.length
        }
        bytes = larger
        writePosition = position
    }
}
