import CaptureModel

/// Bounds on IPv4 fragment reassembly: what a hostile or broken capture can make the decoder
/// hold.
public struct IPv4FragmentLimits: Sendable, Hashable {
    /// Datagrams being reassembled at once; a new one beyond this evicts the oldest.
    public var maxDatagrams = 1024
    /// Bytes buffered for all datagrams together; a fragment that would exceed it evicts the
    /// oldest datagrams first.
    public var maxBufferedBytes = 16 << 20
    /// A datagram not completed this long (capture time) after its first fragment is dropped.
    /// RFC 791 suggests a timer of about 15 s; Linux uses 30 s (`ipfrag_time`).
    public var timeoutSeconds: Int64 = 30

    public init() {}
}

/// What fragment reassembly did over a capture.
public struct IPv4FragmentStatistics: Sendable, Hashable {
    /// Fragments taken in (those of datagrams carrying TCP or a tunnel).
    public var fragments = 0
    /// Datagrams rebuilt from their fragments and decoded further.
    public var reassembledDatagrams = 0
    /// Datagrams dropped incomplete: timed out, evicted by a limit, or still missing fragments
    /// at the end of the capture.
    public var incompleteDatagrams = 0
    /// Fragments of those incomplete datagrams.
    public var fragmentsOfIncompleteDatagrams = 0
    /// Fragments that overlapped bytes already received (the earlier bytes were kept).
    public var overlappingFragments = 0
    /// Datagrams evicted because ``IPv4FragmentLimits/maxDatagrams`` or
    /// ``IPv4FragmentLimits/maxBufferedBytes`` was reached.
    public var limitEvictions = 0

    public init() {}
}

/// IPv4 fragment reassembly (RFC 791 §3.2 "Fragmentation and Reassembly", with the hole
/// bookkeeping of RFC 815).
///
/// Fragments are keyed by (source, destination, protocol, identification). Each datagram keeps
/// a buffer and the sorted, merged byte ranges received so far; the datagram is complete when
/// the last fragment (MF clear) has fixed its length and the ranges cover it without a hole.
///
/// - Overlaps: the first bytes received win (as BSD and Linux reassembly do since RFC 5722's
///   advice for IPv6; overlapping fragments with different bytes are an evasion trick, and
///   keeping the first copy makes the result independent of later injections). They are counted.
/// - A fragment cut by the snaplen contributes only its captured bytes: the rest stays a hole,
///   so the datagram never completes and is counted as incomplete.
/// - Bounded: ``IPv4FragmentLimits`` caps datagrams in flight and bytes buffered (the oldest
///   datagram is evicted first), and datagrams expire by capture time.
struct IPv4FragmentReassembler: Sendable {
    struct Key: Hashable, Sendable {
        var source: UInt32
        var destination: UInt32
        var ipProtocol: UInt8
        var identification: UInt16
    }

    /// One fragment, as the IPv4 header describes it.
    struct Fragment {
        var key: Key
        /// Byte offset of the fragment's data in the datagram's payload.
        var offset: Int
        var moreFragments: Bool
        /// The fragment's data as captured (at most `claimedLength` bytes).
        var data: ArraySlice<UInt8>
        /// The fragment's data length per its IP header.
        var claimedLength: Int
    }

    private struct Datagram {
        var buffer: [UInt8] = []
        /// Received ranges of `buffer`, sorted and merged.
        var received: [Range<Int>] = []
        var totalLength: Int?
        var firstSeen: Timestamp
        var sequence: Int
        var fragments = 0

        var isComplete: Bool {
            guard let total = totalLength, let first = received.first else { return false }
            return first.lowerBound == 0 && first.upperBound >= total
        }
    }

    /// The largest IPv4 payload: total length 65535 minus the smallest header.
    static let maxPayload = 65_535 - 20

    let limits: IPv4FragmentLimits
    private(set) var statistics = IPv4FragmentStatistics()
    private var datagrams: [Key: Datagram] = [:]
    private var bufferedBytes = 0
    private var nextSequence = 0
    /// Datagrams in the order they started (key, sequence); entries of datagrams already gone
    /// are skipped when reached. Eviction and expiry take from the front, so each costs O(1)
    /// amortised however many datagrams are in flight.
    private var arrival: [(key: Key, sequence: Int)] = []
    private var arrivalHead = 0

    init(limits: IPv4FragmentLimits) {
        self.limits = limits
    }

    /// Datagrams waiting for fragments.
    var datagramsInFlight: Int { datagrams.count }

    /// Bytes buffered for them.
    var bytesInFlight: Int { bufferedBytes }

    /// Takes one fragment at capture time `time`. Returns the whole datagram's payload when this
    /// fragment completes it, nil while fragments are missing.
    /// - Throws: `.malformed(.ipv4, …)` for a fragment that cannot be part of any datagram.
    mutating func add(_ original: Fragment, at time: Timestamp) throws(SkipReason) -> [UInt8]? {
        let fragment = try Self.checked(original)
        let start = fragment.offset
        expire(at: time)
        statistics.fragments += 1

        var datagram = takeDatagram(fragment.key, at: time)
        datagram.fragments += 1
        if !fragment.moreFragments, datagram.totalLength == nil {
            datagram.totalLength = start + fragment.claimedLength
        }
        // The buffer grows to the end of the captured part of the fragment.
        let newEnd = start + min(fragment.data.count, fragment.claimedLength)
        guard grow(&datagram, to: newEnd) else { return nil }
        Self.copyUnreceived(fragment, upTo: newEnd, into: &datagram, statistics: &statistics)

        if datagram.isComplete, let total = datagram.totalLength {
            bufferedBytes -= datagram.buffer.count
            statistics.reassembledDatagrams += 1
            return Array(datagram.buffer.prefix(total))
        }
        datagrams[fragment.key] = datagram
        return nil
    }

    /// `fragment` as it is reassembled: a non-last fragment cut to a multiple of 8 bytes.
    /// - Throws: `.malformed(.ipv4, …)` when that leaves nothing, or the fragment ends past the
    ///   largest datagram.
    private static func checked(_ original: Fragment) throws(SkipReason) -> Fragment {
        var fragment = original
        if fragment.moreFragments {
            // RFC 791: every fragment but the last carries a multiple of 8 bytes. As Linux does
            // (ip_frag_queue), the odd tail is cut off rather than the fragment dropped.
            fragment.claimedLength &= ~7
            guard fragment.claimedLength > 0 else {
                throw .malformed(layer: .ipv4, reason: "a fragment other than the last one carries less than 8 bytes")
            }
        }
        guard fragment.offset + fragment.claimedLength <= maxPayload else {
            throw .malformed(layer: .ipv4, reason: "fragment ends past the largest IPv4 datagram (65535 bytes)")
        }
        return fragment
    }

    /// The datagram `key` names, taken out of ``datagrams`` (so no eviction can pick it), or a
    /// new one started at `time` (evicting the oldest while ``IPv4FragmentLimits/maxDatagrams``
    /// are in flight).
    private mutating func takeDatagram(_ key: Key, at time: Timestamp) -> Datagram {
        if let existing = datagrams.removeValue(forKey: key) { return existing }
        while datagrams.count >= max(1, limits.maxDatagrams) { evictOldest() }
        let datagram = Datagram(firstSeen: time, sequence: nextSequence)
        arrival.append((key, nextSequence))
        nextSequence += 1
        return datagram
    }

    /// Grows `datagram`'s buffer to `newEnd` bytes, evicting the oldest datagrams while the
    /// growth would pass ``IPv4FragmentLimits/maxBufferedBytes``. False when even alone it does
    /// not fit: then `datagram` is dropped (incomplete, a limit eviction).
    private mutating func grow(_ datagram: inout Datagram, to newEnd: Int) -> Bool {
        let growth = max(0, newEnd - datagram.buffer.count)
        guard growth > 0 else { return true }
        while bufferedBytes + growth > limits.maxBufferedBytes, !datagrams.isEmpty { evictOldest() }
        if bufferedBytes + growth > limits.maxBufferedBytes {
            statistics.limitEvictions += 1
            bufferedBytes -= datagram.buffer.count
            dropIncomplete(datagram)
            return false
        }
        datagram.buffer.append(contentsOf: repeatElement(0, count: growth))
        bufferedBytes += growth
        return true
    }

    /// Copies the bytes of `fragment` (up to datagram offset `newEnd`) that no earlier fragment
    /// supplied (first wins), counts an overlap, and records the range as received.
    private static func copyUnreceived(
        _ fragment: Fragment, upTo newEnd: Int, into datagram: inout Datagram,
        statistics: inout IPv4FragmentStatistics
    ) {
        let start = fragment.offset
        var cursor = start
        var overlapped = false
        let base = fragment.data.startIndex - start
        for range in datagram.received where range.upperBound > start && range.lowerBound < newEnd {
            overlapped = true
            if cursor < range.lowerBound {
                datagram.buffer.replaceSubrange(
                    cursor..<range.lowerBound, with: fragment.data[(base + cursor)..<(base + range.lowerBound)])
            }
            cursor = max(cursor, range.upperBound)
        }
        if cursor < newEnd {
            datagram.buffer.replaceSubrange(cursor..<newEnd, with: fragment.data[(base + cursor)..<(base + newEnd)])
        }
        if overlapped { statistics.overlappingFragments += 1 }
        if start < newEnd { insert(start..<newEnd, into: &datagram.received) }
    }

    /// Drops every datagram still waiting (end of capture); they count as incomplete.
    mutating func finish() {
        for datagram in datagrams.values { dropIncomplete(datagram) }
        datagrams.removeAll()
        arrival.removeAll()
        arrivalHead = 0
        bufferedBytes = 0
    }

    /// The datagram at the front of the arrival order, dropping stale entries.
    private mutating func oldest() -> (key: Key, datagram: Datagram)? {
        while arrivalHead < arrival.count {
            let entry = arrival[arrivalHead]
            if let datagram = datagrams[entry.key], datagram.sequence == entry.sequence {
                return (entry.key, datagram)
            }
            arrivalHead += 1
        }
        arrival.removeAll(keepingCapacity: true)
        arrivalHead = 0
        return nil
    }

    private mutating func remove(_ key: Key) {
        guard let datagram = datagrams.removeValue(forKey: key) else { return }
        bufferedBytes -= datagram.buffer.count
        dropIncomplete(datagram)
        arrivalHead += 1
        if arrivalHead > 64, arrivalHead * 2 > arrival.count {
            arrival.removeFirst(arrivalHead)
            arrivalHead = 0
        }
    }

    /// Drops datagrams whose first fragment came more than the timeout before `time` (in
    /// arrival order, which is capture-time order in a time-ordered capture).
    private mutating func expire(at time: Timestamp) {
        while let (key, datagram) = oldest(), datagram.firstSeen.adding(seconds: Double(limits.timeoutSeconds)) < time {
            remove(key)
        }
    }

    private mutating func evictOldest() {
        guard let (key, _) = oldest() else { return }
        statistics.limitEvictions += 1
        remove(key)
    }

    private mutating func dropIncomplete(_ datagram: Datagram) {
        statistics.incompleteDatagrams += 1
        statistics.fragmentsOfIncompleteDatagrams += datagram.fragments
    }

    /// Inserts `range` into sorted, merged `ranges`, merging what touches it.
    static func insert(_ range: Range<Int>, into ranges: inout [Range<Int>]) {
        var lower = range.lowerBound, upper = range.upperBound
        var out: [Range<Int>] = []
        out.reserveCapacity(ranges.count + 1)
        var placed = false
        for r in ranges {
            if r.upperBound < lower {
                out.append(r)
            } else if r.lowerBound > upper {
                if !placed {
                    out.append(lower..<upper)
                    placed = true
                }
                out.append(r)
            } else {
                lower = min(lower, r.lowerBound)
                upper = max(upper, r.upperBound)
            }
        }
        if !placed { out.append(lower..<upper) }
        ranges = out
    }
}
