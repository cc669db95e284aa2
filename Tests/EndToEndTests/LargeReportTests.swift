import Analysis
import CaptureModel
import Foundation
import Rendering
import ReportModel
import TestSupport
import Testing

/// A capture with more exchanges than the HTML report details: the page stays bounded, failures
/// are detailed first, and links only point at details that exist.
@Suite(.tags(.endToEnd)) struct LargeReportTests {
    @Test func htmlDetailsAreCappedWithFailuresFirst() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var conversation = ConversationWriter(step: 0.0005)
        let client = Endpoint(address: PacketBuilder.ipv4("192.0.2.10"), port: 41000)
        let server = Endpoint(address: PacketBuilder.ipv4("192.0.2.20"), port: 8080)
        let count = HTMLRenderer.maxDetailedExchanges + 100
        conversation.addKeepAliveConnection(
            client, server,
            exchanges: (0..<count).lazy.map { n in
                // Every request is a plain GET except the last one, an OSS callback answered 500.
                let callback = n == count - 1
                let request = Array(
                    (callback
                        ? "POST /cb HTTP/1.1\r\nHost: h\r\nx-oss-tag: CALLBACK\r\nContent-Length: 0\r\n\r\n"
                        : "GET /item/\(n) HTTP/1.1\r\nHost: h\r\n\r\n").utf8)
                let response = Array(
                    (callback
                        ? "HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\n{}"
                        : "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").utf8)
                return (request: request, response: response)
            })
        let path = dir.appendingPathComponent("many.pcap").path
        try conversation.write(to: path)

        var options = AnalysisOptions()
        options.maxPassingExchangesKept = Int.max  // this test is about the HTML's own cap
        let report = BatchAnalyzer.analyze(arguments: [path], options: options, tool: ToolInfo(version: "test"))
        try #require(report.exchanges.count == count)
        let html = HTMLRenderer.render(report)
        #expect(html.components(separatedBy: "<details id=").count - 1 == HTMLRenderer.maxDetailedExchanges)
        #expect(html.contains("<details id=\"x\(count)\">"), "the failing callback (last) is detailed")
        #expect(html.contains("Details are shown for \(HTMLRenderer.maxDetailedExchanges) of \(count) exchanges"))
        let targets = Set(html.matches(of: /href="#x(\d+)"/).map { String($0.1) })
        let anchors = Set(html.matches(of: /<details id="x(\d+)">/).map { String($0.1) })
        #expect(targets.isSubset(of: anchors), "a link to details that do not exist")
        #expect(html.matches(of: /<tr data-n=/).count == count, "the table lists every exchange")
    }
}
