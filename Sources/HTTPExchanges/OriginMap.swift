import CaptureModel
import TCPReassembly

/// Remembers which capture record carried which range of a stream, so that parser events
/// (which speak in stream offsets) can be given capture times and frame numbers.
///
/// Bounded: the owner prunes ranges it no longer needs with ``prune(before:)``; the last range
/// is always kept.
struct OriginMap {
    private var starts: [Int64] = []
    private var ends: [Int64] = []
    private var origins: [StreamOrigin] = []
    private var head = 0

    mutating func append(offset: Int64, length: Int64, origin: StreamOrigin) {
        guard length > 0 else { return }
        starts.append(offset)
        ends.append(offset + length)
        origins.append(origin)
    }

    /// Records `length` bytes at `offset` that the capture lacks, when the record that carried
    /// the range just before them carried them too: the tail a snaplen cut off (`tcpdump -s`),
    /// whose record's time and original length are known. Returns whether it did. Bytes lost
    /// from the capture (no record of them) are not recorded: their time is unknown, and
    /// ``origin(at:)`` answers for them with the last range before, a lower bound.
    mutating func appendCutTail(offset: Int64, length: Int64, origin: StreamOrigin) -> Bool {
        guard length > 0, let last, last.frame == origin.frame, totalEnd == offset else { return false }
        append(offset: offset, length: length, origin: origin)
        return true
    }

    /// The origin of the byte at `offset`; the nearest known range when it is not covered.
    func origin(at offset: Int64) -> StreamOrigin? {
        guard head < origins.count else { return nil }
        var i = origins.count - 1
        while i > head, starts[i] > offset { i -= 1 }
        return origins[i]
    }

    /// The origin of the last range that overlaps `range` and was captured at or before `limit`
    /// (any time when nil); nil when there is none.
    func lastOrigin(in range: Range<Int64>, notAfter limit: Timestamp?) -> StreamOrigin? {
        var i = origins.count - 1
        while i >= head {
            if starts[i] < range.upperBound && ends[i] > range.lowerBound
                && limit.map({ origins[i].timestamp <= $0 }) ?? true
            {
                return origins[i]
            }
            if ends[i] <= range.lowerBound { return nil }
            i -= 1
        }
        return nil
    }

    /// The stream offset just past the last range appended.
    var totalEnd: Int64 { ends.last ?? 0 }

    /// The origin of the last range appended.
    var last: StreamOrigin? { head < origins.count ? origins[origins.count - 1] : nil }

    /// Forgets ranges that end at or before `offset`, keeping at least the last one.
    mutating func prune(before offset: Int64) {
        while head < origins.count - 1, ends[head] <= offset { head += 1 }
        if head > 64, head * 2 > origins.count {
            starts.removeFirst(head)
            ends.removeFirst(head)
            origins.removeFirst(head)
            head = 0
        }
    }
}
