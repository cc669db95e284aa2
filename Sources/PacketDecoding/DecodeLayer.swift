/// The header a decoder was reading when it stopped.
public enum DecodeLayer: String, Sendable, Hashable {
    /// The link-layer header: Ethernet, Linux cooked v1/v2, BSD loopback, or the raw-IP dispatch.
    case link
    /// An IEEE 802.1Q / 802.1ad VLAN tag.
    case vlan
    /// The IPv4 header (RFC 791 §3.1), options included.
    case ipv4
    /// The fixed 40-byte IPv6 header (RFC 8200 §3).
    case ipv6
    /// An IPv6 extension header (RFC 8200 §4).
    case ipv6Extension
    /// The TCP header (RFC 9293 §3.1), options included.
    case tcp
    /// A tunnel header: UDP+VXLAN, GRE, L2TP+PPP (see `Tunnels`).
    case tunnel

    /// Human name: `"link-layer"`, `"VLAN tag"`, `"IPv4"`, `"IPv6"`, `"IPv6 extension"`, `"TCP"`,
    /// `"tunnel"`.
    public var displayName: String {
        switch self {
        case .link: "link-layer"
        case .vlan: "VLAN tag"
        case .ipv4: "IPv4"
        case .ipv6: "IPv6"
        case .ipv6Extension: "IPv6 extension"
        case .tcp: "TCP"
        case .tunnel: "tunnel"
        }
    }
}
