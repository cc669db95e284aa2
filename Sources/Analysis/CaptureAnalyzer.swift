import CaptureModel
import Diagnosis
import HTTPExchanges
import PacketDecoding
import PcapCapture
import ReportModel
import TCPReassembly

/// Everything that shapes an analysis.
public struct AnalysisOptions: Sendable {
    public var diagnosis = DiagnosisSettings()
    /// BPF capture filter applied by libpcap before decoding (`-f`, as tcpdump's expression).
    public var filter: String?
    public var reassembly = ReassemblyLimits()
    public var exchanges = ExchangeLimits()
    /// Refused connection attempts listed individually per server endpoint; the rest are counted
    /// (`tcp.refusedConnections`) and summarised in `problems`. Default 100.
    public var maxRefusedAttemptsListedPerServer = 100
    public init() {}
}

/// The result of analysing one capture file.
public struct CaptureAnalysis: Sendable {
    public var summary: CaptureSummary
    public var exchanges: [ReportedExchange]
}

/// The pipeline for one capture: libpcap records → packets → TCP streams → HTTP exchanges →
/// findings. A tight synchronous loop; memory is bounded by open connections and the bounded
/// bytes kept per exchange, not by the file's size.
public enum CaptureAnalyzer {
    /// Analyses the capture at `path`. Never throws: an unreadable file gives a summary with
    /// `error` set; a file damaged partway gives what was read before the damage, with
    /// `complete == false` and the problem named.
    public static func analyze(path: String, options: AnalysisOptions) -> CaptureAnalysis {
        var summary = CaptureSummary(path: path)
        var file: CaptureFile
        do {
            file = try CaptureFile(path: path, filter: options.filter)
        } catch {
            summary.error = error.description
            summary.complete = false
            return CaptureAnalysis(summary: summary, exchanges: [])
        }
        summary.format = file.format.description
        summary.linkTypes = [file.linkLayer.description]

        var decoder = PacketDecoder()
        var tracker = ConnectionTracker(limits: options.reassembly)
        var assembler = ExchangeAssembler(limits: options.exchanges)
        let diagnoser = Diagnoser(settings: options.diagnosis)
        var skipped: [String: (description: String, count: Int)] = [:]
        var reported: [ReportedExchange] = []

        // Refused attempts are listed one by one up to a cap per server, then only counted: a SYN
        // flood must not turn into a report (and memory) that grows with the file.
        var refusedListed: [String: Int] = [:]
        var refusedUnlisted: [String: Int] = [:]
        func collect() {
            for exchange in assembler.takeFinished() {
                if exchange.refusal != nil {
                    let server = exchange.connection.server.description
                    if refusedListed[server, default: 0] >= options.maxRefusedAttemptsListedPerServer {
                        refusedUnlisted[server, default: 0] += 1
                        continue
                    }
                    refusedListed[server, default: 0] += 1
                }
                reported.append(ReportedExchange(capture: path, diagnosed: diagnoser.diagnose(exchange)))
            }
        }

        reading: while true {
            switch file.next() {
            case .packet(let packet):
                summary.packets += 1
                summary.bytes += Int64(packet.bytes.count)
                if summary.firstPacketTime == nil { summary.firstPacketTime = packet.timestamp }
                summary.lastPacketTime = packet.timestamp
                if packet.isTruncatedBySnaplen { summary.snaplenTruncatedPackets += 1 }
                switch decoder.decode(packet) {
                case .tcp(let segment):
                    summary.tcpPackets += 1
                    tracker.process(segment, origin: StreamOrigin(timestamp: packet.timestamp, frame: packet.frameNumber), into: &assembler)
                    collect()
                case .skipped(let reason):
                    skipped[reason.key, default: (reason.description, 0)].count += 1
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

        summary.skipped = skipped.map { SkippedPackets(reason: $0.key, description: $0.value.description, packets: $0.value.count) }
            .sorted { ($0.packets, $1.reason) > ($1.packets, $0.reason) }
        summary.reassembly = tracker.statistics
        summary.http = assembler.statistics
        for skip in summary.skipped where skip.reason.hasPrefix("link-type") {
            summary.problems.append("\(skip.packets) packet\(skip.packets == 1 ? "" : "s") of link type \(skip.description) not analysed")
        }
        for (server, count) in refusedUnlisted.sorted(by: { $0.key < $1.key }) {
            summary.problems.append(
                "\(count) further refused connection attempts to \(server) are counted but not listed "
                    + "(limit \(options.maxRefusedAttemptsListedPerServer) per server: maxRefusedAttemptsListedPerServer)")
        }
        return CaptureAnalysis(summary: summary, exchanges: reported)
    }
}
