import ByteText

/// The string OSS signs, before the body (`../shared/reference/oss-callback-facts.md` §3.1):
///
///     url_decode(path) + ("?" + raw query, when the query is not empty) + "\n"
///
/// followed by the raw request body bytes. The path is percent-decoded (RFC 3986 §2.1) to
/// bytes — `%E5%9B%9E` becomes the three UTF-8 bytes of 回 — and `+` stays `+` (as Python's
/// `unquote` and Go's `PathUnescape` in the official samples do); the query is kept exactly as
/// sent, with its `?`. `/a?` (an empty query) signs as `/a`, like the official samples.
public enum StringToSign {
    /// Why the string to sign cannot be rebuilt from a request target.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// The target is not origin-form (`/path?query`, RFC 9112 §3.2.1).
        case notOriginForm(String)
        /// A `%` not followed by two hex digits, at this byte of the path.
        case malformedPercentEscape(offset: Int)

        public var description: String {
            switch self {
            case .notOriginForm(let target):
                "the request target \"\(target.prefix(40))\" is not origin-form (/path?query), so the signed path is unknown"
            case .malformedPercentEscape(let offset):
                "the path has a malformed percent-escape at byte \(offset) (% not followed by two hex digits), so OSS's decoded path is unknown"
            }
        }
    }

    /// The bytes signed before the body: decoded path, `?query` when there is a query, `\n`.
    public static func prefix(forTarget target: String) -> Result<[UInt8], Problem> {
        let bytes = Array(target.utf8)
        guard bytes.first == UInt8(ascii: "/") else { return .failure(.notOriginForm(target)) }
        let question = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let path = bytes[..<question]
        let query = question < bytes.endIndex ? bytes[(question + 1)...] : []
        guard var out = percentDecoded(path) else {
            let offset = PercentEncoding.firstInvalidEscape(in: path) ?? 0
            return .failure(.malformedPercentEscape(offset: offset))
        }
        if !query.isEmpty {
            out.append(UInt8(ascii: "?"))
            out.append(contentsOf: query)
        }
        out.append(UInt8(ascii: "\n"))
        return .success(out)
    }

    /// `bytes` with every `%HH` replaced by the byte it names (`+` stays `+`); nil when a `%` is
    /// not followed by two hex digits.
    public static func percentDecoded<C: Collection<UInt8>>(_ bytes: C) -> [UInt8]? {
        PercentEncoding.decode(bytes, plusAsSpace: false, invalidEscapes: .reject)
    }
}
