/// Ethernet II framing (IEEE 802.3 §3.1.1 / RFC 894) as captured: destination MAC (6 bytes),
/// source MAC (6), EtherType (2) — no preamble and no FCS.
///
/// Minimum-size padding after the IP packet is left to the IP layer, which ends its payload at
/// the IP total length.
enum EthernetFrame {
    static let headerLength = 14

    /// Consumes the header and any VLAN tags.
    /// - Throws: `.truncated(.link)` when fewer than 14 bytes were captured.
    static func parse(_ reader: inout ByteReader) throws(SkipReason) -> NetworkLayerKind {
        guard let etherType = reader.peekUInt16(at: 12), reader.skip(headerLength) else {
            throw .truncated(layer: .link)
        }
        return try EtherTypeDispatch.networkLayer(etherType: etherType, reader: &reader)
    }
}
