import CaptureModel
import PacketDecoding
import ReportModel
import TCPReassembly

/// The first stage of every pipeline, one per capture whatever the number of threads: counts the
/// packets, decodes them to TCP segments (``PacketDecoder``) and says when the connection table is
/// due for a sweep.
///
/// The sweep schedule lives here rather than in each ``ConnectionTracker`` so that the parts of a
/// capture analysed on several threads sweep at the same points of the capture — every
/// ``ConnectionTracker/sweepInterval`` TCP segments, with that segment's time — as one tracker
/// does on its own; connections then expire identically however the capture is split.
struct PacketIntake {
    /// A TCP segment ready for the connection table.
    struct Admitted {
        var segment: TCPSegment
        var origin: StreamOrigin
        /// True when the table is to be swept (at `origin.timestamp`) before this segment.
        var sweepFirst: Bool
    }

    private var decoder = PacketDecoder()
    private(set) var packets = 0
    private var tcpPackets = 0, truncated = 0
    private var bytes: Int64 = 0
    private var firstTime: Timestamp?
    /// The capture time of the latest packet.
    private(set) var lastPacketTime: Timestamp?
    private var skipped: [String: (description: String, count: Int)] = [:]
    private var segmentsSinceSweep = 0

    /// Counts `packet` and decodes it; nil when it carries no TCP segment to analyse (counted
    /// by reason).
    mutating func admit(_ packet: CapturedPacket) -> Admitted? {
        packets += 1
        bytes += Int64(packet.bytes.count)
        if firstTime == nil { firstTime = packet.timestamp }
        lastPacketTime = packet.timestamp
        if packet.isTruncatedBySnaplen { truncated += 1 }
        switch decoder.decode(packet) {
        case .tcp(let segment):
            tcpPackets += 1
            segmentsSinceSweep += 1
            let sweep = segmentsSinceSweep >= ConnectionTracker.sweepInterval
            if sweep { segmentsSinceSweep = 0 }
            return Admitted(
                segment: segment, origin: StreamOrigin(timestamp: packet.timestamp, frame: packet.frameNumber),
                sweepFirst: sweep)
        case .skipped(let reason):
            skipped[reason.key, default: (reason.description, 0)].count += 1
            return nil
        }
    }

    /// The end of the packets.
    mutating func finish() {
        decoder.finish()
    }

    /// Writes the packet counts, times, skipped packets and decoding problems into `summary`.
    func summarize(into summary: inout CaptureSummary) {
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
        summary.skipped = skipped.map {
            SkippedPackets(reason: $0.key, description: $0.value.description, packets: $0.value.count)
        }
        .sorted { ($0.packets, $1.reason) > ($1.packets, $0.reason) }
    }
}
