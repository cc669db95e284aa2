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

/// The two passes of the one walk over an exchange (``Report/redactFields(of:pass:originalBodies:with:)``).
enum RedactionPass: Sendable {
    /// Secrets recognised by where they are: header names, field names, URL userinfo.
    case structure
    /// Secrets found by the structure pass, wherever else they are repeated.
    case echoes
}

extension Redactor {
    /// A free-text field through `pass`: ``text(_:)`` or ``echoes(_:)-(String)``.
    mutating func apply(_ pass: RedactionPass, to value: String) -> String {
        switch pass {
        case .structure: text(value)
        case .echoes: echoes(value)
        }
    }

    /// Bytes (a wire status line) through `pass`: ``bytes(_:)`` or ``echoes(_:)-([UInt8])``.
    mutating func apply(_ pass: RedactionPass, to value: [UInt8]) -> [UInt8] {
        switch pass {
        case .structure: bytes(value)
        case .echoes: echoes(value)
        }
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
    /// True when ``redactedValues`` and ``kinds`` cover only the exchanges a document writes
    /// (``ExchangeRedaction``), false when they cover every exchange of the report. Not in JSON
    /// (JSON writes every exchange).
    public var writtenOnly: Bool

    public init(applied: Bool = false, redactedValues: Int = 0, kinds: [String] = [], writtenOnly: Bool = false) {
        self.applied = applied
        self.redactedValues = redactedValues
        self.kinds = kinds
        self.writtenOnly = writtenOnly
    }
}

// MARK: - The report

extension Report {
    /// The report with secrets replaced by `[redacted N chars]` markers, ready for any renderer.
    ///
    /// Per exchange, one walk (``redactFields(of:pass:originalBodies:with:)``) over every field
    /// that can hold a secret, made twice: the ``RedactionPass/structure`` pass replaces secret
    /// headers (``Redactor/headerValue(name:value:)``), uploader variables with secret names,
    /// and URL credentials and secret fields in the request target, every other header value,
    /// reason phrases, both body previews, finding messages, evidence and OSS messages
    /// (``Redactor/bytes(_:)``), and recomputes hex evidence of a redacted body from the
    /// redacted bytes; the ``RedactionPass/echoes`` pass then removes every secret value found
    /// in the exchange wherever else the same walk meets it. Sizes, times, statuses and verdicts
    /// are unchanged. Idempotent.
    ///
    /// - Returns: a copy with ``redaction`` describing what was removed (`applied == true`).
    public func redacted(policy: RedactionPolicy = .standard) -> Report {
        var copy = self
        var total = redaction.redactedValues
        var kinds = Set(redaction.kinds)
        let names = SecretNames(policy)
        copy.exchanges = exchanges.map { reported in
            var redactor = Redactor(names: names)
            var result = reported
            result.diagnosed = Self.redact(reported.diagnosed, with: &redactor)
            total += redactor.count
            kinds.formUnion(redactor.kinds)
            return result
        }
        copy.redaction = RedactionSummary(applied: true, redactedValues: total, kinds: kinds.sorted())
        return copy
    }

    /// `diagnosed` through both passes of the one walk (the echo pass only when the structure
    /// pass found a secret long enough to hunt for).
    static func redact(_ diagnosed: DiagnosedExchange, with r: inout Redactor) -> DiagnosedExchange {
        var d = diagnosed
        let originals = (request: d.exchange.request?.body, response: d.exchange.response?.body)
        redactFields(of: &d, pass: .structure, originalBodies: originals, with: &r)
        if r.hasEchoCandidates() { redactFields(of: &d, pass: .echoes, originalBodies: originals, with: &r) }
        return d
    }

    /// The one walk: every field of `d` that can hold a secret, each through `pass`.
    ///
    /// `originalBodies` are the bodies as captured: evidence that dumps the start of a body in
    /// hex is re-dumped from the redacted body (``rehex(_:bodies:)``).
    static func redactFields(
        of d: inout DiagnosedExchange, pass: RedactionPass,
        originalBodies: (request: BodySummary?, response: BodySummary?),
        with r: inout Redactor
    ) {
        var e = d.exchange
        if var request = e.request {
            let before = r.count
            var head = request.head
            head.headers = redactHeaders(head.headers, pass: pass, with: &r)
            head.target = r.apply(pass, to: head.target)
            // Set once, and only when changed: setting it judges the callback signals again.
            if r.count != before { request.head = head }
            request.body = redactBody(request.body, pass: pass, with: &r)
            request.signature = request.signature.map { redactSignature($0) { r.apply(pass, to: $0) } }
            e.request = request
        }
        e.interimResponses = e.interimResponses.map { interim in
            var i = interim
            i.reason = r.apply(pass, to: i.reason)
            return i
        }
        if var response = e.response {
            let before = r.count
            var head = response.head
            head.headers = redactHeaders(head.headers, pass: pass, with: &r)
            head.reason = r.apply(pass, to: head.reason)
            // The wire status line holds the reason too (evidence quotes it).
            head.wireStatusLine = head.wireStatusLine.map { r.apply(pass, to: $0) }
            if r.count != before || head.wireStatusLine != response.head.wireStatusLine { response.head = head }
            response.body = redactBody(response.body, pass: pass, with: &r)
            e.response = response
        }
        let bodies = [(originalBodies.request, e.request?.body), (originalBodies.response, e.response?.body)]
        d.findings = d.findings.map { redactFinding($0, pass: pass, bodies: bodies, with: &r) }
        d.outcome = redactOutcome(d.outcome) { r.apply(pass, to: $0) }
        if let upload = d.upload { d.upload = redactUpload(upload, pass: pass, with: &r) }
        d.exchange = e
    }

    static func redactFinding(
        _ finding: Finding, pass: RedactionPass, bodies: [(BodySummary?, BodySummary?)], with r: inout Redactor
    ) -> Finding {
        var f = finding
        f.message = r.apply(pass, to: f.message)
        f.ossError = f.ossError.map { r.apply(pass, to: $0) }
        f.hint = r.apply(pass, to: f.hint)  // a stack-aware fix may quote the answer (a PHP message)
        f.evidence = f.evidence.map { evidence in
            switch pass {
            case .structure: Evidence(evidence.key, rehex(evidence.value, bodies: bodies) ?? r.text(evidence.value))
            case .echoes: Evidence(evidence.key, echoHex(evidence.value, with: &r) ?? r.echoes(evidence.value))
            }
        }
        return f
    }

    /// The uploader's side: variables with secret names (`x:token`) whole, URL credentials and
    /// secret fields in the decoded strings. When the structure pass found anything secret inside
    /// the Base64 parameters, the Base64 texts themselves are noted, so the echo pass removes
    /// them from the headers, target and body where they were sent.
    static func redactUpload(_ upload: UploadDiagnosis, pass: RedactionPass, with r: inout Redactor) -> UploadDiagnosis
    {
        var u = upload
        if var c = u.callback {
            let before = r.count
            c.variables = c.variables.map { v in
                let secretByName = pass == .structure && r.names.isSecretField(ArraySlice(v.name.utf8))
                let value =
                    secretByName ? r.secret(v.value, kind: "field " + v.name.lowercased()) : r.apply(pass, to: v.value)
                return (v.name, value)
            }
            if var config = c.configuration {
                config.callbackURLs = config.callbackURLs.map { r.apply(pass, to: $0) }
                config.callbackHost = config.callbackHost.map { r.apply(pass, to: $0) }
                config.callbackBody = config.callbackBody.map { r.apply(pass, to: $0) }
                c.configuration = config
            }
            c.problems = c.problems.map { problem in
                var redacted = problem
                redacted.detail = r.apply(pass, to: problem.detail)
                return redacted
            }
            if pass == .structure, r.count > before {
                for text in c.encodedTexts { r.noteSecret(text) }
                c.encodedTexts = c.encodedTexts.map { Redactor.marker(characters: $0.count) }
            }
            u.callback = c
        }
        if var f = u.callbackFailed {
            f.document.message = f.document.message.map { r.apply(pass, to: $0) }
            u.callbackFailed = f
        }
        if var doc = u.ossError {
            doc.message = doc.message.map { r.apply(pass, to: $0) }
            doc.argumentValue = doc.argumentValue.map { r.apply(pass, to: $0) }
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

    /// Structure pass: a header secret by name loses its value (``Redactor/headerValue(name:value:)``),
    /// any other value goes through ``Redactor/text(_:)``. Echo pass: every value. `headers`
    /// itself when nothing was replaced (every replacement counts in ``Redactor/count``).
    static func redactHeaders(_ headers: HTTPHeaders, pass: RedactionPass, with r: inout Redactor) -> HTTPHeaders {
        let before = r.count
        let fields = headers.map { field in
            let value =
                switch pass {
                case .structure: r.headerValue(name: field.name, value: field.value) ?? r.text(field.value)
                case .echoes: r.echoes(field.value)
                }
            return HTTPHeaders.Field(name: field.name, value: value)
        }
        return r.count == before ? headers : HTTPHeaders(fields)
    }

    /// The preview through `pass`; the leading bytes follow the preview when they are its start
    /// (no content decoding), and are dropped otherwise (they would show the raw bytes).
    static func redactBody(_ body: BodySummary, pass: RedactionPass, with r: inout Redactor) -> BodySummary {
        var b = body
        let preview =
            switch pass {
            case .structure: r.bytes(body.preview)
            case .echoes: r.echoes(body.preview)
            }
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

// MARK: - Redaction as exchanges are written

/// Redaction of one report's exchanges made when a renderer writes them, not before: each
/// exchange goes through the same walk as in ``Report/redacted(policy:)`` (same policy, same
/// markers) the first time it is asked for, and is kept for later asks.
///
/// A renderer that writes a few exchanges of many (brief Markdown) then pays for those few.
/// ``summary`` counts what the exchanges asked for since the last ``beginPass()`` had redacted:
/// the values replaced in what was written, not in the whole report.
public final class ExchangeRedaction {
    /// The report as analysed (not redacted).
    public let report: Report
    private let names: SecretNames
    /// Redacted exchanges with what their walk replaced, by offset in `report.exchanges`.
    private var done: [Int: (exchange: ReportedExchange, count: Int, kinds: Set<String>)] = [:]
    /// Offsets asked for since ``beginPass()``.
    private var asked: Set<Int> = []

    /// Redacts `report`'s exchanges with `policy` when they are asked for.
    public init(_ report: Report, policy: RedactionPolicy = .standard) {
        self.report = report
        self.names = SecretNames(policy)
    }

    /// The exchange at `offset` in `report.exchanges`, redacted.
    public func exchange(at offset: Int) -> ReportedExchange {
        asked.insert(offset)
        if let known = done[offset] { return known.exchange }
        var redactor = Redactor(names: names)
        var result = report.exchanges[offset]
        result.diagnosed = Report.redact(result.diagnosed, with: &redactor)
        done[offset] = (result, redactor.count, redactor.kinds)
        return result
    }

    /// Starts a new count: ``summary`` then covers only exchanges asked for from now on.
    public func beginPass() { asked = [] }

    /// What was replaced in the exchanges asked for since ``beginPass()`` (`applied == true`),
    /// added to what `report` says was redacted before.
    public var summary: RedactionSummary {
        var total = report.redaction.redactedValues
        var kinds = Set(report.redaction.kinds)
        for offset in asked {
            guard let known = done[offset] else { continue }
            total += known.count
            kinds.formUnion(known.kinds)
        }
        return RedactionSummary(applied: true, redactedValues: total, kinds: kinds.sorted(), writtenOnly: true)
    }
}
