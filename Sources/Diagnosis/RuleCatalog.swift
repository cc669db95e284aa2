/// Every rule the tool applies, in the order the report lists them.
///
/// The order is also the precedence used to predict the single message OSS reports for a
/// failed callback: OSS first needs a connection (and, for HTTPS, a TLS handshake), then a response within 5 s, then status
/// 200, then a usable Content-Length, then a JSON body. (The order of OSS's own checks is not
/// documented; this follows the order in which a response arrives — see facts §8.)
public enum RuleCatalog {
    public static let all: [Rule] = [
        Rule(
            id: .connectionRefused, severity: .error,
            summary: "The connection attempt was answered by RST, or never answered.",
            ossError: "Error status : -1. OSS can not connect to your callbackUrl, please check it.",
            why: "Nothing listens on the callback port, the server is down, or a firewall or security group rejects or drops OSS's SYN.",
            fix: "Start the callback server on the host and port of callbackUrl, and allow inbound TCP from OSS on that port."),
        Rule(
            id: .tlsHandshakeFailed, severity: .error,
            summary: "An HTTPS callback's TLS handshake failed: an alert, or a reset or close before the handshake finished.",
            ossError: "Error status : 502. (reported in the field also as Error status : -1. OSS can not connect to your callbackUrl)",
            why: "OSS's callback client sends no SNI unless the callback sets callbackSNI true, and it checks the server's certificate. A server or CDN that needs SNI to pick a certificate, a certificate that does not match the callback host, or no TLS version or cipher in common aborts the handshake before any HTTP — nothing reaches the application's logs.",
            fix: "Serve a valid certificate for the callback host to clients without SNI (a default certificate), or set \"callbackSNI\": true; offer TLS 1.2 or 1.3; or use an http:// callbackUrl (the signature still protects the content)."),
        Rule(
            id: .noResponse, severity: .error,
            summary: "A request was sent and no response arrived before the connection ended.",
            ossError: "Error status : 502. (or a reply timeout after 5000 ms)",
            why: "The server crashed, reset the connection, closed it without answering, or took so long that OSS gave up after 5 s.",
            fix: "Make the callback handler always answer, quickly: 200 with a small JSON body. Do slow work asynchronously after answering."),
        Rule(
            id: .slowResponse, severity: .error,
            summary: "The response completed more than 5 s (the latency threshold) after the request.",
            ossError: "Error status : -1 <server> reply timeout, cost:5000ms, timeout:5000ms",
            why: "OSS waits at most 5 s for the whole response; the limit cannot be configured. Slow databases, downstream calls or cold starts cause it.",
            fix: "Answer within 5 s: acknowledge with 200 and {\"Status\":\"OK\"} first, then process the upload in the background."),
        Rule(
            id: .badStatus, severity: .error,
            summary: "The final status is not exactly 200 (201, 204, 3xx, 4xx and 5xx all fail; redirects are not followed).",
            ossError: "Error status : <code>.",
            why: "OSS accepts 200 and nothing else. A route registered for GET answers POST with 405, a framework may answer 201/204, a proxy may redirect to HTTPS.",
            fix: "Return status 200 from the callback handler, for the POST method, at the exact path of callbackUrl."),
        Rule(
            id: .bomPrefix, severity: .error,
            summary: "The body starts with a byte-order mark (UTF-8 EF BB BF, or a UTF-16 BOM).",
            ossError: "Response body is not valid json format.",
            why: "A source file saved as \"UTF-8 with BOM\" (common with PHP) prints the mark before the JSON.",
            fix: "Save the server's source files as UTF-8 without BOM, or strip the BOM before writing the response."),
        Rule(
            id: .nonJSONBody, severity: .error,
            summary: "The body, after transfer and content decoding and without a BOM, is not valid JSON (RFC 8259); an empty body is not JSON.",
            ossError: "Response body is not valid json format.",
            why: "The handler answers plain text (\"OK\"), an HTML error page, nothing at all, or JSON with a syntax error. (An XML body with Content-Type: application/xml is accepted.)",
            fix: "Answer with a JSON body such as {\"Status\":\"OK\"} and Content-Type: application/json."),
        Rule(
            id: .missingContentLength, severity: .error,
            summary: "The response has no valid Content-Length (chunked or close-delimited body, or an unparsable value).",
            ossError: "Error Status : 400.User server missing content-length.",
            why: "Streaming frameworks send Transfer-Encoding: chunked; HTTP/1.0-style servers end the body by closing the connection.",
            fix: "Buffer the small JSON answer and send it with an explicit Content-Length header."),
        Rule(
            id: .contentLengthMismatch, severity: .error,
            summary: "The connection ended before Content-Length bytes of body arrived, or more bytes followed.",
            ossError: "Error Status : 400.User server return invalid conent-length value.",
            why: "The handler computed Content-Length from a different string than it wrote (characters instead of bytes), or crashed after the headers — a public Python sample writes the headers and then fails to write the body.",
            fix: "Compute Content-Length from the encoded bytes actually written, and make sure the body is written and flushed before closing."),
        Rule(
            id: .bodyTooLarge, severity: .error,
            summary: "The response body exceeds 1 MB.",
            ossError: "Error Status : 400.User server return too long content-length value.",
            why: "OSS passes the callback answer through to the uploader and caps it at 1 MB.",
            fix: "Return a small JSON acknowledgement; serve large data from a separate endpoint."),
        Rule(
            id: .incomplete, severity: .info,
            summary: "Bytes are missing from the capture, so a verdict would be a guess; the report says what could not be seen.",
            ossError: nil,
            why: "Packet loss at the capture point, a small snaplen (tcpdump -s), or a capture that started or ended in the middle of an exchange.",
            fix: "Capture with tcpdump -s 0 on the callback server, start before the upload and stop after OSS's 5 s window."),
        Rule(
            id: .tlsNoSNI, severity: .info,
            summary: "A failed TLS handshake's ClientHello carried no server name (SNI): the server likely needs one.",
            ossError: nil,
            why: "OSS sends no server_name unless the callback's callbackSNI is true (the London region always sends it). Servers and CDNs that host several names on one address pick the certificate by SNI, and without it answer with the wrong certificate or an unrecognized_name alert.",
            fix: "Set \"callbackSNI\": true (a JSON boolean, not a string) in the callback parameter, or give the server a default certificate for the callback host."),
    ]

    /// The rule with `id`.
    public static func rule(_ id: RuleID) -> Rule {
        guard let rule = all.first(where: { $0.id == id }) else { preconditionFailure("unknown rule \(id)") }
        return rule
    }

    /// Position of `id` in ``all`` (the precedence order).
    public static func precedence(of id: RuleID) -> Int {
        all.firstIndex(where: { $0.id == id }) ?? all.count
    }
}
