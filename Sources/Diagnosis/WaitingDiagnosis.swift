public import CaptureModel
import HTTP1
public import HTTPExchanges
import TCPReassembly

extension Diagnoser {
    /// The verdict on a callback that, at capture time `now`, has waited longer than OSS's limit
    /// (``DiagnosisSettings/latencyThresholdSeconds``, 5 s) for its response — for the live view,
    /// which reports such a callback when OSS gives up instead of when its connection ends.
    ///
    /// `exchange` is a snapshot of an exchange still in progress
    /// (`ExchangeAssembler.exchangesWaitingForResponse`). The verdict is provisional: the exchange
    /// is diagnosed again by ``diagnose(_:)`` when it is finalised, and that verdict is the one in
    /// the report.
    ///
    /// - When a side has already closed without a response, or OSS closed before the response
    ///   began, this is what ``diagnose(_:)`` says with what is known.
    /// - Otherwise: `no-response` (nothing yet) or `slow-response` (a response began but has not
    ///   completed), with OSS's reply-timeout message (facts §4.5).
    /// - Returns: nil when the exchange is not an OSS callback, or when bytes the server sent are
    ///   missing from the capture (the response may be among them: no guess).
    public func diagnoseWaiting(_ exchange: HTTPExchange, at now: Timestamp) -> DiagnosedExchange? {
        guard let request = exchange.request else { return nil }
        let signals = request.callbackSignals
        guard !signals.isEmpty, !exchange.holes.contains(where: { $0.direction == .serverToClient }) else { return nil }
        let ended = exchange.outcome.clientEnd != nil || exchange.outcome.serverEnd != nil
        if let response = exchange.response {
            if let close = Self.clientClose(exchange.outcome.clientEnd),
                close.timestamp < response.timing.start.timestamp
            {
                return diagnose(exchange)
            }
        } else if ended {
            return diagnose(exchange)
        }
        let requestEnd = request.timing.end ?? request.timing.start
        let waited = Self.duration(now.seconds(since: requestEnd.timestamp))
        let limit = Self.duration(settings.latencyThresholdSeconds)
        let ossError = Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)
        let finding: Finding
        if let response = exchange.response {
            let started = Self.duration(response.timing.start.timestamp.seconds(since: requestEnd.timestamp))
            finding = Finding(
                .slowResponse,
                "The \(response.head.status) response began \(started) after the request but had not completed \(waited) after it; OSS gives up after \(limit).",
                evidence: [
                    Evidence("requestEndFrame", "\(requestEnd.frame)"),
                    Evidence("responseStartFrame", "\(response.timing.start.frame)"),
                ],
                ossError: ossError, ossErrorSource: OSSMessageFacts.replyTimeout)
        } else {
            finding = Finding(
                .noResponse, "No response \(waited) after the request; OSS gives up after \(limit).",
                evidence: [Evidence("requestEndFrame", "\(requestEnd.frame)")], ossError: ossError,
                ossErrorSource: OSSMessageFacts.replyTimeout)
        }
        return DiagnosedExchange(
            exchange: exchange, isCallback: true, callbackSignals: signals, findings: [finding],
            outcome: .failed(ossMessage: ossError))
    }
}
