import CallbackSignature
import CaptureModel
import Diagnosis
import HTTPExchanges
import PacketDecoding
import ReportModel
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
    private var decoder = PacketDecoder()
    private var tracker: ConnectionTracker
    private var assembler: ExchangeAssembler
    private let diagnoser: Diagnoser
    private var skipped: [String: (description: String, count: Int)] = [:]
    private var reported: [ReportedExchange] = []
    private var unlisted = UnlistedExchanges()
    private var passingKept = 0, otherKept = 0
    private var failingKept: [RuleID: Int] = [:]
    private var packets = 0, tcpPackets = 0, truncated = 0
    private var bytes: Int64 = 0
    private var firstTime: Timestamp?
    /// The capture time of the latest packet.
    public private(set) var lastPacketTime: Timestamp?
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
        tracker = ConnectionTracker(limits: options.reassembly)
        assembler = ExchangeAssembler(limits: options.exchanges, signatureKeys: SignatureKeys(extra: options.publicKeys))
        diagnoser = Diagnoser(settings: options.diagnosis)
    }

    /// Packets processed so far.
    public var packetCount: Int { packets }

    /// Runs one packet through the stages; `observer` hears about the exchanges it finalises.
    public mutating func process(_ packet: CapturedPacket, observer: ((PipelineEvent) -> Void)? = nil) {
        packets += 1
        bytes += Int64(packet.bytes.count)
        if firstTime == nil { firstTime = packet.timestamp }
        lastPacketTime = packet.timestamp
        if packet.isTruncatedBySnaplen { truncated += 1 }
        switch decoder.decode(packet) {
        case .tcp(let segment):
            tcpPackets += 1
            tracker.process(segment, origin: StreamOrigin(timestamp: packet.timestamp, frame: packet.frameNumber), into: &assembler)
            collect(observer)
        case .skipped(let reason):
            skipped[reason.key, default: (reason.description, 0)].count += 1
        }
    }

    /// Tells the pipeline that capture time `now` has been reached (a live source's clock tick):
    /// every OSS callback whose request ended more than OSS's timeout
    /// (``DiagnosisSettings/latencyThresholdSeconds``) before `now` and that still has no complete
    /// response is reported once to `observer` as ``PipelineEvent/overdue(_:)``.
    public mutating func advance(to now: Timestamp, observer: (PipelineEvent) -> Void) {
        let deadline = now.adding(seconds: -options.diagnosis.latencyThresholdSeconds)
        for exchange in assembler.exchangesWaitingForResponse(requestEndedAtOrBefore: deadline) {
            let key = ExchangeKey(exchange)
            guard overdue[key] == nil, let verdict = diagnoser.diagnoseWaiting(exchange, at: now) else { continue }
            overdue[key] = verdict
            observer(.overdue(verdict))
        }
    }

    /// The end of the packets: every connection still open is finished (`endOfCapture`) and its
    /// exchanges finalised.
    public mutating func finish(observer: ((PipelineEvent) -> Void)? = nil) {
        tracker.finish(into: &assembler)
        collect(observer)
        decoder.finish()
    }

    /// Lists each finished exchange in full, or only counts it once its kind has used its quota.
    private mutating func collect(_ observer: ((PipelineEvent) -> Void)?) {
        for exchange in assembler.takeFinished() {
            let diagnosed = diagnoser.diagnose(exchange)
            if let observer {
                let earlier = overdue.isEmpty ? nil : overdue.removeValue(forKey: ExchangeKey(exchange))
                observer(.finished(diagnosed, earlier: earlier))
            }
            let listed: Bool
            if let first = diagnosed.findings.first {
                let kept = failingKept[first.rule, default: 0]
                listed = kept < options.maxFailingExchangesKeptPerRule
                if listed { failingKept[first.rule] = kept + 1 }
            } else if diagnosed.isCallback {
                listed = passingKept < options.maxPassingExchangesKept
                if listed { passingKept += 1 }
            } else {
                listed = otherKept < options.maxPassingExchangesKept
                if listed { otherKept += 1 }
            }
            if listed {
                reported.append(ReportedExchange(capture: capture, diagnosed: diagnosed))
            } else {
                unlisted.count(diagnosed)
            }
        }
    }

    /// The capture's summary and listed exchanges so far; `summary` supplies what the source knows
    /// (path or interface, format, link types, problems), the pipeline fills in the counts.
    public func result(into summary: CaptureSummary) -> CaptureAnalysis {
        var summary = summary
        let fragments = decoder.fragmentStatistics
        if fragments.incompleteDatagrams > 0 {
            summary.problems.append(
                "\(fragments.incompleteDatagrams) fragmented IPv4 datagram(s) (\(fragments.fragmentsOfIncompleteDatagrams) "
                    + "fragments) were never completed and not analysed")
        }
        summary.packets = packets
        summary.tcpPackets = tcpPackets
        summary.bytes = bytes
        summary.snaplenTruncatedPackets = truncated
        summary.firstPacketTime = firstTime
        summary.lastPacketTime = lastPacketTime
        summary.skipped = skipped.map { SkippedPackets(reason: $0.key, description: $0.value.description, packets: $0.value.count) }
            .sorted { ($0.packets, $1.reason) > ($1.packets, $0.reason) }
        summary.reassembly = tracker.statistics
        summary.http = assembler.statistics
        summary.unlisted = unlisted
        for skip in summary.skipped where skip.reason.hasPrefix("link-type") {
            summary.problems.append("\(skip.packets) packet\(skip.packets == 1 ? "" : "s") of link type \(skip.description) not analysed")
        }
        return CaptureAnalysis(summary: summary, exchanges: reported)
    }
}
