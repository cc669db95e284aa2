/// EtherType values the decoder dispatches on (IEEE 802.3 §3.2.6; IANA/IEEE registry).
enum EtherType {
    /// IPv4 (RFC 894).
    static let ipv4: UInt16 = 0x0800
    /// IPv6 (RFC 2464).
    static let ipv6: UInt16 = 0x86DD
    /// IEEE 802.1Q customer VLAN tag (C-TAG).
    static let vlan: UInt16 = 0x8100
    /// IEEE 802.1ad service VLAN tag (S-TAG, QinQ outer tag).
    static let serviceVLAN: UInt16 = 0x88A8
    /// The pre-standard QinQ TPID some switches still send.
    static let legacyQinQ: UInt16 = 0x9100
    /// PPPoE session stage (RFC 2516), carrying PPP frames.
    static let pppoeSession: UInt16 = 0x8864

    /// True for the tag protocol identifiers that announce a 4-byte VLAN tag.
    static func isVLANTag(_ type: UInt16) -> Bool {
        type == vlan || type == serviceVLAN || type == legacyQinQ
    }
}

/// Names of common non-IP EtherTypes, for ``SkipReason``.
enum EtherTypeNames {
    /// The report key for a named EtherType (a literal, so it does not allocate).
    static func key(_ type: UInt16) -> String? {
        switch type {
        case 0x0806: "non-ip:0x0806"
        case 0x8035: "non-ip:0x8035"
        case 0x88CC: "non-ip:0x88cc"
        case 0x888E: "non-ip:0x888e"
        case 0x8863: "non-ip:0x8863"
        case 0x8864: "non-ip:0x8864"
        case 0x8847: "non-ip:0x8847"
        case 0x8848: "non-ip:0x8848"
        case 0x8809: "non-ip:0x8809"
        case 0x88F7: "non-ip:0x88f7"
        case 0x8137: "non-ip:0x8137"
        case 0x0842: "non-ip:0x0842"
        case 0x9000: "non-ip:0x9000"
        default: nil
        }
    }

    /// The protocol's usual name.
    static func name(_ type: UInt16) -> String? {
        switch type {
        case 0x0806: "ARP"
        case 0x8035: "RARP"
        case 0x88CC: "LLDP"
        case 0x888E: "EAPOL"
        case 0x8863: "PPPoE discovery"
        case 0x8864: "PPPoE session"
        case 0x8847: "MPLS"
        case 0x8848: "MPLS multicast"
        case 0x8809: "Slow Protocols (LACP)"
        case 0x88F7: "PTP"
        case 0x8137: "IPX"
        case 0x0842: "Wake-on-LAN"
        case 0x9000: "Ethernet loopback"
        case 0x0800: "IPv4"
        case 0x86DD: "IPv6"
        default: nil
        }
    }
}
