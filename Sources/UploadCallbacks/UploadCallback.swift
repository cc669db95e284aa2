import ByteText
public import HTTP1
import JSONValidation

/// Where an upload request carried its callback parameter (facts §7.1).
public enum CallbackLocation: String, Sendable, Hashable, CaseIterable {
    /// `x-oss-callback` / `x-oss-callback-var` request headers.
    case header
    /// `?callback=…&callback-var=…` query parameters.
    case query
    /// PostObject `multipart/form-data` fields `callback` and `x:…`.
    case form
}

/// OSS's `400 InvalidArgument` messages for a bad callback configuration, verbatim (facts §7.3,
/// typos included), with the EC code where one is documented.
public enum CallbackRejection: String, Sendable, Hashable, CaseIterable {
    case notBase64 = "The callback configuration is not base64 encoded."
    case notJSON = "The callback configuration is not json format."
    case invalidURL = "The callback url configuration is invalid."
    case invalidHost = "The callback host configuration is invalid."
    case invalidBodyType = "The callback body type configuration is invalid."
    case tooManyURLs = "The number of callback url exceed max value."
    case bothCallbackPlaces =
        "Either the callback query string parameter or the x-oss-callback header should be specified, not both."
    case bothVarPlaces =
        "Either the callback-var query string parameter or the x-oss-callback-var header should be specified, not both."
    case privateAddress = "Private address is forbidden to callback."
    case callbackTooLong = "The length of callback exceed max value."
    case emptyBody = "The callback body is empty."
    case invalidBody = "The callback body is invalid."
    case varTooLong = "The length of callback var exceed max value."
    case varNotJSON = "The callback var is not expecten json."
    case invalidSignatureVersion = "The callback signature version is invalid."
    case invalidSNI = "The callback sni is invalid."

    /// The documented EC code (`0007-000000NN`), if any.
    public var ec: String? {
        switch self {
        case .notBase64: "0007-00000002"
        case .invalidURL: "0007-00000004"
        case .tooManyURLs: "0007-00000005"
        case .privateAddress: "0007-00000008"
        case .emptyBody: "0007-00000011"
        case .bothCallbackPlaces: "0007-00000027"
        case .varTooLong: "0007-00000101"
        default: nil
        }
    }

    /// How to fix the callback parameter so that OSS accepts it, in our words.
    public var fix: String {
        switch self {
        case .notBase64:
            "Encode the callback JSON with standard Base64 (RFC 4648 §4: A-Z a-z 0-9 + / with = padding), not the URL-safe alphabet, and without line breaks."
        case .notJSON:
            "Build the callback parameter with a JSON library (json.dumps, JSON.stringify) instead of by string concatenation, then Base64-encode it."
        case .invalidURL:
            "Give callbackUrl as one or more http:// or https:// URLs (host, optional port, path), separated by ';'."
        case .invalidHost:
            "Set callbackHost to a bare host name (optionally with :port), or leave it out so that OSS uses callbackUrl's host."
        case .invalidBodyType:
            "Set callbackBodyType to \"application/x-www-form-urlencoded\" or \"application/json\", or leave it out."
        case .tooManyURLs: "List at most 5 URLs in callbackUrl, separated by ';'."
        case .bothCallbackPlaces:
            "Send callback in one place only: the x-oss-callback header or the callback query parameter."
        case .bothVarPlaces:
            "Send callback-var in one place only: the x-oss-callback-var header or the callback-var query parameter."
        case .privateAddress:
            "Use a public host name or address that OSS can reach for callbackUrl (and callbackHost for the Host header)."
        case .callbackTooLong:
            "Shorten the callback JSON until its Base64 fits in 5 KB: pass long values in callback-var or keep them on the server."
        case .emptyBody:
            "Set callbackBody to the body OSS should send, e.g. bucket=${bucket}&object=${object}&size=${size}."
        case .invalidBody: "Give callbackBody as a JSON string."
        case .varTooLong: "Keep the Base64 callback-var within 5 KB: send fewer or shorter variables."
        case .varNotJSON:
            "Send callback-var as standard Base64 of a JSON object whose members are x:lowercase names with string values, e.g. {\"x:uid\":\"1042\"}."
        case .invalidSignatureVersion: "Leave signatureVersion out, or set it to \"1.0\" or \"2.0\"."
        case .invalidSNI: "Set \"callbackSNI\" to the JSON boolean true or false, not a string."
        }
    }
}

/// One thing wrong with (or not checkable in) an upload's callback parameters.
public struct CallbackProblem: Sendable, Hashable {
    /// OSS's InvalidArgument message when OSS rejects the upload for this; nil for a note that
    /// OSS does not reject (or whose message is not documented).
    public var rejection: CallbackRejection?
    /// What was seen, in our words, with the offending value.
    public var detail: String
    /// How to fix this problem (not the rule's general advice).
    public var fix: String

    /// A problem OSS rejects the upload for, with that rejection's fix.
    public init(_ rejection: CallbackRejection, _ detail: String) {
        self.rejection = rejection
        self.detail = detail
        self.fix = rejection.fix
    }

    /// A note: something that will not work as meant, though OSS accepts the upload.
    public init(note detail: String, fix: String) {
        self.rejection = nil
        self.detail = detail
        self.fix = fix
    }

    public var ossMessage: String? { rejection?.rawValue }
    public var ec: String? { rejection?.ec }
}

/// The callback JSON (facts §7.2), as far as it could be read.
public struct CallbackConfiguration: Sendable, Hashable {
    /// The `callbackUrl` entries, split at `;`.
    public var callbackURLs: [String] = []
    public var callbackHost: String?
    public var callbackBody: String?
    public var callbackBodyType: String?
    /// `callbackSNI` as a JSON boolean; nil when absent or not a boolean (see the problems).
    public var callbackSNI: Bool?
    public var signatureVersion: String?
    /// Member names OSS does not document (kept to show them).
    public var otherKeys: [String] = []
    public init() {}
}

/// An upload request's callback parameters: where they were, what they decode to, and what OSS
/// will say about them.
public struct UploadCallbackRequest: Sendable, Hashable {
    /// The place the `callback` parameter was read from (the first of ``locations``).
    public var location: CallbackLocation
    /// Every place a `callback` parameter was found (two means OSS rejects the upload); empty when
    /// the upload has only `callback-var` (see ``variableLocations``).
    public var locations: [CallbackLocation]
    /// Every place a `callback-var` parameter was found (header or query; PostObject's `x:` form
    /// fields are not counted here).
    public var variableLocations: [CallbackLocation] = []
    /// Bytes of the Base64 `callback` text as sent (after percent-decoding a query value).
    public var encodedLength: Int
    /// The decoded configuration; nil when it could not be decoded (see ``problems``) or was not seen.
    public var configuration: CallbackConfiguration?
    /// Custom variables (`x:name` → value), from `callback-var` or PostObject `x:` fields.
    public var variables: [(name: String, value: String)] = []
    /// Everything wrong, in the order OSS would check it (as far as known).
    public var problems: [CallbackProblem] = []
    /// Why the parameters could not be judged in full (a form field beyond the kept body prefix), if so.
    public var unverifiable: String?
    /// The Base64 texts as sent (for redaction: they encode the variables).
    public var encodedTexts: [String] = []

    /// The bound OSS puts on the Base64 `callback` and `callback-var` texts: 5 KB.
    public static let maxEncodedBytes = 5 * 1024

    /// What OSS answers, if it rejects the upload: the first rejecting problem.
    public var predictedRejection: CallbackProblem? { problems.first { $0.rejection != nil } }

    public static func == (a: UploadCallbackRequest, b: UploadCallbackRequest) -> Bool {
        a.location == b.location && a.locations == b.locations && a.variableLocations == b.variableLocations
            && a.encodedLength == b.encodedLength
            && a.configuration == b.configuration && a.variables.map(\.name) == b.variables.map(\.name)
            && a.variables.map(\.value) == b.variables.map(\.value) && a.problems == b.problems
            && a.unverifiable == b.unverifiable && a.encodedTexts == b.encodedTexts
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(location)
        hasher.combine(problems)
    }

    /// The callback parameters of an upload request, or nil when it carries none.
    ///
    /// - Parameters:
    ///   - target: the request target (`/object?callback=…`).
    ///   - headers: the request headers.
    ///   - body: the kept prefix of the request body (raw, as sent).
    ///   - bodyComplete: true when `body` is the whole body.
    public static func inspect(target: String, headers: HTTPHeaders, body: [UInt8], bodyComplete: Bool)
        -> UploadCallbackRequest?
    {
        var found = FoundParameters()
        found.read(headers, query: Self.queryParameters(target))
        if let contentType = headers["content-type"],
            let boundary = MultipartFormPrefix.boundary(contentType: contentType)
        {
            found.read(
                MultipartFormPrefix(body: body, boundary: boundary), keptBytes: body.count, bodyComplete: bodyComplete)
        }
        guard !found.isEmpty else { return nil }
        var result = UploadCallbackRequest(found)
        result.decode(found)
        return result
    }

    /// The parameters' places and texts as found, with a problem for each parameter given in two
    /// places (nothing decoded yet).
    private init(_ found: FoundParameters) {
        let (callbackTexts, varTexts) = (found.callbackTexts, found.varTexts)
        self.init(
            location: callbackTexts.first?.0 ?? (found.unverifiable != nil ? .form : varTexts.first?.0 ?? .header),
            locations: callbackTexts.map(\.0), encodedLength: callbackTexts.first?.1.count ?? 0)
        unverifiable = found.unverifiable
        variableLocations = varTexts.map(\.0)
        encodedTexts = (callbackTexts + varTexts).map { String(decoding: $0.1, as: UTF8.self) }
        if callbackTexts.count > 1 {
            problems.append(
                CallbackProblem(
                    .bothCallbackPlaces,
                    "callback given in \(callbackTexts.map(\.0.rawValue).joined(separator: " and "))"))
        }
        if varTexts.count > 1 {
            problems.append(
                CallbackProblem(
                    .bothVarPlaces, "callback-var given in \(varTexts.map(\.0.rawValue).joined(separator: " and "))"))
        }
    }

    /// Decodes the first `callback` and `callback-var` texts, takes the form's `x:` variables, and
    /// notes a `callback-var` without a `callback`.
    private mutating func decode(_ found: FoundParameters) {
        if let (_, text) = found.callbackTexts.first { decodeConfiguration(text) }
        if let (_, text) = found.varTexts.first { decodeVariables(text) }
        for (name, value) in found.formVariables {
            variables.append((name, value))
            if let note = Self.variableNameNote(name) { problems.append(note) }
        }
        if found.callbackTexts.isEmpty && found.unverifiable == nil {
            problems.append(
                CallbackProblem(
                    note:
                        "callback-var is given without a callback parameter, so OSS makes no callback for this upload",
                    fix:
                        "Add the callback parameter (x-oss-callback) when this upload should trigger a callback; otherwise leave callback-var out."
                ))
        }
    }

    /// `name=value` pairs of the query, percent-decoded (RFC 3986 §2.1; `+` is kept as `+`,
    /// because a raw `+` of Base64 text is what most clients send).
    static func queryParameters(_ target: String) -> [(name: String, value: [UInt8])] {
        guard let q = target.firstIndex(of: "?") else { return [] }
        var query = target[target.index(after: q)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        return query.split(separator: "&").prefix(256).map { pair in
            let eq = pair.firstIndex(of: "=") ?? pair.endIndex
            let name = String(decoding: percentDecode(Array(pair[..<eq].utf8)), as: UTF8.self)
            let value = eq == pair.endIndex ? [] : percentDecode(Array(pair[pair.index(after: eq)...].utf8))
            return (name, value)
        }
    }

    /// `%XX` decoded, `+` kept, a malformed escape kept as it is.
    static func percentDecode(_ b: [UInt8]) -> [UInt8] {
        PercentEncoding.decode(b, plusAsSpace: false, invalidEscapes: .keep) ?? b
    }

    /// A form value without the trailing CR/LF some clients add.
    static func trimmedFormValue(_ value: [UInt8]) -> [UInt8] {
        Array(ASCIIText.trimmingEnd(value[...]) { $0 == 0x0D || $0 == 0x0A || $0 == 0x20 })
    }

    init(location: CallbackLocation, locations: [CallbackLocation], encodedLength: Int) {
        self.location = location
        self.locations = locations
        self.encodedLength = encodedLength
    }

    // MARK: - Validation (facts §7.2, §7.3)

    /// Decodes the Base64 `callback` text and checks it field by field (facts §7.2, §7.3); sets
    /// ``configuration`` when it is a JSON object.
    mutating func decodeConfiguration(_ text: [UInt8]) {
        guard let json = decodeCallbackObject(text), case .object(let members) = json else { return }
        var config = CallbackConfiguration()
        let known: Set = [
            "callbackUrl", "callbackHost", "callbackBody", "callbackBodyType", "callbackSNI", "signatureVersion",
            "additionalHeaders",
        ]
        config.otherKeys = members.map(\.key).filter { !known.contains($0) }
        checkURLs(json["callbackUrl"], into: &config)
        checkHost(json["callbackHost"], into: &config)
        checkBody(json["callbackBody"], into: &config)
        checkBodyType(json["callbackBodyType"], into: &config)
        if let note = Self.jsonTemplateNote(config) { problems.append(note) }
        checkSNIAndSignatureVersion(json, into: &config)
        configuration = config
        // Rejections first (in the order above), notes after.
        problems = problems.filter { $0.rejection != nil } + problems.filter { $0.rejection == nil }
    }

    /// The callback text as a JSON object, or nil with the problem recorded: too long, not
    /// standard Base64, not JSON, or JSON but not an object.
    mutating func decodeCallbackObject(_ text: [UInt8]) -> SmallJSONValue? {
        if text.count > Self.maxEncodedBytes {
            problems.append(
                CallbackProblem(
                    .callbackTooLong,
                    "the Base64 callback is \(text.count) bytes, over OSS's 5 KB (\(Self.maxEncodedBytes)) limit"))
            return nil
        }
        let bytes: [UInt8]
        switch StrictBase64.decode(text, limit: Self.maxEncodedBytes) {
        case .success(let decoded): bytes = decoded
        case .failure(let failure):
            problems.append(CallbackProblem(.notBase64, "callback is not standard Base64: \(failure)"))
            return nil
        }
        switch SmallJSON.parse(bytes) {
        case .success(let value):
            guard case .object = value else {
                problems.append(
                    CallbackProblem(.notJSON, "the decoded callback is a JSON \(value.typeName), not an object"))
                return nil
            }
            return value
        case .failure(let failure):
            problems.append(CallbackProblem(.notJSON, "the decoded callback is not JSON (\(failure))"))
            return nil
        }
    }

    /// `callbackUrl`: required, at most 5 entries separated by `;`, each a valid http(s) URL, none
    /// private or loopback; an IPv6 host is a note.
    mutating func checkURLs(_ value: SmallJSONValue?, into config: inout CallbackConfiguration) {
        guard let urls = string(value, named: "callbackUrl", otherwise: .invalidURL, ifMissing: .invalidURL) else {
            return
        }
        let entries = urls.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        config.callbackURLs = entries.map { $0.trimmingASCII(" \t") }
        if entries.count > 5 {
            problems.append(
                CallbackProblem(
                    .tooManyURLs, "callbackUrl lists \(entries.count) URLs; OSS allows at most 5, separated by ';'"))
        }
        for entry in entries.prefix(5) { checkURL(entry) }
    }

    /// One `callbackUrl` entry.
    mutating func checkURL(_ entry: String) {
        switch CallbackURL.parse(entry) {
        case .failure(let error):
            problems.append(
                CallbackProblem(.invalidURL, "callbackUrl entry \"\(entry.trimmingASCII(" \t"))\": \(error)"))
        case .success(let url):
            if let range = url.address?.privateRange {
                problems.append(CallbackProblem(.privateAddress, "callbackUrl host \(url.host) is in \(range)"))
            } else if url.host.lowercased() == "localhost" || url.host.lowercased().hasSuffix(".localhost") {
                problems.append(CallbackProblem(.privateAddress, "callbackUrl host \(url.host) is the loopback name"))
            } else if case .v6? = url.address {
                problems.append(
                    CallbackProblem(
                        note:
                            "callbackUrl host [\(url.host)] is an IPv6 address; OSS does not call IPv6 addresses (facts §2.1; its message for this is not documented)",
                        fix:
                            "Give callbackUrl a host with an IPv4 address, or a name that resolves to one: OSS does not call IPv6 addresses."
                    ))
            }
        }
    }

    /// `callbackHost`: optional; a host name, optionally with `:port`.
    mutating func checkHost(_ value: SmallJSONValue?, into config: inout CallbackConfiguration) {
        guard let host = string(value, named: "callbackHost", otherwise: .invalidHost) else { return }
        config.callbackHost = host
        let h = host.trimmingASCII(" \t")
        let bare = h.split(separator: ":", maxSplits: 1).first.map(String.init) ?? ""
        if h.isEmpty || !CallbackURL.isHostName(Substring(bare)) || bare.isEmpty {
            problems.append(CallbackProblem(.invalidHost, "callbackHost \"\(host)\" is not a host name"))
        }
    }

    /// `callbackBody`: required, a non-empty string.
    mutating func checkBody(_ value: SmallJSONValue?, into config: inout CallbackConfiguration) {
        guard let body = string(value, named: "callbackBody", otherwise: .invalidBody, ifMissing: .emptyBody) else {
            return
        }
        config.callbackBody = body
        if body.trimmingASCII(" \t").isEmpty {
            problems.append(CallbackProblem(.emptyBody, "callbackBody is an empty string"))
        }
    }

    /// `callbackBodyType`: optional; `application/x-www-form-urlencoded` or `application/json`.
    mutating func checkBodyType(_ value: SmallJSONValue?, into config: inout CallbackConfiguration) {
        guard let type = string(value, named: "callbackBodyType", otherwise: .invalidBodyType) else { return }
        config.callbackBodyType = type
        let media = type.split(separator: ";").first.map { $0.trimmingASCII(" \t").lowercased() } ?? ""
        if media != "application/x-www-form-urlencoded" && media != "application/json" {
            problems.append(
                CallbackProblem(
                    .invalidBodyType,
                    "callbackBodyType \"\(type)\" is neither application/x-www-form-urlencoded nor application/json"))
        }
    }

    /// `callbackSNI` (a JSON boolean) and `signatureVersion` (`"1.0"` or `"2.0"`), both optional.
    mutating func checkSNIAndSignatureVersion(_ json: SmallJSONValue, into config: inout CallbackConfiguration) {
        switch json["callbackSNI"] {
        case .bool(let sni)?: config.callbackSNI = sni
        case nil: break
        case let other?:
            let shown: String
            if case .string(let s) = other { shown = "the string \"\(s)\"" } else { shown = "a JSON \(other.typeName)" }
            problems.append(
                CallbackProblem(.invalidSNI, "callbackSNI is \(shown); it must be the JSON boolean true or false"))
        }
        guard
            let version = string(
                json["signatureVersion"], named: "signatureVersion", otherwise: .invalidSignatureVersion)
        else { return }
        config.signatureVersion = version
        if version != "1.0" && version != "2.0" {
            problems.append(
                CallbackProblem(
                    .invalidSignatureVersion, "signatureVersion \"\(version)\" is neither \"1.0\" nor \"2.0\""))
        }
    }

    /// The text of configuration member `name` when `value` is a JSON string; nil otherwise,
    /// recording `otherwise` when it is another JSON type and `ifMissing` (when given) when it is
    /// absent.
    mutating func string(
        _ value: SmallJSONValue?, named name: String, otherwise: CallbackRejection,
        ifMissing: CallbackRejection? = nil
    ) -> String? {
        switch value {
        case .string(let text)?: return text
        case nil:
            if let ifMissing { problems.append(CallbackProblem(ifMissing, "\(name) is missing")) }
        case let other?:
            problems.append(CallbackProblem(otherwise, "\(name) is a JSON \(other.typeName), not a string"))
        }
        return nil
    }

    mutating func decodeVariables(_ text: [UInt8]) {
        if text.count > Self.maxEncodedBytes {
            problems.append(
                CallbackProblem(
                    .varTooLong,
                    "the Base64 callback-var is \(text.count) bytes, over OSS's 5 KB (\(Self.maxEncodedBytes)) limit"))
            return
        }
        let bytes: [UInt8]
        switch StrictBase64.decode(text, limit: Self.maxEncodedBytes) {
        case .success(let decoded): bytes = decoded
        case .failure(let failure):
            problems.append(
                CallbackProblem(
                    .varNotJSON,
                    "callback-var is not standard Base64 (\(failure)); OSS's exact message for this is not documented"))
            return
        }
        guard case .success(let json) = SmallJSON.parse(bytes), case .object(let members) = json else {
            problems.append(CallbackProblem(.varNotJSON, "the decoded callback-var is not a JSON object"))
            return
        }
        for member in members {
            switch member.value {
            case .string(let value): variables.append((member.key, value))
            default:
                problems.append(
                    CallbackProblem(
                        .varNotJSON,
                        "callback-var member \"\(member.key)\" is a JSON \(member.value.typeName), not a string"))
            }
            if let note = Self.variableNameNote(member.key) { problems.append(note) }
        }
    }

    /// A note when a custom variable's name breaks OSS's rule "custom variable keys start with x:
    /// and must be lowercase" (facts §7.2), saying which part it breaks.
    static func variableNameNote(_ name: String) -> CallbackProblem? {
        var wrong: [String] = []
        if !name.hasPrefix("x:") { wrong.append("does not start with x:") }
        if name != name.lowercased() { wrong.append("has upper-case letters") }
        guard !wrong.isEmpty else { return nil }
        let lower = name.lowercased()
        let suggested = lower.hasPrefix("x:") ? lower : "x:" + lower
        return CallbackProblem(
            note:
                "variable \"\(name)\" \(wrong.joined(separator: " and ")); OSS documents custom variable names as x: followed by lower-case letters",
            fix: "Name the variable \"\(suggested)\", in callback-var and in callbackBody alike.")
    }

    /// A note when `callbackBodyType` is `application/json` and `callbackBody` cannot become JSON
    /// whatever OSS substitutes for its variables (``CallbackBodyTemplate``).
    static func jsonTemplateNote(_ config: CallbackConfiguration) -> CallbackProblem? {
        guard let type = config.callbackBodyType, let body = config.callbackBody, !body.trimmingASCII(" \t").isEmpty,
            type.split(separator: ";").first.map({ $0.trimmingASCII(" \t").lowercased() }) == "application/json",
            let error = CallbackBodyTemplate.firstError(body)
        else { return nil }
        return CallbackProblem(
            note:
                "callbackBodyType is application/json but callbackBody cannot become JSON whatever OSS puts in its variables: \(error), so the callback server gets a body that is not JSON",
            fix:
                "Write callbackBody as a complete JSON object with each variable as a bare value, e.g. {\"object\":${object},\"size\":${size}} (OSS adds the quotes), or set callbackBodyType to application/x-www-form-urlencoded."
        )
    }
}

/// The callback parameters one upload request carries, in the order found (header, query, form),
/// before anything is decoded.
private struct FoundParameters {
    var callbackTexts: [(CallbackLocation, [UInt8])] = []
    var varTexts: [(CallbackLocation, [UInt8])] = []
    /// PostObject's complete `x:` form fields (name, value).
    var formVariables: [(String, String)] = []
    /// Why the form's parameters cannot be judged in full, if so.
    var unverifiable: String?

    var isEmpty: Bool { callbackTexts.isEmpty && unverifiable == nil && varTexts.isEmpty }

    /// `x-oss-callback` and `x-oss-callback-var` from the headers, then `callback` and
    /// `callback-var` from the (percent-decoded) query.
    mutating func read(_ headers: HTTPHeaders, query: [(name: String, value: [UInt8])]) {
        if let value = headers["x-oss-callback"] { callbackTexts.append((.header, Array(value.utf8))) }
        if let value = headers["x-oss-callback-var"] { varTexts.append((.header, Array(value.utf8))) }
        if let value = query.first(where: { $0.name == "callback" }) { callbackTexts.append((.query, value.value)) }
        if let value = query.first(where: { $0.name == "callback-var" }) { varTexts.append((.query, value.value)) }
    }

    /// PostObject's `callback` field and `x:` fields from the kept prefix (`keptBytes` long) of a
    /// multipart body; ``unverifiable`` says so when a field that matters may lie past it.
    mutating func read(_ form: MultipartFormPrefix, keptBytes: Int, bodyComplete: Bool) {
        for field in form.fields {
            if field.name == "callback" {
                if field.complete {
                    callbackTexts.append((.form, UploadCallbackRequest.trimmedFormValue(field.value)))
                } else if field.length > UploadCallbackRequest.maxEncodedBytes {
                    // Already over OSS's bound within the bytes kept: too long, whatever follows.
                    callbackTexts.append((.form, field.value))
                } else {
                    unverifiable =
                        "the PostObject callback field runs past the \(keptBytes) body bytes kept, so it cannot be decoded"
                }
            } else if field.name.lowercased().hasPrefix("x:"), field.complete {
                formVariables.append((field.name, String(decoding: field.value, as: UTF8.self)))
            }
        }
        let sawCallback = form.fields.contains { $0.name == "callback" }
        if !sawCallback && !form.reachedFileOrEnd && !bodyComplete && !formVariables.isEmpty {
            unverifiable =
                "the form has x: variables but its fields run past the \(keptBytes) body bytes kept; a callback field may be among them"
        }
    }
}
