import CallbackSignature
import CaptureModel
import Diagnosis
import HTTPExchanges
import PacketDecoding
import PcapCapture
import ReportModel
import TCPReassembly

/// The result of analysing one capture file.
public struct CaptureAnalysis: Sendable {
    public var summary: CaptureSummary
    public var exchanges: [ReportedExchange]
}

/// The pipeline for one capture: libpcap records → packets → TCP streams → HTTP exchanges →
/// findings. A tight synchronous loop; memory is bounded by open connections, the bounded bytes
/// kept per exchange and the exchanges listed in the report (see
/// ``AnalysisOptions/maxPassingExchangesKept``), not by the file's size.
public enum CaptureAnalyzer {
    /// Records between two progress reports (a few hundred KB of a typical capture).
    static let progressInterval = 2048

    /// Analyses the capture at `path`. Never throws: an unreadable file gives a summary with
    /// `error` set; a file damaged partway gives what was read before the damage, with
    /// `complete == false` and the problem named.
    ///
    /// - Parameter progress: called now and then from the calling thread with the number of
    ///   bytes of the file on disk consumed since the previous call (compressed bytes for gzip).
    public static func analyze(
        path: String, options: AnalysisOptions, progress: ((Int64) -> Void)? = nil
    ) -> CaptureAnalysis {
        var summary = CaptureSummary(path: path)
        var file: CaptureFile
        do {
            file = try CaptureFile(path: path, filter: options.filter)
        } catch {
            summary.error = error.description
            summary.complete = false
            return CaptureAnalysis(summary: summary, exchanges: [])
        }
        summary.format = file.formatDescription
        summary.linkTypes = [file.linkLayer.description]

        var decoder = PacketDecoder()
        var tracker = ConnectionTracker(limits: options.reassembly)
        var assembler = ExchangeAssembler(limits: options.exchanges, signatureKeys: SignatureKeys(extra: options.publicKeys))
        let diagnoser = Diagnoser(settings: options.diagnosis)
        var skipped: [String: (description: String, count: Int)] = [:]
        var reported: [ReportedExchange] = []
        var passingKept = 0, otherKept = 0
        var failingKept: [RuleID: Int] = [:]
        var consumed: Int64 = 0
        var untilProgress = progressInterval

        /// Lists the exchange in full, or only counts it once its kind has used its quota.
        func collect() {
            for exchange in assembler.takeFinished() {
                let diagnosed = diagnoser.diagnose(exchange)
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
                    reported.append(ReportedExchange(capture: path, diagnosed: diagnosed))
                } else {
                    summary.unlisted.count(diagnosed)
                }
            }
        }

        var packets = 0, tcpPackets = 0, truncated = 0
        var bytes: Int64 = 0
        var firstTime: Timestamp?, lastTime: Timestamp?
        reading: while true {
            switch file.next() {
            case .packet(let packet):
                packets += 1
                bytes += Int64(packet.bytes.count)
                if firstTime == nil { firstTime = packet.timestamp }
                lastTime = packet.timestamp
                if packet.isTruncatedBySnaplen { truncated += 1 }
                switch decoder.decode(packet) {
                case .tcp(let segment):
                    tcpPackets += 1
                    tracker.process(segment, origin: StreamOrigin(timestamp: packet.timestamp, frame: packet.frameNumber), into: &assembler)
                    collect()
                case .skipped(let reason):
                    skipped[reason.key, default: (reason.description, 0)].count += 1
                }
                if let progress {
                    untilProgress -= 1
                    if untilProgress == 0 {
                        untilProgress = progressInterval
                        let position = file.bytesConsumed
                        if position > consumed {
                            progress(position - consumed)
                            consumed = position
                        }
                    }
                }
            case .endOfFile:
                break reading
            case .damaged(let error):
                summary.complete = false
                summary.damage = error.description
                summary.problems.append(error.description)
                break reading
            }
        }
        tracker.finish(into: &assembler)
        collect()
        decoder.finish()
        let fragments = decoder.fragmentStatistics
        if fragments.incompleteDatagrams > 0 {
            summary.problems.append(
                "\(fragments.incompleteDatagrams) fragmented IPv4 datagram(s) (\(fragments.fragmentsOfIncompleteDatagrams) "
                    + "fragments) were never completed and not analysed")
        }
        if let progress {
            let position = file.bytesConsumed
            if position > consumed { progress(position - consumed) }
        }

        summary.packets = packets
        summary.tcpPackets = tcpPackets
        summary.bytes = bytes
        summary.snaplenTruncatedPackets = truncated
        summary.firstPacketTime = firstTime
        summary.lastPacketTime = lastTime
        summary.skipped = skipped.map { SkippedPackets(reason: $0.key, description: $0.value.description, packets: $0.value.count) }
            .sorted { ($0.packets, $1.reason) > ($1.packets, $0.reason) }
        summary.reassembly = tracker.statistics
        summary.http = assembler.statistics
        for skip in summary.skipped where skip.reason.hasPrefix("link-type") {
            summary.problems.append("\(skip.packets) packet\(skip.packets == 1 ? "" : "s") of link type \(skip.description) not analysed")
        }
        return CaptureAnalysis(summary: summary, exchanges: reported)
    }
}
