import ByteText
import CallbackSignature
import Diagnosis
import HTTP1
import HTTPExchanges
import UploadCallbacks

// Redaction of secrets in a report, applied to the report value before any renderer runs, so
// that every format gets the same treatment (`Report.redacted()`).
//
// Capture bytes are attacker-controlled and often carry credentials: the callback's
// `authorization` signature, cookies, basic-auth credentials in URLs, tokens in query strings and
// bodies. Ticket formats (Markdown, HTML) redact by default; text and JSON on request.

/// What ``Report/redacted(policy:)`` hides, and how names are matched.
///
/// Matching is case-insensitive and by substring: a body field called `refresh_token` or
/// `x:apiKey` is secret because its name contains `token` / `key`. Over-redaction is the
/// intended failure mode.
public struct RedactionPolicy: Sendable, Hashable {
    /// Header names (lower case) whose value is secret, whatever else they contain.
    public var secretHeaders: Set<String>
    /// A header is also secret when its lower-cased name contains one of these.
    public var secretHeaderNameParts: [String]
    /// A body field, query parameter or `name: value` pair is secret when its lower-cased,
    /// percent-decoded name contains one of these.
    public var secretFieldNameParts: [String]
    /// Secret values at least this long are also removed wherever else they appear in the same
    /// exchange (a token echoed in an error page, a cookie quoted in a finding).
    public var minimumEchoLength: Int

    public init(
        secretHeaders: Set<String> = [
            "authorization", "proxy-authorization", "cookie", "set-cookie", "x-oss-security-token",
            "x-amz-security-token",
        ],
        secretHeaderNameParts: [String] = [
            "token", "secret", "password", "passwd", "credential", "session", "api-key", "apikey", "access-key",
            "private-key", "cookie",
        ],
        secretFieldNameParts: [String] = [
            "password", "passwd", "secret", "token", "key", "credential", "signature", "authorization", "cookie",
            "session",
        ],
        minimumEchoLength: Int = 4
    ) {
        self.secretHeaders = secretHeaders
        self.secretHeaderNameParts = secretHeaderNameParts
        self.secretFieldNameParts = secretFieldNameParts
        self.minimumEchoLength = minimumEchoLength
    }

    /// The policy `--redact` applies.
    public static let standard = RedactionPolicy()

    /// Whether the whole value of header `name` is secret.
    public func isSecretHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        return secretHeaders.contains(lower) || secretHeaderNameParts.contains { lower.contains($0) }
    }

    /// Whether a field called `name` (raw bytes as sent, possibly percent-encoded) is secret.
    public func isSecretField<C: Collection<UInt8>>(_ name: C) -> Bool {
        let decoded = Redactor.percentDecoded(name)
        let lower = String(decoding: decoded, as: UTF8.self).lowercased()
        return secretFieldNameParts.contains { lower.contains($0) }
    }
}

/// How much a redaction pass removed (echoed in every format: "values were redacted").
public struct RedactionSummary: Sendable, Hashable {
    /// True when the report went through ``Report/redacted(policy:)``.
    public var applied: Bool
    /// How many values were replaced by a `[redacted N chars]` marker.
    public var redactedValues: Int
    /// What was redacted, sorted: `header authorization`, `field password`, `URL credentials`,
    /// `echoed value`. Names come from the capture (renderers escape them).
    public var kinds: [String]

    public init(applied: Bool = false, redactedValues: Int = 0, kinds: [String] = []) {
        self.applied = applied
        self.redactedValues = redactedValues
        self.kinds = kinds
    }
}

/// String- and byte-level redaction primitives, used by ``Report/redacted(policy:)`` and
/// testable on their own.
///
/// Every replaced value becomes `[redacted N chars]` (N = the number of characters removed, so
/// lengths stay visible); a value that already is a marker is left alone, which makes every
/// function idempotent.
public struct Redactor: Sendable {
    public let policy: RedactionPolicy
    /// Original secret values seen so far (for the echo pass), in the order found.
    public private(set) var secrets: [[UInt8]] = []
    /// Number of values replaced so far.
    public private(set) var count = 0
    /// Kinds of values replaced so far.
    public private(set) var kinds: Set<String> = []

    public init(policy: RedactionPolicy = .standard) { self.policy = policy }

    /// `[redacted 88 chars]`.
    public static func marker(characters: Int) -> String {
        "[redacted \(characters) char\(characters == 1 ? "" : "s")]"
    }

    static let markerPrefix = Array("[redacted".utf8)

    static func isMarker<C: Collection<UInt8>>(_ value: C) -> Bool { value.starts(with: markerPrefix) }

    /// Records `value` as redacted and returns its marker bytes.
    private mutating func replace<C: Collection<UInt8>>(_ value: C, kind: String) -> [UInt8] {
        let bytes = Array(value)
        count += 1
        kinds.insert(kind)
        if !secrets.contains(bytes) { secrets.append(bytes) }
        return Array(Self.marker(characters: String(decoding: bytes, as: UTF8.self).count).utf8)
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
        guard policy.isSecretHeader(name) else { return nil }
        let lower = name.lowercased()
        let kind = "header " + lower
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty, !Self.isMarker(bytes) else { return value }
        switch lower {
        case "cookie":
            let pairs = value.split(separator: ";", omittingEmptySubsequences: false).map { pair -> String in
                let text = String(pair)
                guard let eq = text.firstIndex(of: "=") else {
                    return text.trimmingASCII(" ").isEmpty ? text : redactWhole(text, kind: kind, keepLeadingSpace: true)
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
            if let space = value.firstIndex(of: " "), space > value.startIndex {
                let scheme = value[..<space]
                let credentials = value[value.index(after: space)...]
                if scheme.count <= 24, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }),
                    !credentials.isEmpty
                {
                    if Self.isMarker(Array(credentials.utf8)) { return value }
                    return String(scheme) + " " + String(decoding: replace(Array(credentials.utf8), kind: kind), as: UTF8.self)
                }
            }
            return String(decoding: replace(bytes, kind: kind), as: UTF8.self)
        default:
            return String(decoding: replace(bytes, kind: kind), as: UTF8.self)
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
        if keepLeadingSpace { while rest.first == " " { leading += " "; rest = rest.dropFirst() } }
        guard !rest.isEmpty, !Self.isMarker(Array(rest.utf8)) else { return text }
        return leading + String(decoding: replace(Array(rest.utf8), kind: kind), as: UTF8.self)
    }

    // MARK: - Free text and bodies

    /// `text` with URL credentials and secret fields replaced (see ``bytes(_:)``).
    public mutating func text(_ text: String) -> String {
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
        fields(urlCredentials(input))
    }

    /// Replaces the userinfo of `scheme://userinfo@host`.
    mutating func urlCredentials(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: ":"), i + 2 < b.count, b[i + 1] == UInt8(ascii: "/"), b[i + 2] == UInt8(ascii: "/") {
                out += b[i...(i + 2)]
                var j = i + 3
                let start = j
                var lastAt: Int?
                while j < b.count, !Self.endsAuthority(b[j]) {
                    if b[j] == UInt8(ascii: "@") { lastAt = j }
                    j += 1
                }
                if let at = lastAt, at > start, !Self.isMarker(b[start..<at]) {
                    out += replace(b[start..<at], kind: "URL credentials")
                    out += b[at..<j]
                } else {
                    out += b[start..<j]
                }
                i = j
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return out
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
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "%"), UInt8(ascii: "$"), UInt8(ascii: "+"):
            true
        default: false
        }
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// Replaces the values of secret fields (step 2 of ``bytes(_:)``).
    mutating func fields(_ b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            guard Self.isNameByte(b[i]) else {
                out.append(b[i])
                i += 1
                continue
            }
            let nameStart = i
            while i < b.count, Self.isNameByte(b[i]) { i += 1 }
            let name = b[nameStart..<i]
            out += name
            let keyQuote: UInt8? =
                nameStart > 0 && (b[nameStart - 1] == UInt8(ascii: "\"") || b[nameStart - 1] == UInt8(ascii: "'"))
                ? b[nameStart - 1] : nil
            var j = i
            if let q = keyQuote, j < b.count, b[j] == q { j += 1 }
            while j < b.count, Self.isSpace(b[j]) { j += 1 }
            guard j < b.count, b[j] == UInt8(ascii: "=") || b[j] == UInt8(ascii: ":"), policy.isSecretField(name) else { continue }
            let separator = b[j]
            // `://` is a URL scheme, not a field.
            if separator == UInt8(ascii: ":"), j + 1 < b.count, b[j + 1] == UInt8(ascii: "/") { continue }
            j += 1
            while j < b.count, Self.isSpace(b[j]) { j += 1 }
            out += b[i..<j]
            i = j
            guard j < b.count else { break }
            let kind = "field " + String(decoding: Self.percentDecoded(name), as: UTF8.self).lowercased()
            let first = b[j]
            if Self.isMarker(b[j...]) {
                // Already redacted: copy the marker through its closing bracket.
                var k = j
                while k < b.count, b[k] != UInt8(ascii: "]") { k += 1 }
                k = min(k + 1, b.count)
                out += b[j..<k]
                i = k
            } else if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                var k = j + 1
                while k < b.count, b[k] != first, b[k] != 0x0A {
                    k += b[k] == UInt8(ascii: "\\") ? 2 : 1
                }
                k = min(k, b.count)
                let value = b[(j + 1)..<k]
                out.append(first)
                if value.isEmpty || Self.isMarker(value) { out += value } else { out += replace(value, kind: kind) }
                if k < b.count, b[k] == first {
                    out.append(first)
                    k += 1
                }
                i = k
            } else if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
                let k = Self.endOfBalanced(b, from: j)
                let quote = keyQuote ?? UInt8(ascii: "\"")
                out.append(quote)
                out += replace(b[j..<k], kind: kind)
                out.append(quote)
                i = k
            } else {
                var k = j
                while k < b.count, !Self.endsValue(b[k], separator: separator) { k += 1 }
                // A `name: value` line runs to its end; trailing spaces are not part of the value.
                var end = k
                while end > j, Self.isSpace(b[end - 1]) { end -= 1 }
                let value = b[j..<end]
                if value.isEmpty || Self.isMarker(value) {
                    out += value
                } else if keyQuote != nil && separator == UInt8(ascii: ":") {
                    // A JSON number or literal: quote the marker so the JSON stays valid.
                    out.append(UInt8(ascii: "\""))
                    out += replace(value, kind: kind)
                    out.append(UInt8(ascii: "\""))
                } else {
                    out += replace(value, kind: kind)
                }
                i = end
            }
        }
        return out
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
    /// ``RedactionPolicy/minimumEchoLength`` bytes) replaced by its marker.
    public mutating func echoes(_ input: [UInt8]) -> [UInt8] {
        let candidates = secrets.filter { $0.count >= policy.minimumEchoLength }.sorted { $0.count > $1.count }
        guard !candidates.isEmpty, input.count >= policy.minimumEchoLength else { return input }
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var i = 0
        var changed = false
        scan: while i < input.count {
            for secret in candidates where input.count - i >= secret.count && input[i] == secret[0] {
                if input[i..<(i + secret.count)].elementsEqual(secret) {
                    out += Array(Self.marker(characters: String(decoding: secret, as: UTF8.self).count).utf8)
                    count += 1
                    kinds.insert("echoed value")
                    changed = true
                    i += secret.count
                    continue scan
                }
            }
            out.append(input[i])
            i += 1
        }
        return changed ? out : input
    }

    /// `text` with secrets seen so far replaced (see ``echoes(_:)-(UInt8)``).
    public mutating func echoes(_ text: String) -> String {
        let input = Array(text.utf8)
        let output = echoes(input)
        return output == input ? text : String(decoding: output, as: UTF8.self)
    }
}

// MARK: - The report

extension Report {
    /// The report with secrets replaced by `[redacted N chars]` markers, ready for any renderer.
    ///
    /// Per exchange, in order: secret headers (``Redactor/headerValue(name:value:)``); URL
    /// credentials and secret fields in the request target, every other header value, the
    /// reason phrase, both body previews, finding messages, evidence and OSS messages
    /// (``Redactor/bytes(_:)``); hex evidence of a redacted body is recomputed from the redacted
    /// bytes; finally every secret value found anywhere in the exchange is removed wherever else
    /// it is echoed. Sizes, times, statuses and verdicts are unchanged. Idempotent.
    ///
    /// - Returns: a copy with ``redaction`` describing what was removed (`applied == true`).
    public func redacted(policy: RedactionPolicy = .standard) -> Report {
        var copy = self
        var total = redaction.redactedValues
        var kinds = Set(redaction.kinds)
        copy.exchanges = exchanges.map { reported in
            var redactor = Redactor(policy: policy)
            var result = reported
            result.diagnosed = Self.redact(reported.diagnosed, with: &redactor)
            total += redactor.count
            kinds.formUnion(redactor.kinds)
            return result
        }
        copy.redaction = RedactionSummary(applied: true, redactedValues: total, kinds: kinds.sorted())
        return copy
    }

    static func redact(_ diagnosed: DiagnosedExchange, with r: inout Redactor) -> DiagnosedExchange {
        var d = diagnosed
        var e = d.exchange
        let originalRequestBody = e.request?.body
        let originalResponseBody = e.response?.body

        // Pass 1: structure (headers by name, then fields and URLs everywhere).
        if var request = e.request {
            request.head.headers = redactHeaders(request.head.headers, with: &r)
            request.head.target = r.text(request.head.target)
            request.body = redactBody(request.body, with: &r)
            request.signature = request.signature.map { redactSignature($0) { r.text($0) } }
            e.request = request
        }
        e.interimResponses = e.interimResponses.map { interim in
            var i = interim
            i.reason = r.text(i.reason)
            return i
        }
        if var response = e.response {
            response.head.headers = redactHeaders(response.head.headers, with: &r)
            response.head.reason = r.text(response.head.reason)
            // The wire status line holds the reason too (evidence quotes it).
            response.head.wireStatusLine = response.head.wireStatusLine.map { r.bytes($0) }
            response.body = redactBody(response.body, with: &r)
            e.response = response
        }
        d.findings = d.findings.map { finding in
            var f = finding
            f.message = r.text(f.message)
            f.ossError = f.ossError.map { r.text($0) }
            f.hint = r.text(f.hint)  // a stack-aware fix may quote the answer (a PHP message)
            f.evidence = f.evidence.map { evidence in
                var ev = evidence
                if let hex = rehex(
                    ev.value, bodies: [(originalRequestBody, e.request?.body), (originalResponseBody, e.response?.body)])
                {
                    ev.value = hex
                } else {
                    ev.value = r.text(ev.value)
                }
                return ev
            }
            return f
        }
        d.outcome = redactOutcome(d.outcome) { r.text($0) }
        if let upload = d.upload { d.upload = redactUpload(upload, with: &r) }

        // Pass 2: echoes of any secret found above, anywhere in the exchange.
        if var request = e.request {
            request.head.target = r.echoes(request.head.target)
            request.head.headers = HTTPHeaders(request.head.headers.map { .init(name: $0.name, value: r.echoes($0.value)) })
            request.body = echoBody(request.body, with: &r)
            request.signature = request.signature.map { redactSignature($0) { r.echoes($0) } }
            e.request = request
        }
        if var response = e.response {
            response.head.reason = r.echoes(response.head.reason)
            response.head.wireStatusLine = response.head.wireStatusLine.map { r.echoes($0) }
            response.head.headers = HTTPHeaders(response.head.headers.map { .init(name: $0.name, value: r.echoes($0.value)) })
            response.body = echoBody(response.body, with: &r)
            e.response = response
        }
        d.findings = d.findings.map { finding in
            var f = finding
            f.message = r.echoes(f.message)
            f.ossError = f.ossError.map { r.echoes($0) }
            f.hint = r.echoes(f.hint)
            f.evidence = f.evidence.map { Evidence($0.key, echoHex($0.value, with: &r) ?? r.echoes($0.value)) }
            return f
        }
        d.outcome = redactOutcome(d.outcome) { r.echoes($0) }
        if let upload = d.upload { d.upload = echoUpload(upload, with: &r) }
        d.exchange = e
        return d
    }

    /// The uploader's side: variables with secret names (`x:token`) whole, URL credentials and
    /// secret fields in the decoded strings. When anything inside the Base64 parameters was
    /// secret, the Base64 texts themselves are noted, so the echo pass removes them from the
    /// headers, target and body where they were sent.
    static func redactUpload(_ upload: UploadDiagnosis, with r: inout Redactor) -> UploadDiagnosis {
        var u = upload
        if var c = u.callback {
            let before = r.count
            c.variables = c.variables.map { v in
                (v.name, r.policy.isSecretField(Array(v.name.utf8)) ? r.secret(v.value, kind: "field " + v.name.lowercased()) : r.text(v.value))
            }
            if var config = c.configuration {
                config.callbackURLs = config.callbackURLs.map { r.text($0) }
                config.callbackHost = config.callbackHost.map { r.text($0) }
                config.callbackBody = config.callbackBody.map { r.text($0) }
                c.configuration = config
            }
            c.problems = c.problems.map { problem in
                var redacted = problem
                redacted.detail = r.text(problem.detail)
                return redacted
            }
            if r.count > before {
                for text in c.encodedTexts { r.noteSecret(text) }
                c.encodedTexts = c.encodedTexts.map { Redactor.marker(characters: $0.count) }
            }
            u.callback = c
        }
        if var f = u.callbackFailed {
            f.document.message = f.document.message.map { r.text($0) }
            u.callbackFailed = f
        }
        if var doc = u.ossError {
            doc.message = doc.message.map { r.text($0) }
            doc.argumentValue = doc.argumentValue.map { r.text($0) }
            u.ossError = doc
        }
        return u
    }

    static func echoUpload(_ upload: UploadDiagnosis, with r: inout Redactor) -> UploadDiagnosis {
        var u = upload
        if var c = u.callback {
            c.variables = c.variables.map { ($0.name, r.echoes($0.value)) }
            if var config = c.configuration {
                config.callbackURLs = config.callbackURLs.map { r.echoes($0) }
                config.callbackHost = config.callbackHost.map { r.echoes($0) }
                config.callbackBody = config.callbackBody.map { r.echoes($0) }
                c.configuration = config
            }
            c.problems = c.problems.map { problem in
                var echoed = problem
                echoed.detail = r.echoes(problem.detail)
                return echoed
            }
            u.callback = c
        }
        if var f = u.callbackFailed {
            f.document.message = f.document.message.map { r.echoes($0) }
            u.callbackFailed = f
        }
        if var doc = u.ossError {
            doc.message = doc.message.map { r.echoes($0) }
            doc.argumentValue = doc.argumentValue.map { r.echoes($0) }
            u.ossError = doc
        }
        return u
    }

    /// The key URL (credentials in a forged URL) and the reason pass through `transform`;
    /// the status and the trust verdict stay.
    static func redactSignature(_ signature: SignatureVerdict, _ transform: (String) -> String) -> SignatureVerdict {
        var s = signature
        s.reason = transform(s.reason)
        if let url = s.keyURL?.url { s.keyURL?.url = transform(url) }
        return s
    }

    static func redactHeaders(_ headers: HTTPHeaders, with r: inout Redactor) -> HTTPHeaders {
        HTTPHeaders(
            headers.map { field in
                HTTPHeaders.Field(name: field.name, value: r.headerValue(name: field.name, value: field.value) ?? r.text(field.value))
            })
    }

    static func redactBody(_ body: BodySummary, with r: inout Redactor) -> BodySummary {
        var b = body
        let preview = r.bytes(body.preview)
        guard preview != body.preview else { return b }
        b.preview = preview
        b.leadingBytes = body.contentDecoding == nil ? Array(preview.prefix(body.leadingBytes.count)) : []
        return b
    }

    static func echoBody(_ body: BodySummary, with r: inout Redactor) -> BodySummary {
        var b = body
        let preview = r.echoes(body.preview)
        guard preview != body.preview else { return b }
        b.preview = preview
        b.leadingBytes = body.contentDecoding == nil ? Array(preview.prefix(body.leadingBytes.count)) : []
        return b
    }

    static func redactOutcome(_ outcome: PredictedOutcome, _ transform: (String) -> String) -> PredictedOutcome {
        switch outcome {
        case .failed(let message): .failed(ossMessage: transform(message))
        case .unknown(let reason): .unknown(reason: transform(reason))
        case .passed, .notACallback: outcome
        }
    }

    /// Parses `value` as space-separated hex bytes (`ef bb bf 7b`).
    static func hexBytes(_ value: String) -> [UInt8]? {
        let parts = value.split(separator: " ")
        guard !parts.isEmpty, parts.allSatisfy({ $0.utf8.count == 2 }) else { return nil }
        return Hex.decode(parts.joined().utf8)
    }

    /// When `value` is a hex dump of the start of a body that redaction changed, the same number
    /// of bytes from the redacted body; nil otherwise.
    static func rehex(_ value: String, bodies: [(BodySummary?, BodySummary?)]) -> String? {
        guard let bytes = hexBytes(value) else { return nil }
        for case (let original?, let redacted?) in bodies where original != redacted {
            let skip = original.byteOrderMark?.bytes.count ?? 0
            for (from, to) in [(original.preview, redacted.preview), (original.leadingBytes, redacted.leadingBytes)] {
                for offset in Set([0, skip]) where from.dropFirst(offset).starts(with: bytes) {
                    return Hex.encode(to.dropFirst(offset).prefix(bytes.count), separator: " ")
                }
            }
        }
        return nil
    }

    /// Echo removal inside hex evidence: the bytes are redacted and dumped again (same length).
    static func echoHex(_ value: String, with r: inout Redactor) -> String? {
        guard let bytes = hexBytes(value) else { return nil }
        let redacted = r.echoes(bytes)
        return redacted == bytes ? value : Hex.encode(redacted.prefix(bytes.count), separator: " ")
    }
}
