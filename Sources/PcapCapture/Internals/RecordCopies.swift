/// The one copy of each record out of libpcap's buffer (`pcap_next_ex(3)`: the data "is not
/// guaranteed to be valid after the next call"), into storage recycled from record to record.
///
/// Storage is a ring of ``slots`` byte arrays, used in turn. Each record goes into the next
/// slot: `removeAll(keepingCapacity:)` finds that slot's storage uniquely referenced — nobody
/// downstream holds the record that was copied there ``slots`` records ago — and nothing is
/// allocated. When a later stage still holds it (TCP reassembly keeps a segment until the peer
/// acknowledges it, or while it waits for a gap to fill), copy-on-write gives this record fresh
/// storage and the held record is left alone.
///
/// With one buffer, every held record cost an allocation and a free: on the benchmark's 20 MB
/// slice, 24,285 of 51,141 records (the next record nearly always arrives before the previous
/// one is acknowledged). With 32 slots, 18,675 (measured with callgrind; 256 slots: 16,838,
/// 1,024: 14,029 — the rest wait for an acknowledgement that comes with the connection's next
/// request, thousands of records later, so a bigger ring buys little). Memory: at most
/// ``slots`` × 2 KiB of idle storage for ordinary frames (capacity is kept within twice the
/// record's size, or 2 KiB, so a slot never pins much more than its bytes).
///
/// A reader that hands records to other threads in batches (the split pipeline) has many records
/// in flight at once — every batch queued or being worked on — and asks for more slots than that
/// (``init(slots:)``), so that a slot comes round again only once its record has been worked on.
/// Idle storage stays within ``byteBudget`` however many slots there are (a loopback capture's
/// 64 KiB records would otherwise pin 64 KiB per slot): past it, a record's storage goes with the
/// record and the slot keeps none.
struct RecordCopies {
    /// How many records go by before a slot is reused, by default (one thread).
    static let defaultSlots = 32
    /// The most storage the slots keep between records.
    static let byteBudget = 8 << 20

    private var ring: [[UInt8]]
    private var next = 0
    /// The capacity the slots keep, in bytes (at most ``byteBudget``).
    private var keptBytes = 0

    init(slots: Int = RecordCopies.defaultSlots) {
        ring = Array(repeating: [], count: max(1, slots))
    }

    /// A copy of `record` as an array that is the caller's to keep.
    mutating func copy(_ record: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let slot = next
        next = slot == ring.count - 1 ? 0 : slot + 1
        return ring.withUnsafeMutableBufferPointer { ring in
            keptBytes -= ring[slot].capacity
            if ring[slot].capacity > max(2048, 2 * record.count) {
                ring[slot] = []
                ring[slot].reserveCapacity(record.count)
            } else {
                ring[slot].removeAll(keepingCapacity: true)
            }
            ring[slot].append(contentsOf: record)
            let copy = ring[slot]
            if keptBytes + copy.capacity > Self.byteBudget {
                ring[slot] = []  // Over the budget: the storage leaves with the record.
            } else {
                keptBytes += copy.capacity
            }
            return copy
        }
    }
}
