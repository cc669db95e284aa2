/// How the tool knows the message it predicts OSS gave the uploader (a `203 CallbackFailed`
/// message, or OSS's `400 InvalidArgument`): from OSS's documentation, by inference from it, or
/// quoted from OSS's own answer in the capture. Facts are cited from
/// `../shared/reference/oss-callback-facts.md` (`facts §4.7 [D21-203]`: section and source tag).
public struct OSSMessageSource: Sendable, Hashable {
    public enum Basis: String, Sendable, Hashable {
        /// A source (OSS's documentation, or Alibaba's own test against real OSS) gives this
        /// message for this cause.
        case documented
        /// No source gives this message for this cause: it is the nearest documented message,
        /// reasoned from the documented cases.
        case inferred
        /// Quoted from OSS's own answer captured in this exchange (the uploader's side).
        case observed
    }

    public var basis: Basis
    /// The fact it rests on, e.g. `facts §4.7 [D21-203]`; for an inference, why it is one.
    public var fact: String

    public init(_ basis: Basis, _ fact: String) {
        self.basis = basis
        self.fact = fact
    }

    public static func documented(_ fact: String) -> OSSMessageSource { OSSMessageSource(.documented, fact) }
    public static func inferred(_ fact: String) -> OSSMessageSource { OSSMessageSource(.inferred, fact) }
    /// Quoted from OSS's answer in the capture.
    public static let observed = OSSMessageSource(.observed, "quoted from OSS's answer in the capture")

    /// `documented: facts §4.7 [D21-203]`, as the human reports print it after the message.
    public var label: String { "\(basis.rawValue): \(fact)" }
}

/// The sources of the OSS messages the rules predict, one home for each citation.
enum OSSMessageFacts {
    static let cannotConnect = OSSMessageSource.documented("facts §4.7, OSS cannot reach the server [D21-T][D21-203]")
    static let tlsFailure = OSSMessageSource.documented(
        "facts §2.6, §4.1: 502 for a certificate mismatch without SNI [W25]; -1 in field reports (§6)")
    static let replyTimeout = OSSMessageSource.documented(
        "facts §4.5, §4.7: the reply timeout for a server over 5 s [D21-T]; which of OSS's timeout messages it gives is not documented (§8)"
    )
    static let closedWithoutAnswer = OSSMessageSource.inferred(
        "facts §4.7, §8: no source gives OSS's message for a connection closed or reset without an answer; 502 is documented for a broken connection"
    )
    static let status = OSSMessageSource.documented("facts §4.1, §4.7: \"Error status : <code>.\" [D21-T][GOV2]")
    static let notJSON = OSSMessageSource.documented(
        "facts §4.2, §4.7: a BOM and a plain OK are OSS's own examples [D21-T]")
    static let emptyBody = OSSMessageSource.inferred(
        "facts §8: whether an empty body gives this or a Content-Length message is not documented")
    static let missingContentLength = OSSMessageSource.documented("facts §4.4, §4.7: no Content-Length [D21-203]")
    static let chunked = OSSMessageSource.inferred(
        "facts §4.4, §8: no source tests a chunked answer; inferred from the missing content-length rule")
    static let invalidContentLength = OSSMessageSource.documented("facts §4.4, §4.7: not a positive integer [D21-203]")
    static let lengthMismatch = OSSMessageSource.inferred(
        "facts §8: how OSS reports a body shorter or longer than its Content-Length is not documented; the nearest documented message"
    )
    static let undecodable = OSSMessageSource.inferred(
        "facts §4.2, §8: OSS sends no Accept-Encoding; whether it decodes a Content-Encoding is not documented")
    static let tooLong = OSSMessageSource.documented("facts §4.4, §4.7: a body over 1 MB [D21-203][P203]")
    static let invalidArgument = OSSMessageSource.documented("facts §7.3, OSS's InvalidArgument messages [D21-400]")
    static let privateAddress = OSSMessageSource.documented("facts §2.1, §7.3 [D21-400]")
}
