import CaptureModel

/// The fixed IPv6 header (RFC 8200 §3) and the extension-header chain after it (§4).
///
/// ```
/// |Version| Traffic Class |           Flow Label                  |
/// |         Payload Length        |  Next Header  |   Hop Limit   |
/// |                  Source Address (128 bits)                    |
/// |               Destination Address (128 bits)                  |
/// ```
enum IPv6Header {
    static let fixedLength = 40

    /// Consumes the fixed header and the extension headers and returns the upper-layer part.
    ///
    /// - The payload ends at the payload length (padding dropped). A payload length of 0 means a
    ///   Jumbo Payload (RFC 2675) when the Hop-by-Hop header carries one, and otherwise "the rest
    ///   of the frame" (segmentation offload), as for IPv4.
    /// - Extension headers walked: Hop-by-Hop (0), Routing (43), Fragment (44), Destination
    ///   Options (60), Authentication (51, RFC 4302). An atomic fragment (offset 0, M clear;
    ///   RFC 6946) is walked through; any other fragment stops the walk with
    ///   ``IPPayload/isFragment`` set.
    /// - No Next Header (59), ESP (50) and every other value end the walk as the upper layer.
    /// - Throws: `.truncated(.ipv6)`, `.malformed(.ipv6, …)`, `.truncated(.ipv6Extension)`,
    ///   `.malformed(.ipv6Extension, …)` when a header runs past the payload length.
    static func parse(_ reader: inout ByteReader, wireExtra: Int) throws(SkipReason) -> IPPayload {
        guard let first = reader.peekUInt8() else { throw .truncated(layer: .ipv6) }
        guard first >> 4 == 6 else { throw .malformed(layer: .ipv6, reason: "version field is not 6") }
        guard let payloadLength = reader.peekUInt16(at: 4), let firstNextHeader = reader.peekUInt8(at: 6),
            let sourceHigh = reader.peekUInt64(at: 8), let sourceLow = reader.peekUInt64(at: 16),
            let destinationHigh = reader.peekUInt64(at: 24), let destinationLow = reader.peekUInt64(at: 32),
            reader.skip(fixedLength)
        else { throw .truncated(layer: .ipv6) }

        var claimed: Int
        if payloadLength != 0 {
            claimed = Int(payloadLength)
        } else if firstNextHeader == IPProtocol.hopByHop, let jumbo = jumboPayloadLength(reader) {
            claimed = Int(jumbo)
        } else {
            claimed = reader.count + wireExtra
        }
        let missing = IPPayload.bound(&reader, claimed: claimed, wireExtra: wireExtra)

        var nextHeader = firstNextHeader
        var isFragment = false
        walk: while IPProtocol.isWalkedExtension(nextHeader) {
            guard let following = reader.peekUInt8(at: 0), let lengthField = reader.peekUInt8(at: 1) else {
                throw extensionShortfall(need: 2, claimed: claimed)
            }
            let length: Int
            switch nextHeader {
            case IPProtocol.fragment: length = 8
            case IPProtocol.authentication: length = (Int(lengthField) + 2) * 4
            default: length = (Int(lengthField) + 1) * 8
            }
            guard length <= reader.count else { throw extensionShortfall(need: length, claimed: claimed) }
            if nextHeader == IPProtocol.fragment {
                guard let offsetAndFlags = reader.peekUInt16(at: 2) else {
                    throw extensionShortfall(need: length, claimed: claimed)
                }
                if offsetAndFlags >> 3 != 0 || offsetAndFlags & 1 != 0 {
                    isFragment = true
                    reader.skip(length)
                    claimed -= length
                    nextHeader = following
                    break walk
                }
            }
            reader.skip(length)
            claimed -= length
            nextHeader = following
        }
        return IPPayload(
            source: .v6(sourceHigh, sourceLow), destination: .v6(destinationHigh, destinationLow),
            ipProtocol: nextHeader, reader: reader, claimedLength: claimed, missingLength: missing,
            isFragment: isFragment)
    }

    /// The error for an extension header needing `need` bytes that the reader does not have:
    /// malformed when the payload length itself leaves no room, truncated when the capture ran out.
    private static func extensionShortfall(need: Int, claimed: Int) -> SkipReason {
        if claimed < need {
            return .malformed(layer: .ipv6Extension, reason: "extension header runs past the payload length")
        }
        return .truncated(layer: .ipv6Extension)
    }

    /// The Jumbo Payload option's length (RFC 2675 §2: option type `0xC2`, 4 data bytes) from the
    /// Hop-by-Hop header at the start of `reader`, or nil.
    static func jumboPayloadLength(_ reader: ByteReader) -> UInt32? {
        guard let lengthField = reader.peekUInt8(at: 1) else { return nil }
        let end = (Int(lengthField) + 1) * 8
        var offset = 2
        while offset < end, let type = reader.peekUInt8(at: offset) {
            if type == 0 {  // Pad1
                offset += 1
                continue
            }
            guard let dataLength = reader.peekUInt8(at: offset + 1) else { return nil }
            if type == 0xC2, dataLength == 4 { return reader.peekUInt32(at: offset + 2) }
            offset += 2 + Int(dataLength)
        }
        return nil
    }
}
