import HTTP1
import Testing

/// Requests in, parts out; every case runs through `ChunkingVerifier` (whole, byte by byte, random
/// splits).
@Suite("Request parsing")
struct RequestParsingTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var expected: [HTTPPart]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "GET without body",
            input: crlf("GET /index.html HTTP/1.1\nHost: example.com\nAccept: */*\n\n"),
            expected: [
                .request("GET", "/index.html", .http11, ["Host": "example.com", "Accept": "*/*"]), .complete,
            ]
        ),
        Case(
            name: "HTTP/1.0 request",
            input: crlf("GET / HTTP/1.0\n\n"),
            expected: [.request("GET", "/", .http10), .complete]
        ),
        Case(
            name: "HTTP/1.2 is other(1, 2)",
            input: crlf("GET / HTTP/1.2\n\n"),
            expected: [.request("GET", "/", .other(major: 1, minor: 2)), .complete]
        ),
        Case(
            name: "POST with Content-Length",
            input: crlf("POST /callback HTTP/1.1\nContent-Length: 11\n\n") + "hello world",
            expected: [
                .request("POST", "/callback", .http11, ["Content-Length": "11"]), .body("hello world"), .complete,
            ]
        ),
        Case(
            name: "Content-Length: 0",
            input: crlf("POST /x HTTP/1.1\nContent-Length: 0\n\n"),
            expected: [.request("POST", "/x", .http11, ["Content-Length": "0"]), .complete]
        ),
        Case(
            name: "request without CL/TE has no body: following bytes are the next request",
            input: crlf("POST /a HTTP/1.1\n\nGET /b HTTP/1.1\n\n"),
            expected: [.request("POST", "/a"), .complete, .request("GET", "/b"), .complete]
        ),
        Case(
            name: "three pipelined requests in one feed",
            input: crlf("GET /1 HTTP/1.1\nHost: h\n\nPOST /2 HTTP/1.1\nContent-Length: 3\n\n") + "abc"
                + crlf("HEAD /3 HTTP/1.1\n\n"),
            expected: [
                .request("GET", "/1", .http11, ["Host": "h"]), .complete,
                .request("POST", "/2", .http11, ["Content-Length": "3"]), .body("abc"), .complete,
                .request("HEAD", "/3"), .complete,
            ]
        ),
        Case(
            name: "leading empty lines before the request line (RFC 9112 §2.2)",
            input: "\r\n\n\r\n" + crlf("GET / HTTP/1.1\n\n"),
            expected: [.request("GET", "/"), .complete]
        ),
        Case(
            name: "CRLF after a body before the next request",
            input: crlf("POST / HTTP/1.1\nContent-Length: 2\n\n") + "ok\r\n" + crlf("GET / HTTP/1.1\n\n"),
            expected: [
                .request("POST", "/", .http11, ["Content-Length": "2"]), .body("ok"), .complete,
                .request("GET", "/"), .complete,
            ]
        ),
        Case(
            name: "chunked request",
            input: crlf("PUT /f HTTP/1.1\nTransfer-Encoding: chunked\n\n5\nhello\n0\n\n"),
            expected: [
                .request("PUT", "/f", .http11, ["Transfer-Encoding": "chunked"]), .body("hello"), .complete,
            ]
        ),
        Case(
            name: "WebDAV and other token methods",
            input: crlf("PROPFIND /d HTTP/1.1\n\nM-SEARCH * HTTP/1.1\n\nOPTIONS * HTTP/1.1\n\n"),
            expected: [
                .request("PROPFIND", "/d"), .complete, .request("M-SEARCH", "*"), .complete,
                .request("OPTIONS", "*"), .complete,
            ]
        ),
        Case(
            name: "CONNECT request has no body",
            input: crlf("CONNECT example.com:443 HTTP/1.1\nHost: example.com:443\n\n"),
            expected: [.request("CONNECT", "example.com:443", .http11, ["Host": "example.com:443"]), .complete]
        ),
        Case(
            name: "absolute-form target with query",
            input: crlf("GET http://example.com/a?b=c&d HTTP/1.1\n\n"),
            expected: [.request("GET", "http://example.com/a?b=c&d"), .complete]
        ),
        Case(
            name: "a space inside the target is tolerated (version is the last word)",
            input: crlf("GET /a b HTTP/1.1\n\n"),
            expected: [.request("GET", "/a b"), .complete]
        ),
        Case(
            name: "header values are trimmed, empty values kept, order and case kept",
            input: crlf("GET / HTTP/1.1\nX-B:  2 \nx-a:1\nX-Empty:\nX-B: 3\n\n"),
            expected: [
                .request("GET", "/", .http11, ["X-B": "2", "x-a": "1", "X-Empty": "", "X-B": "3"]), .complete,
            ]
        ),
        Case(
            name: "request cut in the body is truncated at finish",
            input: crlf("POST / HTTP/1.1\nContent-Length: 10\n\n") + "1234",
            expected: [
                .request("POST", "/", .http11, ["Content-Length": "10"]), .body("1234"),
                .truncated(expected: 10, received: 4),
            ]
        ),
    ]

    @Test(arguments: cases)
    func parses(_ testCase: Case) {
        #expect(parse(testCase.input, role: .request) == testCase.expected)
    }

    @Test("A large body streams as slices of the input, never buffered")
    func largeBodyIsSliced() {
        let body = [UInt8](repeating: 0x41, count: 1_000_000)
        let head = Array(crlf("POST /big HTTP/1.1\nContent-Length: 1000000\n\n").utf8)
        var parser = HTTPMessageParser(role: .request)
        let input = head + body
        var events = parser.feed(input[0..<(head.count + 10)])
        events += parser.feed(input[(head.count + 10)...])
        #expect(events.count == 4)
        guard case .body(let first) = events[1].part, case .body(let second) = events[2].part else {
            Issue.record("expected two body events, got \(events)")
            return
        }
        #expect(first.count == 10 && second.count == 999_990)
        #expect(first.startIndex == head.count, "the body is a slice of the fed array")
        #expect(events[3].part == .complete)
        #expect(events[3].range == Int64(input.count)..<Int64(input.count))
    }
}
