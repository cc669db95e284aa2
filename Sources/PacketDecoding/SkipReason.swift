import ByteText

/// Why a captured record did not decode to a TCP segment.
///
/// *Truncated* and *malformed* are kept apart (as Wireshark's `BoundsError` vs
/// `ReportedBoundsError`, and etherparse's `LenError` vs content errors): a record the snaplen or
/// a cut file shortened is ``truncated(layer:)``; a field that cannot be right is
/// ``malformed(layer:reason:)``.
public enum SkipReason: Error, Sendable, Hashable, CustomStringConvertible {
    /// The capture's link type is not decoded: its `DLT_*` number and libpcap name (e.g. 105,
    /// `"IEEE802_11"`; the name may be empty when libpcap has none).
    case unsupportedLinkType(dlt: Int32, name: String)
    /// The link layer carries something other than IP (ARP, LLDP, 802.3/LLC…).
    case nonIP(etherType: UInt16)
    /// IP carries something other than TCP (UDP, ICMP, ESP…), by IP protocol / next-header number.
    case nonTCP(ipProtocol: UInt8)
    /// A TCP fragment: IPv4 with MF set or a non-zero fragment offset (RFC 791 §3.2), or an IPv6
    /// Fragment header that is not atomic (RFC 8200 §4.5, RFC 6946). IPv4 fragments are held for
    /// reassembly: the datagram's segment comes out with the fragment that completes it, and the
    /// others are counted here. IPv6 fragments are not reassembled.
    case ipFragment
    /// The captured bytes end before this layer's header does (snaplen, cut record). Not malformed.
    case truncated(layer: DecodeLayer)
    /// A header field that cannot be right: IHL below 5, total length below the header length,
    /// data offset below 5, an extension header past the payload length…
    case malformed(layer: DecodeLayer, reason: String)

    /// A stable short identifier for counting in reports: `"link-type:105"`,
    /// `"non-ip:0x0806"` (`"non-ip:llc"` for 802.3 length values below `0x0600`),
    /// `"non-tcp:udp"` (`"non-tcp:253"` for unnamed protocols), `"ip-fragment"`,
    /// `"truncated:tcp"`, `"malformed:ipv4"`.
    ///
    /// Common values are string literals, so computing a key does not allocate.
    public var key: String {
        switch self {
        case .unsupportedLinkType(let dlt, _):
            return "link-type:" + String(dlt)
        case .nonIP(let etherType):
            if etherType < 0x0600 { return "non-ip:llc" }
            return EtherTypeNames.key(etherType) ?? "non-ip:0x" + Hex.digits(etherType)
        case .nonTCP(let ipProtocol):
            return IPProtocolNames.key(ipProtocol) ?? "non-tcp:" + String(ipProtocol)
        case .ipFragment:
            return "ip-fragment"
        case .truncated(let layer):
            switch layer {
            case .link: return "truncated:link"
            case .vlan: return "truncated:vlan"
            case .ipv4: return "truncated:ipv4"
            case .ipv6: return "truncated:ipv6"
            case .ipv6Extension: return "truncated:ipv6Extension"
            case .tcp: return "truncated:tcp"
            case .tunnel: return "truncated:tunnel"
            }
        case .malformed(let layer, _):
            switch layer {
            case .link: return "malformed:link"
            case .vlan: return "malformed:vlan"
            case .ipv4: return "malformed:ipv4"
            case .ipv6: return "malformed:ipv6"
            case .ipv6Extension: return "malformed:ipv6Extension"
            case .tcp: return "malformed:tcp"
            case .tunnel: return "malformed:tunnel"
            }
        }
    }

    /// Human text: `"UDP (IP protocol 17)"`, `"ARP (EtherType 0x0806)"`, `"105 (IEEE802_11)"` for a
    /// link type (the number first, so that "312 packets of link type 105 (IEEE802_11)" reads),
    /// `"truncated TCP header (capture ended inside it)"`, `"malformed IPv4 header: …"`.
    public var description: String {
        switch self {
        case .unsupportedLinkType(let dlt, let name):
            return name.isEmpty ? String(dlt) : "\(dlt) (\(name))"
        case .nonIP(let etherType):
            if etherType < 0x0600 { return "IEEE 802.3 / LLC frame (length/type 0x\(Hex.digits(etherType)))" }
            let number = "EtherType 0x\(Hex.digits(etherType))"
            guard let name = EtherTypeNames.name(etherType) else { return number }
            return "\(name) (\(number))"
        case .nonTCP(let ipProtocol):
            let number = "IP protocol \(ipProtocol)"
            guard let name = IPProtocolNames.name(ipProtocol) else { return number }
            return "\(name) (\(number))"
        case .ipFragment:
            return "IP fragment (IPv4: held for reassembly; IPv6: not reassembled)"
        case .truncated(let layer):
            return "truncated \(layer.displayName) header (capture ended inside it)"
        case .malformed(let layer, let reason):
            return "malformed \(layer.displayName) header: \(reason)"
        }
    }
}
