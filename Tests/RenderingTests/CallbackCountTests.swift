import Rendering
import ReportModel
import Testing

/// The counts of possible callbacks and of HTTPS not judged, from the summary — including
/// exchanges counted but not listed — in every human format's headline.
@Suite struct CallbackCountTests {
    /// A report whose exchanges are all unlisted: only the summary's counts speak.
    static func report(possibleFailed: Int, possibleUnknown: Int, httpsNotJudged: Int) -> Report {
        var capture = CaptureSummary(path: "cut.pcap")
        var unlisted = UnlistedExchanges()
        unlisted.possibleCallbacks = possibleFailed + possibleUnknown
        unlisted.possibleCallbacksFailed = possibleFailed
        unlisted.possibleCallbacksUnknown = possibleUnknown
        unlisted.httpsNotJudged = httpsNotJudged
        unlisted.exchanges = unlisted.possibleCallbacks + httpsNotJudged
        capture.unlisted = unlisted
        return Report(tool: ToolInfo(version: "t"), settings: ReportSettings(), captures: [capture], exchanges: [])
    }

    @Test func theSummaryAddsTheUnlistedCountsToEveryLevel() {
        let s = Self.report(possibleFailed: 3, possibleUnknown: 2, httpsNotJudged: 4).summary
        #expect(s.exchanges == 9 && s.callbacks == 0)
        #expect(s.possibleCallbacks == 5 && s.possibleCallbacksFailed == 3 && s.possibleCallbacksUnknown == 2)
        #expect(s.httpsNotJudged == 4)
        #expect(s.perCapture.map(\.possibleCallbacks) == [5] && s.perCapture.map(\.httpsNotJudged) == [4])
        let json = s.json
        #expect(json["possibleCallbacksFailed"] == .int(3) && json["httpsNotJudged"] == .int(4))
    }

    @Test func textSaysPossibleCallbacksAndHTTPSNotJudged() {
        let text = TextRenderer.render(Self.report(possibleFailed: 3, possibleUnknown: 2, httpsNotJudged: 1))
        #expect(
            text.contains(
                "Callbacks: 0 seen, 0 passed, 0 failed; 5 possible callbacks (request head cut): 3 failed, 2 not judged\n"
            ))
        #expect(
            text.contains(
                "HTTPS: 1 connection not judged (no plaintext callback went to its server; --server HOST:PORT judges it)\n"
            ))
        #expect(
            text.contains(
                "No request was captured whole enough to tell an OSS callback: the header sections of 5 POSTs were cut")
        )
        #expect(!text.contains("No OSS callback was found"))
    }

    @Test func onlyFailedOrOnlyUnknownSaysOnlyThat() {
        let failed = TextRenderer.render(Self.report(possibleFailed: 1, possibleUnknown: 0, httpsNotJudged: 0))
        #expect(failed.contains("; 1 possible callback (request head cut): 1 failed\n"))
        let unknown = TextRenderer.render(Self.report(possibleFailed: 0, possibleUnknown: 2, httpsNotJudged: 0))
        #expect(unknown.contains("; 2 possible callbacks (request head cut): 2 not judged\n"))
        #expect(!unknown.contains("HTTPS:"))
    }

    @Test func onlyHTTPSNotJudgedPointsAtServer() {
        let text = TextRenderer.render(Self.report(possibleFailed: 0, possibleUnknown: 0, httpsNotJudged: 2))
        #expect(text.contains("Callbacks: 0 seen, 0 passed, 0 failed\n"))
        #expect(
            text.contains(
                "No OSS callback was found in the capture; 2 HTTPS connections were not judged: name the callback server with --server HOST:PORT"
            ))
    }

    @Test func markdownAndHTMLSayTheSameNumbers() {
        let report = Self.report(possibleFailed: 3, possibleUnknown: 2, httpsNotJudged: 4)
        let markdown = MarkdownRenderer.render(report)
        #expect(
            markdown.contains("- Possible callbacks: 5 possible callbacks (request head cut): 3 failed, 2 not judged\n")
        )
        #expect(
            markdown.contains(
                "- HTTPS: 4 connections not judged (no plaintext callback went to their server; --server HOST:PORT judges them)\n"
            ))
        let html = HTMLRenderer.render(report)
        #expect(
            html.contains("<span class=\"n\">5</span><span class=\"l\">possible callbacks (head cut): 3 failed</span>"))
        #expect(
            html.contains(
                "<span class=\"n\">4</span><span class=\"l\">HTTPS connections not judged (--server judges them)</span>"
            ))
    }
}
