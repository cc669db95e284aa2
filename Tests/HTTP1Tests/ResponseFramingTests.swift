import HTTP1
import Testing

/// One table row per RFC 9112 §6.3 framing rule for responses, each through `ChunkingVerifier`.
@Suite("Response framing (RFC 9112 §6.3)")
struct ResponseFramingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        /// Methods enqueued before the responses are fed.
        var methods: [String]
        var input: String
        var expected: [HTTPPart]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "Content-Length body",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 15\n\n") + "{\"Status\":\"OK\"}",
            expected: [
                .response(200, "OK", ["Content-Length": "15"], framing: .contentLength(15)),
                .body("{\"Status\":\"OK\"}"), .complete,
            ]
        ),
        Case(
            name: "response to HEAD has no body despite Content-Length",
            methods: ["HEAD", "GET"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 5\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\n") + "hi",
            expected: [
                .response(200, "OK", ["Content-Length": "5"], framing: .none), .complete,
                .response(200, "OK", ["Content-Length": "2"], framing: .contentLength(2)), .body("hi"), .complete,
            ]
        ),
        Case(
            name: "HEAD response with chunked TE has no body either",
            methods: ["HEAD"],
            input: crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n"),
            expected: [.response(200, "OK", ["Transfer-Encoding": "chunked"], framing: .none), .complete]
        ),
        Case(
            name: "100 Continue then the final response to the same request",
            methods: ["POST", "GET"],
            input: crlf("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\n") + "ok"
                + crlf("HTTP/1.1 200 OK\nContent-Length: 0\n\n"),
            expected: [
                .response(100, "Continue", framing: .none), .complete,
                .response(200, "OK", ["Content-Length": "2"], framing: .contentLength(2)), .body("ok"), .complete,
                .response(200, "OK", ["Content-Length": "0"], framing: .contentLength(0)), .complete,
            ]
        ),
        Case(
            name: "102 and 103 are interim too; the HEAD stays queued for the final response",
            methods: ["HEAD"],
            input: crlf(
                "HTTP/1.1 102 Processing\n\nHTTP/1.1 103 Early Hints\nLink: </s.css>\n\nHTTP/1.1 200 OK\nContent-Length: 9\n\n"
            ),
            expected: [
                .response(102, "Processing", framing: .none), .complete,
                .response(103, "Early Hints", ["Link": "</s.css>"], framing: .none), .complete,
                .response(200, "OK", ["Content-Length": "9"], framing: .none), .complete,
            ]
        ),
        Case(
            name: "204 No Content",
            methods: ["POST"],
            input: crlf("HTTP/1.1 204 No Content\nContent-Length: 4\n\n"),
            expected: [.response(204, "No Content", ["Content-Length": "4"], framing: .none), .complete]
        ),
        Case(
            name: "304 Not Modified",
            methods: ["GET"],
            input: crlf("HTTP/1.1 304 Not Modified\nContent-Length: 100\n\nHTTP/1.1 200 OK\nContent-Length: 0\n\n"),
            expected: [
                .response(304, "Not Modified", ["Content-Length": "100"], framing: .none), .complete,
                .response(200, "OK", ["Content-Length": "0"], framing: .contentLength(0)), .complete,
            ]
        ),
        Case(
            name: "2xx to CONNECT: tunnel, the rest is not parsed",
            methods: ["CONNECT"],
            input: crlf("HTTP/1.1 200 Connection Established\n\n") + "\u{16}\u{03}\u{01} not http",
            expected: [.response(200, "Connection Established", framing: .none), .complete]
        ),
        Case(
            name: "non-2xx to CONNECT is an ordinary response",
            methods: ["CONNECT"],
            input: crlf("HTTP/1.1 407 Proxy Authentication Required\nContent-Length: 1\n\n") + "x",
            expected: [
                .response(407, "Proxy Authentication Required", ["Content-Length": "1"], framing: .contentLength(1)),
                .body("x"), .complete,
            ]
        ),
        Case(
            name: "101 Switching Protocols: the rest is not HTTP",
            methods: ["GET"],
            input: crlf("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n\n")
                + "\u{81}\u{05}hello",
            expected: [
                .response(
                    101,
                    "Switching Protocols",
                    ["Upgrade": "websocket", "Connection": "Upgrade"],
                    framing: .none
                ),
                .complete,
            ]
        ),
        Case(
            name: "no Content-Length nor Transfer-Encoding: close-delimited, ended by finish",
            methods: ["POST"],
            input: crlf("HTTP/1.0 200 OK\nContent-Type: application/json\n\n") + "{\"a\":1}\r\n\r\nmore",
            expected: [
                .response(200, "OK", ["Content-Type": "application/json"], framing: .closeDelimited, version: .http10),
                .body("{\"a\":1}\r\n\r\nmore"), .complete,
            ]
        ),
        Case(
            name: "chunked response",
            methods: ["GET"],
            input: crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n4\nWiki\n5\npedia\nE\n")
                + " in\r\n\r\nchunks.\r\n0\r\n\r\n",
            expected: [
                .response(200, "OK", ["Transfer-Encoding": "chunked"], framing: .chunked),
                .body("Wikipedia in\r\n\r\nchunks."), .complete,
            ]
        ),
        Case(
            name: "Transfer-Encoding: gzip, chunked is chunked (last coding)",
            methods: ["GET"],
            input: crlf("HTTP/1.1 200 OK\nTransfer-Encoding: gzip, Chunked\n\n1\nx\n0\n\n"),
            expected: [
                .response(200, "OK", ["Transfer-Encoding": "gzip, Chunked"], framing: .chunked), .body("x"),
                .complete,
            ]
        ),
        Case(
            name: "Transfer-Encoding split over two field lines",
            methods: ["GET"],
            input: crlf("HTTP/1.1 200 OK\nTransfer-Encoding: gzip\nTransfer-Encoding: chunked\n\n1\nx\n0\n\n"),
            expected: [
                .response(
                    200,
                    "OK",
                    ["Transfer-Encoding": "gzip", "Transfer-Encoding": "chunked"],
                    framing: .chunked
                ),
                .body("x"), .complete,
            ]
        ),
        Case(
            name: "Transfer-Encoding not ending in chunked: close-delimited + anomaly",
            methods: ["GET"],
            input: crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked, gzip\n\n") + "raw",
            expected: [
                .response(200, "OK", ["Transfer-Encoding": "chunked, gzip"], framing: .closeDelimited),
                .anomaly(.unsupportedTransferEncoding("chunked, gzip")), .body("raw"), .complete,
            ]
        ),
        Case(
            name: "Transfer-Encoding wins over Content-Length (anomaly)",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 100\nTransfer-Encoding: chunked\n\n2\nok\n0\n\n"),
            expected: [
                .response(
                    200,
                    "OK",
                    ["Content-Length": "100", "Transfer-Encoding": "chunked"],
                    framing: .chunked
                ),
                .anomaly(.transferEncodingWithContentLength), .body("ok"), .complete,
            ]
        ),
        Case(
            name: "duplicate identical Content-Length list is accepted (anomaly)",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 5, 5\n\n") + "hello",
            expected: [
                .response(200, "OK", ["Content-Length": "5, 5"], framing: .contentLength(5)),
                .anomaly(.duplicateContentLength(values: ["5", "5"])), .body("hello"), .complete,
            ]
        ),
        Case(
            name: "repeated identical Content-Length fields are accepted (anomaly)",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 2\ncontent-length: 2\n\n") + "ok",
            expected: [
                .response(200, "OK", ["Content-Length": "2", "content-length": "2"], framing: .contentLength(2)),
                .anomaly(.duplicateContentLength(values: ["2", "2"])), .body("ok"), .complete,
            ]
        ),
        Case(
            name: "conflicting Content-Length: anomaly, invalid, close-delimited",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 5\nContent-Length: 6\n\n") + "hello!",
            expected: [
                .response(200, "OK", ["Content-Length": "5", "Content-Length": "6"], framing: .closeDelimited),
                .anomaly(.conflictingContentLength(values: ["5", "6"])), .body("hello!"), .complete,
            ]
        ),
        Case(
            name: "invalid Content-Length: anomaly, close-delimited",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 12abc\n\n") + "body",
            expected: [
                .response(200, "OK", ["Content-Length": "12abc"], framing: .closeDelimited),
                .anomaly(.invalidContentLength("12abc")), .body("body"), .complete,
            ]
        ),
        Case(
            name: "negative Content-Length is invalid",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: -1\n\n"),
            expected: [
                .response(200, "OK", ["Content-Length": "-1"], framing: .closeDelimited),
                .anomaly(.invalidContentLength("-1")), .complete,
            ]
        ),
        Case(
            name: "Content-Length above Int64.max is invalid",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 99999999999999999999\n\n"),
            expected: [
                .response(200, "OK", ["Content-Length": "99999999999999999999"], framing: .closeDelimited),
                .anomaly(.invalidContentLength("99999999999999999999")), .complete,
            ]
        ),
        Case(
            name: "no request queued: framed like a response to GET",
            methods: [],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 1\n\n") + "x",
            expected: [
                .response(200, "OK", ["Content-Length": "1"], framing: .contentLength(1)), .body("x"), .complete,
            ]
        ),
        Case(
            name: "status line without reason phrase, with and without the SP",
            methods: ["GET", "GET"],
            input: crlf("HTTP/1.1 200\nContent-Length: 0\n\nHTTP/1.1 500 \nContent-Length: 0\n\n"),
            expected: [
                // Without the SP the wire bytes differ from the parsed form: kept for evidence.
                .response(200, "", ["Content-Length": "0"], framing: .contentLength(0), wire: "HTTP/1.1 200"),
                .complete,
                .response(500, "", ["Content-Length": "0"], framing: .contentLength(0)), .complete,
            ]
        ),
        Case(
            name: "response cut inside the Content-Length body is truncated",
            methods: ["POST"],
            input: crlf("HTTP/1.1 200 OK\nContent-Length: 15\n\n") + "{\"Sta",
            expected: [
                .response(200, "OK", ["Content-Length": "15"], framing: .contentLength(15)), .body("{\"Sta"),
                .truncated(expected: 15, received: 5),
            ]
        ),
    ]

    @Test(arguments: cases)
    func frames(_ testCase: Case) {
        #expect(parse(testCase.input, role: .response, methods: testCase.methods) == testCase.expected)
    }

    @Test("Pipelined requests and their responses are paired through enqueueRequestMethod")
    func pipelinedExchange() {
        let requests = crlf("GET /a HTTP/1.1\n\nHEAD /b HTTP/1.1\n\nPOST /c HTTP/1.1\nContent-Length: 1\n\n") + "z"
        var requestParser = HTTPMessageParser(role: .request)
        var responseParser = HTTPMessageParser(role: .response)
        // All three requests arrive in one segment.
        for event in requestParser.feed(Array(requests.utf8)[...]) {
            if case .requestHead(let head) = event.part { responseParser.enqueueRequestMethod(head.method) }
        }
        #expect(responseParser.pendingRequestMethods == ["GET", "HEAD", "POST"])
        let responses = crlf(
            "HTTP/1.1 200 OK\nContent-Length: 3\n\nabcHTTP/1.1 200 OK\nContent-Length: 50\n\nHTTP/1.1 100 Continue\n\nHTTP/1.1 201 Created\nContent-Length: 2\n\nhi"
        )
        let events = responseParser.feed(Array(responses.utf8)[...]) + responseParser.finish()
        #expect(
            parts(events) == [
                .response(200, "OK", ["Content-Length": "3"], framing: .contentLength(3)), .body("abc"), .complete,
                .response(200, "OK", ["Content-Length": "50"], framing: .none), .complete,
                .response(100, "Continue", framing: .none), .complete,
                .response(201, "Created", ["Content-Length": "2"], framing: .contentLength(2)), .body("hi"), .complete,
            ]
        )
        #expect(responseParser.pendingRequestMethods.isEmpty)
    }

    @Test("The pairing layer switches the request parser to the tunnel after 101")
    func requestSideTunnel() {
        var requestParser = HTTPMessageParser(role: .request)
        let upgrade = crlf("GET /ws HTTP/1.1\nUpgrade: websocket\nConnection: Upgrade\n\n")
        #expect(
            parts(requestParser.feed(Array(upgrade.utf8)[...])) == [
                .request("GET", "/ws", .http11, ["Upgrade": "websocket", "Connection": "Upgrade"]), .complete,
            ]
        )
        // The 101 arrives on the other direction; the pairing layer switches this side.
        #expect(requestParser.switchToTunnel().isEmpty)
        #expect(requestParser.isTunnelled)
        #expect(requestParser.feed([0x81, 0x85, 0x37, 0xFA]).isEmpty)
        #expect(requestParser.finish().isEmpty)
        #expect(requestParser.consumedBytes == Int64(upgrade.utf8.count + 4))
    }

    @Test("Switching to the tunnel mid-message ends the message like finish")
    func tunnelMidMessage() {
        var parser = HTTPMessageParser(role: .request)
        _ = parser.feed(Array((crlf("POST / HTTP/1.1\nContent-Length: 9\n\n") + "abc").utf8)[...])
        #expect(parts(parser.switchToTunnel()) == [.truncated(expected: 9, received: 3)])
        #expect(parser.switchToTunnel().isEmpty)
        #expect(parser.isTunnelled)
    }

    @Test("Tunnel: parser reports it and ignores the rest, finish adds nothing")
    func tunnelState() {
        var parser = HTTPMessageParser(role: .response)
        parser.enqueueRequestMethod("CONNECT")
        let input = Array(crlf("HTTP/1.1 200 OK\n\n").utf8) + [0x16, 0x03, 0x01, 0x00]
        let events = parser.feed(input[...])
        #expect(parts(events) == [.response(200, "OK", framing: .none), .complete])
        #expect(parser.isTunnelled)
        #expect(parser.feed(Array("HTTP/1.1 200 OK\r\n\r\n".utf8)[...]).isEmpty)
        #expect(parser.finish().isEmpty)
        #expect(parser.consumedBytes == Int64(input.count + 19))
    }
}
