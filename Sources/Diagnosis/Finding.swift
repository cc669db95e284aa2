/// One labelled fact backing a finding, e.g. `("firstBytesHex", "ef bb bf 7b 22")`.
public struct Evidence: Sendable, Hashable {
    public var key: String
    public var value: String
    public init(_ key: String, _ value: String) {
        self.key = key
        self.value = value
    }
}

/// A rule that fired on an exchange.
public struct Finding: Sendable, Hashable {
    public var rule: RuleID
    public var severity: Severity
    /// What was seen, in one sentence, with numbers.
    public var message: String
    public var evidence: [Evidence]
    /// The message OSS gives the uploader for this failure, if it reports one.
    public var ossError: String?
    /// Whether ``ossError`` is documented or inferred, and from which fact; nil without a message.
    public var ossErrorSource: OSSMessageSource?
    /// How to fix it.
    public var hint: String
    /// True when the finding rests on an estimate rather than on parsed messages: for an HTTPS
    /// callback, timings taken from TLS record boundaries (the HTTP messages are encrypted).
    public var estimated: Bool

    public init(
        rule: RuleID, severity: Severity, message: String, evidence: [Evidence], ossError: String?,
        ossErrorSource: OSSMessageSource? = nil, hint: String, estimated: Bool = false
    ) {
        self.estimated = estimated
        self.ossErrorSource = ossError == nil ? nil : ossErrorSource
        self.rule = rule
        self.severity = severity
        self.message = message
        self.evidence = evidence
        self.ossError = ossError
        self.hint = hint
    }

    /// A finding for catalogue rule `id`, with the catalogue's severity, OSS message and fix. An
    /// `ossError` of its own comes with its `ossErrorSource` (the catalogue's when not given).
    public init(
        _ id: RuleID, _ message: String, evidence: [Evidence] = [], ossError: String? = nil,
        ossErrorSource: OSSMessageSource? = nil, estimated: Bool = false
    ) {
        let rule = RuleCatalog.rule(id)
        self.init(
            rule: id, severity: rule.severity, message: message, evidence: evidence,
            ossError: ossError ?? rule.ossError,
            ossErrorSource: ossErrorSource ?? rule.ossErrorSource, hint: rule.fix, estimated: estimated)
    }
}

/// What the uploader will have been told, as far as the capture shows.
public enum PredictedOutcome: Sendable, Hashable {
    /// Not an OSS callback: no prediction.
    case notACallback
    /// OSS accepted the callback; the uploader got 200 with the server's JSON.
    case passed
    /// OSS rejected it; the uploader got `203 CallbackFailed` with `message`.
    case failed(ossMessage: String)
    /// The capture is missing bytes that the verdict depends on.
    case unknown(reason: String)

    /// `pass`, `fail`, `unknown` or `not-a-callback`.
    public var label: String {
        switch self {
        case .notACallback: "not-a-callback"
        case .passed: "pass"
        case .failed: "fail"
        case .unknown: "unknown"
        }
    }

    /// The HTTP status the uploading client received from OSS (200 or 203), when known.
    public var uploaderStatus: Int? {
        switch self {
        case .passed: 200
        case .failed: 203
        case .notACallback, .unknown: nil
        }
    }
}

/// Thresholds and limits of the rules.
public struct DiagnosisSettings: Sendable, Hashable {
    /// OSS's reply timeout; responses completing later fail (`slow-response`). Default 5 s.
    public var latencyThresholdSeconds: Double = 5.0
    /// The largest body OSS accepts, in bytes (1 MB = 1,048,576; facts §4.4). Default 1 MB.
    public var maxBodyBytes: Int64 = 1 << 20
    public init() {}
}
