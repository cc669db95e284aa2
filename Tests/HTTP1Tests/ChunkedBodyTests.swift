import HTTP1
import Testing

/// Chunked transfer coding (RFC 9112 §7.1), request and response side.
@Suite("Chunked bodies")
struct ChunkedBodyTests {
    static let head = crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n")
    static let headPart = HTTPPart.response(200, "OK", ["Transfer-Encoding": "chunked"], framing: .chunked)

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// The body bytes after `head`.
        var body: String
        /// Expected parts after the head part.
        var expected: [HTTPPart]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "chunk extensions are ignored",
            body: "5;name=value\r\nhello\r\n6 ; a=\"b;c\" ;flag\r\n world\r\n0;last=1\r\n\r\n",
            expected: [.body("hello world"), .complete]
        ),
        Case(
            name: "uppercase hex and leading zeros",
            body: "000A\r\n0123456789\r\n00000000000000000000001\r\n!\r\n0000\r\n\r\n",
            expected: [.body("0123456789!"), .complete]
        ),
        Case(
            name: "whitespace after the size",
            body: "5 \t\r\nhello\r\n0 \r\n\r\n",
            expected: [.body("hello"), .complete]
        ),
        Case(
            name: "trailers are parsed and returned with the end",
            body: "2\r\nok\r\n0\r\nX-Checksum: abc\r\nx-other:  1 \r\n\r\n",
            expected: [.body("ok"), .end(.complete, trailers: ["X-Checksum": "abc", "x-other": "1"])]
        ),
        Case(
            name: "empty body: only the last chunk",
            body: "0\r\n\r\n",
            expected: [.complete]
        ),
        Case(
            name: "huge but valid size streams what arrives and is truncated at finish",
            body: "7fffffffffffffff\r\nabc",
            expected: [.body("abc"), .truncated(expected: nil, received: 3)]
        ),
        Case(
            name: "size overflowing Int64: invalidChunkSize, truncated, parser stops",
            body: "3\r\nabc\r\n10000000000000000\r\nabc\r\n0\r\n\r\n",
            expected: [
                .body("abc"), .anomaly(.invalidChunkSize), .truncated(expected: nil, received: 3),
                .notHTTP(reason: "chunk size overflows 63 bits; the chunked framing is lost"),
            ]
        ),
        Case(
            name: "twenty hex digits of f",
            body: "ffffffffffffffffffff\r\n",
            expected: [
                .anomaly(.invalidChunkSize), .truncated(expected: nil, received: 0),
                .notHTTP(reason: "chunk size overflows 63 bits; the chunked framing is lost"),
            ]
        ),
        Case(
            name: "non-hex size",
            body: "zz\r\nhello\r\n",
            expected: [
                .anomaly(.invalidChunkSize), .truncated(expected: nil, received: 0),
                .notHTTP(reason: "invalid chunk-size line; the chunked framing is lost"),
            ]
        ),
        Case(
            name: "0x prefix is not hex",
            body: "0x5\r\nhello\r\n",
            expected: [
                .anomaly(.invalidChunkSize), .truncated(expected: nil, received: 0),
                .notHTTP(reason: "invalid chunk-size line; the chunked framing is lost"),
            ]
        ),
        Case(
            name: "chunk longer than its size: invalidChunkTerminator",
            body: "3\r\nabcdef\r\n0\r\n\r\n",
            expected: [
                .body("abc"), .anomaly(.invalidChunkTerminator), .truncated(expected: nil, received: 3),
                .notHTTP(reason: "chunk data not followed by CRLF; the chunked framing is lost"),
            ]
        ),
        Case(
            name: "CR CR LF after chunk data is not a terminator",
            body: "3\r\nabc\r\r\n0\r\n\r\n",
            expected: [
                .body("abc"), .anomaly(.invalidChunkTerminator), .truncated(expected: nil, received: 3),
                .notHTTP(reason: "chunk data not followed by CRLF; the chunked framing is lost"),
            ]),
        Case(
            name: "bare LF chunk lines are tolerated, reported once",
            body: "5\nhello\n6;x\n world\n0\n\n",
            expected: [.anomaly(.bareLF), .body("hello world"), .complete]
        ),
        Case(
            name: "cut in chunk data",
            body: "a\r\n01234",
            expected: [.body("01234"), .truncated(expected: nil, received: 5)]
        ),
        Case(
            name: "cut in a chunk-size line",
            body: "2\r\nok\r\n1",
            expected: [.body("ok"), .truncated(expected: nil, received: 2)]
        ),
        Case(
            name: "cut after chunk data, before its CRLF",
            body: "2\r\nok",
            expected: [.body("ok"), .truncated(expected: nil, received: 2)]
        ),
        Case(
            name: "cut in the trailer section",
            body: "2\r\nok\r\n0\r\nX-A: 1\r\n",
            expected: [.body("ok"), .truncated(expected: nil, received: 2)]
        ),
        Case(
            name: "cut right after the last chunk line",
            body: "0\r\n",
            expected: [.truncated(expected: nil, received: 0)]
        ),
    ]

    @Test(arguments: cases)
    func chunked(_ testCase: Case) {
        let result = parse(Self.head + testCase.body, role: .response, methods: ["GET"])
        #expect(result == [Self.headPart] + testCase.expected)
    }

    @Test("A huge chunk size allocates nothing: the parser holds no buffer for it")
    func hugeChunkDoesNotBuffer() {
        var parser = HTTPMessageParser(role: .response)
        parser.enqueueRequestMethod("GET")
        _ = parser.feed(Array((Self.head + "7ffffffffffffff0\r\n").utf8)[...])
        let slice = [UInt8](repeating: 0x61, count: 1 << 20)
        var total = 0
        for _ in 0..<8 {
            for event in parser.feed(slice[...]) {
                guard case .body(let bytes) = event.part else {
                    Issue.record("unexpected \(event.part)")
                    continue
                }
                total += bytes.count
            }
        }
        #expect(total == 8 << 20)
        #expect(parts(parser.finish()) == [.truncated(expected: nil, received: 8 << 20)])
    }

    @Test("Two chunked responses back to back, body pieces per chunk keep their own ranges")
    func backToBack() {
        let input = Self.head + "3\r\nabc\r\n0\r\n\r\n" + Self.head + "1\r\nd\r\n0\r\n\r\n"
        let events = ChunkingVerifier.verify(input, .init(role: .response, requestMethods: ["GET", "GET"]))
        #expect(
            parts(events) == [Self.headPart, .body("abc"), .complete, Self.headPart, .body("d"), .complete]
        )
        let headLength = Int64(Self.head.utf8.count)
        #expect(events[1].range == (headLength + 3)..<(headLength + 6))
        // The end of a chunked message covers the last-chunk line and the final CRLF.
        #expect(events[2].range == (headLength + 8)..<(headLength + 13))
    }

    @Test("Chunked request with trailers")
    func requestTrailers() {
        let input = crlf("POST /up HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\n0\nContent-MD5: x\n\n")
        #expect(
            parse(input, role: .request) == [
                .request("POST", "/up", .http11, ["Transfer-Encoding": "chunked"]), .body("abc"),
                .end(.complete, trailers: ["Content-MD5": "x"]),
            ]
        )
    }
}
