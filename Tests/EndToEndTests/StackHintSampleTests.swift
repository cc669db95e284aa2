import Analysis
import ByteText
import Diagnosis
import HTTP1
import HTTPExchanges
import Rendering
import ReportModel
import TCPReassembly
import Testing

/// The stacks of issue #19 as recorded by `samples/record-hints.sh` (Debian's nginx, PHP's
/// built-in server, the JDK's HttpServer, raw servers), end to end: the fix fits the stack the
/// answer names, the predicted OSS message says whether it is documented or inferred, the wire
/// status line is quoted, and a close-delimited answer ends at its FIN.
@Suite struct StackHintSampleTests {
    static func diagnosed(_ name: String) throws -> DiagnosedExchange {
        let analysis = try SampleScenarioTests.analyze(SampleRecording.path("captures/hints/\(name).pcap"))
        #expect(analysis.summary.error == nil)
        try #require(analysis.exchanges.count == 1)
        return analysis.exchanges[0].diagnosed
    }

    static func finding(_ d: DiagnosedExchange, _ rule: RuleID) throws -> Finding {
        try #require(d.findings.first { $0.rule == rule }, "findings: \(d.findings.map(\.rule))")
    }

    static func report(_ name: String) throws -> Report {
        let d = try diagnosed(name)
        return Report(
            tool: ToolInfo(version: "test"), settings: ReportSettings(),
            captures: [CaptureSummary(path: "\(name).pcap")],
            exchanges: [ReportedExchange(capture: "\(name).pcap", diagnosed: d)])
    }

    @Test func nginxReadTimeoutIsNamedWithTheTimeThePacketsShow() throws {
        let d = try Self.diagnosed("nginx-504-read-timeout")
        let f = try Self.finding(d, .badStatus)
        let latency = try #require(d.exchange.latencySeconds)
        #expect(latency > 2.9 && latency < 3.5, "nginx's proxy_read_timeout is 3 s: \(latency)")
        #expect(
            f.hint.hasPrefix(
                "nginx answered 504 Gateway Time-out itself \(DurationText.describe(latency)) after the request"))
        #expect(f.hint.contains("proxy_read_timeout"))
        let stack = try #require(f.evidence.first { $0.key == "stack" }?.value)
        #expect(stack.contains("the answer's Server header says nginx"))
        #expect(stack.contains("its body is nginx's default 504 error page"))
        #expect(d.outcome == .failed(ossMessage: "Error status : 504."))
        #expect(d.outcomeMessageSource?.basis == .documented)
    }

    @Test func nginxBadGatewayPointsAtTheUpstream() throws {
        let f = try Self.finding(try Self.diagnosed("nginx-502-upstream-down"), .badStatus)
        #expect(f.hint.hasPrefix("nginx answered 502 Bad Gateway itself"))
        #expect(f.hint != RuleCatalog.rule(.badStatus).fix)
    }

    @Test func gzipAddedBecauseTheRequestAskedIsSaid() throws {
        let d = try Self.diagnosed("nginx-gzip-chunked")
        let f = try Self.finding(d, .missingContentLength)
        #expect(
            f.hint.hasPrefix(
                "nginx compressed the answer (Content-Encoding: gzip) because the request asked for it (Accept-Encoding: gzip, deflate)"
            ))
        // Chunked failing as "missing content-length" is an inference (facts §4.4, §8).
        #expect(f.ossErrorSource?.basis == .inferred)
        #expect(d.outcomeMessageSource?.basis == .inferred)
    }

    @Test func jdkChunkingNamesSendResponseHeaders() throws {
        let f = try Self.finding(try Self.diagnosed("jdk-httpserver-chunked"), .missingContentLength)
        #expect(f.hint.contains("sendResponseHeaders"))
        #expect(f.evidence.first { $0.key == "stack" }?.value.contains("Transfer-encoding") == true)
    }

    @Test func phpWarningIsQuotedInTheFix() throws {
        let f = try Self.finding(try Self.diagnosed("php-warning-before-json"), .nonJSONBody)
        #expect(f.hint.contains("Warning:  Undefined array key \"x:uploader\""))
        #expect(f.hint.contains("display_errors = Off"))
    }

    /// The official PHP demo's way of rejecting: exit() before any output, an empty 200.
    @Test func phpDemoEmpty200IsNotCalledAnAcceptance() throws {
        let d = try Self.diagnosed("php-demo-empty-200")
        let f = try Self.finding(d, .forgedCallbackAccepted)
        #expect(f.severity == .warning)
        #expect(
            f.message.hasPrefix(
                "The server answered 200 with an empty body to a callback whose signature does not verify."))
        #expect(!f.message.contains("it accepts forged"))
        #expect(f.hint.contains("4xx"))
        #expect(f.evidence.contains { $0 == Evidence("bodyBytes", "0") })
        // What OSS would have said: the empty body (an inference, facts §8).
        #expect(d.outcome == .failed(ossMessage: "Response body is not valid json format."))
        #expect(d.outcomeMessageSource?.basis == .inferred)
    }

    @Test func lowerCaseStatusLineIsQuotedFromTheWire() throws {
        let d = try Self.diagnosed("lowercase-status-line")
        #expect(d.exchange.response?.head.status == 403)
        let f = try Self.finding(d, .badStatus)
        #expect(f.evidence.first { $0.key == "statusLine" }?.value == "http/1.1 403 Forbidden")
        #expect(f.evidence.first { $0.key == "statusLineNonStandard" }?.value.contains("RFC 9112 §2.3") == true)
    }

    /// RFC 9112 §6.3 rule 8: the body ends when the server closes; the data came at once, the FIN 5.5 s later.
    @Test func closeDelimitedLatencyEndsAtTheFIN() throws {
        let d = try Self.diagnosed("close-delimited-late-fin")
        let response = try #require(d.exchange.response)
        guard case .fin(let fin)? = d.exchange.outcome.serverEnd else {
            Issue.record("the server's side ended by FIN: \(String(describing: d.exchange.outcome.serverEnd))")
            return
        }
        #expect(response.timing.end == fin)
        #expect(response.timing.start.frame < fin.frame)
        let latency = try #require(d.exchange.latencySeconds)
        #expect(latency > 5.4 && latency < 6.0, "\(latency)")
        #expect(d.findings.map(\.rule) == [.slowResponse, .missingContentLength])
    }

    /// The documented/inferred mark reaches JSON, JSONL, text, Markdown and HTML.
    @Test func everyFormatMarksTheMessageInferred() throws {
        let report = try Self.report("nginx-gzip-chunked")
        let json = JSONRenderer.render(report)
        #expect(json.contains("\"basis\": \"inferred\""))
        #expect(json.contains("facts §4.4, §8"))
        let jsonl = JSONLRenderer.render(report)
        #expect(jsonl.contains("\"basis\":\"inferred\""))
        #expect(TextRenderer.render(report).contains("missing content-length. (inferred: facts §4.4, §8"))
        #expect(MarkdownRenderer.render(report).contains("(inferred"))
        #expect(HTMLRenderer.render(report).contains("(inferred: facts §4.4, §8"))
    }
}

/// A stack-aware fix may quote the answer (a PHP message): `--redact` reaches it, and the wire
/// status line, like any other text taken from the capture.
@Suite struct StackHintRedactionTests {
    @Test func aQuotedPHPMessageIsRedactedInTheFix() throws {
        let report = try StackHintSampleTests.report("php-warning-before-json")
        let finding = try #require(report.exchanges[0].diagnosed.findings.first { $0.rule == .nonJSONBody })
        #expect(finding.hint.contains("Undefined array key"))
        var edited = report
        // The same finding, as if PHP had printed a secret field in its message.
        edited.exchanges[0].diagnosed.findings = report.exchanges[0].diagnosed.findings.map { f in
            var copy = f
            if copy.rule == .nonJSONBody {
                copy.hint = copy.hint.replacing("Undefined array key", with: "password=hunter2hunter2 in")
            }
            return copy
        }
        let redacted = edited.redacted()
        let hint = try #require(redacted.exchanges[0].diagnosed.findings.first { $0.rule == .nonJSONBody }?.hint)
        #expect(!hint.contains("hunter2hunter2"))
        #expect(hint.contains("password=[redacted"))
    }
}
