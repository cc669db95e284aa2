import CallbackSignature
public import CaptureModel
public import Diagnosis
import HTTPExchanges
public import ReportModel
import TCPReassembly

/// What the pipeline tells an observer while it runs (the live view).
public enum PipelineEvent: Sendable {
    /// An exchange was finalised and diagnosed: this is its verdict in the report.
    /// `earlier` is the provisional verdict given by ``PacketPipeline/advance(to:observer:)`` when
    /// the exchange was still waiting past OSS's timeout, if it was.
    case finished(DiagnosedExchange, earlier: DiagnosedExchange?)
    /// A callback has waited longer than OSS's timeout for its response and is still open: the
    /// provisional verdict (``Diagnoser/diagnoseWaiting(_:at:)``). Reported once per exchange.
    case overdue(DiagnosedExchange)
}

/// The stages of the analysis for one source of packets — a capture file or a live interface:
/// packets → decoding → TCP streams → HTTP exchanges → findings → the capture's part of the report.
///
/// Feed it packets in capture order with ``process(_:observer:)``, call ``finish(observer:)`` at
/// the end, then take ``result()``. Memory is bounded by open connections, the bounded bytes kept
/// per exchange and the exchanges listed (``AnalysisOptions/maxPassingExchangesKept``), not by the
/// number of packets.
///
/// A live source also calls ``advance(to:observer:)`` on its clock ticks, so that callbacks OSS
/// has given up on are reported when that happens rather than when their connection ends. This
/// never changes the result: it only reads snapshots of exchanges still in progress.
public struct PacketPipeline {
    /// The capture's name in the report (a path, or an interface).
    public let capture: String
    public let options: AnalysisOptions
    private var intake = PacketIntake()
    private var flows: FlowAnalysis
    /// Provisional verdicts of exchanges reported as overdue and not yet finalised, by
    /// connection and exchange index.
    private var overdue: [ExchangeKey: DiagnosedExchange] = [:]

    private struct ExchangeKey: Hashable {
        var connection: Int
        var index: Int
        init(_ exchange: HTTPExchange) {
            connection = exchange.connection.id
            index = exchange.index
        }
    }

    public init(capture: String, options: AnalysisOptions) {
        self.capture = capture
        self.options = options
        flows = FlowAnalysis(options: options)
    }

    /// Packets processed so far.
    public var packetCount: Int { intake.packets }

    /// The capture time of the latest packet.
    public var lastPacketTime: Timestamp? { intake.lastPacketTime }

    /// Runs one packet through the stages.
    public mutating func process(_ packet: CapturedPacket) {
        if intake.packets == 0 { flows.captureStarted(at: packet.timestamp) }
        guard let admitted = intake.admit(packet) else { return }
        flows.process(admitted.segment, origin: admitted.origin, sweepFirst: admitted.sweepFirst)
    }

    /// Runs one packet through the stages; `observer` hears about the exchanges it finalises.
    ///
    /// A separate method rather than an optional `observer` on ``process(_:)``: an optional
    /// closure on the per-packet path cost a generic copy and destroy of it on every packet.
    public mutating func process(_ packet: CapturedPacket, observer: @escaping (PipelineEvent) -> Void) {
        if intake.packets == 0 { flows.captureStarted(at: packet.timestamp) }
        guard let admitted = intake.admit(packet) else { return }
        telling(observer) { flows, onFinished in
            flows.process(
                admitted.segment, origin: admitted.origin, sweepFirst: admitted.sweepFirst, onFinished: onFinished)
        }
    }

    /// Tells the pipeline that capture time `now` has been reached (a live source's clock tick):
    /// every OSS callback whose request ended more than OSS's timeout
    /// (``DiagnosisSettings/latencyThresholdSeconds``) before `now` and that still has no complete
    /// response is reported once to `observer` as ``PipelineEvent/overdue(_:)``.
    public mutating func advance(to now: Timestamp, observer: (PipelineEvent) -> Void) {
        // Callbacks held for their legs (LegPairing) whose window the clock has passed.
        for diagnosed in flows.clockTick(now: now) {
            observer(.finished(diagnosed, earlier: overdue.removeValue(forKey: ExchangeKey(diagnosed.exchange))))
        }
        let deadline = now.adding(seconds: -options.diagnosis.latencyThresholdSeconds)
        for exchange in flows.exchangesWaitingForResponse(requestEndedAtOrBefore: deadline) {
            let key = ExchangeKey(exchange)
            guard overdue[key] == nil, let verdict = flows.diagnoser.diagnoseWaiting(exchange, at: now) else {
                continue
            }
            overdue[key] = verdict
            observer(.overdue(verdict))
        }
    }

    /// The end of the packets: every connection still open is finished (`endOfCapture`) and its
    /// exchanges finalised.
    public mutating func finish(observer: ((PipelineEvent) -> Void)? = nil) {
        if let observer {
            telling(observer) { flows, onFinished in flows.finish(onFinished: onFinished) }
        } else {
            flows.finish()
        }
        intake.finish()
    }

    /// Runs `body` on the flows with a callback that tells `observer` about each finalised
    /// exchange, with the provisional verdict it replaces (taken out of ``overdue``).
    private mutating func telling(
        _ observer: @escaping (PipelineEvent) -> Void,
        _ body: (inout FlowAnalysis, @escaping (DiagnosedExchange) -> Void) -> Void
    ) {
        // Moved out for the call, so that the callback does not reach into `self` while the flows
        // are being modified.
        var waiting = overdue
        overdue = [:]
        body(&flows) { diagnosed in
            let earlier = waiting.isEmpty ? nil : waiting.removeValue(forKey: ExchangeKey(diagnosed.exchange))
            observer(.finished(diagnosed, earlier: earlier))
        }
        overdue = waiting
    }

    /// The capture's summary and listed exchanges so far; `summary` supplies what the source knows
    /// (path or interface, format, link types, problems), the pipeline fills in the counts.
    public func result(into summary: CaptureSummary) -> CaptureAnalysis {
        Self.result(into: summary, intake: intake, parts: [flows.result], capture: capture)
    }

    /// The capture's part of the report from its intake and its flows (one part, or the parts of
    /// a capture split across threads).
    static func result(
        into summary: CaptureSummary, intake: PacketIntake, parts: [FlowAnalysis.Result],
        shared: ExchangeSelection? = nil,
        capture: String
    ) -> CaptureAnalysis {
        var summary = summary
        intake.summarize(into: &summary)
        let merged = FlowAnalysis.merged(parts, shared: shared, capture: capture)
        summary.reassembly = merged.reassembly
        summary.http = merged.http
        summary.unlisted = merged.unlisted
        for skip in summary.skipped where skip.reason.hasPrefix("link-type") {
            summary.problems.append(
                "\(skip.packets) packet\(skip.packets == 1 ? "" : "s") of link type \(skip.description) not analysed")
        }
        return CaptureAnalysis(summary: summary, exchanges: merged.exchanges)
    }
}
