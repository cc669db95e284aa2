import Analysis
import CallbackSignature
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import Rendering
import ReportModel
import TestSupport
import Testing

/// The crafted hostile capture (``HostileCapture``) through the real binary in every format:
/// nothing it carries may act (markup, escape sequences, table or link syntax), and nothing
/// secret may leak where redaction is on.
@Suite(.serialized, .tags(.endToEnd)) struct HostileReportTests {
    /// The capture, written once per process.
    static let capture: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cd-hostile-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return try! HostileCapture.write(into: dir.path)
    }()

    static func run(_ arguments: [String]) throws -> CLIRunner.Result {
        try CLIRunner.run(arguments + [capture])
    }

    // MARK: - The capture is what it claims to be

    @Test func theCaptureHoldsTwoFailingOSSCallbacksWithTheHostileBytes() throws {
        let analysis = CaptureAnalyzer.analyze(path: Self.capture, options: AnalysisOptions())
        #expect(analysis.summary.error == nil && analysis.summary.complete)
        let exchanges = analysis.exchanges.map(\.diagnosed)
        try #require(exchanges.count == 2)
        #expect(exchanges.allSatisfy { $0.isCallback && $0.callbackSignals.count == 3 })
        // The hostile signature is not a signature of OSS's: the second server still said 200.
        #expect(
            exchanges.map { $0.findings.map(\.rule.rawValue) } == [
                ["bad-status", "signature-invalid"],
                ["non-json-body", "signature-invalid", "forged-callback-accepted"],
            ])
        #expect(exchanges.allSatisfy { $0.exchange.request?.signature?.status == .invalid })
        let first = exchanges[0].exchange
        #expect(first.request?.head.target == HostileCapture.target)
        #expect(first.response?.head.reason == HostileCapture.reason)
        #expect(first.request?.head.headers["x-evil"]?.contains("\u{1B}]0;owned\u{07}") == true)
        #expect(first.request?.head.headers["authorization"] == HostileCapture.authorization)
    }

    // MARK: - Exit status

    @Test(arguments: ["text", "json", "jsonl", "markdown", "html"])
    func exitStatusIsOne(format: String) throws {
        let r = try Self.run(["analyze", "--format", format])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }

    // MARK: - Terminal

    @Test(arguments: [["--color", "never"], ["--color", "never", "-v"], ["--color", "never", "--redact"]])
    func textEmitsNoControlCharacter(options: [String]) throws {
        let r = try Self.run(["analyze"] + options)
        #expect(r.status == 1)
        Self.expectNoRawControls(r.stdout, allowSGR: false)
        // The hostile text is there, made visible.
        #expect(r.stdout.contains("</script>\\x1b]8;;http://evil.example\\x07click\\x1b]8;;\\x07 | `rm -rf /`"))
        #expect(r.stdout.contains("\\u{202e}gnp.exe"))
        #expect(r.stdout.contains("c1=\\x9b31m"))
        #expect(r.stdout.contains("bodyPreview: password="))
        if options.contains("--redact") {
            Self.expectNoSecrets(r.stdout)
        } else {
            #expect(r.stdout.contains("respPassSecret"))
        }
    }

    /// Colour adds our SGR sequences around our own words and nothing else: without them the
    /// output is exactly the uncoloured one (which has no raw control at all).
    @Test func colourOnlyWrapsOurWords() throws {
        let plain = try Self.run(["analyze", "--color", "never", "-v"])
        let colour = try Self.run(["analyze", "--color", "always", "-v"])
        #expect(colour.stdout.contains("\u{1B}[1;31mFAIL\u{1B}[0m"))
        #expect(colour.stdout.replacing(/\x{1B}\[[0-9;]*m/, with: "") == plain.stdout)
        Self.expectNoRawControls(plain.stdout, allowSGR: false)
        // NO_COLOR does not override an explicit --color always; auto is off when piped.
        let auto = try CLIRunner.run(["analyze", "--color", "auto", Self.capture], environment: ["NO_COLOR": ""])
        #expect(!auto.stdout.contains("\u{1B}"))
    }

    @Test func errorLinesOnStandardErrorAreEscapedToo() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostileName = dir.appendingPathComponent("evil\u{1B}]0;title\u{07}.pcap")
        try Data("not a capture".utf8).write(to: hostileName)
        let r = try CLIRunner.run(["analyze", hostileName.path])
        #expect(r.status == 2)
        Self.expectNoRawControls(r.stderr, allowSGR: false)
        #expect(r.stderr.contains("evil\\x1b]0;title\\x07.pcap"))
    }

    // MARK: - Markdown

    @Test(arguments: ["brief", "full"]) func markdownCannotBeBrokenAndLeaksNoSecret(detail: String) throws {
        let r = try Self.run(["analyze", "--format", "markdown", "--detail", detail])
        let md = r.stdout
        Self.expectNoRawControls(md, allowSGR: false)
        Self.expectNoSecrets(md)
        #expect(md.contains("> **Redacted:**"))
        // No HTML at all, and no link but our own in-page anchors.
        #expect(!md.contains("<"))
        for link in md.ranges(of: "](") where md[..<link.lowerBound].last != "\\" {
            #expect(md[link.upperBound...].hasPrefix("#"), "a link that is not an in-page anchor")
        }
        // GFM autolinks: the data's URLs are defused.
        #expect(!md.contains("http://evil"))
        // Every table row has as many cells as its header.
        var columns: Int?
        for line in md.split(separator: "\n") {
            guard line.hasPrefix("|") else {
                columns = nil
                continue
            }
            let cells = Self.unescapedPipes(line) - 1
            if let columns {
                #expect(cells == columns, "row with \(cells) cells, header has \(columns): \(line)")
            } else {
                columns = cells
            }
        }
        // The brief report lists a few rows, each value clipped: the hostile values below are in
        // the full one.
        if detail == "full" {
            #expect(md.contains("\\[click\\](javascript:alert(1))"))
            #expect(md.contains("http\\://evil.example"))
            #expect(md.contains("www\\.evil.example"))
            #expect(md.contains("user`@`evil.example"))
            // Backticks and emphasis in the data are escaped, never code or bold.
            #expect(md.contains("\\`rm -rf /\\`"))
            #expect(md.contains("\\*\\*bold\\*\\*"))
        }
    }

    // MARK: - HTML

    @Test func htmlEscapesEverythingRunsOnlyItsOwnScriptAndLeaksNoSecret() throws {
        let r = try Self.run(["analyze", "--format", "html"])
        let html = r.stdout
        Self.expectNoRawControls(html, allowSGR: false)
        Self.expectNoSecrets(html)
        for secret in HostileCapture.secrets {
            for dump in Self.hexDumps(html) {
                #expect(!dump.contains(Array(secret.utf8)), "secret \(secret) in a hex dump")
            }
        }
        #expect(html.contains("<strong>Redacted:</strong>"))

        // Every tag is one of ours; no event handler, inline style, external URL or second script.
        let allowed: Set<String> = [
            "!doctype", "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "h3", "p", "strong",
            "section",
            "div", "span", "figure", "figcaption", "svg", "rect", "line", "text", "circle", "path", "a", "table",
            "thead",
            "tbody", "tr", "th", "td", "br", "label", "input", "select", "option", "details", "summary", "code", "pre",
            "dl",
            "dt", "dd", "footer", "script",
        ]
        for tag in Self.tagNames(html) { #expect(allowed.contains(tag), "unexpected tag <\(tag)>") }
        #expect(html.components(separatedBy: "<script").count == 2)
        #expect(html.range(of: #"<[^>]*\son[a-z]+\s*="#, options: [.regularExpression, .caseInsensitive]) == nil)
        for tag in html.matches(of: /<[A-Za-z][^>]*>/) {
            #expect(
                tag.0.firstMatch(of: /\s(style|src|srcset|action|formaction|xlink:href|on[a-z]+)\s*=/) == nil,
                "\(tag.0)")
        }
        for match in html.matches(of: /href="([^"]*)"/) { #expect(match.1.hasPrefix("#"), "href \(match.1)") }
        #expect(!html.contains("<img") && !html.contains("<svg onload") && !html.contains("<b onmouseover"))
        #expect(html.contains("&lt;script&gt;alert(&quot;reason&quot;)&lt;/script&gt;"))

        // The CSP allows exactly our style and script, by hash.
        let style = try #require(html.firstMatch(of: /<style>(.*?)<\/style>/.dotMatchesNewlines()))
        let script = try #require(html.firstMatch(of: /<script>(.*?)<\/script>/.dotMatchesNewlines()))
        let policy = HTMLRenderer.contentSecurityPolicy(style: String(style.1), script: String(script.1))
        #expect(html.contains("<meta http-equiv=\"Content-Security-Policy\" content=\"\(policy)\">"))
        #expect(policy.hasPrefix("default-src 'none'; style-src 'sha256-"))
        #expect(!policy.contains("unsafe"))
        let head = try #require(html.range(of: "<head>")), csp = try #require(html.range(of: "Content-Security-Policy"))
        let firstStyle = try #require(html.range(of: "<style>"))
        #expect(head.upperBound < csp.lowerBound && csp.upperBound < firstStyle.lowerBound)
    }

    // MARK: - JSON, JSONL, exchanges

    @Test func jsonKeepsTheDataExactAndEscaped() throws {
        let r = try Self.run(["analyze", "--format", "json"])
        Self.expectNoRawControls(r.stdout, allowSGR: false)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let exchanges = try #require(root["exchanges"] as? [[String: Any]])
        let response = try #require(exchanges.first?["response"] as? [String: Any])
        #expect(response["reason"] as? String == HostileCapture.reason)
        #expect((exchanges.first?["request"] as? [String: Any])?["target"] as? String == HostileCapture.target)
        // Not redacted by default in JSON…
        #expect(r.stdout.contains(HostileCapture.authorization))
        #expect((root["redaction"] as? [String: Any])?["applied"] as? Bool == false)
        // …and fully redacted on request, body bytes included.
        let redacted = try Self.run(["analyze", "--format", "json", "--redact"])
        Self.expectNoSecrets(redacted.stdout)
        let redactedRoot = try #require(
            try JSONSerialization.jsonObject(with: Data(redacted.stdout.utf8)) as? [String: Any])
        let summary = try #require(redactedRoot["redaction"] as? [String: Any])
        #expect(summary["applied"] as? Bool == true)
        #expect((summary["redactedValues"] as? Int ?? 0) >= 12)
        for exchange in redactedRoot["exchanges"] as? [[String: Any]] ?? [] {
            for part in ["request", "response"] {
                let base64 = try #require((exchange[part] as? [String: Any])?["bodyPreviewBase64"] as? String)
                let bytes = try #require(Data(base64Encoded: base64))
                for secret in HostileCapture.secrets {
                    #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(secret) in \(part) body")
                }
            }
        }
    }

    @Test func jsonlIsOneExchangePerLine() throws {
        let r = try Self.run(["analyze", "--format", "jsonl", "--redact"])
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3 && lines.last == "")
        for line in lines.dropLast() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["isCallback"] as? Bool == true)
        }
        Self.expectNoRawControls(r.stdout, allowSGR: false)
        Self.expectNoSecrets(r.stdout)
    }

    @Test func exchangesTableKeepsOneRowPerExchangeAndOneFieldPerColumn() throws {
        let tsv = try Self.run(["exchanges"])
        #expect(tsv.status == 0)
        Self.expectNoRawControls(tsv.stdout, allowSGR: false, allowTab: true)
        let rows = tsv.stdout.split(separator: "\n").filter { !$0.hasPrefix("#") }
        #expect(rows.count == 2)
        for row in rows {
            #expect(row.split(separator: "\t", omittingEmptySubsequences: false).count == ExchangeTable.fields.count)
        }
        #expect(rows[0].contains("aliyun-oss-callback\\x1b[31m<img src=x onerror=alert(1)>"))

        let jsonl = try Self.run(["exchanges", "--format", "jsonl", "--redact"])
        Self.expectNoSecrets(jsonl.stdout)
        for line in jsonl.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["is_callback"] as? Bool == true)
            #expect((object["uri"] as? String)?.contains("token=[redacted 14 chars]") == true)
        }
    }

    // MARK: - Redaction on the report value

    @Test func redactionIsAValueTransformationAndIdempotent() throws {
        let report = BatchAnalyzer.analyze(
            arguments: [Self.capture], options: AnalysisOptions(), tool: ToolInfo(version: "test"))
        let once = report.redacted()
        let twice = once.redacted()
        #expect(once.redaction.applied && once.redaction.redactedValues >= 12)
        #expect(twice.redaction.redactedValues == once.redaction.redactedValues, "a second pass found more")
        #expect(
            once.json.serialized()
                == {
                    var t = twice
                    t.redaction = once.redaction
                    return t
                }().json.serialized())
        let request = try #require(once.exchanges.first?.diagnosed.exchange.request)
        #expect(request.head.headers["authorization"] == "[redacted 88 chars]")
        #expect(request.head.headers["cookie"] == "SESSIONID=[redacted 20 chars]; theme=[redacted 4 chars]")
        #expect(
            request.head.headers["referer"] == "http://[redacted 20 chars]@evil.example/x?secret=[redacted 13 chars]")
        #expect(
            request.head.headers["x-oss-pub-key-url"]
                == report.exchanges[0].diagnosed.exchange.request?.head.headers["x-oss-pub-key-url"])
        let body = String(decoding: request.body.preview, as: UTF8.self)
        #expect(
            body.hasPrefix(
                "bucket=b&object=%3Cscript%3E&password=[redacted 13 chars]&x%3Atoken=[redacted 13 chars]&note="))
        let response = try #require(once.exchanges.first?.diagnosed.exchange.response)
        #expect(response.head.headers["set-cookie"] == "sid=[redacted 18 chars]; Path=/; HttpOnly")
        #expect(
            String(decoding: response.body.preview, as: UTF8.self).contains(
                "{\"token\":\"[redacted 15 chars]\",\"ok\":1}"))
        // Evidence quoting the body, and its hex, are redacted too; verdicts and sizes are not touched.
        let second = try #require(once.exchanges.last?.diagnosed)
        let evidence = Dictionary(
            uniqueKeysWithValues: (second.findings.first?.evidence ?? []).map { ($0.key, $0.value) })
        #expect(evidence["bodyPreview"]?.hasPrefix("password=[redacted 14 chars] <b onmouseover") == true)
        #expect(evidence["firstBytesHex"] == hexOf("password=[redact"))
        #expect(second.exchange.response?.body.size == report.exchanges.last?.diagnosed.exchange.response?.body.size)
        #expect(once.summary == report.summary)
        #expect(once.exchanges.map(\.diagnosed.outcome) == report.exchanges.map(\.diagnosed.outcome))
    }

    // MARK: - Helpers

    /// No C0 control other than LF (and TAB where allowed), no DEL, no C1 control; ESC only in
    /// an SGR sequence of ours when `allowSGR`.
    static func expectNoRawControls(
        _ output: String, allowSGR: Bool, allowTab: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        var text = output
        if allowSGR { text = text.replacing(/\x{1B}\[[0-9;]*m/, with: "") }
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let v = scalar.value
            let bad =
                (v < 0x20 && v != 0x0A && !(allowTab && v == 0x09)) || (0x7F...0x9F).contains(v)
                || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
            if bad {
                Issue.record(
                    "raw control U+\(String(v, radix: 16)) at scalar \(offset)", sourceLocation: sourceLocation)
                return
            }
        }
    }

    static func expectNoSecrets(_ output: String, sourceLocation: SourceLocation = #_sourceLocation) {
        for secret in HostileCapture.secrets {
            #expect(!output.contains(secret), "secret \(secret) leaked", sourceLocation: sourceLocation)
        }
    }

    /// Pipes not preceded by a backslash.
    static func unescapedPipes(_ line: Substring) -> Int {
        var count = 0, escaped = false
        for c in line {
            if escaped {
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "|" {
                count += 1
            }
        }
        return count
    }

    /// Lower-cased names of every tag (opening or closing) in `html`.
    static func tagNames(_ html: String) -> Set<String> {
        Set(html.matches(of: /<\/?([!A-Za-z][A-Za-z0-9-]*)/).map { String($0.1).lowercased() })
    }

    /// The bytes of every hex dump in the HTML (`00000000  7b 22 …  |…|` lines, per `<pre>`).
    static func hexDumps(_ html: String) -> [[UInt8]] {
        html.matches(of: /<pre>(.*?)<\/pre>/.dotMatchesNewlines()).compactMap { match -> [UInt8]? in
            var bytes: [UInt8] = []
            for line in match.1.split(separator: "\n") {
                guard let dump = line.firstMatch(of: /^[0-9a-f]{8}  ((?:[0-9a-f]{2} |   | )+) \|/) else { return nil }
                bytes += dump.1.split(separator: " ").compactMap { UInt8($0, radix: 16) }
            }
            return bytes.isEmpty ? nil : bytes
        }
    }
}

/// The hex text the diagnoser writes for `text`'s bytes.
func hexOf(_ text: String) -> String {
    text.utf8.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined(
        separator: " ")
}

extension Array where Element == UInt8 {
    func contains(_ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, needle.count <= count else { return false }
        return (0...(count - needle.count)).contains { self[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
