import HTTP1
import Testing

/// Input that is not HTTP/1.x, and header sections over the limits: one `.notHTTP`, then silence.
@Suite("Not HTTP and limits")
struct GarbageAndLimitsTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var role: HTTPMessageParser.Role
        var input: [UInt8]
        var expected: [HTTPPart]
        /// The range of the `.notHTTP` event.
        var notHTTPRange: Range<Int64>
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "TLS ClientHello on the request side",
            role: .request,
            input: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03],
            expected: [.notHTTP(reason: "not a request line: 0x16 cannot start a method")],
            notHTTPRange: 0..<1
        ),
        Case(
            name: "TLS on the response side",
            role: .response,
            input: [0x16, 0x03, 0x03, 0x00, 0x7A],
            expected: [.notHTTP(reason: "not a status line: starts with 0x16, not \"HTTP/\"")],
            notHTTPRange: 0..<1
        ),
        Case(
            name: "SSH banner",
            role: .request,
            input: Array("SSH-2.0-OpenSSH_9.6\r\n".utf8),
            expected: [.notHTTP(reason: "not a request line: 0x0D in the method token")],
            notHTTPRange: 0..<20
        ),
        Case(
            name: "HTTP/0.9 simple request",
            role: .request,
            input: Array("GET /\r\n".utf8),
            expected: [.notHTTP(reason: "not a request line: no HTTP version (HTTP/0.9?)")],
            notHTTPRange: 0..<7
        ),
        Case(
            name: "HTTP/2 connection preface",
            role: .request,
            input: Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not HTTP/1.x: HTTP/2.0 request line")],
            notHTTPRange: 0..<16
        ),
        Case(
            name: "version without minor",
            role: .request,
            input: Array("GET / HTTP/1.\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not a request line: \"HTTP/1.\" is not an HTTP version")],
            notHTTPRange: 0..<15
        ),
        Case(
            name: "no target (zeek methods.pcap)",
            role: .request,
            input: Array("OPTIONS\r\nHost: www.google.com\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not a request line: 0x0D in the method token")],
            notHTTPRange: 0..<8
        ),
        Case(
            name: "HTML on the response side",
            role: .response,
            input: Array("<html><body>hi</body></html>".utf8),
            expected: [.notHTTP(reason: "not a status line: starts with '<', not \"HTTP/\"")],
            notHTTPRange: 0..<1
        ),
        Case(
            name: "HTTP/2 status line",
            role: .response,
            input: Array("HTTP/2 200\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not an HTTP/1.x status line: major version '2'")],
            notHTTPRange: 0..<6
        ),
        Case(
            name: "non-digit status",
            role: .response,
            input: Array("HTTP/1.1 20x OK\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not a status line: unexpected 'x' at byte 11")],
            notHTTPRange: 0..<12
        ),
        Case(
            name: "status line too short",
            role: .response,
            input: Array("HTTP/1.1 20\n\n".utf8),
            expected: [.notHTTP(reason: "not a status line: too short")],
            notHTTPRange: 0..<12
        ),
        Case(
            name: "status line ending inside the status code",
            role: .response,
            input: Array("HTTP/1.1 20\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not a status line: unexpected 0x0D at byte 11")],
            notHTTPRange: 0..<12
        ),
        Case(
            name: "status 099 (first digit must be 1-9)",
            role: .response,
            input: Array("HTTP/1.1 099 X\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not a status line: unexpected '0' at byte 9")],
            notHTTPRange: 0..<10
        ),
        Case(
            name: "response stream picked up mid-body",
            role: .response,
            input: Array("\"Status\":\"OK\"}HTTP/1.1 200 OK\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "not a status line: starts with '\"', not \"HTTP/\"")],
            notHTTPRange: 0..<1
        ),
        Case(
            name: "garbage after a good message: the message stands, then notHTTP",
            role: .request,
            input: Array("GET / HTTP/1.1\r\n\r\n".utf8) + [0x00, 0x01, 0x02],
            expected: [
                .request("GET", "/"), .complete, .notHTTP(reason: "not a request line: 0x00 cannot start a method"),
            ],
            notHTTPRange: 18..<19
        ),
        Case(
            name: "CR not followed by LF before a start line",
            role: .request,
            input: Array("\r\r\nGET / HTTP/1.1\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "CR not followed by LF before the start line")],
            notHTTPRange: 0..<2
        ),
        Case(
            name: "method longer than maxMethodLength",
            role: .request,
            input: Array((String(repeating: "A", count: 40) + " / HTTP/1.1\r\n\r\n").utf8),
            expected: [.notHTTP(reason: "not a request line: method token longer than 32 bytes")],
            notHTTPRange: 0..<33
        ),
        Case(
            name: "bare CR inside the request line",
            role: .request,
            input: Array("GET /a\rb HTTP/1.1\r\n\r\n".utf8),
            expected: [.notHTTP(reason: "CR inside the start line")],
            notHTTPRange: 0..<8
        ),
    ]

    @Test(arguments: cases)
    func notHTTP(_ testCase: Case) {
        let events = ChunkingVerifier.verify(testCase.input, .init(role: testCase.role, requestMethods: ["GET"]))
        #expect(parts(events) == testCase.expected)
        #expect(events.last.map(\.range) == testCase.notHTTPRange)
    }

    @Test("After notHTTP everything is ignored, finish included")
    func silenceAfterNotHTTP() {
        var parser = HTTPMessageParser(role: .request)
        let events = parser.feed(Array("\u{01}GET / HTTP/1.1\r\n".utf8)[...])
        #expect(parts(events) == [.notHTTP(reason: "not a request line: 0x01 cannot start a method")])
        #expect(parser.hasStopped)
        #expect(parser.feed(Array("GET / HTTP/1.1\r\n\r\n".utf8)[...]).isEmpty)
        #expect(parser.finish().isEmpty)
        #expect(parser.consumedBytes == 35)
    }

    // MARK: Limits

    static let small = HTTPParserLimits(maxHeaderLineLength: 32, maxHeaderCount: 3, maxHeaderBytes: 100)

    @Test("A field line longer than maxHeaderLineLength")
    func lineTooLong() {
        let line = "X-Long: " + String(repeating: "v", count: 40)
        let input = crlf("GET / HTTP/1.1\n\(line)\n\n")
        let events = ChunkingVerifier.verify(input, .init(role: .request, limits: Self.small))
        let reason = "header line longer than 32 bytes (maxHeaderLineLength)"
        #expect(parts(events) == [.anomaly(.headerLimitExceeded), .notHTTP(reason: reason)])
        // The line starts at 16; the first byte past the limit is at 16 + 32.
        #expect(events.map(\.range) == [16..<49, 16..<49])
    }

    @Test("A line of exactly maxHeaderLineLength bytes (CR included) is fine")
    func lineAtLimit() {
        let value = String(repeating: "v", count: 32 - 4 - 1)  // "X: " + value + CR = 32
        let input = "GET / HTTP/1.1\r\nX: \(value)\r\n\r\n"
        #expect(
            parse(input, role: .request, limits: Self.small) == [
                .request("GET", "/", .http11, ["X": value]), .complete,
            ]
        )
    }

    @Test("A start line without LF longer than the limit stops before finish")
    func startLineNeverEnds() {
        let input = "GET /" + String(repeating: "a", count: 100)
        let events = ChunkingVerifier.verify(input, .init(role: .request, limits: Self.small, finish: false))
        #expect(
            parts(events) == [
                .anomaly(.headerLimitExceeded),
                .notHTTP(reason: "header line longer than 32 bytes (maxHeaderLineLength)"),
            ]
        )
        #expect(events.first?.range == 0..<33)
    }

    @Test("More fields than maxHeaderCount")
    func tooManyFields() {
        let input = crlf("GET / HTTP/1.1\nA: 1\nB: 2\nC: 3\nD: 4\n\n")
        let events = ChunkingVerifier.verify(input, .init(role: .request, limits: Self.small))
        #expect(
            parts(events) == [
                .anomaly(.headerLimitExceeded), .notHTTP(reason: "more than 3 fields in one section (maxHeaderCount)"),
            ]
        )
        #expect(events.first?.range == 34..<40)
    }

    @Test("Exactly maxHeaderCount fields is fine; obs-fold lines do not count")
    func countAtLimit() {
        let input = crlf("GET / HTTP/1.1\nA: 1\n 1b\nB: 2\nC: 3\n\n")
        #expect(
            parse(input, role: .request, limits: Self.small) == [
                .request("GET", "/", .http11, ["A": "1 1b", "B": "2", "C": "3"]), .anomaly(.obsoleteLineFolding),
                .complete,
            ]
        )
    }

    @Test("A header section longer than maxHeaderBytes")
    func sectionTooLong() {
        let fields = (0..<3).map { "F\($0): " + String(repeating: "x", count: 25) }.joined(separator: "\n")
        let input = crlf("GET / HTTP/1.1\n\(fields)\n\n")
        let events = ChunkingVerifier.verify(input, .init(role: .request, limits: Self.small))
        #expect(
            parts(events) == [
                .anomaly(.headerLimitExceeded),
                .notHTTP(reason: "header section longer than 100 bytes (maxHeaderBytes)"),
            ]
        )
        // Third field line starts at 16 + 2 * 31 = 78; byte 100 is the first past the limit.
        #expect(events.first?.range == 78..<101)
    }

    @Test("Anomalies held for an unfinished head are flushed before the limit anomaly")
    func pendingAnomaliesFlushed() {
        let input = "GET / HTTP/1.1\nA : 1\n" + String(repeating: "B", count: 40)
        let events = ChunkingVerifier.verify(input, .init(role: .request, limits: Self.small, finish: false))
        #expect(
            parts(events) == [
                .anomaly(.bareLF), .anomaly(.whitespaceBeforeColon), .anomaly(.headerLimitExceeded),
                .notHTTP(reason: "header line longer than 32 bytes (maxHeaderLineLength)"),
            ]
        )
    }

    @Test("Trailer section over the limits: message truncated, parser stops")
    func trailersTooMany() {
        let input = crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n1\na\n0\nA: 1\nB: 2\nC: 3\nD: 4\n\n")
        let events = ChunkingVerifier.verify(input, .init(role: .response, requestMethods: ["GET"], limits: Self.small))
        #expect(
            parts(events) == [
                .response(200, "OK", ["Transfer-Encoding": "chunked"], framing: .chunked), .body("a"),
                .anomaly(.headerLimitExceeded), .truncated(expected: nil, received: 1),
                .notHTTP(reason: "more than 3 fields in one section (maxHeaderCount)"),
            ]
        )
    }

    @Test("Default limits: a 70 KiB line stops the parser after 64 KiB, whatever the split")
    func defaultLineLimit() {
        var parser = HTTPMessageParser(role: .response)
        var events = parser.feed(Array("HTTP/1.1 200 OK\r\nSet-Cookie: ".utf8)[...])
        let chunk = [UInt8](repeating: 0x61, count: 1000)
        for _ in 0..<70 { events += parser.feed(chunk[...]) }
        #expect(
            parts(events) == [
                .anomaly(.headerLimitExceeded),
                .notHTTP(reason: "header line longer than 65536 bytes (maxHeaderLineLength)"),
            ]
        )
        let expected: Range<Int64> = 17..<(17 + 65536 + 1)
        #expect(events.first?.range == expected)
    }
}
