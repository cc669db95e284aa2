import HTTPExchanges

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

    /// True when a finding at `severity` or above is present.
    public func hasFinding(atLeast severity: Severity) -> Bool { findings.contains { $0.severity >= severity } }
}
