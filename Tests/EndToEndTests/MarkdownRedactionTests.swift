import Analysis
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import Rendering
import ReportModel
import TestSupport
import Testing

/// Markdown redacts each exchange as it writes it (``ExchangeRedaction``, issue #17 item 4): the
/// same markers as redacting the whole report first, and a note that counts the values replaced
/// in the exchanges shown.
@Suite(.tags(.endToEnd)) struct MarkdownRedactionTests {
    /// The 30-callback sample, analysed with the samples' key.
    static func report() throws -> Report {
        var options = AnalysisOptions()
        options.publicKeys = [try StreamedReportTests.sampleKey()]
        let path = SampleRecording.packageRoot.appendingPathComponent("samples/captures/all-lo.pcap").path
        return BatchAnalyzer.analyze(arguments: [path], options: options, tool: ToolInfo(version: "test"))
    }

    /// The lines of `markdown` other than the `> **Redacted:**` note.
    static func withoutNote(_ markdown: String) -> [Substring] {
        markdown.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("> **Redacted:**") }
    }

    @Test(arguments: ReportDetail.allCases)
    func redactingAsWrittenShowsWhatRedactingTheReportShows(detail: ReportDetail) throws {
        let report = try Self.report()
        try #require(report.exchanges.count >= 25)
        let asWritten = MarkdownRenderer.render(report, detail: detail, redacting: .standard)
        let whole = MarkdownRenderer.render(report.redacted(), detail: detail)
        #expect(Self.withoutNote(asWritten) == Self.withoutNote(whole))
        #expect(asWritten.contains("[redacted "))
        let note = try #require(asWritten.split(separator: "\n").first { $0.hasPrefix("> **Redacted:**") })
        #expect(note.contains(" secret values in the exchanges shown ("), "\(note)")
        // Without a policy nothing is redacted and no note is written.
        let plain = MarkdownRenderer.render(report, detail: detail)
        #expect(!plain.contains("> **Redacted:**"))
    }

    @Test func theSummaryCountsOnlyTheExchangesAskedForSinceThePassBegan() throws {
        let report = try Self.report()
        let redaction = ExchangeRedaction(report)
        #expect(redaction.summary == RedactionSummary(applied: true, writtenOnly: true))
        var counts: [Int] = []
        for i in report.exchanges.indices {
            redaction.beginPass()
            let redacted = redaction.exchange(at: i)
            var alone = report
            alone.exchanges = [report.exchanges[i]]
            let eager = alone.redacted()
            #expect(redaction.summary.redactedValues == eager.redaction.redactedValues, "#\(i + 1)")
            #expect(redaction.summary.kinds == eager.redaction.kinds, "#\(i + 1)")
            let (lazy, whole) = (redacted.diagnosed.exchange.request, eager.exchanges[0].diagnosed.exchange.request)
            #expect(lazy?.head.target == whole?.head.target, "#\(i + 1)")
            #expect(lazy?.head.headers["authorization"] == whole?.head.headers["authorization"], "#\(i + 1)")
            counts.append(redaction.summary.redactedValues)
        }
        #expect(counts.contains { $0 > 0 })
        // Asked for all, it counts what redacting the whole report counts.
        redaction.beginPass()
        for i in report.exchanges.indices { _ = redaction.exchange(at: i) }
        let whole = report.redacted().redaction
        #expect(redaction.summary.redactedValues == whole.redactedValues)
        #expect(redaction.summary.redactedValues == counts.reduce(0, +))
        #expect(redaction.summary.kinds == whole.kinds)
    }
}
