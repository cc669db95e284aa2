/// The public-key URL of a callback (`x-oss-pub-key-url`, base64 of the URL) and whether it is
/// one of OSS's (`../shared/reference/oss-callback-facts.md` §3.2).
///
/// Trusted means: the decoded URL starts with exactly `http://gosspublic.alicdn.com/` or
/// `https://gosspublic.alicdn.com/` — the prefix check OSS's documentation prescribes, done on
/// the string as OSS's samples do (so `https://gosspublic.alicdn.com.evil.com/`,
/// `https://gosspublic.alicdn.com@evil.com/`, `https://evil.com/gosspublic.alicdn.com/`, another
/// port or an upper-case host are not) — and the rest holds only printable ASCII without
/// spaces or backslashes (a fetcher could read those as a different host or request).
public struct KeyURL: Sendable, Hashable {
    /// The decoded URL, nil when the header is not base64 of UTF-8 text.
    public var url: String?
    public var trusted: Bool
    /// Why it is not trusted; nil when it is.
    public var problem: String?

    /// The prefixes OSS's key URLs start with.
    public static let trustedPrefixes = ["http://gosspublic.alicdn.com/", "https://gosspublic.alicdn.com/"]

    /// Decodes and judges an `x-oss-pub-key-url` header value.
    public init(headerValue: String) {
        switch Base64Decoding.decode(headerValue.utf8) {
        case .failure(let problem):
            self.init(
                url: nil, trusted: false,
                problem: "x-oss-pub-key-url is not base64: \(Base64Decoding.describe(problem))")
        case .success(let bytes):
            guard let text = String(validating: bytes, as: UTF8.self) else {
                self.init(url: nil, trusted: false, problem: "x-oss-pub-key-url does not decode to UTF-8 text")
                return
            }
            self.init(url: text)
        }
    }

    /// Judges a decoded key URL.
    public init(url: String) {
        guard let prefix = Self.trustedPrefixes.first(where: { url.hasPrefix($0) }) else {
            self.init(url: url, trusted: false, problem: "the key URL is not under http(s)://gosspublic.alicdn.com/")
            return
        }
        let rest = url.utf8.dropFirst(prefix.utf8.count)
        if let bad = rest.first(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "\\") }) {
            self.init(
                url: url, trusted: false,
                problem:
                    "the key URL holds byte 0x\(String(bad, radix: 16)) after the host (a space, control, backslash or non-ASCII byte)"
            )
            return
        }
        self.init(url: url, trusted: true, problem: nil)
    }

    private init(url: String?, trusted: Bool, problem: String?) {
        self.url = url
        self.trusted = trusted
        self.problem = problem
    }
}
