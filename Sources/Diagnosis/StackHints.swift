import ByteText
import HTTP1
import HTTPExchanges

/// What an answer says about the software that sent it, read from its own bytes: the `Server`
/// and `X-Powered-By` headers, nginx's default error page, a PHP message ahead of the body, the
/// JDK's spelling of `Transfer-encoding`, compression the request asked for. Each mark is a fact
/// of the packets ("the answer's Server header says nginx/1.22.1"), never more.
struct AnswerStack {
    /// The `Server` header's value, if any.
    var server: String?
    /// The `X-Powered-By` header's value, if any (PHP sets `PHP/8.2.7`).
    var poweredBy: String?
    /// The body is nginx's default error page (`<hr><center>nginx…</center>` after the
    /// `<h1>` with the status), as nginx writes it for the errors it answers itself.
    var nginxErrorPage: Bool
    /// The first line of a PHP error message (`Warning: …`, `Notice: …`, `Deprecated: …`,
    /// `Fatal error: …`, also `<b>Warning</b>: …` in HTML) at the start of the body.
    var phpMessage: String?
    /// The answer's chunked framing is spelled `Transfer-encoding` (lower-case e) and it has no
    /// `Server` header: how the JDK's `com.sun.net.httpserver` writes a chunked answer.
    var jdkChunked: Bool
    /// The answer is compressed (`Content-Encoding`) and the request asked for that coding
    /// (`Accept-Encoding`), which OSS's requests never do (facts §2.3).
    var compressedOnRequest: (coding: String, accepted: String)?

    init(request: CapturedRequest?, response: CapturedResponse) {
        let headers = response.head.headers
        server = headers["server"]
        poweredBy = headers["x-powered-by"]
        nginxErrorPage = Self.isNginxErrorPage(response.body.preview, status: response.head.status)
        phpMessage = Self.phpMessage(response.body.preview)
        jdkChunked =
            response.framing == .chunked && server == nil && headers.contains { $0.name == "Transfer-encoding" }
        if let coding = headers["content-encoding"], let accepted = request?.head.headers["accept-encoding"],
            Self.accepts(accepted, coding)
        {
            compressedOnRequest = (coding, accepted)
        }
    }

    /// True when the Server header names nginx (`nginx`, `nginx/1.22.1`) or the body is its page.
    var isNginx: Bool { nginxErrorPage || server.map { $0.lowercased().hasPrefix("nginx") } == true }
    /// True when X-Powered-By names PHP, or the body starts with a PHP message.
    var isPHP: Bool { phpMessage != nil || poweredBy.map { $0.hasPrefix("PHP") } == true }

    /// `the answer's Server header says nginx/1.22.1; its body is nginx's default 504 page`.
    func describe(status: Int) -> String {
        var facts: [String] = []
        if let server { facts.append("the answer's Server header says \(server)") }
        if nginxErrorPage { facts.append("its body is nginx's default \(status) error page") }
        if let poweredBy { facts.append("its X-Powered-By header says \(poweredBy)") }
        if let phpMessage { facts.append("its body starts with a PHP message: \"\(phpMessage)\"") }
        if jdkChunked {
            facts.append(
                "it spells the header \"Transfer-encoding\" and has no Server header, as the JDK's com.sun.net.httpserver does"
            )
        }
        if let gzip = compressedOnRequest {
            facts.append(
                "it is compressed (Content-Encoding: \(gzip.coding)) because the request asked for it (Accept-Encoding: \(gzip.accepted))"
            )
        }
        return facts.joined(separator: "; ")
    }

    /// nginx's own error page: `<center><h1>504 Gateway Time-out</h1></center>` then
    /// `<hr><center>nginx` (with or without its version, `server_tokens`).
    static func isNginxErrorPage(_ body: [UInt8], status: Int) -> Bool {
        guard status >= 400 else { return false }  // nginx writes its own page only for errors
        let text = String(decoding: body.prefix(512), as: UTF8.self)
        return text.contains("<center><h1>\(status) ") && text.contains("<hr><center>nginx")
    }

    /// The first line of a PHP error message at the start of `body` (after blank lines and
    /// lines holding only `<br />`), its HTML tags removed (PHP's html_errors form).
    static func phpMessage(_ body: [UInt8]) -> String? {
        // A PHP message starts with a letter of its kind (Warning, Notice, Deprecated, Fatal,
        // Parse, PHP …) or with html_errors' `<br />`/`<b>`: anything else is not one, without
        // decoding text (this runs for every failing answer).
        let first = body.prefix(400).first { $0 != UInt8(ascii: " ") && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }
        guard let first, Array("WNDFP<".utf8).contains(first) else { return nil }
        let text = String(decoding: body.prefix(400), as: UTF8.self)
        let lines = text.split(omittingEmptySubsequences: true) { $0 == "\n" || $0 == "\r" }.prefix(3)
        guard var line = lines.lazy.map(Self.withoutTags).first(where: { !$0.isEmpty }) else { return nil }
        let kinds = [
            "Warning: ", "Notice: ", "Deprecated: ", "Fatal error: ", "Parse error: ", "PHP Warning: ", "PHP Notice: ",
        ]
        guard kinds.contains(where: { line.hasPrefix($0) }) else { return nil }
        if line.count > 160 { line = String(line.prefix(160)) + "…" }
        return line
    }

    /// `line` without PHP's html_errors tags (`<br />`, `<b>`, `</b>`), trimmed of spaces.
    private static func withoutTags(_ line: Substring) -> String {
        var out = String(line)
        for tag in ["<br />", "<b>", "</b>"] { out = out.replacing(tag, with: "") }
        return out.trimmingASCII(" ")
    }

    /// Whether an `Accept-Encoding` value lists `coding` (RFC 9110 §12.5.3; `q=0` refuses it).
    static func accepts(_ acceptEncoding: String, _ coding: String) -> Bool {
        let wanted = coding.lowercased().trimmingASCII(" ")
        return acceptEncoding.lowercased().split(separator: ",").contains { item in
            let parts = item.split(separator: ";")
            guard let name = parts.first?.trimmingASCII(" \t"), name == wanted || name == "*" else { return false }
            let refused = parts.dropFirst().contains { parameter in
                let p = parameter.trimmingASCII(" \t")
                return p.hasPrefix("q=") && Double(p.dropFirst(2)) == 0
            }
            return !refused
        }
    }
}

extension Diagnoser {
    // MARK: - Stack-aware fixes (issue #19)

    /// The delivery findings, each with the fix that fits the stack its answer names (nginx's own
    /// error pages, PHP, the JDK's HttpServer, compression the request asked for) and a `stack`
    /// evidence line saying what in the answer names it. A finding whose answer names no stack
    /// keeps the rule's generic fix.
    func stackAware(_ findings: [Finding], _ exchange: HTTPExchange) -> [Finding] {
        // Most answers pass: reading the stack costs text work, so only a finding pays for it.
        guard !findings.isEmpty, let response = exchange.response else { return findings }
        let stack = AnswerStack(request: exchange.request, response: response)
        return findings.map { finding in
            guard let hint = stackHint(finding.rule, stack, exchange, response) else { return finding }
            var adapted = finding
            adapted.hint = hint
            adapted.evidence.append(Evidence("stack", stack.describe(status: response.head.status)))
            return adapted
        }
    }

    /// The fix for `rule` that fits `stack`, or nil when the answer names none that changes it.
    func stackHint(_ rule: RuleID, _ stack: AnswerStack, _ exchange: HTTPExchange, _ response: CapturedResponse)
        -> String?
    {
        switch rule {
        case .badStatus where stack.nginxErrorPage:
            return nginxStatusHint(response.head.status, latency: exchange.latencySeconds)
        case .missingContentLength:
            return unframedHint(stack, response.framing)
        case .nonJSONBody where stack.phpMessage != nil:
            return
                "PHP printed a message into the answer before the JSON (\"\(stack.phpMessage ?? "")\"): fix what it reports, and set display_errors = Off (log_errors = On) in production so that messages go to the log, never into the answer."
        case .nonJSONBody where stack.isPHP && response.body.size == 0:
            return
                "The PHP script wrote nothing: it ended (exit, die, return, or an error not displayed) before echoing its JSON. Echo json_encode(['Status' => 'OK']) on every path that accepts the callback, and answer 4xx (http_response_code(400)) where it rejects one."
        case .bomPrefix where stack.isPHP:
            return
                "PHP sends every byte outside <?php … ?> as output, so a BOM at the start of the script or of any file it includes comes out first: save every PHP file (included ones too) as UTF-8 without BOM."
        default:
            return nil
        }
    }

    /// The fix when nginx answered `status` with its own error page (the app's answer never
    /// reached OSS).
    private func nginxStatusHint(_ status: Int, latency: Double?) -> String {
        let threshold = settings.latencyThresholdSeconds
        let limit = threshold == threshold.rounded() ? "\(Int(threshold)) s" : Self.duration(threshold)
        switch status {
        case 502:
            return
                "nginx answered 502 Bad Gateway itself (its own error page): it got no usable answer from its upstream — the app behind proxy_pass or fastcgi_pass is not running at that address, refused the connection, or closed it without answering. Check nginx's error.log for this request, start the app at the upstream address, and make it answer 200 with JSON."
        case 504:
            let after = latency.map { " \(Self.duration($0)) after the request" } ?? ""
            let about = latency.map { "; about \(Self.duration($0)) here" } ?? ""
            return
                "nginx answered 504 Gateway Time-out itself\(after): its upstream read timeout (proxy_read_timeout, or fastcgi_read_timeout for php-fpm\(about)) expired before the app answered. Raise it above the app's time, and make the app answer within \(limit), OSS's limit: acknowledge with 200 and JSON first, do slow work afterwards."
        default:
            return
                "nginx answered \(status) with its own error page: the answer came from nginx, not from the app (no location passes the callback path to the app, POST is not allowed there, or the request broke one of nginx's limits). Route the callbackUrl's path to the app and let the app answer 200 with JSON."
        }
    }

    /// The fix for an answer without Content-Length that fits its stack: compression the request
    /// asked for, the JDK's chunking after `sendResponseHeaders(…, 0)`, PHP's close-delimited answer.
    private func unframedHint(_ stack: AnswerStack, _ framing: BodyFraming) -> String? {
        if let gzip = stack.compressedOnRequest {
            let who = stack.isNginx ? "nginx" : "The server or a proxy in front of it"
            let off = stack.isNginx ? " (nginx: gzip off in the callback's location)" : ""
            return
                "\(who) compressed the answer (Content-Encoding: \(gzip.coding)) because the request asked for it (Accept-Encoding: \(gzip.accepted)), and a compressed answer of unknown length goes out chunked. OSS's requests send no Accept-Encoding: test with a request without it, as OSS sends, or turn compression off for the callback\(off); the app must still send Content-Length."
        }
        if stack.jdkChunked {
            return
                "The JDK's HttpServer sends a chunked answer when sendResponseHeaders is given 0 as the length: pass the body's byte count instead (byte[] body = json.getBytes(StandardCharsets.UTF_8); exchange.sendResponseHeaders(200, body.length)) so that it sends Content-Length."
        }
        if stack.isPHP && framing == .closeDelimited {
            return
                "The PHP answer ended by closing the connection, without Content-Length: set it from the script ($body = json_encode(['Status' => 'OK']); header('Content-Length: ' . strlen($body)); echo $body;)."
        }
        return nil
    }
}
