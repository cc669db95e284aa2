import CallbackSignature
public import CaptureModel
import Diagnosis
import Foundation
import HTTPExchanges
public import PcapCapture
public import ReportModel

/// The capture clock of a live capture when no packet is arriving.
///
/// Exchanges are timed by packet time stamps (the kernel's, `CLOCK_REALTIME`). To decide that OSS
/// has given up on a callback while nothing arrives, the pipeline needs "now" on the same clock:
/// it is the time stamp of the latest packet plus the monotonic time elapsed since that packet
/// was delivered — the wall clock's passing mapped onto the capture clock, immune to the wall
/// clock being stepped. Before the first packet, "now" is the wall clock (live time stamps are
/// wall-clock times). It never goes back, and is never before the latest packet.
public struct CaptureClock: Sendable {
    private var anchor: (capture: Timestamp, monotonicNanoseconds: UInt64)?
    private var latest: Timestamp?

    public init() {}

    /// A packet stamped `packetTime` was delivered at monotonic time `monotonicNanoseconds`.
    public mutating func observe(packetTime: Timestamp, monotonicNanoseconds: UInt64) {
        let time = max(packetTime, latest ?? packetTime)
        anchor = (time, monotonicNanoseconds)
        latest = time
    }

    /// Capture time at monotonic time `monotonicNanoseconds`; `wallClock` is used before any packet.
    public mutating func now(monotonicNanoseconds: UInt64, wallClock: Timestamp) -> Timestamp {
        var now = wallClock
        if let anchor {
            let elapsed =
                monotonicNanoseconds >= anchor.monotonicNanoseconds
                ? monotonicNanoseconds - anchor.monotonicNanoseconds : 0
            now = Timestamp(
                seconds: anchor.capture.seconds,
                nanoseconds: Int64(anchor.capture.nanoseconds) &+ Int64(clamping: elapsed))
        }
        if let latest, now < latest { now = latest }
        latest = now
        return now
    }
}

/// What stops a live capture besides a stop request.
public struct LiveLimits: Sendable {
    /// Stop after this many seconds (`--duration`).
    public var durationSeconds: Double?
    /// Stop once this many callbacks — OSS callbacks and refused connection attempts — have been
    /// decided (`--count`).
    public var callbacks: Int?
    public init(durationSeconds: Double? = nil, callbacks: Int? = nil) {
        self.durationSeconds = durationSeconds
        self.callbacks = callbacks
    }
}

/// Why a live capture ended.
public enum LiveStopReason: String, Sendable {
    /// ``LiveAnalyzer/watch(_:options:limits:tool:shouldStop:observer:tick:)``'s `shouldStop` said so (SIGINT, SIGTERM).
    case requested
    /// `--duration` elapsed.
    case duration
    /// `--count` callbacks were decided.
    case count
    /// Capturing failed (see the capture's `damage`).
    case failed
}

/// Progress of a live capture, for a status line.
public struct LiveProgress: Sendable {
    public var packets: Int
    public var elapsedSeconds: Double
}

/// `callback-doctor watch`: a live capture through the same ``PacketPipeline`` as `analyze`.
public enum LiveAnalyzer {
    /// Runs the pipeline on packets from `capture` until `shouldStop` returns true (checked after
    /// every packet and every read timeout, so within one read timeout of a request), a limit is
    /// reached, or capturing fails; then finishes every open connection, reads the kernel's drop
    /// counters and returns the report — the same report `analyze` gives for the savefile, plus
    /// the drop counters among the capture's problems (dropped packets make the analysis
    /// incomplete: `complete == false`).
    ///
    /// - Parameters:
    ///   - observer: hears each exchange as it is decided (``PipelineEvent/finished(_:earlier:)``)
    ///     and each callback OSS has given up on while it is still open
    ///     (``PipelineEvent/overdue(_:)``, at most 100 ms of capture clock after the timeout, see
    ///     ``CaptureClock``), on the calling thread.
    ///   - tick: called about every 100 ms with the progress, for a status line.
    public static func watch(
        _ capture: inout LiveCapture, options: AnalysisOptions, limits: LiveLimits = .init(), tool: ToolInfo,
        shouldStop: () -> Bool, observer: @escaping (PipelineEvent) -> Void, tick: ((LiveProgress) -> Void)? = nil
    ) -> (report: Report, reason: LiveStopReason) {
        var summary = Self.summary(of: capture)
        var pipeline = PacketPipeline(capture: capture.interface, options: options)
        var decided = 0
        let counting: (PipelineEvent) -> Void = { event in
            if case .finished(let d, _) = event, d.isCallback || d.exchange.refusal != nil { decided += 1 }
            observer(event)
        }
        let reason = Self.capturePackets(
            &capture, into: &pipeline, summary: &summary, limits: limits, shouldStop: shouldStop,
            decided: { decided }, observer: counting, tick: tick)
        capture.flushSavefile()
        Self.noteDrops(capture.statistics, in: &summary)
        pipeline.finish(observer: observer)
        return (Self.report(pipeline.result(into: summary), options: options, tool: tool), reason)
    }

    /// The summary of `capture` before its packets: the interface, its format and link type, and
    /// libpcap's activation warning among the problems.
    private static func summary(of capture: borrowing LiveCapture) -> CaptureSummary {
        var summary = CaptureSummary(path: capture.interface)
        summary.format = capture.formatDescription
        summary.linkTypes = [capture.linkLayer.description]
        if let warning = capture.activationWarning { summary.problems.append("libpcap warning: \(warning)") }
        return summary
    }

    /// Feeds the packets of `capture` to `pipeline` until `shouldStop` returns true, a limit of
    /// `limits` is reached (`decided` counts the decided callbacks), or capturing fails (recorded
    /// in `summary`): the loop of ``watch(_:options:limits:tool:shouldStop:observer:tick:)``.
    /// About every 100 ms it advances the pipeline to the ``CaptureClock``'s now and calls `tick`.
    private static func capturePackets(
        _ capture: inout LiveCapture, into pipeline: inout PacketPipeline, summary: inout CaptureSummary,
        limits: LiveLimits, shouldStop: () -> Bool, decided: () -> Int, observer: @escaping (PipelineEvent) -> Void,
        tick: ((LiveProgress) -> Void)?
    ) -> LiveStopReason {
        let tickInterval: UInt64 = 100_000_000
        var clock = CaptureClock()
        let started = monotonicNanoseconds()
        var lastAdvance: UInt64 = 0
        while !shouldStop() {
            switch capture.next() {
            case .packet(let packet):
                clock.observe(packetTime: packet.timestamp, monotonicNanoseconds: monotonicNanoseconds())
                pipeline.process(packet, observer: observer)
            case .timeout:
                break
            case .failed(let error):
                summary.complete = false
                summary.damage = error.description
                summary.problems.append(error.description)
                return .failed
            }
            let mono = monotonicNanoseconds()
            if mono &- lastAdvance >= tickInterval {
                lastAdvance = mono
                pipeline.advance(to: clock.now(monotonicNanoseconds: mono, wallClock: wallClock()), observer: observer)
                tick?(LiveProgress(packets: pipeline.packetCount, elapsedSeconds: Double(mono &- started) / 1e9))
            }
            if let limit = limits.callbacks, decided() >= limit { return .count }
            if let duration = limits.durationSeconds, Double(mono &- started) / 1e9 >= duration { return .duration }
        }
        return .requested
    }

    /// Packets the kernel or the interface dropped (`pcap_stats`) are among the problems of
    /// `summary`, and make it incomplete: the analysis misses them.
    private static func noteDrops(_ statistics: LiveCaptureStatistics?, in summary: inout CaptureSummary) {
        guard let stats = statistics, stats.dropped > 0 || stats.interfaceDropped > 0 else { return }
        var text = "the kernel dropped \(stats.dropped) of \(stats.received + stats.dropped) packets"
        if stats.interfaceDropped > 0 { text += " and the interface \(stats.interfaceDropped)" }
        summary.problems.append(text + " (pcap_stats): the analysis misses them; narrow the filter (-f)")
        summary.complete = false
    }

    /// The report of the live capture's `analysis`, with the settings of `options`.
    private static func report(_ analysis: CaptureAnalysis, options: AnalysisOptions, tool: ToolInfo) -> Report {
        Report(
            tool: tool,
            settings: ReportSettings(
                diagnosis: options.diagnosis, filter: options.filter, publicKeys: options.publicKeys.map(\.label),
                servers: options.servers.map(\.description), listing: options.listing),
            captures: [analysis.summary], exchanges: analysis.exchanges)
    }

    /// `CLOCK_MONOTONIC` in nanoseconds.
    static func monotonicNanoseconds() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// `CLOCK_REALTIME` as a capture time stamp.
    /// The corresponding C function is `clock_gettime`.
    static func wallClock() -> Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Timestamp(seconds: Int64(now.tv_sec), nanoseconds: Int64(now.tv_nsec))
    }
}
