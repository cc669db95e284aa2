import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
import TCPReassembly
import TestSupport
import Testing

@testable import Rendering
@testable import ReportModel

/// A finished callback to `port` starting at `start`, answered `status` after `latency` seconds.
private func diagnosedCallback(
    start: Timestamp, port: UInt16 = 9002, status: Int = 200, latency: Double = 0.002, body: [UInt8] = []
) -> DiagnosedExchange {
    let client = Endpoint(address: .v4(0x7f00_0001), port: 44_653)
    let server = Endpoint(address: .v4(0x7f00_0001), port: port)
    let info = ConnectionInfo(
        id: 0, client: client, server: server, roleEvidence: .syn, handshakeSeen: true,
        firstSeen: StreamOrigin(timestamp: start, frame: 1))
    var exchange = HTTPExchange(connection: info, index: 0)
    var request = CapturedRequest(
        head: HTTPRequestHead(
            method: "POST", target: "/cb", version: .http11, headers: ["User-Agent": "aliyun-oss-callback"]),
        timing: MessageTiming(
            start: StreamOrigin(timestamp: start, frame: 4), end: StreamOrigin(timestamp: start, frame: 4)))
    request.end = .complete
    exchange.request = request
    let end = StreamOrigin(timestamp: start.adding(seconds: latency), frame: 6)
    var response = CapturedResponse(
        head: HTTPResponseHead(
            version: .http11, status: status, reason: "R", headers: ["Content-Length": "\(body.count)"]),
        framing: .contentLength(Int64(body.count)), timing: MessageTiming(start: end, end: end))
    response.end = .complete
    response.body.size = Int64(body.count)
    response.body.preview = body
    exchange.response = response
    return Diagnoser().diagnose(exchange)
}

@Suite("CSV (RFC 4180)")
struct CSVEscapeTests {
    @Test("plain fields stay as they are; comma, quote, CR and LF make a quoted field with quotes doubled")
    func quoting() {
        #expect(CSVEscape.field("POST") == "POST")
        #expect(CSVEscape.field("") == "")
        #expect(CSVEscape.field("a,b") == "\"a,b\"")
        #expect(CSVEscape.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVEscape.field("line1\r\nline2") == "\"line1\r\nline2\"")
        #expect(CSVEscape.field("lf\nonly") == "\"lf\nonly\"")
        #expect(CSVEscape.record(["a", "b,c", "\""]) == "a,\"b,c\",\"\"\"\"\r\n")
    }

    @Test("terminal controls other than CR, LF and tab are escaped")
    func controls() {
        #expect(CSVEscape.field("x\u{1B}[2Jy") == "x\\x1b[2Jy")
        #expect(CSVEscape.field("a\tb\u{202E}") == "a\tb\\u{202e}")
        #expect(CSVEscape.field("\u{1B}]0;t\u{07}\nz") == "\"\\x1b]0;t\\x07\nz\"")
    }

    /// A generated field, parsed back by a minimal RFC 4180 reader, gives the field again.
    @Test("round trip through an RFC 4180 reader (seeded)")
    func roundTrip() {
        var random = SplitMix64.forTest(seed: 0x5EED_CAFE)
        func next() -> UInt64 { random.next() }
        let alphabet: [Character] = ["a", "Z", "0", ",", "\"", "\r", "\n", " ", "é"]
        for _ in 0..<500 {
            let fields = (0..<Int(next() % 4 + 1)).map { _ in
                String((0..<Int(next() % 8)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
            }
            #expect(Self.parse(CSVEscape.record(fields)) == fields, random.comment)
        }
    }

    /// One record of RFC 4180 CSV (ending in CRLF).
    static func parse(_ text: String) -> [String] {
        var fields: [String] = [], field = "", quoted = false, i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if quoted {
                if c == "\"" {
                    let after = text.index(after: i)
                    if after < text.endIndex, text[after] == "\"" {
                        field.append("\"")
                        i = after
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                fields.append(field)
                field = ""
            } else if c == "\r\n" {
                break
            } else {
                field.append(c)
            }
            i = text.index(after: i)
        }
        fields.append(field)
        return fields
    }
}

@Suite("Callback statistics and the listing filter")
struct StatisticsAndListingTests {
    static let minute = Timestamp(seconds: 1_764_118_680)  // 2025-11-26T00:58:00Z

    @Test("rows per server and minute; the server total is their sum")
    func perServerPerMinute() throws {
        var stats = CallbackStatistics()
        stats.record(diagnosedCallback(start: Self.minute.adding(seconds: 1), latency: 0.001))
        stats.record(diagnosedCallback(start: Self.minute.adding(seconds: 59.5), status: 500, latency: 0.003))
        stats.record(diagnosedCallback(start: Self.minute.adding(seconds: 61), latency: 0.002))
        stats.record(diagnosedCallback(start: Self.minute.adding(seconds: 2), port: 9003, status: 404))
        let servers = stats.servers
        #expect(servers.map(\.server.port) == [9002, 9003])
        let first = try #require(servers.first)
        #expect(first.minutes.map(\.minute) == [Self.minute.seconds / 60, Self.minute.seconds / 60 + 1])
        #expect(first.total.callbacks == 3 && first.total.passed == 2 && first.total.failed == 1)
        #expect(first.total.findingsByRule[.badStatus] == 1)
        #expect(first.total.latency.percentile(50) == 2_000_000)
        #expect(first.total.latency.maximum == 3_000_000)
        #expect(stats.rules == [.badStatus])
        let csv = StatsRendererCSV.lines(stats)
        #expect(csv.count == 1 + 3 + 2)  // header, 9002: all + 2 minutes, 9003: all + 1 minute
    }

    @Test("time bounds: RFC 3339 with Z or an offset, HH:MM[:SS] on the capture's day; bad text refused")
    func timeBounds() throws {
        let a = try #require(TimeBound(parsing: "2025-11-26T00:58:30Z"))
        let b = try #require(TimeBound(parsing: "2025-11-26T08:58:30+08:00"))
        let c = try #require(TimeBound(parsing: "00:58:30"))
        let d = try #require(TimeBound(parsing: "2025-11-25T19:58:30.000-05:00"))
        let expected = Timestamp(seconds: Self.minute.seconds + 30)
        for bound in [a, b, c, d] {
            #expect(bound.resolved(onDayOf: Self.minute.adding(seconds: 5)) == expected, "\(bound.text)")
        }
        #expect(try #require(TimeBound(parsing: "00:58")).resolved(onDayOf: Self.minute) == Self.minute)
        #expect(
            try #require(TimeBound(parsing: "00:58:30.25")).resolved(onDayOf: Self.minute)
                == Timestamp(seconds: expected.seconds, nanoseconds: 250_000_000))
        #expect(c.resolved(onDayOf: nil) == nil)
        for bad in [
            "", "yesterday", "24:00", "00:60", "0:58", "00:58:3", "2025-11-26T00:58:30", "2025-13-01T00:00:00Z",
            "2025-11-26T00:58:30+8",
        ] {
            #expect(TimeBound(parsing: bad) == nil, "\(bad)")
        }
    }

    @Test("the filter: rules OR'd, conditions AND'd, [since, until)")
    func admits() throws {
        let ok = diagnosedCallback(start: Self.minute.adding(seconds: 10))
        let bad = diagnosedCallback(start: Self.minute.adding(seconds: 20), status: 500)
        var filter = ListingFilter()
        #expect(filter.isEmpty && filter.admits(ok, captureStart: nil))
        filter.failedOnly = true
        #expect(!filter.admits(ok, captureStart: nil) && filter.admits(bad, captureStart: nil))
        filter = ListingFilter()
        filter.rules = [.bomPrefix, .badStatus]
        #expect(!filter.admits(ok, captureStart: nil) && filter.admits(bad, captureStart: nil))
        filter = ListingFilter()
        filter.since = TimeBound(parsing: "00:58:10")
        filter.until = TimeBound(parsing: "00:58:20")
        #expect(filter.admits(ok, captureStart: Self.minute))  // at since: in
        #expect(!filter.admits(bad, captureStart: Self.minute))  // at until: out
        #expect(filter.description == "--since 00:58:10 --until 00:58:20")
    }

    @Test("show: text bodies as text, a BOM or binary as hex; controls escaped")
    func detailBodies() {
        let text = ExchangeDetail.render(
            ReportedExchange(
                capture: "x.pcap",
                diagnosed: diagnosedCallback(start: Self.minute, body: Array("{\"a\":1}\n\u{1B}]0;x".utf8))), number: 7)
        #expect(text.hasPrefix("#7  OSS callback, "))
        // ESC makes the body not text: a hex dump, which cannot carry the control.
        #expect(text.contains("in hex:"))
        #expect(!text.contains("\u{1B}"))
        let json = ExchangeDetail.render(
            ReportedExchange(
                capture: "x.pcap",
                diagnosed: diagnosedCallback(start: Self.minute, body: Array("{\"Status\":\"OK\"}".utf8))), number: 1)
        #expect(json.contains("as text:\n    │ {\"Status\":\"OK\"}\n"))
        let bom = ExchangeDetail.render(
            ReportedExchange(
                capture: "x.pcap",
                diagnosed: diagnosedCallback(start: Self.minute, body: [0xEF, 0xBB, 0xBF] + Array("{}".utf8))),
            number: 1)
        #expect(bom.contains("ef bb bf 7b 7d"))
        // a cut character is dropped
        #expect(ExchangeDetail.printableText(Array("é".utf8).dropLast().map { $0 }) == "")
        #expect(ExchangeDetail.printableText([0xFF, 0x41]) == nil)
    }
}

/// The CSV of statistics alone (the renderer takes a report; these are its records).
private enum StatsRendererCSV {
    static func lines(_ stats: CallbackStatistics) -> [Substring] {
        var summary = CaptureSummary(path: "x.pcap")
        summary.unlisted.callbacksByServerMinute = stats
        let report = Report(
            tool: ToolInfo(version: "test"), settings: ReportSettings(), captures: [summary], exchanges: [])
        return StatsRenderer.csv(report).split(separator: "\r\n")
    }
}
