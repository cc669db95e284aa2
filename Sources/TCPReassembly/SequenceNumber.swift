/// TCP sequence-number arithmetic modulo 2³² (RFC 9293 §3.4, "comparisons ... must use
/// modular arithmetic"; RFC 1982 serial number arithmetic).
///
/// The stream layer works in 64-bit stream offsets; this type converts a 32-bit sequence
/// number into the offset nearest to a reference offset, which is what makes streams longer
/// than 4 GiB and sequence numbers that wrap past 2³² safe.
public struct SequenceNumber: Sendable, Hashable {
    public var rawValue: UInt32
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// The signed distance `self - other` in the range −2³¹ ..< 2³¹.
    public func distance(from other: SequenceNumber) -> Int64 {
        Int64(Int32(bitPattern: rawValue &- other.rawValue))
    }
}

/// Maps 32-bit sequence numbers of one direction onto 64-bit stream offsets.
///
/// Offset 0 is the first payload byte (the byte after the SYN when the SYN was seen).
struct SequenceSpace: Sendable {
    /// The sequence number of stream offset 0.
    let base: SequenceNumber

    /// The stream offset of `sequence`, choosing the wrap closest to `near`.
    func offset(of sequence: SequenceNumber, near reference: Int64) -> Int64 {
        let referenceSequence = SequenceNumber(base.rawValue &+ UInt32(truncatingIfNeeded: reference))
        return reference + sequence.distance(from: referenceSequence)
    }
}
