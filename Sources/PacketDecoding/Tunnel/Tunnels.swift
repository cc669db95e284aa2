/// Tunnels decoded to the packet they carry, so that TCP inside them is analysed like any other.
///
/// | carrier | inner |
/// |---|---|
/// | UDP port 4789: VXLAN (RFC 7348 §5), 8-byte header with the I flag | an Ethernet frame |
/// | IP protocol 47: GRE (RFC 2784, key and sequence number of RFC 2890), version 0 | the packet of its protocol type: IPv4, IPv6, or `0x6558` transparent Ethernet bridging |
/// | IP protocol 4 (IPv4-in-IP, RFC 2003) and 41 (IPv6-in-IP, RFC 4213) | the IP packet |
/// | UDP port 1701: L2TPv2 data message (RFC 2661 §3.1) | PPP (RFC 1661), protocol `0x0021` IPv4 or `0x0057` IPv6 |
///
/// Anything else on these carriers is skipped with a reason: an L2TP control message or GRE
/// version 1 (PPTP) as non-TCP, a GRE protocol type that is not IP or Ethernet as non-IP.
/// Other UDP and IP protocols are counted as before (`non-tcp:udp`, `non-tcp:gre`…).
enum Tunnels {
    /// Tunnels inside tunnels beyond this depth are malformed (a loop-shaped packet cannot
    /// make the decoder recurse without bound).
    static let maxDepth = 4

    static let vxlanPort: UInt16 = 4789
    static let l2tpPort: UInt16 = 1701

    /// What a carrier holds: the next link or network layer, positioned on its first byte.
    enum Inner {
        case ethernet(ByteReader)
        case network(NetworkLayerKind, ByteReader)
    }

    /// The packet `ip` carries when it is a tunnel, or nil when it is not one.
    /// - Throws: `.truncated(.tunnel)`, `.malformed(.tunnel, …)`, `.nonIP` / `.nonTCP` for a
    ///   tunnel that carries something other than IP.
    static func inner(of ip: IPPayload) throws(SkipReason) -> Inner? {
        switch ip.ipProtocol {
        case IPProtocol.udp:
            return try udp(ip.reader)
        case 47:
            return try gre(ip.reader)
        case 4:
            return .network(.ipv4, ip.reader)
        case 41:
            return .network(.ipv6, ip.reader)
        default:
            return nil
        }
    }

    /// UDP (RFC 768): VXLAN and L2TP by port; any other datagram is not a tunnel.
    static func udp(_ packet: ByteReader) throws(SkipReason) -> Inner? {
        var reader = packet
        guard let sourcePort = reader.peekUInt16(at: 0), let destinationPort = reader.peekUInt16(at: 2),
            let length = reader.peekUInt16(at: 4)
        else { return nil }  // a cut UDP header: counted as UDP
        let isVXLAN = destinationPort == vxlanPort || sourcePort == vxlanPort
        let isL2TP = destinationPort == l2tpPort || sourcePort == l2tpPort
        guard isVXLAN || isL2TP else { return nil }
        guard reader.skip(8) else { throw .truncated(layer: .tunnel) }
        if length >= 8 { reader.limit(to: Int(length) - 8) }
        return isVXLAN ? try vxlan(reader) : try l2tp(reader)
    }

    /// VXLAN (RFC 7348 §5): flags (I = 0x08 says the VNI is valid), 3 reserved bytes, the
    /// 24-bit VNI, 1 reserved byte; then an Ethernet frame.
    static func vxlan(_ packet: ByteReader) throws(SkipReason) -> Inner {
        var reader = packet
        guard let flags = reader.peekUInt8(at: 0), reader.skip(8) else { throw .truncated(layer: .tunnel) }
        guard flags & 0x08 != 0 else { throw .malformed(layer: .tunnel, reason: "VXLAN header without the I flag") }
        return .ethernet(reader)
    }

    /// GRE (RFC 2784 §2, RFC 2890 §2): C, K and S flags add checksum+reserved, key and sequence
    /// number (4 bytes each); the routing-present bit of RFC 1701 is not supported.
    static func gre(_ packet: ByteReader) throws(SkipReason) -> Inner {
        var reader = packet
        guard let flags = reader.peekUInt16(at: 0), let protocolType = reader.peekUInt16(at: 2) else {
            throw .truncated(layer: .tunnel)
        }
        let version = flags & 0x7
        guard version == 0 else { throw .nonTCP(ipProtocol: 47) }  // version 1: PPTP's enhanced GRE
        guard flags & 0x4000 == 0 else {
            throw .malformed(layer: .tunnel, reason: "GRE routing (RFC 1701) is not supported")
        }
        var length = 4
        if flags & 0x8000 != 0 { length += 4 }  // checksum + reserved1
        if flags & 0x2000 != 0 { length += 4 }  // key
        if flags & 0x1000 != 0 { length += 4 }  // sequence number
        guard reader.skip(length) else { throw .truncated(layer: .tunnel) }
        switch protocolType {
        case EtherType.ipv4: return .network(.ipv4, reader)
        case EtherType.ipv6: return .network(.ipv6, reader)
        case 0x6558: return .ethernet(reader)  // transparent Ethernet bridging
        default: throw .nonIP(etherType: protocolType)
        }
    }

    /// L2TPv2 (RFC 2661 §3.1): flags and version, optional length (L), tunnel and session ids,
    /// optional Ns/Nr (S), optional offset size and padding (O); then a PPP frame.
    static func l2tp(_ packet: ByteReader) throws(SkipReason) -> Inner {
        var reader = packet
        guard let flags = reader.peekUInt16(at: 0) else { throw .truncated(layer: .tunnel) }
        guard flags & 0x000F == 2 else { throw .nonTCP(ipProtocol: IPProtocol.udp) }  // L2TPv3 or other
        guard flags & 0x8000 == 0 else { throw .nonTCP(ipProtocol: IPProtocol.udp) }  // a control message
        var offset = 2
        if flags & 0x4000 != 0 { offset += 2 }  // length
        offset += 4  // tunnel id, session id
        if flags & 0x0800 != 0 { offset += 4 }  // Ns, Nr
        if flags & 0x0200 != 0 {
            guard let padding = reader.peekUInt16(at: offset) else { throw .truncated(layer: .tunnel) }
            offset += 2 + Int(padding)
        }
        guard reader.skip(offset) else { throw .truncated(layer: .tunnel) }
        return try ppp(reader)
    }

    /// PPP (RFC 1661 §2): the HDLC address and control bytes `FF 03` may come first (RFC 1662),
    /// and the protocol field may be compressed to one byte (PFC, an odd first byte).
    static func ppp(_ packet: ByteReader) throws(SkipReason) -> Inner {
        var reader = packet
        if reader.peekUInt8(at: 0) == 0xFF, reader.peekUInt8(at: 1) == 0x03 { reader.skip(2) }
        guard let first = reader.peekUInt8(at: 0) else { throw .truncated(layer: .tunnel) }
        let pppProtocol: UInt16
        if first & 1 == 1 {
            pppProtocol = UInt16(first)
            reader.skip(1)
        } else {
            guard let full = reader.peekUInt16(at: 0) else { throw .truncated(layer: .tunnel) }
            pppProtocol = full
            reader.skip(2)
        }
        switch pppProtocol {
        case 0x0021: return .network(.ipv4, reader)
        case 0x0057: return .network(.ipv6, reader)
        default: throw .nonTCP(ipProtocol: IPProtocol.udp)  // LCP, IPCP…: PPP control inside L2TP
        }
    }
}
