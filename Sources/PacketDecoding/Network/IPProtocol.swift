/// IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol Numbers").
enum IPProtocol {
    static let hopByHop: UInt8 = 0
    static let tcp: UInt8 = 6
    static let udp: UInt8 = 17
    static let routing: UInt8 = 43
    static let fragment: UInt8 = 44
    static let esp: UInt8 = 50
    static let authentication: UInt8 = 51
    static let noNextHeader: UInt8 = 59
    static let destinationOptions: UInt8 = 60

    /// The IPv6 extension headers this decoder walks (RFC 8200 §4.1 and RFC 4302).
    static func isWalkedExtension(_ value: UInt8) -> Bool {
        value == hopByHop || value == routing || value == fragment || value == destinationOptions
            || value == authentication
    }
}

/// Names of common IP protocols, for ``SkipReason``.
enum IPProtocolNames {
    /// The report key for a named protocol (a literal, so it does not allocate).
    static func key(_ value: UInt8) -> String? {
        switch value {
        case 0: "non-tcp:hop-by-hop"
        case 1: "non-tcp:icmp"
        case 2: "non-tcp:igmp"
        case 4: "non-tcp:ipip"
        case 6: "non-tcp:tcp"
        case 17: "non-tcp:udp"
        case 41: "non-tcp:ipv6-in-ip"
        case 47: "non-tcp:gre"
        case 50: "non-tcp:esp"
        case 51: "non-tcp:ah"
        case 58: "non-tcp:icmpv6"
        case 59: "non-tcp:no-next-header"
        case 89: "non-tcp:ospf"
        case 103: "non-tcp:pim"
        case 112: "non-tcp:vrrp"
        case 132: "non-tcp:sctp"
        case 136: "non-tcp:udplite"
        default: nil
        }
    }

    /// The protocol's usual name.
    static func name(_ value: UInt8) -> String? {
        switch value {
        case 0: "IPv6 Hop-by-Hop Options"
        case 1: "ICMP"
        case 2: "IGMP"
        case 4: "IPv4-in-IP"
        case 6: "TCP"
        case 17: "UDP"
        case 41: "IPv6-in-IP"
        case 47: "GRE"
        case 50: "ESP"
        case 51: "AH"
        case 58: "ICMPv6"
        case 59: "IPv6 No Next Header"
        case 89: "OSPF"
        case 103: "PIM"
        case 112: "VRRP"
        case 132: "SCTP"
        case 136: "UDP-Lite"
        default: nil
        }
    }
}
