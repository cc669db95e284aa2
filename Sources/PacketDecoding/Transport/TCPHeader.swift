import CaptureModel

/// The TCP header (RFC 9293 §3.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |          Source Port          |       Destination Port        |
/// |                        Sequence Number                        |
/// |                    Acknowledgment Number                      |
/// |  Data |       |C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
/// |           Checksum            |         Urgent Pointer        |
/// |                           [Options]                           |
/// ```
///
/// Options are stepped over, not interpreted. The checksum is never verified. The flags are the
/// eight control bits of RFC 9293 (CWR and ECE from RFC 3168 included); the four bits before them
/// (reserved, AccECN's AE) are not part of ``TCPFlags``.
enum TCPHeader {
    static let minimumLength = 20

    /// Consumes the header from the IP payload and returns the segment.
    ///
    /// Truncated versus malformed: when the header (options included) does not fit in the
    /// captured bytes, it is malformed if the IP length itself leaves no room for it, and
    /// truncated otherwise. Once the header is complete the segment decodes even if the snaplen
    /// cut its payload; the lost bytes are ``TCPSegment/missingPayloadLength``.
    /// - Throws: `.truncated(.tcp)`, `.malformed(.tcp, …)`.
    static func parse(_ ip: IPPayload) throws(SkipReason) -> TCPSegment {
        var reader = ip.reader
        guard let sourcePort = reader.peekUInt16(at: 0), let destinationPort = reader.peekUInt16(at: 2),
            let sequenceNumber = reader.peekUInt32(at: 4), let acknowledgmentNumber = reader.peekUInt32(at: 8),
            let offsetByte = reader.peekUInt8(at: 12), let flagsByte = reader.peekUInt8(at: 13),
            let window = reader.peekUInt16(at: 14), reader.count >= minimumLength
        else {
            throw shortfall(
                need: minimumLength, claimed: ip.claimedLength, reason: "IP payload is shorter than a TCP header")
        }
        let headerLength = Int(offsetByte >> 4) * 4
        guard headerLength >= minimumLength else {
            throw .malformed(layer: .tcp, reason: "data offset is below 5 words")
        }
        guard reader.skip(headerLength) else {
            throw shortfall(
                need: headerLength, claimed: ip.claimedLength, reason: "data offset runs past the IP payload")
        }
        return TCPSegment(
            source: Endpoint(address: ip.source, port: sourcePort),
            destination: Endpoint(address: ip.destination, port: destinationPort),
            sequenceNumber: sequenceNumber, acknowledgmentNumber: acknowledgmentNumber,
            flags: TCPFlags(rawValue: UInt16(flagsByte)), window: window,
            payload: reader.bytes, missingPayloadLength: ip.missingLength)
    }

    private static func shortfall(need: Int, claimed: Int, reason: String) -> SkipReason {
        claimed < need ? .malformed(layer: .tcp, reason: reason) : .truncated(layer: .tcp)
    }
}
