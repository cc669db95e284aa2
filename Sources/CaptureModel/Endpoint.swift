/// An IPv4 or IPv6 address, stored as integers in host order (no `String` per packet).
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt64, UInt64)

    /// Dotted quad for IPv4; RFC 5952 canonical text for IPv6 (lower case, longest run of
    /// two or more zero groups compressed to `::`, the first such run on a tie).
    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\((a >> 16) & 0xff).\((a >> 8) & 0xff).\(a & 0xff)"
        case .v6(let hi, let lo):
            var groups = [UInt16](repeating: 0, count: 8)
            for i in 0..<4 {
                groups[i] = UInt16(truncatingIfNeeded: hi >> (48 - 16 * UInt64(i)))
                groups[4 + i] = UInt16(truncatingIfNeeded: lo >> (48 - 16 * UInt64(i)))
            }
            // IPv4-mapped (::ffff:a.b.c.d) keeps its dotted tail, as RFC 5952 §5 recommends.
            if hi == 0, lo >> 32 == 0xffff {
                return "::ffff:" + IPAddress.v4(UInt32(truncatingIfNeeded: lo)).description
            }
            var bestStart = -1, bestLength = 0, i = 0
            while i < 8 {
                if groups[i] == 0 {
                    var j = i
                    while j < 8, groups[j] == 0 { j += 1 }
                    if j - i > bestLength {
                        bestStart = i
                        bestLength = j - i
                    }
                    i = j
                } else {
                    i += 1
                }
            }
            if bestLength < 2 { bestStart = -1 }
            var text = ""
            var k = 0
            while k < 8 {
                if k == bestStart {
                    text += "::"
                    k += bestLength
                    continue
                }
                if !text.isEmpty, !text.hasSuffix(":") { text += ":" }
                text += String(groups[k], radix: 16)
                k += 1
            }
            return text
        }
    }

    /// True for 127.0.0.0/8 and ::1.
    public var isLoopback: Bool {
        switch self {
        case .v4(let a): a >> 24 == 127
        case .v6(let hi, let lo): hi == 0 && lo == 1
        }
    }
}

/// One end of a TCP connection.
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `1.2.3.4:80`, or `[::1]:80` for IPv6 (RFC 3986 §3.2.2 brackets).
    public var description: String {
        switch address {
        case .v4: "\(address):\(port)"
        case .v6: "[\(address)]:\(port)"
        }
    }

    public static func < (lhs: Endpoint, rhs: Endpoint) -> Bool {
        (lhs.address, lhs.port) < (rhs.address, rhs.port)
    }

    /// Address and port folded into one 64-bit word (exact for IPv4, mixed for IPv6), for hashing
    /// a connection's endpoints cheaply; equal endpoints fold equal, different ones rarely collide.
    @inlinable public var foldedWord: UInt64 {
        switch address {
        case .v4(let a): return UInt64(a) << 16 | UInt64(port)
        case .v6(let hi, let lo): return (hi &* 0x9E37_79B9_7F4A_7C15) ^ lo ^ UInt64(port) << 48
        }
    }
}
