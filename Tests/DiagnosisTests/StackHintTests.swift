import CaptureModel
import HTTP1
import HTTPExchanges
import TCPReassembly
import Testing

@testable import Diagnosis

/// nginx 1.22.1's default error page for `status` (the bytes recorded in
/// samples/captures/hints/nginx-50x-*.pcap).
private func nginxPage(_ status: Int, _ reason: String) -> [UInt8] {
    Array(
        "<html>\r\n<head><title>\(status) \(reason)</title></head>\r\n<body>\r\n<center><h1>\(status) \(reason)</h1></center>\r\n<hr><center>nginx/1.22.1</center>\r\n</body>\r\n</html>\r\n"
            .utf8)
}

private func finding(_ exchange: HTTPExchange, _ rule: RuleID) throws -> Finding {
    try #require(Diagnoser().diagnose(exchange).findings.first { $0.rule == rule })
}

/// Stack-aware fixes (issue #19): the fix fits what the answer says about its stack, and the
/// `stack` evidence says what in the answer named it.
@Suite struct StackHintTests {
    @Test func nginxOwn504NamesItsReadTimeoutAndTheTime() throws {
        let e = ExchangeFactory.callback(
            status: 504, reason: "Gateway Time-out", headers: ["Server": "nginx/1.22.1", "Content-Type": "text/html"],
            body: nginxPage(504, "Gateway Time-out"), latency: 3.003)
        let f = try finding(e, .badStatus)
        #expect(f.hint.hasPrefix("nginx answered 504 Gateway Time-out itself 3.003 s after the request"))
        #expect(f.hint.contains("proxy_read_timeout"))
        #expect(f.hint.contains("make the app answer within 5 s, OSS's limit"))
        let stack = try #require(f.evidence.first { $0.key == "stack" }?.value)
        #expect(stack == "the answer's Server header says nginx/1.22.1; its body is nginx's default 504 error page")
    }

    @Test func nginxOwn502NamesTheUpstream() throws {
        let e = ExchangeFactory.callback(
            status: 502, reason: "Bad Gateway", headers: ["Server": "nginx", "Content-Type": "text/html"],
            body: nginxPage(502, "Bad Gateway").map { $0 }, latency: 0.001)
        let f = try finding(e, .badStatus)
        #expect(f.hint.hasPrefix("nginx answered 502 Bad Gateway itself"))
        #expect(f.hint.contains("upstream"))
    }

    /// `Server: nginx` alone is not nginx's own answer: nginx sets its Server header on what it
    /// passes through, so the app's 502 keeps the generic fix.
    @Test func serverHeaderAloneKeepsTheGenericFix() throws {
        let e = ExchangeFactory.callback(status: 502, reason: "Bad Gateway", headers: ["Server": "nginx/1.22.1"])
        let f = try finding(e, .badStatus)
        #expect(f.hint == RuleCatalog.rule(.badStatus).fix)
        #expect(!f.evidence.contains { $0.key == "stack" })
    }

    @Test func gzipTheRequestAskedForIsNamed() throws {
        var request = ExchangeFactory.ossHeaders
        request.append(name: "Accept-Encoding", value: "gzip, deflate")
        let e = ExchangeFactory.callback(
            headers: [
                "Server": "nginx/1.22.1", "Content-Type": "application/json", "Transfer-Encoding": "chunked",
                "Content-Encoding": "gzip",
            ],
            framing: .chunked, requestHeaders: request)
        let f = try finding(e, .missingContentLength)
        #expect(
            f.hint.hasPrefix(
                "nginx compressed the answer (Content-Encoding: gzip) because the request asked for it (Accept-Encoding: gzip, deflate)"
            ))
        #expect(f.hint.contains("OSS's requests send no Accept-Encoding"))
        // OSS's own requests carry no Accept-Encoding: then the compression is not explained by it.
        let oss = ExchangeFactory.callback(
            headers: ["Server": "nginx/1.22.1", "Transfer-Encoding": "chunked", "Content-Encoding": "gzip"],
            framing: .chunked)
        #expect(try finding(oss, .missingContentLength).hint == RuleCatalog.rule(.missingContentLength).fix)
    }

    @Test(arguments: [
        ("gzip", "gzip;q=0", false), ("gzip", "GZIP", true), ("gzip", "*", true), ("gzip", "br, gzip;q=0.5", true),
        ("gzip", "deflate", false),
    ])
    func acceptEncodingLists(coding: String, accept: String, listed: Bool) {
        #expect(AnswerStack.accepts(accept, coding) == listed)
    }

    @Test func jdkChunkingIsRecognisedByItsSpelling() throws {
        let jdk = ExchangeFactory.callback(
            headers: HTTPHeaders([
                ("Date", "Mon, 07 Dec 2026 16:58:17 GMT"), ("Transfer-encoding", "chunked"),
                ("Content-type", "application/json"),
            ]),
            framing: .chunked)
        let f = try finding(jdk, .missingContentLength)
        #expect(f.hint.contains("sendResponseHeaders(200, body.length)"))
        // The usual spelling, or a Server header, is not the JDK's: generic fix.
        let other = ExchangeFactory.callback(
            headers: HTTPHeaders([("Transfer-Encoding", "chunked")]), framing: .chunked)
        #expect(try finding(other, .missingContentLength).hint == RuleCatalog.rule(.missingContentLength).fix)
    }

    @Test func phpWarningBeforeTheJSONIsQuoted() throws {
        let body = Array(
            "<br />\n<b>Warning</b>:  Undefined array key \"x:uploader\" in <b>/srv/cb.php</b> on line <b>7</b><br />\n{\"Status\":\"OK\"}"
                .utf8)
        let e = ExchangeFactory.callback(
            headers: ["X-Powered-By": "PHP/8.2.36", "Content-Type": "application/json"], body: body)
        let f = try finding(e, .nonJSONBody)
        #expect(f.hint.contains("display_errors = Off"))
        #expect(f.hint.contains("Warning:  Undefined array key \"x:uploader\" in /srv/cb.php on line 7"))
    }

    @Test func phpPlainTextWarningIsFoundToo() {
        #expect(
            AnswerStack.phpMessage(Array("\nWarning: Undefined variable $x in /a.php on line 3\n{}".utf8))
                == "Warning: Undefined variable $x in /a.php on line 3")
        #expect(AnswerStack.phpMessage(Array("{\"Warning\": 1}".utf8)) == nil)
    }

    @Test func phpBOMNamesIncludedFiles() throws {
        let e = ExchangeFactory.callback(
            headers: ["X-Powered-By": "PHP/8.2.36"], body: [0xEF, 0xBB, 0xBF] + Array(#"{"Status":"OK"}"#.utf8))
        #expect(try finding(e, .bomPrefix).hint.contains("included ones too"))
    }

    @Test func withoutAStackTheGenericFixesStay() throws {
        let e = ExchangeFactory.callback(body: Array("OK".utf8))
        #expect(try finding(e, .nonJSONBody).hint == RuleCatalog.rule(.nonJSONBody).fix)
    }
}

/// Every predicted OSS message says whether it is documented or inferred, and from which fact.
@Suite struct OSSMessageSourceTests {
    @Test func everyCatalogueMessageHasASource() {
        for rule in RuleCatalog.all where rule.ossError != nil {
            #expect(rule.ossErrorSource != nil, "\(rule.id)")
            #expect(
                rule.ossErrorSource?.fact.hasPrefix("facts §") == true || rule.ossErrorSource?.basis == .observed,
                "\(rule.id)")
        }
    }

    @Test func chunkedIsInferredAndNoContentLengthDocumented() throws {
        let chunked = try finding(
            ExchangeFactory.callback(headers: ["Transfer-Encoding": "chunked"], framing: .chunked),
            .missingContentLength)
        #expect(chunked.ossErrorSource?.basis == .inferred)
        let closed = try finding(
            ExchangeFactory.callback(headers: [:], framing: .closeDelimited), .missingContentLength)
        #expect(closed.ossErrorSource?.basis == .documented)
        #expect(closed.ossErrorSource?.fact.contains("[D21-203]") == true)
    }

    @Test func aShortBodyIsInferred() throws {
        let e = ExchangeFactory.callback(
            body: [], framing: .contentLength(15), end: .truncated(expected: 15, received: 0))
        let f = try finding(e, .contentLengthMismatch)
        #expect(f.ossErrorSource?.basis == .inferred)
        let d = Diagnoser().diagnose(e)
        #expect(d.outcomeMessageSource == f.ossErrorSource)
    }

    @Test func anEmptyBodyIsInferredAPlainOKDocumented() throws {
        #expect(try finding(ExchangeFactory.callback(body: []), .nonJSONBody).ossErrorSource?.basis == .inferred)
        #expect(
            try finding(ExchangeFactory.callback(body: Array("OK".utf8)), .nonJSONBody).ossErrorSource?.basis
                == .documented)
    }

    @Test func statusIsDocumentedAndAPassHasNoSource() {
        let failed = Diagnoser().diagnose(ExchangeFactory.callback(status: 404, reason: "Not Found"))
        #expect(failed.outcomeMessageSource?.basis == .documented)
        #expect(Diagnoser().diagnose(ExchangeFactory.callback()).outcomeMessageSource == nil)
    }

    @Test func aCloseWithoutAnswerIsInferred() throws {
        let e = ExchangeFactory.unanswered(
            clientEnd: .fin(ExchangeFactory.origin(0.5, frame: 9)),
            serverEnd: .fin(ExchangeFactory.origin(0.001, frame: 8)))
        let f = try finding(e, .noResponse)
        #expect(f.ossError == "Error status : 502.")
        #expect(f.ossErrorSource?.basis == .inferred)
    }
}

/// The status line is quoted as it was on the wire, and a breach of the standard is named.
@Suite struct WireStatusLineTests {
    @Test func lowerCaseVersionIsQuotedAndNamed() throws {
        var e = ExchangeFactory.callback(status: 403, reason: "Forbidden")
        e.response?.head.wireStatusLine = Array("http/1.1 403 Forbidden".utf8)
        e.response?.anomalies.append(.lowercaseHTTPVersion)
        let f = try finding(e, .badStatus)
        #expect(f.evidence.first { $0.key == "statusLine" }?.value == "http/1.1 403 Forbidden")
        let breach = try #require(f.evidence.first { $0.key == "statusLineNonStandard" }?.value)
        #expect(breach.contains("RFC 9112 §2.3"))
        #expect(breach.contains("\"http\""))
    }

    @Test func aCanonicalLineHasNoBreach() throws {
        let f = try finding(ExchangeFactory.callback(status: 403, reason: "Forbidden"), .badStatus)
        #expect(f.evidence.first { $0.key == "statusLine" }?.value == "HTTP/1.1 403 Forbidden")
        #expect(!f.evidence.contains { $0.key == "statusLineNonStandard" })
    }

    @Test func controlBytesAreEscaped() {
        #expect(
            Diagnoser.escapedWireBytes(Array("HTTP/1.1 200 O\tK\\".utf8) + [0xFF]) == "HTTP/1.1 200 O\\x09K\\\\\\xff")
    }
}
