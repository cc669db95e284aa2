/// How bad a finding is. Ordered: `info < warning < error`.
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
    case info, warning, error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// A stable rule identifier, as it appears in reports (`findings[].rule`) and in `callback-doctor rules`.
public struct RuleID: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
    public static func < (lhs: RuleID, rhs: RuleID) -> Bool { lhs.rawValue < rhs.rawValue }

    public static let connectionRefused = RuleID(rawValue: "connection-refused")
    public static let noResponse = RuleID(rawValue: "no-response")
    public static let slowResponse = RuleID(rawValue: "slow-response")
    public static let badStatus = RuleID(rawValue: "bad-status")
    public static let bomPrefix = RuleID(rawValue: "bom-prefix")
    public static let nonJSONBody = RuleID(rawValue: "non-json-body")
    public static let missingContentLength = RuleID(rawValue: "missing-content-length")
    public static let contentLengthMismatch = RuleID(rawValue: "content-length-mismatch")
    public static let bodyTooLarge = RuleID(rawValue: "body-too-large")
    public static let incomplete = RuleID(rawValue: "incomplete")
    // The uploader's side (issue #7): uploads to OSS that carry a callback parameter.
    public static let callbackConfigInvalid = RuleID(rawValue: "callback-config-invalid")
    public static let callbackPrivateAddress = RuleID(rawValue: "callback-private-address")
    public static let callbackFailedAtOSS = RuleID(rawValue: "callback-failed-at-oss")
    public static let callbackConfigWarning = RuleID(rawValue: "callback-config-warning")
    public static let callbackConfigUnverifiable = RuleID(rawValue: "callback-config-unverifiable")
    // Authenticity (issue #7): the callback's signature and key URL.
    public static let signatureInvalid = RuleID(rawValue: "signature-invalid")
    public static let untrustedKeyURL = RuleID(rawValue: "untrusted-key-url")
    public static let forgedCallbackAccepted = RuleID(rawValue: "forged-callback-accepted")
    public static let unsignedCallbackAccepted = RuleID(rawValue: "unsigned-callback-accepted")
    public static let genuineCallbackRejected = RuleID(rawValue: "genuine-callback-rejected")
    // HTTPS callbacks seen through TLS records (issue #7).
    public static let tlsHandshakeFailed = RuleID(rawValue: "tls-handshake-failed")
    public static let tlsNoSNI = RuleID(rawValue: "tls-no-sni")
}

/// What a rule is about.
public enum RuleConcern: String, Sendable, Hashable {
    /// What OSS checks in the server's answer: an error here is what OSS told the uploader
    /// (the predicted outcome).
    case delivery
    /// Whether the callback is OSS's own and how the server treats that (the signature and its
    /// key URL): it says nothing about what OSS told the uploader.
    case authenticity
}

/// One rule of the catalogue: what it checks, what OSS tells the uploader, why it happens and
/// how to fix it. Sources: `../shared/reference/oss-callback-facts.md` §4 and the OSS
/// troubleshooting page, in our own words.
public struct Rule: Sendable, Hashable {
    public var id: RuleID
    public var severity: Severity
    /// A short human title (`status is not 200`, `byte-order mark before the JSON`), for
    /// report headings and tables; `summary` is the full sentence.
    public var title: String
    /// One line: when the rule fires.
    public var summary: String
    /// What OSS returns to the uploader (203 CallbackFailed message), if it reports one.
    public var ossError: String?
    /// Why it happens in practice.
    public var why: String
    /// How to fix it.
    public var fix: String
    /// What a finding of this rule does *not* claim: the limits of what its evidence shows
    /// (shown by `callback-doctor rules` and README's rule table).
    public var notClaimed: String
    /// Delivery rules decide the predicted outcome; authenticity rules never do.
    public var concern: RuleConcern = .delivery
    /// Whether ``ossError`` is documented or inferred, and from which fact (nil without one).
    public var ossErrorSource: OSSMessageSource? = nil
}
