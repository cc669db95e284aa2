import ByteText

/// One entry of `callbackUrl` (entries are separated by `;`, facts §7.2), taken apart the way
/// the documentation describes it: an optional `http://` or `https://` scheme, a host (name,
/// IPv4 dotted quad, or a bracketed IPv6 literal), an optional port, and a path with query.
/// Doc examples omit the scheme (`121.43.113.8:23456/index.html`, facts §2.1).
public struct CallbackURL: Sendable, Hashable {
    /// The entry as written (surrounding spaces removed).
    public var text: String
    /// `http` or `https`; nil when the entry has no scheme (OSS then uses http).
    public var scheme: String?
    public var host: String
    public var port: Int?
    /// Path and query, `/` when absent.
    public var pathAndQuery: String
    /// The host as an address, when it is a literal.
    public var address: IPAddress?

    /// Why an entry is not a valid callback URL (OSS: `The callback url configuration is invalid.`).
    public enum SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        case empty
        case unsupportedScheme(String)
        case emptyHost
        case badPort(String)
        case invalidCharacter(String)
        case badIPv6Literal(String)

        public var description: String {
            switch self {
            case .empty: "an empty URL"
            case .unsupportedScheme(let s): "scheme \"\(s)\" (only http and https)"
            case .emptyHost: "no host"
            case .badPort(let p): "port \"\(p)\" is not a number from 1 to 65535"
            case .invalidCharacter(let c): "character \(c) must be percent-encoded"
            case .badIPv6Literal(let h): "\"\(h)\" is not an IPv6 literal"
            }
        }
    }

    /// Parses one entry; bounded by the entry's length.
    public static func parse(_ entry: String) -> Result<CallbackURL, SyntaxError> {
        do throws(SyntaxError) {
            return .success(try parsed(entry))
        } catch {
            return .failure(error)
        }
    }

    /// ``parse(_:)``'s steps, each throwing the first defect it finds: characters, scheme,
    /// authority (host and port), port, host name.
    private static func parsed(_ entry: String) throws(SyntaxError) -> CallbackURL {
        let text = entry.trimmingASCII(" \t")
        if text.isEmpty { throw .empty }
        if let bad = firstInvalidCharacter(text) { throw .invalidCharacter(bad) }
        var rest = Substring(text)
        let scheme = try takeScheme(&rest)
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let pathAndQuery = authorityEnd == rest.endIndex ? "/" : String(rest[authorityEnd...])
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        let (host, portText, address) = try splitAuthority(authority)
        if host.isEmpty { throw .emptyHost }
        let port = try portText.map(parsePort)
        if address == nil, !Self.isHostName(host) { throw .invalidCharacter("in host \"\(host)\"") }
        return CallbackURL(
            text: text, scheme: scheme, host: String(host), port: port, pathAndQuery: pathAndQuery, address: address)
    }

    /// The first character a URL must percent-encode (a control, space, non-ASCII, or one of
    /// `"<>\^`{|}`), as shown in a message (`'<'`, `U+20`); nil when there is none.
    private static func firstInvalidCharacter(_ text: String) -> String? {
        guard
            let scalar = text.unicodeScalars.first(where: { scalar in
                scalar.value <= 0x20 || scalar.value == 0x7F || scalar.value >= 0x80
                    || "\"<>\\^`{|}".unicodeScalars.contains(scalar)
            })
        else { return nil }
        return scalar.value < 0x80 && scalar.value > 0x20 && scalar.value != 0x7F
            ? "'\(Character(scalar))'" : "U+\(String(scalar.value, radix: 16, uppercase: true))"
    }

    /// Takes `http://` or `https://` (any case) off the front of `rest`: the scheme in lower case,
    /// nil when there is no `://`.
    private static func takeScheme(_ rest: inout Substring) throws(SyntaxError) -> String? {
        guard let range = rest.firstRange(of: "://") else { return nil }
        let name = rest[..<range.lowerBound].lowercased()
        guard name == "http" || name == "https" else { throw .unsupportedScheme(String(rest[..<range.lowerBound])) }
        rest = rest[range.upperBound...]
        return name
    }

    /// The host, the text after its `:` (if any) and the host's address when it is a literal:
    /// a bracketed IPv6 literal, or a name or dotted quad before the last `:`.
    private static func splitAuthority(_ authority: Substring) throws(SyntaxError) -> (
        host: Substring, portText: Substring?, address: IPAddress?
    ) {
        guard authority.first == "[" else {
            guard let colon = authority.lastIndex(of: ":") else {
                return (authority, nil, IPAddress.parseIPv4(authority))
            }
            let host = authority[..<colon]
            return (host, authority[authority.index(after: colon)...], IPAddress.parseIPv4(host))
        }
        guard let close = authority.firstIndex(of: "]") else { throw .badIPv6Literal(String(authority)) }
        let host = authority[authority.index(after: authority.startIndex)..<close]
        guard let v6 = IPAddress.parseIPv6(host) else { throw .badIPv6Literal(String(host)) }
        let after = authority[authority.index(after: close)...]
        guard !after.isEmpty else { return (host, nil, v6) }
        guard after.first == ":" else { throw .badIPv6Literal(String(authority)) }
        return (host, after.dropFirst(), v6)
    }

    /// A port: 1 to 5 ASCII digits naming 1...65535.
    private static func parsePort(_ text: Substring) throws(SyntaxError) -> Int {
        guard !text.isEmpty, text.count <= 5, text.allSatisfy({ $0.isASCII && $0.isNumber }),
            let value = Int(text), (1...65535).contains(value)
        else { throw .badPort(String(text)) }
        return value
    }

    /// A registered name: letters, digits, `-`, `.`, `_` and percent-escapes (RFC 3986 §3.2.2, loosely).
    static func isHostName(_ host: Substring) -> Bool {
        host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._%".contains($0)) }
    }
}

/// An IPv4 or IPv6 address, for the private-address check.
public enum IPAddress: Sendable, Hashable, CustomStringConvertible {
    case v4(UInt32)
    case v6([UInt8])

    public var description: String {
        switch self {
        case .v4(let a): "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)"
        case .v6(let b):
            stride(from: 0, to: 16, by: 2).map { String(UInt16(b[$0]) << 8 | UInt16(b[$0 + 1]), radix: 16) }.joined(
                separator: ":")
        }
    }

    /// A dotted quad of four decimal octets (`10.0.0.1`); other inet_aton forms are not accepted.
    public static func parseIPv4<S: StringProtocol>(_ text: S) -> IPAddress? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                let octet = UInt32(part), octet <= 255
            else { return nil }
            value = value << 8 | octet
        }
        return .v4(value)
    }

    /// An RFC 4291 §2.2 text address (with `::` and an optional trailing dotted quad); a zone
    /// (`%eth0`) is ignored.
    public static func parseIPv6<S: StringProtocol>(_ text: S) -> IPAddress? {
        var s = Substring(text)
        if let percent = s.firstIndex(of: "%") { s = s[..<percent] }
        guard !s.isEmpty, s.count <= 45 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (n, piece) in pieces.enumerated() {
                if n == pieces.count - 1, piece.contains("."), case .v4(let v4)? = parseIPv4(piece) {
                    result.append(UInt16(v4 >> 16))
                    result.append(UInt16(v4 & 0xFFFF))
                    continue
                }
                guard !piece.isEmpty, piece.count <= 4, let g = UInt16(piece, radix: 16) else { return nil }
                result.append(g)
            }
            return result
        }
        var words: [UInt16]
        if let range = s.firstRange(of: "::") {
            guard let head = groups(s[..<range.lowerBound]), let tail = groups(s[range.upperBound...]),
                !s[range.upperBound...].contains("::"), head.count + tail.count < 8
            else { return nil }
            words = head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            guard let all = groups(s), all.count == 8 else { return nil }
            words = all
        }
        return .v6(words.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] })
    }

    /// Why OSS would refuse to call this address (`Private address is forbidden to callback.`,
    /// EC 0007-00000008), or nil for a public address.
    ///
    /// IPv4: 0.0.0.0/8, 10/8, 127/8 (loopback), 169.254/16 (link-local), 172.16/12, 192.168/16
    /// (RFC 1918, RFC 1122, RFC 3927). IPv6: `::`, `::1`, fc00::/7 (unique local, RFC 4193),
    /// fe80::/10 (link-local), and IPv4-mapped `::ffff:a.b.c.d` of a private IPv4 address.
    /// OSS's own list is not published; these are the ranges every SSRF filter blocks.
    public var privateRange: String? {
        switch self {
        case .v4(let a):
            if a >> 24 == 0 { return "0.0.0.0/8 (this network)" }
            if a >> 24 == 10 { return "10.0.0.0/8 (private, RFC 1918)" }
            if a >> 24 == 127 { return "127.0.0.0/8 (loopback)" }
            if a >> 16 == 0xA9FE { return "169.254.0.0/16 (link-local)" }
            if a >> 20 == 0xAC1 { return "172.16.0.0/12 (private, RFC 1918)" }
            if a >> 16 == 0xC0A8 { return "192.168.0.0/16 (private, RFC 1918)" }
            return nil
        case .v6(let b):
            if b.allSatisfy({ $0 == 0 }) { return ":: (unspecified)" }
            if b.prefix(15).allSatisfy({ $0 == 0 }) && b[15] == 1 { return "::1 (loopback)" }
            if b[0] & 0xFE == 0xFC { return "fc00::/7 (unique local)" }
            if b[0] == 0xFE && b[1] & 0xC0 == 0x80 { return "fe80::/10 (link-local)" }
            if b.prefix(10).allSatisfy({ $0 == 0 }) && b[10] == 0xFF && b[11] == 0xFF {
                let v4 = IPAddress.v4(UInt32(b[12]) << 24 | UInt32(b[13]) << 16 | UInt32(b[14]) << 8 | UInt32(b[15]))
                return v4.privateRange.map { "::ffff:\(v4) → \($0)" }
            }
            return nil
        }
    }
}
