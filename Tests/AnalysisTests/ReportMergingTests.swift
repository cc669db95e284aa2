import Foundation
import ReportModel
import TestSupport
import Testing

@testable import Analysis

/// Reading a report back (`merge`): the JSON parser, and the summary rebuilt from its JSON.
@Suite struct ReportMergingTests {
    static func sampleReport() throws -> Report {
        var options = try Fixtures.options()
        options.maxPassingExchangesKept = 3
        options.maxFailingExchangesKeptPerRule = 2
        let batch = Fixtures.packageRoot.appendingPathComponent("samples/captures").path
        return BatchAnalyzer.analyze(arguments: [batch], options: options, tool: ToolInfo(version: "test"), jobs: 1)
    }

    @Test func aReportParsesBackToTheSameValueAndBytes() throws {
        let text = try Self.sampleReport().serializedJSON(indent: 2, newline: true)
        let parsed = try JSONValue.parse(Array(text.utf8))
        #expect(parsed.serialized(indent: 2, newline: true) == text)
        #expect(try JSONValue.parse(Array(parsed.serialized().utf8)) == parsed)
    }

    @Test func theParserTakesRFC8259AndRefusesTheRest() throws {
        #expect(
            try JSONValue.parse(Array(#" {"a": [1, -0, 2.5e3, true, null, "\u00e9\ud83d\ude00\n"]} "#.utf8))
                == .object([("a", .array([.int(1), .int(0), .double(2500), .bool(true), .null, .string("é😀\n")]))]))
        #expect(try JSONValue.parse(Array("9223372036854775808".utf8)) == .double(9_223_372_036_854_775_808))
        for bad in [
            "", "{", "[1,]", "{\"a\" 1}", "01", "1.", "-", "\"\\ud800\"", "\"a\u{01}\"", "tru", "1 2", "{\"a\":1,}",
            "[\"\\x\"]",
        ] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue.parse(Array(bad.utf8)) }
        }
        let deep =
            String(repeating: "[", count: JSONValue.maxParseDepth + 2)
            + String(repeating: "]", count: JSONValue.maxParseDepth + 2)
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(deep.utf8)) }
    }

    /// The summary read back from a report's JSON, merged alone, is the summary it was written from.
    @Test func oneReportMergedAloneIsItself() throws {
        let report = try Self.sampleReport()
        try #require(report.summary.listing.isCut, "the quotas cut the listing")
        var merging = ReportMerging()
        try merging.add(try JSONValue.parse(Array(report.serializedJSON(indent: 0).utf8)), source: "one.json")
        #expect(merging.summary.aggregates == report.summary.aggregates)
        #expect(merging.summary.listing == report.summary.listing)
        #expect(merging.summary.perCapture == report.summary.perCapture)
        #expect(
            JSONValue.serializedObject(merging.jsonMembers, indent: 2, newline: true)
                == report.serializedJSON(indent: 2, newline: true))
        #expect(throws: ReportMergeError.self) {
            try merging.add(try JSONValue.parse(Array(report.serializedJSON(indent: 0).utf8)), source: "again.json")
        }
    }
}
