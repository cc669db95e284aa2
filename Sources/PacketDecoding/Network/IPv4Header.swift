import CaptureModel

/// The IPv4 header (RFC 791 §3.1).
///
/// ```
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |Version|  IHL  |Type of Service|          Total Length         |
/// |         Identification        |Flags|      Fragment Offset    |
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// |                       Source Address                          |
/// |                    Destination Address                        |
/// |                    Options                    |    Padding    |
/// ```
///
/// The checksum is never verified (offloading makes it wrong in most captures of the sender).
enum IPv4Header {
    static let minimumLength = 20

    /// Consumes the header and returns the transport part.
    ///
    /// - IHL below 5, or a non-zero total length below the header length, is malformed.
    /// - A total length of 0 is taken as "the rest of the frame": TCP segmentation offload and
    ///   Linux BIG TCP leave it 0 on super-packets.
    /// - The payload ends at the total length, so link-layer padding is dropped.
    /// - Parameter wireExtra: bytes that were on the wire after the end of the capture.
    /// - Throws: `.truncated(.ipv4)`, `.malformed(.ipv4, …)`.
    static func parse(_ reader: inout ByteReader, wireExtra: Int) throws(SkipReason) -> IPPayload {
        guard let first = reader.peekUInt8() else { throw .truncated(layer: .ipv4) }
        guard first >> 4 == 4 else { throw .malformed(layer: .ipv4, reason: "version field is not 4") }
        let headerLength = Int(first & 0x0F) * 4
        guard headerLength >= minimumLength else {
            throw .malformed(layer: .ipv4, reason: "header length (IHL) is below 5 words")
        }
        guard let totalLength = reader.peekUInt16(at: 2), let identification = reader.peekUInt16(at: 4),
            let fragmentField = reader.peekUInt16(at: 6),
            let ipProtocol = reader.peekUInt8(at: 9), let source = reader.peekUInt32(at: 12),
            let destination = reader.peekUInt32(at: 16)
        else { throw .truncated(layer: .ipv4) }
        if totalLength != 0, Int(totalLength) < headerLength {
            throw .malformed(layer: .ipv4, reason: "total length is smaller than the header length")
        }
        guard reader.skip(headerLength) else { throw .truncated(layer: .ipv4) }
        let claimed = totalLength == 0 ? reader.count + wireExtra : Int(totalLength) - headerLength
        let missing = IPPayload.bound(&reader, claimed: claimed, wireExtra: wireExtra)
        let moreFragments = fragmentField & 0x2000 != 0
        let fragmentOffset = fragmentField & 0x1FFF
        let isFragment = moreFragments || fragmentOffset != 0
        var fragment: IPv4FragmentReassembler.Fragment?
        if isFragment {
            fragment = IPv4FragmentReassembler.Fragment(
                key: .init(
                    source: source, destination: destination, ipProtocol: ipProtocol, identification: identification),
                offset: Int(fragmentOffset) * 8, moreFragments: moreFragments, data: reader.bytes,
                claimedLength: claimed)
        }
        return IPPayload(
            source: .v4(source), destination: .v4(destination), ipProtocol: ipProtocol, reader: reader,
            claimedLength: claimed, missingLength: missing, isFragment: isFragment, ipv4Fragment: fragment)
    }
}
