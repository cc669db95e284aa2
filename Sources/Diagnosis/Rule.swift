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
    public static let tlsHandshakeFailed = RuleID(rawValue: "tls-handshake-failed")
    public static let tlsNoSNI = RuleID(rawValue: "tls-no-sni")
}

/// One rule of the catalogue: what it checks, what OSS tells the uploader, why it happens and
/// how to fix it. Sources: `../shared/reference/oss-callback-facts.md` §4 and the OSS
/// troubleshooting page, in our own words.
public struct Rule: Sendable, Hashable {
    public var id: RuleID
    public var severity: Severity
    /// One line: when the rule fires.
    public var summary: String
    /// What OSS returns to the uploader (203 CallbackFailed message), if it reports one.
    public var ossError: String?
    /// Why it happens in practice.
    public var why: String
    /// How to fix it.
    public var fix: String
}
