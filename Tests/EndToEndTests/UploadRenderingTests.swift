import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
import Rendering
import ReportModel
import TCPReassembly
import TestSupport
import Testing
import UploadCallbacks

/// Capture bytes on the uploader's side are attacker-controlled too: the decoded callback JSON
/// and OSS's XML message reach every renderer escaped.
@Suite(.tags(.endToEnd)) struct UploadRenderingTests {
    static func report() -> Report {
        let t = Timestamp(seconds: 1_795_627_201)
        let origin = StreamOrigin(timestamp: t, frame: 1)
        let info = ConnectionInfo(
            id: 1, client: Endpoint(address: .v4(0x0A00_0001), port: 50_000),
            server: Endpoint(address: .v4(0x0A00_0002), port: 80),
            roleEvidence: .syn, handshakeSeen: true, firstSeen: origin)
        let json =
            #"{"callbackUrl":"http://cb.example.com/<script>alert(1)</script>","callbackBody":"a=\u001b[31mred\u001b[0m<img src=x>"}"#
        var exchange = HTTPExchange(connection: info, index: 0)
        var request = CapturedRequest(
            head: HTTPRequestHead(
                method: "PUT", target: "/o", version: .http11,
                headers: ["x-oss-callback": StrictBase64.encode(Array(json.utf8))]),
            timing: MessageTiming(start: origin, end: origin))
        request.end = .complete
        exchange.request = request
        var response = CapturedResponse(
            head: HTTPResponseHead(version: .http11, status: 203, reason: "Non-Authoritative Information"),
            framing: .contentLength(0),
            timing: MessageTiming(start: origin, end: origin))
        response.end = .complete
        response.body.preview = Array(
            "<Error><Code>CallbackFailed</Code><Message>&lt;b&gt;bold&lt;/b&gt; \u{1b}]0;title\u{07}</Message><EC>0007-00000203</EC></Error>"
                .utf8)
        exchange.response = response
        let d = Diagnoser().diagnose(exchange)
        return Report(
            tool: ToolInfo(version: "test"), settings: ReportSettings(), captures: [CaptureSummary(path: "x.pcap")],
            exchanges: [ReportedExchange(capture: "x.pcap", diagnosed: d)])
    }

    @Test func htmlMarkdownAndTextEscapeTheDecodedConfiguration() throws {
        let report = Self.report()
        #expect(report.exchanges[0].diagnosed.upload?.callback?.configuration?.callbackBody?.contains("<img") == true)
        let html = HTMLRenderer.render(report)
        #expect(!html.contains("<script>alert"))
        #expect(!html.contains("<img src=x>"))
        #expect(!html.contains("<b>bold"))
        #expect(html.contains("&lt;img src=x&gt;"))
        let markdown = MarkdownRenderer.render(report.redacted())
        #expect(!markdown.contains("<script>"))
        #expect(!markdown.contains("<img"))
        let text = TextRenderer.render(report)
        #expect(!text.contains("\u{1b}"))
        #expect(text.contains("callback-failed-at-oss"))
        #expect(text.contains("<b>bold</b>"))  // entity-decoded, then shown as text on a terminal
    }

    /// A report of one POST to OSS with `headers` and the kept body prefix `body`, answered 204.
    static func formReport(headers: HTTPHeaders, body: [UInt8], truncated: Bool) -> Report {
        let t = Timestamp(seconds: 1_795_627_201)
        let origin = StreamOrigin(timestamp: t, frame: 1)
        let info = ConnectionInfo(
            id: 1, client: Endpoint(address: .v4(0x0A00_0001), port: 50_000),
            server: Endpoint(address: .v4(0x0A00_0002), port: 80),
            roleEvidence: .syn, handshakeSeen: true, firstSeen: origin)
        var exchange = HTTPExchange(connection: info, index: 0)
        var request = CapturedRequest(
            head: HTTPRequestHead(method: "POST", target: "/", version: .http11, headers: headers),
            timing: MessageTiming(start: origin, end: origin))
        request.body.preview = body
        request.body.previewTruncated = truncated
        request.end = .complete
        exchange.request = request
        var response = CapturedResponse(
            head: HTTPResponseHead(version: .http11, status: 204, reason: "No Content"), framing: .contentLength(0),
            timing: MessageTiming(start: origin, end: origin))
        response.end = .complete
        exchange.response = response
        return Report(
            tool: ToolInfo(version: "test"), settings: ReportSettings(), captures: [CaptureSummary(path: "x.pcap")],
            exchanges: [ReportedExchange(capture: "x.pcap", diagnosed: Diagnoser().diagnose(exchange))])
    }

    /// Issue #16 item 7: where no callback parameter could be read, the block says so instead of
    /// "callback in: form (0 Base64 bytes)" and "OSS's documented checks pass".
    @Test func aFormCutBeforeItsCallbackFieldIsNotShownAsACallbackOfZeroBytes() throws {
        let form =
            "--B\r\nContent-Disposition: form-data; name=\"x:uid\"\r\n\r\n7\r\n--B\r\nContent-Disposition: form-data; name=\"callback\"\r\n\r\neyJj"
        let report = Self.formReport(
            headers: ["Content-Type": "multipart/form-data; boundary=B"], body: Array(form.utf8), truncated: true)
        let d = try #require(report.exchanges.first?.diagnosed)
        #expect(d.findings.map(\.rule) == [.callbackConfigUnverifiable])
        let text = TextRenderer.render(report)
        #expect(text.contains("    callback: not checked (see callback-config-unverifiable)\n"), "\(text)")
        #expect(!text.contains("Base64 bytes"))
        #expect(!text.contains("documented checks pass"))
    }
}
