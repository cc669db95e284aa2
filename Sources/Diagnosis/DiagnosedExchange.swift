public import HTTPExchanges

/// An exchange with the verdict of the rules.
public struct DiagnosedExchange: Sendable, Equatable {
    public var exchange: HTTPExchange
    /// True when the request carries OSS's callback headers.
    public var isCallback: Bool
    public var callbackSignals: [CallbackSignal]
    /// Findings, most important first (catalogue precedence).
    public var findings: [Finding]
    public var outcome: PredictedOutcome
    /// The uploader's side, for an upload to OSS with a callback parameter or a `203
    /// CallbackFailed` answer (such an exchange is not a callback: ``outcome`` is `.notACallback`).
    public var upload: UploadDiagnosis?
    /// True for a *possible callback*: a POST (not to an OSS endpoint) whose request header
    /// section was cut — by a small snaplen, missing bytes or a limit — so that the headers
    /// that would mark it as OSS's may be in the part that is missing. ``isCallback`` is false
    /// (nothing shows it is one); its findings are what can still be judged, always with
    /// `incomplete`, so its ``outcome`` is `.failed` or `.unknown`, never `.passed`.
    public var isPossibleCallback = false
    /// True for an HTTPS connection that was *not judged* as a callback: nothing said its server
    /// is a callback server (no `--server` named it, no plaintext OSS callback went to the same
    /// address and port in the capture). It has no findings and ``outcome`` is `.notACallback`;
    /// its TLS facts are kept. See ``notJudgedHTTPS()``.
    public var isHTTPSNotJudged = false
    /// The callback's inner legs (``CallbackLeg``): the requests the callback server's host
    /// forwarded it with, or the upstream connection attempts that failed, in the order they
    /// started. Empty for a callback served by one process, and for any other exchange. Set by
    /// the analysis, which pairs legs across connections; the verdict stays this exchange's.
    public var legs: [CallbackLeg] = []

    /// Whether the message of a `.failed` ``outcome`` is documented or inferred: the source of the
    /// finding that decided it (nil for other outcomes, or when that finding names no OSS message).
    public var outcomeMessageSource: OSSMessageSource? {
        guard case .failed = outcome else { return nil }
        return Diagnoser.decidingFailure(findings)?.ossErrorSource
    }

    /// True when a finding at `severity` or above is present.
    public func hasFinding(atLeast severity: Severity) -> Bool { findings.contains { $0.severity >= severity } }

    /// This HTTPS exchange as one that is not judged (``isHTTPSNotJudged``): not a callback, no
    /// signals, no findings, no predicted outcome. The TLS session (``HTTPExchange/tls``) is kept.
    /// An exchange that is not HTTPS is returned unchanged.
    public func notJudgedHTTPS() -> DiagnosedExchange {
        guard exchange.tls != nil else { return self }
        var copy = self
        copy.isCallback = false
        copy.callbackSignals = []
        copy.findings = []
        copy.outcome = .notACallback
        copy.isHTTPSNotJudged = true
        return copy
    }
}
