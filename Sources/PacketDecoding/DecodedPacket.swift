public import CaptureModel

/// The outcome of decoding one captured record: a TCP segment, or the reason it is not one.
///
/// Decoding is lenient and never drops a record silently: everything that is not a TCP segment
/// comes back as ``skipped(_:)`` with a ``SkipReason`` for the report's counters.
public enum DecodedPacket: Sendable {
    /// A TCP segment with its addresses, ready for reassembly.
    case tcp(TCPSegment)
    /// Not decodable as TCP, and why.
    case skipped(SkipReason)

    /// The segment, for `.tcp`.
    public var segment: TCPSegment? {
        if case .tcp(let segment) = self { return segment }
        return nil
    }

    /// The reason, for `.skipped`.
    public var skipReason: SkipReason? {
        if case .skipped(let reason) = self { return reason }
        return nil
    }
}
