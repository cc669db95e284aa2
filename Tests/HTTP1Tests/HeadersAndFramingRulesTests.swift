import HTTP1
import Testing

@Suite("HTTPHeaders and HTTPVersion")
struct HTTPHeadersTests {
    let headers: HTTPHeaders = ["Host": "a", "Set-Cookie": "x=1", "set-cookie": "y=2", "Content-Length": "5"]

    @Test("Order, original case and duplicates are kept")
    func keepsWireForm() {
        #expect(headers.map(\.name) == ["Host", "Set-Cookie", "set-cookie", "Content-Length"])
        #expect(headers.count == 4)
        #expect(headers[1] == HTTPHeaders.Field(name: "Set-Cookie", value: "x=1"))
    }

    @Test("Lookup is ASCII case-insensitive")
    func lookup() {
        #expect(headers["host"] == "a")
        #expect(headers["SET-COOKIE"] == "x=1")
        #expect(headers.values(for: "Set-cookie") == ["x=1", "y=2"])
        #expect(headers.contains("content-LENGTH"))
        #expect(!headers.contains("Content-Type"))
        #expect(headers["Content-Type"] == nil)
        #expect(headers.values(for: "nope").isEmpty)
        #expect(headers["Hos"] == nil)
    }

    @Test("Non-ASCII letters are not folded")
    func nonASCII() {
        let h: HTTPHeaders = ["\u{C9}t\u{E9}": "1"]
        #expect(h["\u{C9}t\u{E9}"] == "1")
        #expect(h["\u{E9}t\u{E9}"] == nil)
    }

    @Test("Building headers")
    func building() {
        var h = HTTPHeaders([("A", "1")])
        h.append(name: "a", value: "2")
        #expect(h.values(for: "A") == ["1", "2"])
        #expect(h == HTTPHeaders([HTTPHeaders.Field(name: "A", value: "1"), HTTPHeaders.Field(name: "a", value: "2")]))
        #expect(h.description == "A: 1\na: 2")
    }

    @Test(
        "Version descriptions",
        arguments: [
            (HTTPVersion.http10, "HTTP/1.0"), (.http11, "HTTP/1.1"), (.other(major: 1, minor: 2), "HTTP/1.2"),
        ]
    )
    func versions(version: HTTPVersion, text: String) {
        #expect(version.description == text)
        #expect(HTTPVersion(major: version.major, minor: version.minor) == version)
    }
}

@Suite("BodyFraming.decide (RFC 9112 §6.3)")
struct FramingRulesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int
        var method: String?
        var headers: HTTPHeaders
        var expected: BodyFramingDecision
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "101",
            status: 101,
            method: "GET",
            headers: ["Content-Length": "3"],
            expected: .init(framing: .none, switchesProtocol: true)
        ),
        Case(name: "100", status: 100, method: "POST", headers: [:], expected: .init(framing: .none, isInterim: true)),
        Case(name: "103", status: 103, method: "HEAD", headers: [:], expected: .init(framing: .none, isInterim: true)),
        Case(
            name: "HEAD",
            status: 200,
            method: "HEAD",
            headers: ["Content-Length": "3"],
            expected: .init(framing: .none)
        ),
        Case(
            name: "lowercase head is not HEAD (methods are case-sensitive)",
            status: 200,
            method: "head",
            headers: ["Content-Length": "3"],
            expected: .init(framing: .contentLength(3))
        ),
        Case(
            name: "204",
            status: 204,
            method: "GET",
            headers: ["Transfer-Encoding": "chunked"],
            expected: .init(framing: .none)
        ),
        Case(name: "304", status: 304, method: "GET", headers: [:], expected: .init(framing: .none)),
        Case(
            name: "CONNECT 200",
            status: 200,
            method: "CONNECT",
            headers: ["Content-Length": "10"],
            expected: .init(framing: .none, switchesProtocol: true)
        ),
        Case(
            name: "CONNECT 299",
            status: 299,
            method: "CONNECT",
            headers: [:],
            expected: .init(framing: .none, switchesProtocol: true)
        ),
        Case(
            name: "CONNECT 403",
            status: 403,
            method: "CONNECT",
            headers: [:],
            expected: .init(framing: .closeDelimited)
        ),
        Case(
            name: "unknown request",
            status: 200,
            method: nil,
            headers: ["Content-Length": "7"],
            expected: .init(framing: .contentLength(7))
        ),
        Case(
            name: "chunked; CL ignored",
            status: 200,
            method: "GET",
            headers: ["Content-Length": "x", "Transfer-Encoding": "chunked"],
            expected: .init(framing: .chunked, anomalies: [.transferEncodingWithContentLength])
        ),
        Case(
            name: "chunked with parameters",
            status: 200,
            method: "GET",
            headers: ["Transfer-Encoding": "CHUNKED ; q=1"],
            expected: .init(framing: .chunked)
        ),
        Case(
            name: "identity TE",
            status: 200,
            method: "GET",
            headers: ["Transfer-Encoding": "identity"],
            expected: .init(framing: .closeDelimited, anomalies: [.unsupportedTransferEncoding("identity")])
        ),
        Case(
            name: "empty TE",
            status: 200,
            method: "GET",
            headers: ["Transfer-Encoding": ""],
            expected: .init(framing: .closeDelimited, anomalies: [.unsupportedTransferEncoding("")])
        ),
        Case(
            name: "CL with OWS",
            status: 200,
            method: "GET",
            headers: ["Content-Length": " 42 "],
            expected: .init(framing: .contentLength(42))
        ),
        Case(
            name: "CL + sign",
            status: 200,
            method: "GET",
            headers: ["Content-Length": "+4"],
            expected: .init(framing: .closeDelimited, anomalies: [.invalidContentLength("+4")])
        ),
        Case(
            name: "CL three identical",
            status: 200,
            method: "GET",
            headers: ["Content-Length": "7,7", "content-length": "07"],
            expected: .init(framing: .contentLength(7), anomalies: [.duplicateContentLength(values: ["7", "7", "07"])])
        ),
        Case(
            name: "CL max",
            status: 200,
            method: "GET",
            headers: ["Content-Length": "9223372036854775807"],
            expected: .init(framing: .contentLength(Int64.max))
        ),
        Case(
            name: "CL max + 1",
            status: 200,
            method: "GET",
            headers: ["Content-Length": "9223372036854775808"],
            expected: .init(framing: .closeDelimited, anomalies: [.invalidContentLength("9223372036854775808")])
        ),
    ]

    @Test(arguments: cases)
    func response(_ testCase: Case) {
        let decision = BodyFraming.decide(
            forResponseStatus: testCase.status,
            requestMethod: testCase.method,
            headers: testCase.headers
        )
        #expect(decision == testCase.expected)
    }

    static let requestCases: [(HTTPHeaders, BodyFramingDecision)] = [
        (HTTPHeaders(), BodyFramingDecision(framing: .none)),
        (["Content-Length": "3"], BodyFramingDecision(framing: .contentLength(3))),
        (["Content-Length": "3x"], BodyFramingDecision(framing: .none, anomalies: [.invalidContentLength("3x")])),
        (
            ["Content-Length": "1", "Content-Length": "2"],
            BodyFramingDecision(framing: .none, anomalies: [.conflictingContentLength(values: ["1", "2"])])
        ),
        (["Transfer-Encoding": "chunked"], BodyFramingDecision(framing: .chunked)),
        (
            ["Transfer-Encoding": "gzip"],
            BodyFramingDecision(framing: .closeDelimited, anomalies: [.unsupportedTransferEncoding("gzip")])
        ),
    ]

    @Test("Requests: no CL/TE means no body; invalid CL means no body", arguments: requestCases)
    func request(headers: HTTPHeaders, expected: BodyFramingDecision) {
        #expect(BodyFraming.decide(forRequest: headers) == expected)
    }
}
