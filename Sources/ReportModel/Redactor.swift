import ByteText
import CallbackSignature
import Diagnosis
import HTTP1
import HTTPExchanges
import UploadCallbacks

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// String- and byte-level redaction primitives, used by ``Report/redacted(policy:)`` and
/// testable on their own.
///
/// Every replaced value becomes `[redacted N chars]` (N = the number of characters removed, so
/// lengths stay visible); a value that already is a marker is left alone, which makes every
/// function idempotent.
public struct Redactor: Sendable {
    public var policy: RedactionPolicy { names.policy }
    /// The policy's name tests, on bytes.
    let names: SecretNames
    /// Original secret values seen so far (for the echo pass), in the order found.
    public private(set) var secrets: [[UInt8]] = [] {
        didSet { echoSearch = nil }
    }
    /// Number of values replaced so far.
    public private(set) var count = 0
    /// Kinds of values replaced so far.
    public private(set) var kinds: Set<String> = []
    /// What ``echoes(_:)-(UInt8)`` looks for, made from ``secrets`` when first needed after
    /// they changed.
    private var echoSearch: EchoSearch?

    public init(policy: RedactionPolicy = .standard) { self.init(names: SecretNames(policy)) }

    /// A redactor sharing `names` (made once for a whole report, not once per exchange).
    init(names: SecretNames) { self.names = names }

    /// `[redacted 88 chars]`.
    public static func marker(characters: Int) -> String {
        "[redacted \(characters) char\(characters == 1 ? "" : "s")]"
    }

    static let markerPrefix = Array("[redacted".utf8)

    /// How many `Character`s `bytes` are as UTF-8 text (the N of a marker): the byte count when
    /// they are ASCII without CR LF (then each byte is one `Character`), else what `String` counts.
    static func characterCount(_ bytes: [UInt8]) -> Int {
        var previous: UInt8 = 0
        for byte in bytes {
            if byte >= 0x80 || (previous == 0x0D && byte == 0x0A) {
                return String(decoding: bytes, as: UTF8.self).count
            }
            previous = byte
        }
        return bytes.count
    }

    static func isMarker<C: Collection<UInt8>>(_ value: C) -> Bool { value.starts(with: markerPrefix) }

    /// Records `value` as redacted and returns its marker bytes.
    private mutating func replace<C: Collection<UInt8>>(_ value: C, kind: String) -> [UInt8] {
        let bytes = Array(value)
        count += 1
        kinds.insert(kind)
        if !secrets.contains(bytes) { secrets.append(bytes) }
        return Array(Self.marker(characters: Self.characterCount(bytes)).utf8)
    }

    // MARK: - Header fields

    /// The value of header `name` with its secret parts replaced; nil when the header is not
    /// secret by name (its value may still hold secrets, see ``text(_:)``).
    ///
    /// - `Cookie`: every `name=value` pair keeps its name (`sid=[redacted 6 chars]; theme=…`).
    /// - `Set-Cookie`: the first pair's value is replaced; attributes (`Path`, `HttpOnly`, …) stay.
    /// - `Authorization`, `Proxy-Authorization`: a leading auth scheme (`Basic`, `Bearer`, `OSS`)
    ///   stays; the credentials go. OSS's callback `authorization` (a bare base64 RSA signature)
    ///   is replaced whole.
    /// - any other secret header: the whole value.
    public mutating func headerValue(name: String, value: String) -> String? {
        guard names.isSecretHeader(name) else { return nil }
        let lower = name.lowercased()
        let kind = "header " + lower
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, !Self.isMarker(bytes) else { return value }
        switch lower {
        case "cookie":
            let pairs = value.split(separator: ";", omittingEmptySubsequences: false).map { pair -> String in
                let text = String(pair)
                guard let eq = text.firstIndex(of: "=") else {
                    return text.trimmingASCII(" ").isEmpty
                        ? text : redactWhole(text, kind: kind, keepLeadingSpace: true)
                }
                let valuePart = text[text.index(after: eq)...]
                guard !valuePart.isEmpty, !Self.isMarker(Array(valuePart.utf8)) else { return text }
                return String(text[...eq]) + String(decoding: replace(Array(valuePart.utf8), kind: kind), as: UTF8.self)
            }
            return pairs.joined(separator: ";")
        case "set-cookie":
            let end = value.firstIndex(of: ";") ?? value.endIndex
            let first = value[..<end]
            guard let eq = first.firstIndex(of: "=") else {
                return redactWhole(String(first), kind: kind, keepLeadingSpace: false) + value[end...]
            }
            let valuePart = first[first.index(after: eq)...]
            guard !valuePart.isEmpty, !Self.isMarker(Array(valuePart.utf8)) else { return value }
            return String(first[...eq]) + String(decoding: replace(Array(valuePart.utf8), kind: kind), as: UTF8.self)
                + value[end...]
        case "authorization", "proxy-authorization":
            // `scheme SP credentials` (RFC 9110 §11.4): keep a short token-like scheme.
            if bytes.allSatisfy({ $0 < 0x80 }) {
                // ASCII (nearly always): the same test on bytes, as each byte is a `Character`.
                return authorizationValue(bytes, kind: kind) ?? value
            }
            if let space = value.firstIndex(of: " "), space > value.startIndex {
                let scheme = value[..<space]
                let credentials = value[value.index(after: space)...]
                if scheme.count <= 24,
                    scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }),
                    !credentials.isEmpty
                {
                    if Self.isMarker(Array(credentials.utf8)) { return value }
                    return String(scheme) + " "
                        + String(decoding: replace(Array(credentials.utf8), kind: kind), as: UTF8.self)
                }
            }
            return String(decoding: replace(bytes, kind: kind), as: UTF8.self)
        default:
            return String(decoding: replace(bytes, kind: kind), as: UTF8.self)
        }
    }

    /// An ASCII `Authorization` value with its credentials replaced, keeping a scheme of at most
    /// 24 letters, digits, `-`, `_` or `.` before the first space; nil when it is a marker already.
    private mutating func authorizationValue(_ bytes: [UInt8], kind: String) -> String? {
        if let space = bytes.firstIndex(of: 0x20), space > 0, space <= 24, space + 1 < bytes.count,
            bytes[..<space].allSatisfy(Self.isSchemeByte)
        {
            let credentials = bytes[(space + 1)...]
            if Self.isMarker(credentials) { return nil }
            return String(decoding: bytes[...space] + replace(credentials, kind: kind), as: UTF8.self)
        }
        return String(decoding: replace(bytes, kind: kind), as: UTF8.self)
    }

    static func isSchemeByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    /// `value` replaced whole by its marker (a value known to be secret by context, such as a
    /// callback variable named `x:token`); recorded for the echo pass.
    public mutating func secret(_ value: String, kind: String) -> String {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, !Self.isMarker(bytes) else { return value }
        return String(decoding: replace(bytes, kind: kind), as: UTF8.self)
    }

    /// Records `value` as secret for the echo pass without counting a redaction (an encoding of
    /// secrets already counted, e.g. the Base64 `x-oss-callback-var` holding a redacted variable).
    public mutating func noteSecret(_ value: String) {
        let bytes = Array(value.utf8)
        if !bytes.isEmpty, !secrets.contains(bytes) { secrets.append(bytes) }
    }

    private mutating func redactWhole(_ text: String, kind: String, keepLeadingSpace: Bool) -> String {
        var leading = ""
        var rest = Substring(text)
        if keepLeadingSpace {
            while rest.first == " " {
                leading += " "
                rest = rest.dropFirst()
            }
        }
        guard !rest.isEmpty, !Self.isMarker(Array(rest.utf8)) else { return text }
        return leading + String(decoding: replace(Array(rest.utf8), kind: kind), as: UTF8.self)
    }

    // MARK: - Free text and bodies

    /// `text` with URL credentials and secret fields replaced (see ``bytes(_:)``).
    public mutating func text(_ text: String) -> String {
        guard Self.mayHoldSecrets(text.utf8) else { return text }
        let input = Array(text.utf8)
        let output = bytes(input)
        return output == input ? text : String(decoding: output, as: UTF8.self)
    }

    /// Bytes (a body preview, a URL, a header value, evidence) with secrets replaced:
    ///
    /// 1. URL credentials: the userinfo of every `scheme://userinfo@host` (basic-auth in URLs).
    /// 2. Secret fields, recognised by name in any of these shapes: urlencoded or query string
    ///    `name=value` (value up to `&`, `;`, `,`, whitespace or a quote), JSON `"name": value`
    ///    (a string's contents, a number or literal, or a whole object or array — kept valid
    ///    JSON by quoting the marker), and `name: value` text lines (value up to the end of the
    ///    line, `,` or `;`).
    ///
    /// Bytes need not be UTF-8: only ASCII delimiters are interpreted, everything else is copied.
    public mutating func bytes(_ input: [UInt8]) -> [UInt8] {
        guard Self.mayHoldSecrets(input) else { return input }
        return fields(urlCredentials(input))
    }

    /// False when `bytes` has neither `:` nor `=`: then it has no `scheme://` and no
    /// `name=value` or `name: value`, and ``bytes(_:)`` would return it unchanged.
    static func mayHoldSecrets(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.contains { $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "=") }
    }

    /// Replaces the userinfo of `scheme://userinfo@host`.
    mutating func urlCredentials(_ b: [UInt8]) -> [UInt8] {
        var splice = Splice(b)
        var i = 0
        while i < b.count {
            i = Self.index(of: UInt8(ascii: ":"), in: b, from: i)
            guard i + 2 < b.count, b[i + 1] == UInt8(ascii: "/"), b[i + 2] == UInt8(ascii: "/") else {
                i += 1
                continue
            }
            var j = i + 3
            let start = j
            var lastAt: Int?
            while j < b.count, !Self.endsAuthority(b[j]) {
                if b[j] == UInt8(ascii: "@") { lastAt = j }
                j += 1
            }
            if let at = lastAt, at > start, !Self.isMarker(b[start..<at]) {
                splice.replace(start..<at, with: replace(b[start..<at], kind: "URL credentials"))
            }
            i = j
        }
        return splice.result
    }

    /// The index of the first `byte` in `b` at or after `start`, or `b.count` (`memchr(3)`).
    static func index(of byte: UInt8, in b: [UInt8], from start: Int) -> Int {
        guard start < b.count else { return b.count }
        return b.withUnsafeBufferPointer { p in
            guard let base = p.baseAddress, let found = memchr(base + start, Int32(byte), p.count - start) else {
                return p.count
            }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    static func endsAuthority(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "'"),
            UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "`"):
            true
        default: byte <= 0x20 || byte == 0x7F
        }
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "%"), UInt8(ascii: "$"),
            UInt8(ascii: "+"):
            true
        default: false
        }
    }

    /// The next run of ``isNameByte(_:)`` bytes at or after `start` (empty at the end).
    static func nextName(in b: [UInt8], from start: Int) -> (start: Int, end: Int) {
        b.withUnsafeBufferPointer { p in
            var i = start
            while i < p.count, !isNameByte(p[i]) { i += 1 }
            let nameStart = i
            while i < p.count, isNameByte(p[i]) { i += 1 }
            return (nameStart, i)
        }
    }

    /// Replaces the values of secret fields (step 2 of ``bytes(_:)``).
    mutating func fields(_ b: [UInt8]) -> [UInt8] {
        var splice = Splice(b)
        var i = 0
        while i < b.count {
            let (nameStart, nameEnd) = Self.nextName(in: b, from: i)
            guard nameStart < nameEnd else { break }
            i = nameEnd
            let name = b[nameStart..<i]
            let keyQuote: UInt8? =
                nameStart > 0 && (b[nameStart - 1] == UInt8(ascii: "\"") || b[nameStart - 1] == UInt8(ascii: "'"))
                ? b[nameStart - 1] : nil
            var j = i
            if let q = keyQuote, j < b.count, b[j] == q { j += 1 }
            while j < b.count, ASCIIText.isSpaceOrTab(b[j]) { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: "=") || b[j] == UInt8(ascii: ":"), names.isSecretField(name) else {
                continue
            }
            let separator = b[j]
            // `://` is a URL scheme, not a field.
            if separator == UInt8(ascii: ":"), j + 1 < b.count, b[j + 1] == UInt8(ascii: "/") { continue }
            j += 1
            while j < b.count, ASCIIText.isSpaceOrTab(b[j]) { j += 1 }
            i = j
            guard j < b.count else { break }
            let kind = "field " + String(decoding: Self.percentDecoded(name), as: UTF8.self).lowercased()
            i = redactFieldValue(in: b, at: j, separator: separator, keyQuote: keyQuote, kind: kind, into: &splice)
        }
        return splice.result
    }

    /// Replaces the value of a secret field that starts at `j` (after its separator and spaces)
    /// and returns the index after it: a marker already there is kept; a quoted string loses its
    /// contents; an object or array becomes a quoted marker; anything else runs to
    /// ``endsValue(_:separator:)`` (trailing spaces excluded), and a bare JSON number or literal
    /// (`keyQuote` set, `:`) becomes a quoted marker so the JSON stays valid.
    private mutating func redactFieldValue(
        in b: [UInt8], at j: Int, separator: UInt8, keyQuote: UInt8?, kind: String, into splice: inout Splice
    ) -> Int {
        let first = b[j]
        let quote = UInt8(ascii: "\"")
        if Self.isMarker(b[j...]) {
            // Already redacted: keep the marker through its closing bracket.
            var k = j
            while k < b.count, b[k] != UInt8(ascii: "]") { k += 1 }
            return min(k + 1, b.count)
        } else if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            var k = j + 1
            while k < b.count, b[k] != first, b[k] != 0x0A {
                k += b[k] == UInt8(ascii: "\\") ? 2 : 1
            }
            k = min(k, b.count)
            let value = b[(j + 1)..<k]
            if !value.isEmpty, !Self.isMarker(value) { splice.replace((j + 1)..<k, with: replace(value, kind: kind)) }
            return k < b.count && b[k] == first ? k + 1 : k
        } else if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            let k = Self.endOfBalanced(b, from: j)
            let q = keyQuote ?? quote
            splice.replace(j..<k, with: [q] + replace(b[j..<k], kind: kind) + [q])
            return k
        }
        var k = j
        while k < b.count, !Self.endsValue(b[k], separator: separator) { k += 1 }
        // A `name: value` line runs to its end; trailing spaces are not part of the value.
        var end = k
        while end > j, ASCIIText.isSpaceOrTab(b[end - 1]) { end -= 1 }
        let value = b[j..<end]
        if value.isEmpty || Self.isMarker(value) {
            // Nothing to hide.
        } else if keyQuote != nil && separator == UInt8(ascii: ":") {
            splice.replace(j..<end, with: [quote] + replace(value, kind: kind) + [quote])
        } else {
            splice.replace(j..<end, with: replace(value, kind: kind))
        }
        return end
    }

    static func endsValue(_ byte: UInt8, separator: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"),
            UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"), UInt8(ascii: ">"), 0x0A, 0x0D:
            return true
        case UInt8(ascii: "="):
            // Base64 padding after a value, or a second `=`, ends a urlencoded value.
            return separator == UInt8(ascii: "=")
        case 0x20, 0x09:
            return separator == UInt8(ascii: "=")
        default:
            return byte < 0x20 || byte == 0x7F
        }
    }

    /// The index after the object or array starting at `start` (strings honoured), or the end.
    static func endOfBalanced(_ b: [UInt8], from start: Int) -> Int {
        var depth = 0
        var k = start
        var inString = false
        while k < b.count {
            let c = b[k]
            if inString {
                if c == UInt8(ascii: "\\") {
                    k += 2
                    continue
                }
                if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 { return k + 1 }
            }
            k += 1
        }
        return b.count
    }

    /// `%XX` decoded and `+` as space (application/x-www-form-urlencoded names).
    public static func percentDecoded<C: Collection<UInt8>>(_ name: C) -> [UInt8] {
        PercentEncoding.decode(name, plusAsSpace: true, invalidEscapes: .keep) ?? Array(name)
    }

    // MARK: - Echoes

    /// `input` with every occurrence of a secret seen so far (at least
    /// ``RedactionPolicy/minimumEchoLength`` bytes) replaced by its marker; at each position the
    /// longest secret that starts there wins.
    public mutating func echoes(_ input: [UInt8]) -> [UInt8] {
        let search = currentEchoSearch()
        guard !search.secrets.isEmpty, input.count >= policy.minimumEchoLength else { return input }
        var out: [UInt8] = []
        var copied = 0  // input[..<copied] is in `out` (once something changed)
        var changed = false
        while let (at, n) = search.firstMatch(in: input, from: copied) {
            if !changed {
                out.reserveCapacity(input.count)
                changed = true
            }
            out += input[copied..<at]
            out += search.markers[n]
            count += 1
            kinds.insert("echoed value")
            copied = at + search.secrets[n].count
        }
        guard changed else { return input }
        out += input[copied...]
        return out
    }

    /// `text` with secrets seen so far replaced (see ``echoes(_:)-(UInt8)``).
    public mutating func echoes(_ text: String) -> String {
        let search = currentEchoSearch()
        guard !search.secrets.isEmpty, text.utf8.contains(where: { search.starts[Int($0)] }) else { return text }
        let input = Array(text.utf8)
        let output = echoes(input)
        return output == input ? text : String(decoding: output, as: UTF8.self)
    }

    /// Whether ``echoes(_:)-(UInt8)`` has anything to look for.
    mutating func hasEchoCandidates() -> Bool { !currentEchoSearch().secrets.isEmpty }

    private mutating func currentEchoSearch() -> EchoSearch {
        if let echoSearch { return echoSearch }
        let made = EchoSearch(secrets: secrets, minimumLength: policy.minimumEchoLength)
        echoSearch = made
        return made
    }
}

/// The secrets the echo pass hunts for, longest first (ties in the order found), each with its
/// marker, and which bytes start one (so most positions cost one table look-up).
struct EchoSearch: Sendable {
    let secrets: [[UInt8]]
    let markers: [[UInt8]]
    let starts: [Bool]

    /// The first position at or after `start` where a secret occurs, and which secret: the
    /// longest of those that start there (`memmem(3)` per secret: secrets are few, matches rare).
    func firstMatch(in input: [UInt8], from start: Int) -> (at: Int, secret: Int)? {
        guard start < input.count else { return nil }
        return input.withUnsafeBytes { haystack -> (at: Int, secret: Int)? in
            guard let base = haystack.baseAddress else { return nil }
            var best: (at: Int, secret: Int)?
            for (n, secret) in secrets.enumerated() {
                // Only what ends before the best match so far can start earlier.
                let end = min(input.count, (best?.at ?? input.count) + secret.count - 1)
                guard end - start >= secret.count else { continue }
                if let at = Self.firstIndex(of: secret, in: base, from: start, to: end),
                    best.map({ at < $0.at }) ?? true
                {
                    best = (at, n)
                }
            }
            return best
        }
    }

    /// Where `needle` (non-empty) first lies wholly inside `base[start..<end]`: `memchr(3)` to
    /// each candidate first byte, `memcmp(3)` there.
    static func firstIndex(of needle: [UInt8], in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int? {
        needle.withUnsafeBytes { n -> Int? in
            guard let first = n.first, let needleBase = n.baseAddress else { return nil }
            var i = start
            while end - i >= n.count {
                guard let hit = memchr(base + i, Int32(first), end - i - n.count + 1) else { return nil }
                let at = base.distance(to: UnsafeRawPointer(hit))
                if memcmp(base + at, needleBase, n.count) == 0 { return at }
                i = at + 1
            }
            return nil
        }
    }

    init(secrets found: [[UInt8]], minimumLength: Int) {
        secrets = found.filter { !$0.isEmpty && $0.count >= minimumLength }.sorted { $0.count > $1.count }
        markers = secrets.map { Array(Redactor.marker(characters: Redactor.characterCount($0)).utf8) }
        var starts = [Bool](repeating: false, count: 256)
        for secret in secrets { starts[Int(secret[0])] = true }
        self.starts = starts
    }
}

/// `input` with ranges replaced, left to right, made only when something is replaced: until the
/// first ``replace(_:with:)`` the result is `input` itself (no copy, and `==` on it is a buffer
/// identity check).
struct Splice {
    private let input: [UInt8]
    private var output: [UInt8] = []
    /// `input[..<copied]` is already in `output`.
    private var copied = 0
    private var changed = false

    init(_ input: [UInt8]) { self.input = input }

    /// Puts `replacement` in place of `range`, which starts at or after the end of the last one.
    mutating func replace(_ range: Range<Int>, with replacement: [UInt8]) {
        if !changed {
            output.reserveCapacity(input.count + 32)
            changed = true
        }
        output += input[copied..<range.lowerBound]
        output += replacement
        copied = range.upperBound
    }

    var result: [UInt8] { changed ? output + input[copied...] : input }
}
