import CallbackSignature
import CaptureModel
import HTTP1
import HTTPExchanges
import TCPReassembly
import Testing

@testable import Diagnosis

/// Issue #16 items 3-6: each verdict says only what its evidence shows — who closed first, an
/// unsigned callback accepted, a genuine callback refused for a reason the packets do not show,
/// a response that never completed, and what OSS would have told the uploader.
@Suite struct VerdictClaimTests {
    static func origin(_ seconds: Double, _ frame: Int) -> StreamOrigin {
        ExchangeFactory.origin(seconds, frame: frame)
    }

    static func evidence(_ finding: Finding?, _ key: String) -> String? {
        finding?.evidence.first { $0.key == key }?.value
    }

    // MARK: - Item 3: who closed first

    @Test func theServerClosingFirstIsNamedWithItsFrame() throws {
        // The server's FIN 1.2 ms after the request, OSS's 11.5 ms after it.
        let e = ExchangeFactory.unanswered(
            clientEnd: .fin(Self.origin(0.0115, 9)), serverEnd: .fin(Self.origin(0.0012, 8)))
        let d = Diagnoser().diagnose(e)
        let finding = try #require(d.findings.first)
        #expect(d.findings.map(\.rule) == [.noResponse])
        #expect(
            finding.message.hasPrefix(
                "The server closed the connection (FIN) 1.2 ms after the request without sending a response."))
        #expect(finding.message.contains("Then the client (OSS) closed its side 11.5 ms after the request."))
        #expect(Self.evidence(finding, "serverFinFrame") == "8")
        #expect(Self.evidence(finding, "clientCloseFrame") == "9")
        #expect(finding.ossError == "Error status : 502.")
        #expect(d.outcome == .failed(ossMessage: "Error status : 502."))
    }

    @Test func theClientClosingFirstAfterItsLimitIsAReplyTimeout() throws {
        let e = ExchangeFactory.unanswered(
            clientEnd: .fin(Self.origin(5.004, 9)), serverEnd: .fin(Self.origin(5.006, 10)))
        let finding = try #require(Diagnoser().diagnose(e).findings.first)
        #expect(finding.message == "No response: the client (OSS) closed the connection 5.004 s after the request.")
        #expect(Self.evidence(finding, "clientFinFrame") == "9")
        #expect(finding.ossError?.contains("reply timeout") == true)
    }

    @Test(arguments: [(0.0005, 0.0004), (0.0004, 0.0005)])
    func whicheverFINCameFirstIsTheOneCited(server: Double, client: Double) throws {
        let e = ExchangeFactory.unanswered(
            clientEnd: .fin(Self.origin(client, 9)), serverEnd: .fin(Self.origin(server, 8)))
        let finding = try #require(Diagnoser().diagnose(e).findings.first)
        let serverFirst = server < client
        #expect(finding.message.hasPrefix(serverFirst ? "The server closed" : "No response: the client (OSS) closed"))
        #expect((Self.evidence(finding, "serverFinFrame") != nil) == serverFirst)
        #expect((Self.evidence(finding, "clientFinFrame") != nil) == !serverFirst)
    }

    @Test func aKeptAliveRequestSentAfterTheServersFINSaysTheServerHadClosed() throws {
        // The request starts at 0 s (frame 4); the server's FIN came 0.2 s before it, its RST after.
        let e = ExchangeFactory.unanswered(
            clientEnd: .reset(by: .serverToClient, Self.origin(0.0003, 11)), serverEnd: .fin(Self.origin(-0.2, 3)))
        let finding = try #require(Diagnoser().diagnose(e).findings.first)
        #expect(finding.rule == .noResponse)
        #expect(
            finding.message.hasPrefix(
                "The server had already closed the connection (FIN, frame 3, 200.0 ms before this request began)"))
        #expect(finding.message.contains("the server answered it with RST (frame 11)"))
        #expect(Self.evidence(finding, "serverFinFrame") == "3")
        #expect(Self.evidence(finding, "resetFrame") == "11")
        #expect(Self.evidence(finding, "requestStartFrame") == "4")
    }

    @Test func aServerResetIsStillNamed() throws {
        let e = ExchangeFactory.unanswered(
            clientEnd: .reset(by: .serverToClient, Self.origin(0.0004, 7)),
            serverEnd: .reset(by: .serverToClient, Self.origin(0.0004, 7)))
        let finding = try #require(Diagnoser().diagnose(e).findings.first)
        #expect(finding.message == "The server reset the connection 0.400 ms after the request, without a response.")
        #expect(Self.evidence(finding, "resetFrame") == "7")
    }

    // MARK: - Item 4: unsigned callbacks accepted

    static var unsignedHeaders: HTTPHeaders {
        HTTPHeaders([
            ("Host", "127.0.0.1:9000"), ("User-Agent", "aliyun-oss-callback"), ("x-oss-tag", "CALLBACK"),
            ("Content-Length", "13"),
        ])
    }

    static let missing = SignatureVerdict(
        status: .missing, keyURL: nil, reason: "The request has no authorization header: it carries no OSS signature.")

    @Test func anUnsignedCallbackAnswered200IsAnError() throws {
        var e = ExchangeFactory.callback(requestHeaders: Self.unsignedHeaders)
        e.request?.signature = Self.missing
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.unsignedCallbackAccepted])
        let finding = try #require(d.findings.first)
        #expect(finding.severity == .error)
        #expect(d.hasFinding(atLeast: .error), "it makes the exit status 1")
        #expect(Self.evidence(finding, "signature")?.hasPrefix("missing") == true)
        #expect(finding.message.contains("user-agent, x-oss-tag"))
        #expect(d.outcome == .passed, "an authenticity rule: OSS's checks on the answer passed")
        #expect(!d.couldBeSentByOSS)
    }

    @Test func anUnsignedCallbackRejectedIsWhatAServerShouldDo() {
        var e = ExchangeFactory.callback(status: 401, reason: "Unauthorized", requestHeaders: Self.unsignedHeaders)
        e.request?.signature = Self.missing
        #expect(Diagnoser().diagnose(e).findings.map(\.rule) == [.badStatus])
    }

    @Test func aCutHeadIsNotEvidenceOfAMissingSignature() {
        var e = ExchangeFactory.callback(requestHeaders: Self.unsignedHeaders)
        e.request?.signature = Self.missing
        e.request?.anomalies = [.headCutByGap]
        #expect(!Diagnoser().diagnose(e).findings.map(\.rule).contains(.unsignedCallbackAccepted))
    }

    @Test func aKeyURLWithoutAuthorizationIsUnsigned() {
        var headers = Self.unsignedHeaders
        headers.append(
            name: "x-oss-pub-key-url", value: "aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0="
        )
        var e = ExchangeFactory.callback(requestHeaders: headers)
        e.request?.signature = Self.missing
        #expect(Diagnoser().diagnose(e).findings.map(\.rule) == [.unsignedCallbackAccepted])
    }

    // MARK: - Item 5: a genuine callback refused

    @Test func aGenuineCallbackRefusedQuotesTheAnswerAndListsCauses() throws {
        let page = Array(
            "<!DOCTYPE html><html><body><pre>SyntaxError: Unexpected token b in JSON at position 0</pre></body></html>"
                .utf8)
        var e = ExchangeFactory.callback(
            status: 400, reason: "Bad Request", headers: ["Content-Type": "text/html; charset=utf-8"], body: page)
        e.request?.signature = SignatureRuleTests.valid
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.badStatus, .genuineCallbackRejected])
        let finding = try #require(d.findings.last)
        #expect(!finding.message.contains("its own verification is wrong"))
        #expect(finding.message.contains("signature verifies"))
        #expect(finding.message.contains("framework"))
        #expect(Self.evidence(finding, "statusLine") == "HTTP/1.1 400 Bad Request")
        #expect(Self.evidence(finding, "contentType") == "text/html; charset=utf-8")
        #expect(Self.evidence(finding, "bodyPreview")?.contains("SyntaxError: Unexpected token") == true)
        #expect(RuleCatalog.rule(.genuineCallbackRejected).why.contains("cannot tell apart"))
    }

    // MARK: - Item 6: words that claim more than the packets show

    @Test func aResponseCutShortDidNotComplete() throws {
        var e = ExchangeFactory.callback(latency: 6.496, end: .truncated(expected: 30, received: 15))
        e.response?.framing = .contentLength(30)
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.slowResponse, .contentLengthMismatch])
        let slow = try #require(d.findings.first)
        #expect(!slow.message.contains("The response completed"))
        #expect(
            slow.message.hasPrefix(
                "The response never completed; its last byte came 6.496 s after the request (frame 6)"))
    }

    @Test func aCompleteSlowResponseStillSaysCompleted() throws {
        let slow = try #require(Diagnoser().diagnose(ExchangeFactory.callback(latency: 6.5)).findings.first)
        #expect(slow.rule == .slowResponse)
        #expect(slow.message.hasPrefix("The response completed 6.500 s after the request"))
    }

    @Test func aSlowResponseWithCutBytesIsIncompleteAndSlow() throws {
        // A -s 200 capture: the body's record came 5.8 s after the head; its bytes were cut.
        var e = ExchangeFactory.callback(latency: 5.8)
        e.response?.timing.start = Self.origin(0.003, 5)
        e.response?.body.missingBytes = 10
        e.holes = [CaptureHole(direction: .serverToClient, offset: 150, length: 10, origin: Self.origin(5.8, 6))]
        let d = Diagnoser().diagnose(e)
        #expect(d.findings.map(\.rule) == [.slowResponse, .incomplete])
        let slow = try #require(d.findings.first)
        #expect(
            slow.message.hasPrefix(
                "The response ended at least 5.800 s after the request (frame 6; some of its bytes are missing"))
        #expect(Self.evidence(slow, "responseEndFrame") == "6")
        #expect(d.outcome == .failed(ossMessage: Diagnoser.replyTimeout(ExchangeFactory.server, 5)))
    }

    @Test func whatOSSWouldHaveSaidIsConditionalForRequestsOSSDoesNotSend() {
        func sentByOSS(_ signature: SignatureVerdict?) -> Bool {
            var e = ExchangeFactory.callback()
            e.request?.signature = signature
            return Diagnoser().diagnose(e).couldBeSentByOSS
        }
        var untrusted = SignatureRuleTests.valid
        untrusted.keyURL = KeyURL(url: "https://evil.example/key.pem")
        let unverifiable = SignatureVerdict(
            status: .unverifiable, keyURL: SignatureRuleTests.ossKeyURL, reason: "bytes missing")
        #expect(sentByOSS(nil))
        #expect(sentByOSS(SignatureRuleTests.valid))
        #expect(sentByOSS(unverifiable))
        #expect(!sentByOSS(SignatureRuleTests.invalid))
        #expect(!sentByOSS(Self.missing))
        #expect(!sentByOSS(untrusted))
    }

    @Test func everyRuleSaysWhatItDoesNotClaim() {
        for rule in RuleCatalog.all {
            #expect(rule.notClaimed.count > 20, "\(rule.id) says nothing about what it does not claim")
        }
    }
}

extension VerdictClaimTests {
    @Test func aRequestTheClientLeftUnfinishedIsNotJudgedByItsAnswer() throws {
        // The client closed after 2 header fields; the server then answered 400. Nothing is
        // missing from the capture: the client never sent the request whole, so it is no callback
        // and its answer is not judged.
        var e = ExchangeFactory.callback(
            status: 400, reason: "Bad Request", requestHeaders: ["Host": "x", "User-Agent": "aliyun-oss-callback"])
        e.request?.anomalies = [.headCutByEnd]
        e.request?.end = .truncated(expected: nil, received: 60)
        e.outcome = ConnectionOutcome(clientEnd: .fin(Self.origin(0.001, 5)), serverEnd: .fin(Self.origin(0.002, 8)))
        let closed = Diagnoser().diagnose(e)
        #expect(closed.findings.isEmpty, "no bad-status, and no incomplete: nothing is missing from the capture")
        #expect(!closed.isCallback)
        #expect(closed.outcome == .notACallback)

        // The same head where the capture ended: the rest may exist, so `incomplete`.
        e.outcome = ConnectionOutcome(clientEnd: .endOfCapture, serverEnd: .endOfCapture)
        let cut = Diagnoser().diagnose(e)
        #expect(cut.findings.map(\.rule) == [.incomplete], "no bad-status for an answer to a request not seen whole")
        let finding = try #require(cut.findings.first)
        #expect(finding.message.contains("end of capture"))
        #expect(Self.evidence(finding, "requestStartFrame") == "4")
        if case .unknown = cut.outcome {} else { Issue.record("expected unknown, got \(cut.outcome)") }
    }
}

extension VerdictClaimTests {
    @Test func aServerThatClosedMidRequestIsSaidToHaveClosedBeforeItEnded() throws {
        var e = ExchangeFactory.unanswered(
            clientEnd: .fin(Self.origin(0.010, 9)), serverEnd: .fin(Self.origin(-0.005, 3)))
        e.request?.timing.start = Self.origin(-0.010, 2)
        let finding = try #require(Diagnoser().diagnose(e).findings.first)
        #expect(
            finding.message.hasPrefix(
                "The server closed the connection (FIN) 5.0 ms before the request ended without sending a response."))
        #expect(!finding.message.contains("-"), "no negative durations")
    }
}
