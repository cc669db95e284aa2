/// BSD loopback headers: a 4-byte address family, then the IP packet
/// (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html, `LINKTYPE_LOOP.html`).
///
/// `DLT_NULL` stores the family in the *capturing* host's byte order and `DLT_LOOP` in network
/// order; both are accepted in either order here (a family always fits in 16 bits, so the order
/// is evident). `AF_INET` is 2 everywhere; `AF_INET6` is 24 (NetBSD/OpenBSD), 28 (FreeBSD),
/// 30 (macOS/iOS) or 10 (Linux, e.g. captures written by SwiftNIO's pcap handler).
enum Loopback {
    static let headerLength = 4

    /// Consumes the header.
    /// - Throws: `.truncated(.link)` for fewer than 4 bytes; `.malformed(.link, …)` for a family
    ///   that is neither IPv4 nor IPv6.
    static func parse(_ reader: inout ByteReader) throws(SkipReason) -> NetworkLayerKind {
        guard let raw = reader.peekUInt32(at: 0), reader.skip(headerLength) else { throw .truncated(layer: .link) }
        let family = raw > 0xFFFF ? raw.byteSwapped : raw
        switch family {
        case 2: return .ipv4
        case 10, 24, 28, 30: return .ipv6
        default: throw .malformed(layer: .link, reason: "loopback address family is neither IPv4 nor IPv6")
        }
    }
}
