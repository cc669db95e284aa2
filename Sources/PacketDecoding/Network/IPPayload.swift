import CaptureModel

/// What the network layer hands to the transport layer.
///
/// Three lengths matter and are kept apart (etherparse's `LenSource`): what the IP header
/// *claims* the transport part has, what was *captured*, and what was on the *wire*
/// (`CapturedPacket.originalLength`). The reader is cut to the claim, so Ethernet padding never
/// becomes payload; bytes the claim covers but the capture lacks are ``missingLength``, capped by
/// the wire length so that a bogus, over-long IP length cannot invent missing data.
struct IPPayload {
    var source: IPAddress
    var destination: IPAddress
    /// The protocol of the bytes in ``reader`` (after IPv6 extension headers).
    var ipProtocol: UInt8
    /// The transport bytes captured, at most ``claimedLength`` of them.
    var reader: ByteReader
    /// The transport length the IP header states (from the start of ``reader``).
    var claimedLength: Int
    /// Transport bytes that the IP header claims, the wire carried, and the capture lacks.
    var missingLength: Int
    /// True for a non-atomic fragment (IPv4 MF/offset, IPv6 Fragment header with M or offset).
    var isFragment: Bool
    /// For an IPv4 fragment: what reassembly needs from its header.
    var ipv4Fragment: IPv4FragmentReassembler.Fragment? = nil

    /// Cuts `reader` to `claimed` bytes and returns how many claimed bytes the capture lacks,
    /// given `wireExtra` bytes that were on the wire after the end of the capture.
    static func bound(_ reader: inout ByteReader, claimed: Int, wireExtra: Int) -> Int {
        let captured = reader.count
        if claimed <= captured {
            reader.limit(to: claimed)
            return 0
        }
        return min(claimed - captured, wireExtra)
    }
}
