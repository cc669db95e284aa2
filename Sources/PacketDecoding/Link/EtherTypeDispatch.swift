/// EtherType dispatch, stepping over VLAN tags and a PPPoE session header first.
///
/// - A VLAN tag (IEEE 802.1Q §9.6) is the 2-byte TPID the caller already read as "EtherType"
///   (`0x8100`, 802.1ad's `0x88A8`, or legacy QinQ `0x9100`), then a 2-byte TCI (priority, DEI,
///   VLAN id) and the next 2-byte EtherType. QinQ stacks tags; each costs 4 bytes, so the loop
///   ends with the captured bytes.
/// - A PPPoE session frame (`0x8864`, RFC 2516 §4) has a 6-byte header (version/type, code,
///   session id, length) and a 2-byte PPP protocol (RFC 1661 §2): `0x0021` IPv4 (RFC 1332),
///   `0x0057` IPv6 (RFC 5072). Anything else (LCP, IPCP…) is non-IP PPPoE.
enum EtherTypeDispatch {
    /// Consumes the VLAN tags (and PPPoE session header) following `etherType` and returns the
    /// network layer they end in.
    ///
    /// - Throws: `.truncated(.vlan)` when a tag is cut, `.truncated(.link)` when the PPPoE header
    ///   is, `.nonIP(etherType:)` for anything but IPv4 (`0x0800`) and IPv6 (`0x86DD`).
    static func networkLayer(etherType: UInt16, reader: inout ByteReader) throws(SkipReason) -> NetworkLayerKind {
        var type = etherType
        while EtherType.isVLANTag(type) {
            guard let inner = reader.peekUInt16(at: 2), reader.skip(4) else { throw .truncated(layer: .vlan) }
            type = inner
        }
        switch type {
        case EtherType.ipv4:
            return .ipv4
        case EtherType.ipv6:
            return .ipv6
        case EtherType.pppoeSession:
            guard let pppProtocol = reader.peekUInt16(at: 6), reader.skip(8) else { throw .truncated(layer: .link) }
            switch pppProtocol {
            case 0x0021: return .ipv4
            case 0x0057: return .ipv6
            default: throw .nonIP(etherType: type)
            }
        default:
            throw .nonIP(etherType: type)
        }
    }
}
