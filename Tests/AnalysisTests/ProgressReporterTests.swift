import Analysis
import Foundation
import ReportModel
import Synchronization
import Testing

@Suite struct ProgressReporterTests {
    @Test func lineShowsFilesBytesRateAndETA() {
        let line = ProgressReporter.render(
            .init(
                filesDone: 3, filesTotal: 12, bytesDone: 1_250_000_000, bytesTotal: 5_000_000_000, elapsedSeconds: 2.5))
        #expect(line == "[#####···············]  3/12 files  1.25 GB / 5.00 GB  500.0 MB/s  ETA 0:08")
        #expect(line.count < 80)
    }

    @Test func lineBeforeAnyBytesHasNoRate() {
        let line = ProgressReporter.render(
            .init(filesDone: 0, filesTotal: 1, bytesDone: 0, bytesTotal: 900, elapsedSeconds: 0))
        #expect(line == "[····················]  0/1 file  0 B / 900 B")
    }

    @Test func longRunsShowHours() {
        let line = ProgressReporter.render(
            .init(filesDone: 1, filesTotal: 2, bytesDone: 1_000_000, bytesTotal: 5_000_000_000, elapsedSeconds: 1))
        #expect(line.hasSuffix("1.0 MB/s  ETA 1:23:19"))
    }

    /// An enabled reporter redraws the line in place (`\r`, erase to end of line) and erases it at
    /// the end; the totals add up.
    @Test func reporterDrawsAndErasesTheLine() {
        let lines = Mutex<[String]>([])
        let reporter = ProgressReporter(output: { line in lines.withLock { $0.append(line) } })
        #expect(reporter.isEnabled)
        reporter.start(files: 2, bytes: 2000)
        reporter.advance(bytes: 1000)
        reporter.finishFile()
        reporter.advance(bytes: 1000)
        reporter.finishFile()
        let snapshot = reporter.snapshot
        #expect(snapshot.filesDone == 2 && snapshot.bytesDone == 2000 && snapshot.bytesTotal == 2000)
        reporter.finish()
        let written = lines.withLock { $0 }
        // The first update draws at once; later ones within 100 ms are skipped.
        #expect(written.first?.hasPrefix("\r[##########··········]  0/2 files  1.0 KB / 2.0 KB") == true, "\(written)")
        #expect(written.dropLast().allSatisfy { $0.hasPrefix("\r[") && $0.hasSuffix("\u{1B}[K") })
        #expect(written.last == "\r\u{1B}[K")
    }

    /// Issue #18: the file counter advances as files finish — each finished file redraws the line
    /// at once, even within 100 ms of the last draw, so small files and the last one are seen.
    @Test func fileCounterAdvancesAsFilesFinish() {
        let lines = Mutex<[String]>([])
        let reporter = ProgressReporter(output: { line in lines.withLock { $0.append(line) } })
        reporter.start(files: 3, bytes: 0)
        for _ in 0..<3 { reporter.finishFile() }
        let written = lines.withLock { $0 }
        #expect(written.count == 3, "\(written)")
        for (index, line) in written.enumerated() {
            #expect(line.contains("  \(index + 1)/3 files"), "\(line)")
        }
    }

    /// A disabled reporter (not a terminal, or `--quiet`) writes nothing, and a batch fed to it
    /// still counts.
    @Test func disabledReporterIsSilent() {
        let reporter = ProgressReporter.disabled
        #expect(!reporter.isEnabled)
        reporter.start(files: 1, bytes: 10)
        reporter.advance(bytes: 10)
        reporter.finishFile()
        reporter.finish()
        #expect(reporter.snapshot.bytesDone == 10)
        // Tests run with stderr redirected: not a terminal, so no bar even without --quiet.
        #expect(!ProgressReporter.standardError(quiet: true).isEnabled)
    }

    /// The batch reports every file and exactly the bytes on disk, compressed or not.
    @Test func batchReportsFilesAndBytes() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        try Fixtures.writeGzip(try Fixtures.read(Fixtures.sample("all-lo.pcap")), to: dir + "/a.pcap.gz")
        try Fixtures.copy(Fixtures.sample("all-lo.pcapng"), to: dir + "/b.pcapng")
        try Fixtures.write(Array("junk".utf8), to: dir + "/c.pcap")
        let sizes = try ["a.pcap.gz", "b.pcapng", "c.pcap"].map {
            try FileManager.default.attributesOfItem(atPath: dir + "/" + $0)[.size] as? Int ?? 0
        }
        let reporter = ProgressReporter(output: { _ in })
        _ = BatchAnalyzer.analyze(
            arguments: [dir], options: try Fixtures.options(), tool: .init(version: "t"), jobs: 2, progress: reporter)
        let snapshot = reporter.snapshot
        #expect(snapshot.filesDone == 3 && snapshot.filesTotal == 3)
        #expect(snapshot.bytesTotal == Int64(sizes.reduce(0, +)))
        #expect(snapshot.bytesDone == snapshot.bytesTotal)
    }
}
