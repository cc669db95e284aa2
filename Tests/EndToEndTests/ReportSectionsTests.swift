import Analysis
import CaptureModel
import Diagnosis
import Foundation
import Rendering
import ReportModel
import TestSupport
import Testing

/// The sections Markdown and HTML share, end to end on synthesised captures: a brief Markdown
/// that fits a ticket whatever the capture, batches that name the capture of every listed
/// exchange, and cut lists that say so where they are.
@Suite(.tags(.endToEnd)) struct ReportSectionsTests {
    static let server = Endpoint(address: PacketBuilder.ipv4("192.0.2.20"), port: 9000)

    /// An OSS callback request to `target`.
    static func callback(_ target: String) -> [UInt8] {
        Array(
            "POST \(target) HTTP/1.1\r\nHost: h\r\nx-oss-tag: CALLBACK\r\nUser-Agent: aliyun-oss-callback\r\nContent-Length: 0\r\n\r\n"
                .utf8)
    }

    /// The answers that fail OSS's checks in different ways (bad-status, non-json-body,
    /// bom-prefix), and one that passes.
    static let failingAnswers: [[UInt8]] = [
        Array("HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\n{}".utf8),
        Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK".utf8),
        [UInt8]("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n".utf8) + [0xEF, 0xBB, 0xBF] + Array("{}".utf8),
    ]
    static let passingAnswer = Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8)

    /// Writes a capture of `failing` failing callbacks (each answer in turn) and `passing`
    /// passing ones, one connection each, with targets of `targetLength` characters full of
    /// Markdown and HTML syntax.
    static func writeCapture(
        _ path: String, failing: Int, passing: Int, targetLength: Int = 40,
        start: Timestamp = Timestamp(seconds: 1_764_000_000),
        seed: UInt64 = 1
    ) throws {
        var random = SplitMix64.forTest(seed: seed)
        var conversation = ConversationWriter(start: start, step: 0.0005)
        let hostile = "|<b>`*_[x](y)\\"
        for n in 0..<(failing + passing) {
            let client = Endpoint(address: PacketBuilder.ipv4("198.51.100.\(1 + n % 200)"), port: UInt16(20_000 + n))
            var target = "/cb/\(n)/"
            while target.count < targetLength { target += hostile }
            let answer = n < failing ? failingAnswers[Int(random.next() % UInt64(failingAnswers.count))] : passingAnswer
            conversation.addKeepAliveConnection(
                client, server, exchanges: [(callback(String(target.prefix(targetLength))), answer)])
        }
        try conversation.write(to: path)
    }

    static func analyze(_ paths: [String], listAll: Bool = false) -> Report {
        var options = AnalysisOptions()
        if listAll {
            options.maxPassingExchangesKept = Int.max
            options.maxFailingExchangesKeptPerRule = Int.max
        }
        return BatchAnalyzer.analyze(arguments: paths, options: options, tool: ToolInfo(version: "test"))
    }

    @Test func briefMarkdownFitsATicketWhateverTheCapture() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        // 300 failing callbacks with 2,000-character hostile targets, in three captures with long names.
        var paths: [String] = []
        for c in 0..<3 {
            let path = dir.appendingPathComponent(String(repeating: "long-capture-name-", count: 8) + "\(c).pcap").path
            try Self.writeCapture(path, failing: 100, passing: 20, targetLength: 2_000, seed: UInt64(c + 1))
            paths.append(path)
        }
        let report = Self.analyze(paths, listAll: true)
        try #require(report.summary.callbacksFailed == 300)
        let brief = MarkdownRenderer.render(report)
        #expect(brief.count <= MarkdownRenderer.briefCharacterLimit, "brief Markdown is \(brief.count) characters")
        #expect(brief.utf8.count <= MarkdownRenderer.briefCharacterLimit)
        #expect(brief.contains("_showing 10 of 300 failing exchanges; --detail full lists the 300 in the report._"))
        for rule in report.summary.findingsByRule {
            #expect(brief.contains("| **\(rule.rule.rawValue)** | \(rule.count) |"))
        }
        let full = MarkdownRenderer.render(report, detail: .full)
        #expect(full.count > MarkdownRenderer.briefCharacterLimit)
        let failingRows = full.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("203 CallbackFailed") }
        #expect(failingRows.count == 300, "full detail lists every failing callback")
        #expect(!full.contains("failing exchanges; --detail full"))
    }

    @Test func aCutListingSaysSoInEveryFormat() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("busy.pcap").path
        try Self.writeCapture(path, failing: 0, passing: 250)
        let report = Self.analyze([path])
        try #require(report.summary.callbacksPassed == 250 && report.exchanges.count == 100)
        let html = HTMLRenderer.render(report)
        #expect(html.contains("showing 100 of 250 exchanges (failing ones first kept); --list-all lists all."))
        #expect(html.contains("Points for showing 100 of 250 exchanges (the listed ones); --list-all draws all."))
        // The Outcomes chart counts every exchange, not the listed ones.
        #expect(html.contains(">passed</text><rect"))
        #expect(html.contains(">250</text>"))
        #expect(!html.contains(">100</text>"))
        // The density cells count every callback with a response, not the 100 listed.
        let cells = html.matches(of: /<title>(\d+) callbacks? with latency/).compactMap { Int($0.1) }
        #expect(cells.reduce(0, +) == 250)
        #expect(!html.contains("No shaded cells"))
        // So does the per-server table, in HTML and Markdown.
        #expect(
            html.contains(
                "<tr><td class=\"nowrap\">192.0.2.20:9000</td><td class=\"num\">250</td><td class=\"num\">250</td><td class=\"num\">0</td>"
            ))
        let markdown = MarkdownRenderer.render(report)
        #expect(markdown.contains("| 192.0.2.20:9000 | 250 | 250 | 0 | 0 | 0 |"))
        let text = TextRenderer.render(report)
        #expect(
            text.contains(
                "showing 100 of 250 exchanges listed (the counts above are every exchange's); --list-all lists all."))
    }

    @Test func aBatchNamesTheCaptureOfEveryListedExchange() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = dir.appendingPathComponent("monday.pcap").path
        let second = dir.appendingPathComponent("years-later.pcap").path
        try Self.writeCapture(first, failing: 2, passing: 1, start: Timestamp(seconds: 1_764_000_000))
        try Self.writeCapture(
            second, failing: 3, passing: 1, start: Timestamp(seconds: 1_764_000_000 + 3 * 365 * 86_400), seed: 2)
        let report = Self.analyze([first, second])
        try #require(report.exchanges.count == 7 && report.summary.callbacksFailed == 5)

        let text = TextRenderer.render(report, options: .init(verbose: true))
        // Every listed exchange has a block (the passing ones are unsigned: a suspect signature).
        #expect(text.components(separatedBy: "capture: \(first)\n").count - 1 == 3)
        #expect(text.components(separatedBy: "capture: \(second)\n").count - 1 == 4)
        #expect(text.contains("    callbacks: 3 seen, 1 passed, 2 failed; worst rule: "))
        #expect(text.contains("    callbacks: 4 seen, 1 passed, 3 failed; worst rule: "))
        #expect(text.contains("#1  2025-11-24 16:00:"), "dates appear when the captures span days")
        #expect(!text.contains("UTC (946"), "no span across the batch")

        let markdown = MarkdownRenderer.render(report)
        let rows = markdown.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("203 CallbackFailed") }
        #expect(rows.count == 5)
        #expect(rows.filter { $0.contains("| monday.pcap |") }.count == 2)
        #expect(rows.filter { $0.contains("| years-later.pcap |") }.count == 3)
        #expect(markdown.contains("| time (UTC) | capture | client → server |"))

        let html = HTMLRenderer.render(report)
        let tableRows = html.split(separator: "\n").filter { $0.hasPrefix("<tr data-n=") }
        #expect(tableRows.count == 7)
        #expect(
            tableRows.allSatisfy {
                $0.contains("<td class=\"wrap\">monday.pcap</td>")
                    || $0.contains("<td class=\"wrap\">years-later.pcap</td>")
            })
        #expect(html.contains("time since each capture&#39;s first packet (each capture on its own clock)"))
        // The x axis runs over the longest capture (well under a minute), not the years between them.
        let ticks = html.matches(of: /text-anchor="middle">\+([0-9.]+) s</).compactMap { Double($0.1) }
        try #require(!ticks.isEmpty)
        #expect(ticks.max()! < 60)
    }

    @Test func httpsEstimatesAreDrawnAndSortedAsLatencies() throws {
        let result = try CLIRunner.run([
            "analyze", "--format", "html", "--server=:9001-9040", "samples/captures/all-lo.pcap",
        ])
        let html = result.stdout
        // The two HTTPS callbacks that got a response: their estimates sort as numbers, not as "—".
        let estimates = html.matches(of: /data-sort="([^"]+)">≈[ ]/).map { String($0.1) }
        #expect(estimates == ["0.000352000", "6.000797000"])
        // … and are drawn as hollow diamonds at their latency, not as "no reply" crosses.
        #expect(html.matches(of: /Z" fill="#ffffff"/).count == 2)
        #expect(html.contains("(HTTPS) TLS 1.3, SNI none → encrypted response, ≈ 6.001 s (slow-response)</title>"))
    }

    @Test func briefAndFullMarkdownFromTheCommandLine() throws {
        let brief = try CLIRunner.run(["analyze", "--format", "markdown", "--server=:9001-9040", "samples/captures/"])
        let full = try CLIRunner.run([
            "analyze", "--format", "markdown", "--detail", "full", "--server=:9001-9040", "samples/captures/",
        ])
        #expect(
            brief.stdout.count <= MarkdownRenderer.briefCharacterLimit,
            "the largest sample batch, brief: \(brief.stdout.count) characters")
        #expect(full.stdout.count > brief.stdout.count)
        #expect(
            brief.stdout.contains(
                "_showing 10 of 182 failing exchanges; --detail full lists the 138 in the report; --list-all lists all with the --server servers (the others are only counted)._"
            ))
        #expect(full.stdout.contains("## bad-status\n"), "full detail has a section per rule")
    }
}
