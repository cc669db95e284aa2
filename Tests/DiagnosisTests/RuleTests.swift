import CaptureModel
import HTTP1
import HTTPExchanges
import TCPReassembly
import Testing

@testable import Diagnosis

private func rules(_ exchange: HTTPExchange, threshold: Double = 5) -> [String] {
    var settings = DiagnosisSettings()
    settings.latencyThresholdSeconds = threshold
    return Diagnoser(settings: settings).diagnose(exchange).findings.map(\.rule.rawValue)
}

@Suite struct GoodCallbackTests {
    @Test func goodJSONPasses() {
        let d = Diagnoser().diagnose(ExchangeFactory.callback())
        #expect(d.isCallback)
        #expect(d.findings.isEmpty)
        #expect(d.outcome == .passed)
        #expect(d.outcome.uploaderStatus == 200)
    }

    @Test(arguments: [" {\"a\":1} \r\n", "\"text\"", "123", "true", "null", "[]", "{}"])
    func jsonScalarsAndWhitespacePass(body: String) {
        #expect(rules(ExchangeFactory.callback(body: Array(body.utf8))).isEmpty)
    }

    @Test func xmlWithApplicationXMLIsAccepted() {
        let e = ExchangeFactory.callback(
            headers: ["Content-Type": "application/xml; charset=utf-8"], body: Array("<Status>OK</Status>".utf8))
        #expect(rules(e).isEmpty)
    }

    @Test(arguments: [
        ("application/xml", true), ("Application/XML; charset=utf-8", true), (" text/xml ", true),
        ("text/xml;q=1", true),
        ("application/json", false), ("application/xml-dtd", false), ("xml", false), ("", false),
    ])
    func xmlMediaTypes(contentType: String, isXML: Bool) {
        #expect(Diagnoser.isXML(contentType) == isXML)
    }

    @Test func nonCallbackGetsNoErrorFindings() {
        let e = ExchangeFactory.callback(
            status: 404, body: Array("nope".utf8), requestHeaders: ["Host": "x", "User-Agent": "curl/8"])
        let d = Diagnoser().diagnose(e)
        #expect(!d.isCallback)
        #expect(d.findings.isEmpty)
        #expect(d.outcome == .notACallback)
    }

    @Test(arguments: [
        (HTTPHeaders([("Authorization", "x"), ("X-OSS-Pub-Key-Url", "y")]), [CallbackSignal.signatureHeaders]),
        (HTTPHeaders([("user-agent", "aliyun-oss-callback")]), [CallbackSignal.userAgent]),
        (HTTPHeaders([("X-Oss-Tag", "callback")]), [CallbackSignal.ossTag]),
        (HTTPHeaders([("authorization", "x")]), []),
        (
            HTTPHeaders([("x-oss-pub-key-url", "y"), ("User-Agent", "curl/8"), ("x-oss-tag", " CALLBACK\t")]),
            [CallbackSignal.ossTag]
        ),
        (
            HTTPHeaders([("User-Agent", "Aliyun-OSS-Callback/2"), ("x-oss-tag", "callbacks")]),
            [CallbackSignal.userAgent]
        ),
        (
            HTTPHeaders([
                ("x-oss-tag", "CALLBACK"), ("authorization", "x"), ("user-agent", "aliyun-oss-callback"),
                ("x-oss-pub-key-url", "y"),
            ]),
            [CallbackSignal.signatureHeaders, .userAgent, .ossTag]
        ),
        (HTTPHeaders([("user-agent", "aliyun-oss-callbacK"), ("x-oss-tag", "CALLBACK?")]), [CallbackSignal.userAgent]),
        (HTTPHeaders([("user-agent", "ALIYUN-OSS-CALLBAC"), ("x-oss-tag", "")]), []),
    ])
    func callbackRecognition(headers: HTTPHeaders, signals: [CallbackSignal]) {
        let head = HTTPRequestHead(method: "POST", target: "/", version: .http11, headers: headers)
        #expect(head.ossCallbackSignals == signals)
        // The short-circuit form says the same.
        #expect(head.isOSSCallback == !signals.isEmpty)
    }
}

@Suite struct BadStatusTests {
    @Test(arguments: [201, 204, 301, 302, 400, 404, 405, 500, 502])
    func everyStatusOtherThan200Fails(status: Int) {
        let d = Diagnoser().diagnose(ExchangeFactory.callback(status: status, reason: "X"))
        #expect(d.findings.map(\.rule) == [.badStatus])
        #expect(d.findings.first?.ossError == "Error status : \(status).")
        #expect(d.outcome == .failed(ossMessage: "Error status : \(status)."))
    }
}

@Suite struct BodyRuleTests {
    @Test func utf8BOMBeforeValidJSON() {
        let d = Diagnoser().diagnose(
            ExchangeFactory.callback(body: [0xEF, 0xBB, 0xBF] + Array(#"{"Status":"OK"}"#.utf8)))
        #expect(d.findings.map(\.rule) == [.bomPrefix])
        #expect(
            d.findings[0].evidence.first == Evidence("firstBytesHex", "ef bb bf 7b 22 53 74 61 74 75 73 22 3a 22 4f 4b")
        )
        #expect(d.findings[0].ossError == "Response body is not valid json format.")
    }

    @Test func bomBeforeNonJSONGivesBoth() {
        #expect(
            rules(ExchangeFactory.callback(body: [0xEF, 0xBB, 0xBF] + Array("OK".utf8))) == [
                "bom-prefix", "non-json-body",
            ])
    }

    @Test(arguments: ["OK", "<html><body>error</body></html>", "{\"a\":1} trailing", "{'a':1}", "NaN", "{\"a\":1,}"])
    func nonJSONBodies(body: String) {
        let d = Diagnoser().diagnose(
            ExchangeFactory.callback(headers: ["Content-Type": "text/plain"], body: Array(body.utf8)))
        #expect(d.findings.map(\.rule) == [.nonJSONBody])
        #expect(d.findings[0].evidence.contains { $0.key == "bodyPreview" })
    }

    @Test func emptyBodyIsNotJSON() {
        let d = Diagnoser().diagnose(ExchangeFactory.callback(body: []))
        #expect(d.findings.map(\.rule) == [.nonJSONBody])
        #expect(d.findings[0].message.contains("empty"))
    }

    @Test func invalidUTF8IsNotJSON() {
        #expect(
            rules(ExchangeFactory.callback(body: Array("{\"a\":\"".utf8) + [0xC3, 0x28] + Array("\"}".utf8))) == [
                "non-json-body"
            ])
    }

    @Test func contentDecodingFailureIsNotJSON() {
        let e = ExchangeFactory.callback(
            body: [0x1F, 0x8B, 0x00],
            contentDecoding: ContentDecodingSummary(coding: "gzip", decodedSize: 0, failure: "corrupt gzip data"))
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.nonJSONBody])
        #expect(d.findings[0].message.contains("corrupt gzip data"))
    }
}

@Suite struct FramingRuleTests {
    @Test(arguments: [BodyFraming.chunked, .closeDelimited])
    func missingContentLength(framing: BodyFraming) {
        #expect(rules(ExchangeFactory.callback(framing: framing)) == ["missing-content-length"])
    }

    @Test func invalidContentLengthValue() {
        var e = ExchangeFactory.callback(framing: .closeDelimited)
        e.response?.anomalies = [.invalidContentLength("abc")]
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.missingContentLength])
        #expect(d.findings[0].ossError == "Error Status : 400.User server return invalid conent-length value.")
    }

    @Test func bodyShorterThanContentLength() {
        let e = ExchangeFactory.callback(
            body: [], framing: .contentLength(15), end: .truncated(expected: 15, received: 0))
        let d = Diagnoser().diagnose(e)
        // The body was cut short by the server: the JSON verdict on a partial body is withheld.
        #expect(d.findings.map(\.rule) == [.contentLengthMismatch])
        #expect(d.findings[0].message.contains("Content-Length: 15"))
    }

    @Test func moreBytesThanContentLength() {
        var e = ExchangeFactory.callback()
        e.response?.trailingBytes = 7
        #expect(rules(e) == ["content-length-mismatch"])
    }

    @Test func bodyTooLarge() {
        let big = ExchangeFactory.callback(framing: .contentLength(2 << 20))
        #expect(rules(big).contains("body-too-large"))
        let exactlyOneMB = ExchangeFactory.callback(framing: .contentLength(1 << 20))
        #expect(!rules(exactlyOneMB).contains("body-too-large"))
    }
}

@Suite struct TimingRuleTests {
    @Test(arguments: [(6.0, true), (5.001, true), (4.5, false), (5.0, false)])
    func slowResponse(latency: Double, fails: Bool) {
        #expect(rules(ExchangeFactory.callback(latency: latency)) == (fails ? ["slow-response"] : []))
    }

    @Test func thresholdIsConfigurable() {
        #expect(rules(ExchangeFactory.callback(latency: 2.5), threshold: 2) == ["slow-response"])
    }

    @Test func serverResetIsNoResponse() {
        let e = ExchangeFactory.unanswered(
            clientEnd: nil, serverEnd: .reset(by: .serverToClient, ExchangeFactory.origin(0.001, frame: 5)))
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.noResponse])
        #expect(d.findings[0].message.contains("reset"))
        #expect(d.findings[0].ossError == "Error status : 502.")
    }

    @Test func ossGivingUpAfterFiveSecondsIsATimeout() {
        let e = ExchangeFactory.unanswered(
            clientEnd: .fin(ExchangeFactory.origin(5.0, frame: 6)),
            serverEnd: .fin(ExchangeFactory.origin(5.0, frame: 8)))
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.noResponse])
        #expect(d.findings[0].message.contains("5.000 s"))
        #expect(d.findings[0].ossError?.contains("reply timeout") == true)
    }

    @Test func endOfCaptureIsNoResponse() {
        let d = Diagnoser().diagnose(ExchangeFactory.unanswered(clientEnd: .endOfCapture, serverEnd: .endOfCapture))
        #expect(d.findings.map(\.rule) == [.noResponse])
        #expect(d.findings[0].message.contains("capture ended"))
    }
}

@Suite struct RefusedConnectionTests {
    @Test func synAnsweredByReset() {
        let info = ConnectionInfo(
            id: 3, client: ExchangeFactory.client, server: ExchangeFactory.server, roleEvidence: .syn,
            handshakeSeen: true,
            firstSeen: ExchangeFactory.origin(0, frame: 1))
        var e = HTTPExchange(connection: info, index: 0)
        e.refusal = RefusedConnection(
            info: info, kind: .reset, synFrames: [1], firstSyn: ExchangeFactory.origin(0, frame: 1),
            reset: ExchangeFactory.origin(0.0001, frame: 2))
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.connectionRefused])
        #expect(d.findings[0].evidence == [Evidence("synFrame", "1"), Evidence("resetFrame", "2")])
        if case .failed = d.outcome {} else { Issue.record("expected a failed outcome") }
    }
}

@Suite struct IncompleteTests {
    @Test func missingResponseBytesWithholdBodyVerdicts() {
        var e = ExchangeFactory.callback(body: Array("{\"Sta".utf8))
        e.holes = [
            CaptureHole(
                direction: .serverToClient, offset: 100, length: 10, origin: ExchangeFactory.origin(0, frame: 6))
        ]
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.incomplete])
        if case .unknown = d.outcome {} else { Issue.record("expected unknown, got \(d.outcome)") }
    }
}

@Suite struct CatalogueTests {
    @Test func everyRuleOfTheProductTableIsCatalogued() {
        let ids = Set(RuleCatalog.all.map(\.id.rawValue))
        for id in [
            "connection-refused", "no-response", "slow-response", "bad-status", "bom-prefix", "non-json-body",
            "missing-content-length", "content-length-mismatch", "body-too-large", "incomplete",
        ] {
            #expect(ids.contains(id), "\(id) missing")
        }
        #expect(ids.count == RuleCatalog.all.count, "duplicate rule ids")
    }
}
