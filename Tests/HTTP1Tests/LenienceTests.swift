import HTTP1
import Testing

/// Odd but survivable input: recorded as anomalies, parsing goes on.
@Suite("Lenient parsing and anomalies")
struct LenienceTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var role: HTTPMessageParser.Role
        var input: String
        var expected: [HTTPPart]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "bare LF line endings, reported once per message",
            role: .request,
            input: "POST /x HTTP/1.1\nHost: h\nContent-Length: 2\n\nokGET / HTTP/1.1\r\n\r\n",
            expected: [
                .request("POST", "/x", .http11, ["Host": "h", "Content-Length": "2"]), .anomaly(.bareLF),
                .body("ok"), .complete, .request("GET", "/"), .complete,
            ]
        ),
        Case(
            name: "bare LF only on the blank line",
            role: .response,
            input: "HTTP/1.1 204 No Content\r\nServer: s\r\n\n",
            expected: [.response(204, "No Content", ["Server": "s"], framing: .none), .anomaly(.bareLF), .complete]
        ),
        Case(
            name: "obs-fold: continuation joined with one SP",
            role: .request,
            input: crlf("GET / HTTP/1.1\nX-Long: first\n   second\n\tthird\nX-Next: n\n\n"),
            expected: [
                .request("GET", "/", .http11, ["X-Long": "first second third", "X-Next": "n"]),
                .anomaly(.obsoleteLineFolding), .complete,
            ]
        ),
        Case(
            name: "obs-fold on an empty value",
            role: .request,
            input: crlf("GET / HTTP/1.1\nX-Empty:\n  value\n\n"),
            expected: [.request("GET", "/", .http11, ["X-Empty": "value"]), .anomaly(.obsoleteLineFolding), .complete]
        ),
        Case(
            name: "whitespace before the colon: trimmed name, so Content-Length still frames",
            role: .request,
            input: crlf("POST / HTTP/1.1\nContent-Length : 3\n\n") + "abc",
            expected: [
                .request("POST", "/", .http11, ["Content-Length": "3"]), .anomaly(.whitespaceBeforeColon),
                .body("abc"), .complete,
            ]
        ),
        Case(
            name: "whitespace-led lines right after the start line are ignored (RFC 9112 §2.2)",
            role: .request,
            input: crlf("GET / HTTP/1.1\n Host: evil\n\tX: y\nHost: good\n\n"),
            expected: [
                .request("GET", "/", .http11, ["Host": "good"]), .anomaly(.whitespaceAfterStartLine), .complete,
            ]
        ),
        Case(
            name: "line without colon is ignored",
            role: .response,
            input: crlf("HTTP/1.1 200 OK\nthis is not a header\nContent-Length: 1\n\n") + "x",
            expected: [
                .response(200, "OK", ["Content-Length": "1"], framing: .contentLength(1)), .anomaly(.invalidHeaderLine),
                .body("x"), .complete,
            ]
        ),
        Case(
            name: "empty field name is ignored, and a fold after it too",
            role: .response,
            input: crlf("HTTP/1.1 200 OK\n: no name\n folded\nContent-Length: 0\n\n"),
            expected: [
                .response(200, "OK", ["Content-Length": "0"], framing: .contentLength(0)), .anomaly(.invalidHeaderLine),
                .complete,
            ]
        ),
        Case(
            name: "non-token field name is kept, with an anomaly",
            role: .response,
            input: crlf("HTTP/1.1 200 OK\nX(weird): 1\nContent-Length: 0\n\n"),
            expected: [
                .response(200, "OK", ["X(weird)": "1", "Content-Length": "0"], framing: .contentLength(0)),
                .anomaly(.invalidHeaderName("X(weird)")), .complete,
            ]
        ),
        Case(
            name: "anomalies of a head come right after it, in line order, then framing anomalies",
            role: .response,
            input: "HTTP/1.1 200 OK\nX : 1\nContent-Length: 2,2\r\n a\r\n\r\nok",
            expected: [
                .response(200, "OK", ["X": "1", "Content-Length": "2,2 a"], framing: .closeDelimited),
                .anomaly(.bareLF), .anomaly(.whitespaceBeforeColon), .anomaly(.obsoleteLineFolding),
                .anomaly(.invalidContentLength("2,2 a")), .body("ok"), .complete,
            ]
        ),
        Case(
            name: "request with invalid Content-Length is taken to have no body",
            role: .request,
            input: crlf("POST / HTTP/1.1\nContent-Length: abc\n\nGET / HTTP/1.1\n\n"),
            expected: [
                .request("POST", "/", .http11, ["Content-Length": "abc"]), .anomaly(.invalidContentLength("abc")),
                .complete, .request("GET", "/"), .complete,
            ]
        ),
        Case(
            name: "request with conflicting Content-Length is taken to have no body",
            role: .request,
            input: crlf("POST / HTTP/1.1\nContent-Length: 1, 2\n\n"),
            expected: [
                .request("POST", "/", .http11, ["Content-Length": "1, 2"]),
                .anomaly(.conflictingContentLength(values: ["1", "2"])), .complete,
            ]
        ),
        Case(
            name: "request with TE and CL (smuggling signature) uses chunked",
            role: .request,
            input: crlf("POST / HTTP/1.1\nTransfer-Encoding: chunked\nContent-Length: 4\n\n1\na\n0\n\n"),
            expected: [
                .request("POST", "/", .http11, ["Transfer-Encoding": "chunked", "Content-Length": "4"]),
                .anomaly(.transferEncodingWithContentLength), .body("a"), .complete,
            ]
        ),
        Case(
            name: "empty Content-Length list elements are ignored (RFC 9110 §5.6.1)",
            role: .request,
            input: crlf("POST / HTTP/1.1\nContent-Length: ,3,\n\n") + "abc",
            expected: [.request("POST", "/", .http11, ["Content-Length": ",3,"]), .body("abc"), .complete]
        ),
        Case(
            name: "an empty Content-Length is invalid",
            role: .request,
            input: crlf("POST / HTTP/1.1\nContent-Length:\n\n"),
            expected: [
                .request("POST", "/", .http11, ["Content-Length": ""]), .anomaly(.invalidContentLength("")), .complete,
            ]
        ),
        Case(
            name: "lower-case HTTP-name in a status line (zeek http-lower-case-nonstandard-port.pcap)",
            role: .response,
            input: crlf("http/1.1 200 OK\nContent-Length: 2\n\n") + "ok",
            expected: [
                .response(200, "OK", ["Content-Length": "2"], framing: .contentLength(2), wire: "http/1.1 200 OK"),
                .anomaly(.lowercaseHTTPVersion), .body("ok"), .complete,
            ]
        ),
        Case(
            name: "lower-case method and HTTP-name in a request line",
            role: .request,
            input: crlf("get / Http/1.0\n\n"),
            expected: [.request("get", "/", .http10), .anomaly(.lowercaseHTTPVersion), .complete]
        ),
        Case(
            name: "UTF-8 in a value is kept",
            role: .request,
            input: "GET / HTTP/1.1\r\nX-Name: caf\u{E9}\r\n\r\n",
            expected: [.request("GET", "/", .http11, ["X-Name": "caf\u{E9}"]), .complete]
        ),
    ]

    @Test(arguments: cases)
    func lenient(_ testCase: Case) {
        #expect(parse(testCase.input, role: testCase.role, methods: ["POST"]) == testCase.expected)
    }

    @Test("Latin-1 obs-text in a value is replaced, not a crash")
    func latin1() {
        let input: [UInt8] = Array("GET / HTTP/1.1\r\nX-Name: caf".utf8) + [0xE9] + Array("\r\n\r\n".utf8)
        #expect(parse(input, role: .request) == [.request("GET", "/", .http11, ["X-Name": "caf\u{FFFD}"]), .complete])
    }
}
