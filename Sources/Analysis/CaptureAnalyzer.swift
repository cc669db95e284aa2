import CaptureModel
import Diagnosis
import HTTPExchanges
import PacketDecoding
import PcapCapture
public import ReportModel
import TCPReassembly

/// The result of analysing one capture file.
public struct CaptureAnalysis: Sendable {
    public var summary: CaptureSummary
    public var exchanges: [ReportedExchange]
}

/// The pipeline for one capture file: libpcap records → ``PacketPipeline`` (packets → TCP
/// streams → HTTP exchanges → findings). A tight synchronous loop; memory is bounded by open connections, the bounded bytes
/// kept per exchange and the exchanges listed in the report (see
/// ``AnalysisOptions/maxPassingExchangesKept``), not by the file's size.
public enum CaptureAnalyzer {
    /// Records between two progress reports (a few hundred KB of a typical capture).
    static let progressInterval = 2048

    /// Analyses the capture at `path`. Never throws: an unreadable file gives a summary with
    /// `error` set; a file damaged partway gives what was read before the damage, with
    /// `complete == false` and the problem named.
    ///
    /// - Parameters:
    ///   - parts: threads the capture's connections are split across (``ShardedPipeline``);
    ///     1 analyses it on the calling thread alone. The result does not depend on it.
    ///   - progress: called now and then from the calling thread with the number of bytes of the
    ///     file on disk consumed since the previous call (compressed bytes for gzip).
    public static func analyze(
        path: String, options: AnalysisOptions, parts: Int = 1, progress: ((Int64) -> Void)? = nil
    ) -> CaptureAnalysis {
        var summary = CaptureSummary(path: path)
        var file: CaptureFile
        do {
            let inFlight =
                parts > 1 ? ShardedPipeline.recordsInFlight(parts: parts) : CaptureFile.defaultRecordsInFlight
            file = try CaptureFile(path: path, filter: options.filter, recordsInFlight: inFlight)
        } catch {
            summary.error = error.description
            summary.complete = false
            return CaptureAnalysis(summary: summary, exchanges: [])
        }
        if parts > 1 {
            var pipeline = ShardedPipeline(capture: path, options: options, parts: parts)
            readPackets(of: &file, into: &summary, progress: progress) { pipeline.process($0) }
            describe(file, in: &summary)
            return pipeline.finish(into: summary)
        }
        var pipeline = PacketPipeline(capture: path, options: options)
        readPackets(of: &file, into: &summary, progress: progress) { pipeline.process($0) }
        describe(file, in: &summary)
        pipeline.finish()
        return pipeline.result(into: summary)
    }

    /// The capture's format and link types, once it has been read: a pcapng file whose
    /// interfaces have different link types is known as such only when its interfaces are read
    /// ("pcapng, 2 interfaces", `["EN10MB", "LINUX_SLL2"]`).
    private static func describe(_ file: borrowing CaptureFile, in summary: inout CaptureSummary) {
        summary.format = file.formatDescription
        summary.linkTypes = file.linkLayers.map(\.description)
    }

    /// Hands every record of `file` to `process`, in order, until the end or the damage (named
    /// in `summary`, which is then marked incomplete); reports progress as it goes.
    @inline(__always)
    private static func readPackets(
        of file: inout CaptureFile, into summary: inout CaptureSummary, progress: ((Int64) -> Void)?,
        _ process: (CapturedPacket) -> Void
    ) {
        var consumed: Int64 = 0
        // Without a progress callback the countdown never reaches zero. (Unwrapping the optional
        // closure on every packet cost a generic copy and destroy of it each time.)
        var untilProgress = progress == nil ? Int.max : progressInterval
        let report: (Int64) -> Void = progress ?? { _ in }
        reading: while true {
            switch file.next() {
            case .packet(let packet):
                process(packet)
                untilProgress &-= 1
                if untilProgress == 0 {
                    untilProgress = progressInterval
                    let position = file.bytesConsumed
                    if position > consumed {
                        report(position - consumed)
                        consumed = position
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
        if let progress {
            let position = file.bytesConsumed
            if position > consumed { progress(position - consumed) }
        }
    }
}
