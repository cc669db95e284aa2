/// Every rule the tool applies, in the order the report lists them.
///
/// The order is also the precedence used to predict the single message OSS reports for a
/// failed callback: OSS first needs a connection (and, for HTTPS, a TLS handshake), then a response within 5 s, then status
/// 200, then a usable Content-Length, then a JSON body. (The order of OSS's own checks is not
/// documented; this follows the order in which a response arrives — see facts §8.) The
/// signature rules (``RuleConcern/authenticity``, facts §3) come after them: they never decide
/// what OSS told the uploader.
public enum RuleCatalog {
    public static let all: [Rule] = [
        Rule(
            id: .connectionRefused, severity: .error,
            title: "OSS could not connect",
            summary: "The connection attempt was answered by RST, or never answered.",
            ossError: "Error status : -1. OSS can not connect to your callbackUrl, please check it.",
            why:
                "Nothing listens on the callback port, the server is down, or a firewall or security group rejects or drops OSS's SYN.",
            fix:
                "Start the callback server on the host and port of callbackUrl, and allow inbound TCP from OSS on that port.",
            notClaimed:
                "That the server process is down rather than a firewall rejecting or dropping the SYN (both look the same on the wire), or that OSS saw the same: a capture taken elsewhere may see another path.",
            ossErrorSource: OSSMessageFacts.cannotConnect),
        Rule(
            id: .tlsHandshakeFailed, severity: .error,
            title: "TLS handshake failed",
            summary:
                "An HTTPS callback's TLS handshake failed: an alert, or a reset or close before the handshake finished.",
            ossError:
                "Error status : 502. (reported in the field also as Error status : -1. OSS can not connect to your callbackUrl)",
            why:
                "OSS's callback client sends no SNI unless the callback sets callbackSNI true, and it checks the server's certificate. A server or CDN that needs SNI to pick a certificate, a certificate that does not match the callback host, or no TLS version or cipher in common aborts the handshake before any HTTP — nothing reaches the application's logs.",
            fix:
                "Serve a valid certificate for the callback host to clients without SNI (a default certificate), or set \"callbackSNI\": true; offer TLS 1.2 or 1.3; or use an http:// callbackUrl (the signature still protects the content).",
            notClaimed:
                "Which certificate or setting the server lacks (the handshake is read from its records, not decrypted), nor the exact message OSS gave: 502 is documented, -1 is reported in the field.",
            ossErrorSource: OSSMessageFacts.tlsFailure),
        Rule(
            id: .noResponse, severity: .error,
            title: "no response",
            summary:
                "A request was sent and no response arrived before the connection ended; the finding names the side that ended it first (server FIN or RST, OSS's close or reset), with its frame.",
            ossError: "Error status : 502. (or a reply timeout after 5000 ms)",
            why:
                "The server crashed, reset the connection, closed it without answering (also: closed a kept-alive connection just before OSS reused it), or took so long that OSS gave up after 5 s.",
            fix:
                "Make the callback handler always answer, quickly: 200 with a small JSON body. Do slow work asynchronously after answering.",
            notClaimed:
                "Why the server did not answer (crash, deliberate close, overload): only which side ended the connection first, with its frame, and when. The OSS message is inferred from the documented cases (502 for a broken connection, a reply timeout after 5 s).",
            ossErrorSource: OSSMessageFacts.closedWithoutAnswer),
        Rule(
            id: .slowResponse, severity: .error,
            title: "response too slow",
            summary:
                "The response ended more than 5 s (the latency threshold) after the request: its last byte, or the packet whose sequence space ends it when the capture cut its bytes.",
            ossError: "Error status : -1 <server> reply timeout, cost:5000ms, timeout:5000ms",
            why:
                "OSS waits at most 5 s for the whole response; the limit cannot be configured. Slow databases, downstream calls or cold starts cause it.",
            fix:
                "Answer within 5 s: acknowledge with 200 and {\"Status\":\"OK\"} first, then process the upload in the background.",
            notClaimed:
                "That the answer was wrong otherwise: it fails on time alone. Where bytes are missing, the time is that of the packet whose sequence space ends the response (a snaplen cut keeps its time and length), never a guess.",
            ossErrorSource: OSSMessageFacts.replyTimeout),
        Rule(
            id: .badStatus, severity: .error,
            title: "status is not 200",
            summary:
                "The final status is not exactly 200 (201, 204, 3xx, 4xx and 5xx all fail; redirects are not followed).",
            ossError: "Error status : <code>.",
            why:
                "OSS accepts 200 and nothing else. A route registered for GET answers POST with 405, a framework may answer 201/204, a proxy may redirect to HTTPS.",
            fix: "Return status 200 from the callback handler, for the POST method, at the exact path of callbackUrl.",
            notClaimed:
                "Why the server chose that status (a route, a framework default, a proxy or the server's own check): the status line and Location are the evidence.",
            ossErrorSource: OSSMessageFacts.status),
        Rule(
            id: .bomPrefix, severity: .error,
            title: "byte-order mark before the JSON",
            summary: "The body starts with a byte-order mark (UTF-8 EF BB BF, or a UTF-16 BOM).",
            ossError: "Response body is not valid json format.",
            why: "A source file saved as \"UTF-8 with BOM\" (common with PHP) prints the mark before the JSON.",
            fix: "Save the server's source files as UTF-8 without BOM, or strip the BOM before writing the response.",
            notClaimed:
                "That the rest of the body is otherwise valid JSON (non-json-body says so separately when it is not).",
            ossErrorSource: OSSMessageFacts.notJSON),
        Rule(
            id: .nonJSONBody, severity: .error,
            title: "body is not JSON",
            summary:
                "The body, after transfer and content decoding and without a BOM, is not valid JSON (RFC 8259); an empty body is not JSON.",
            ossError: "Response body is not valid json format.",
            why:
                "The handler answers plain text (\"OK\"), an HTML error page, nothing at all, or JSON with a syntax error. (An XML body with Content-Type: application/xml is accepted.)",
            fix: "Answer with a JSON body such as {\"Status\":\"OK\"} and Content-Type: application/json.",
            notClaimed:
                "Which code wrote the body: only the first bytes, the offset where JSON parsing failed, and the Content-Type.",
            ossErrorSource: OSSMessageFacts.notJSON),
        Rule(
            id: .missingContentLength, severity: .error,
            title: "no valid Content-Length",
            summary:
                "The response has no valid Content-Length (chunked or close-delimited body, or an unparsable value).",
            ossError: "Error Status : 400.User server missing content-length.",
            why:
                "Streaming frameworks send Transfer-Encoding: chunked; HTTP/1.0-style servers end the body by closing the connection.",
            fix: "Buffer the small JSON answer and send it with an explicit Content-Length header.",
            notClaimed: "Which of OSS's Content-Length messages OSS chose (its check order is not documented).",
            ossErrorSource: OSSMessageFacts.missingContentLength),
        Rule(
            id: .contentLengthMismatch, severity: .error,
            title: "body length differs from Content-Length",
            summary: "The connection ended before Content-Length bytes of body arrived, or more bytes followed.",
            ossError: "Error Status : 400.User server return invalid conent-length value.",
            why:
                "The handler computed Content-Length from a different string than it wrote (characters instead of bytes), or crashed after the headers — a public Python sample writes the headers and then fails to write the body.",
            fix:
                "Compute Content-Length from the encoded bytes actually written, and make sure the body is written and flushed before closing.",
            notClaimed:
                "Why the body ended early (a crash, a length counted in characters): only the declared length, the bytes received and how the connection ended.",
            ossErrorSource: OSSMessageFacts.lengthMismatch),
        Rule(
            id: .bodyTooLarge, severity: .error,
            title: "body over 1 MB",
            summary: "The response body exceeds 1 MB.",
            ossError: "Error Status : 400.User server return too long content-length value.",
            why: "OSS passes the callback answer through to the uploader and caps it at 1 MB.",
            fix: "Return a small JSON acknowledgement; serve large data from a separate endpoint.",
            notClaimed: "That OSS read the body: it applies to the declared or received size.",
            ossErrorSource: OSSMessageFacts.tooLong),
        Rule(
            id: .signatureInvalid, severity: .warning,
            title: "signature does not verify",
            summary:
                "The callback's signature (RSA MD5 over the decoded path, the query, a newline and the body) verifies with neither OSS's published key nor any --public-key key.",
            ossError: nil,
            why:
                "The request was changed between OSS and the server — a reverse proxy or gateway rewrote the path, the query or the body after OSS signed it — or it did not come from OSS at all.",
            fix:
                "Make proxies pass the path, query and body through unchanged (or verify before rewriting), and verify signatures in the server; a callback that does not verify must be rejected.",
            notClaimed:
                "Who changed the request or that it is forged: a proxy that rewrites the path, query or body gives the same verdict as a forgery.",
            concern: .authenticity),
        Rule(
            id: .untrustedKeyURL, severity: .error,
            title: "key URL not OSS's",
            summary:
                "x-oss-pub-key-url does not name a key under http://gosspublic.alicdn.com/ or https://gosspublic.alicdn.com/ (or is not base64 of a URL).",
            ossError: nil,
            why:
                "OSS always names its own key there; another URL is the mark of a forged callback signed with the forger's own key. A server that fetches whatever URL the request names trusts the forger's key and is open to SSRF.",
            fix:
                "Check the decoded key URL's prefix before anything else and never fetch other URLs; better, ship OSS's key (it never changes) and ignore the header.",
            notClaimed: "That the server fetched the URL: only that the request named it.",
            concern: .authenticity),
        Rule(
            id: .forgedCallbackAccepted, severity: .error,
            title: "forged callback answered 200",
            summary: "The server answered 200 to a callback whose signature does not verify.",
            ossError: nil,
            why:
                "The server does not verify signatures, verifies them wrongly, or trusts the key URL the request names: anyone can post a fake upload notification and it is taken as genuine.",
            fix:
                "Verify every callback as OSS documents (key URL prefix, RSA MD5 over the decoded path, query, newline and body) and answer 4xx when it does not verify.",
            notClaimed:
                "That the request was forged: only that a request whose signature does not verify was answered 200, so a forged one would be too. An empty 200 (how OSS's PHP demo rejects a bad signature: exit() before any output) is reported as a warning that claims no acceptance, only the empty answer.",
            concern: .authenticity),
        Rule(
            id: .unsignedCallbackAccepted, severity: .error,
            title: "unsigned callback answered 200",
            summary:
                "The server answered 200 to a request that carries OSS's callback headers (User-Agent aliyun-oss-callback or x-oss-tag CALLBACK) but no authorization header: it accepts callbacks without a signature, so it accepts forged ones.",
            ossError: nil,
            why:
                "The server does not verify signatures at all, or skips the check when the header is absent: anyone who knows the callback URL can post a fake upload notification.",
            fix:
                "Reject (4xx) every callback without a valid authorization signature; verify as OSS documents (key URL prefix, RSA MD5 over the decoded path, query, newline and body).",
            notClaimed:
                "That the request was forged, or what OSS told the uploader: only that a request without the authorization header was answered 200, so a forged one would be too.",
            concern: .authenticity),
        Rule(
            id: .genuineCallbackRejected, severity: .error,
            title: "genuine callback answered 4xx",
            summary:
                "The server answered 400, 401 or 403 (what a failed signature check answers) to a callback whose signature verifies.",
            ossError: nil,
            why:
                "The callback is genuine and the server refused it. Possible causes, which the packets cannot tell apart: the server's own verification is wrong (it hashes the digest twice, adds '?' without a query, does not URL-decode the path, reads the body after a framework consumed it, or uses the wrong key); its framework could not parse the body (an HTML error page such as a JSON SyntaxError); or another check of its own refused it.",
            fix:
                "Read the server's answer quoted in the finding and its log for this request. If its signature check refused it, build the string exactly as url_decode(path) + ('?' + query only when there is one) + '\\n' + raw body, hash it once with MD5 and verify PKCS#1 v1.5 with OSS's key; test with the documented example.",
            notClaimed:
                "Why the server refused it: its signature check, its body parser (an HTML error page from the framework points there), or another check of its own all answer this way. The finding quotes the status line and the first bytes of the answer instead of choosing.",
            concern: .authenticity),
        Rule(
            id: .incomplete, severity: .info,
            title: "bytes missing from the capture",
            summary:
                "Bytes are missing from the capture, so a verdict would be a guess; the report says what could not be seen.",
            ossError: nil,
            why:
                "Packet loss at the capture point, a small snaplen (tcpdump -s), or a capture that started or ended in the middle of an exchange.",
            fix:
                "Capture with tcpdump -s 0 on the callback server, start before the upload and stop after OSS's 5 s window.",
            notClaimed:
                "Anything about the bytes that are missing: findings beside it use only what was captured (and times and lengths from packet headers)."
        ),
        // The uploader's side: a capture on the client that uploads to OSS (facts §4.6, §4.7, §7).
        Rule(
            id: .callbackConfigInvalid, severity: .error,
            title: "OSS rejects the upload's callback parameter",
            summary:
                "An upload's callback parameter (x-oss-callback header, callback query parameter or PostObject callback field) breaks one of OSS's rules: not standard Base64, not a JSON object, a bad or missing callbackUrl, more than 5 URLs, over 5 KB, an empty callbackBody, a bad callbackHost, callbackBodyType, callbackSNI or signatureVersion, a bad callback-var, or callback given in two places.",
            ossError:
                "400 InvalidArgument: <the message for the first problem, e.g. The callback configuration is not base64 encoded.>",
            why:
                "The callback JSON is built by hand: URL-safe or unpadded Base64, \"callbackSNI\":\"true\" as a string, a template left empty, or an SDK and custom code both setting the parameter.",
            fix:
                "Build the JSON with a JSON library, encode it with standard padded Base64, send it in one place only, and keep callbackUrl to at most 5 public http(s) URLs.",
            notClaimed:
                "That OSS reported this exact problem first when several apply: the finding names the first one found in OSS's documented order.",
            ossErrorSource: OSSMessageFacts.invalidArgument),
        Rule(
            id: .callbackPrivateAddress, severity: .error,
            title: "callbackUrl is a private address",
            summary:
                "A callbackUrl host is a private, loopback or link-local address (10/8, 172.16/12, 192.168/16, 127/8, 169.254/16, ::1, fc00::/7, fe80::/10) or localhost.",
            ossError: "400 InvalidArgument: Private address is forbidden to callback. (EC 0007-00000008)",
            why:
                "OSS calls the callbackUrl from the internet and refuses internal addresses; a development URL was left in the configuration.",
            fix:
                "Use a public host name or address that OSS can reach for callbackUrl (and callbackHost for the Host header).",
            notClaimed:
                "Whether the host resolves to a private address: only literal addresses and localhost are judged.",
            ossErrorSource: OSSMessageFacts.privateAddress),
        Rule(
            id: .callbackFailedAtOSS, severity: .error,
            title: "OSS answered 203 CallbackFailed",
            summary:
                "OSS answered the upload with 203 CallbackFailed: the object is stored, but OSS's call to the callback server failed; the finding shows OSS's Message and EC and what they mean.",
            ossError: "203 CallbackFailed: <the Message of its answer, e.g. Error status : 502.>",
            why:
                "The callback server refused the connection, answered late, answered a status other than 200, or answered something that is not JSON with a valid Content-Length.",
            fix:
                "Capture on the callback server (tcpdump -i any -s 0 port <callback port>) during an upload and run callback-doctor analyze on that capture: it shows which rule OSS applied.",
            notClaimed:
                "What the callback server did: OSS's message is quoted; a capture on the callback server shows which rule applied.",
            ossErrorSource: .observed),
        Rule(
            id: .callbackConfigWarning, severity: .warning,
            title: "callback parameter will not work as meant",
            summary:
                "An upload's callback parameters have something OSS does not reject but that will not work as meant (an IPv6 callbackUrl; a variable name that does not start with x: or has upper-case letters; callback-var without callback; callbackBodyType application/json with a callbackBody that cannot become JSON whatever OSS puts in its variables).",
            ossError: nil,
            why:
                "OSS documents custom variable names as x: plus lower case, does not call IPv6 addresses, makes no callback without the callback parameter, and sends callbackBody with its variables filled in: a template that is not JSON reaches the server as a body that is not JSON.",
            fix:
                "Each finding names the fix for its own notes. In general: name custom variables x: plus lower case, use an IPv4-reachable callbackUrl, send callback along with callback-var, and write a JSON callbackBody with its variables bare, {\"object\":${object}}.",
            notClaimed: "That the upload failed: OSS accepts these parameters."),
        Rule(
            id: .callbackConfigUnverifiable, severity: .info,
            title: "callback parameter not checkable",
            summary:
                "A PostObject form's callback field lies beyond the request-body bytes kept (or captured), so it could not be checked.",
            ossError: nil,
            why: "The form puts large fields before the callback field, or the capture is cut.",
            fix:
                "Put the callback field early in the form (the file field must be last anyway), and capture with tcpdump -s 0.",
            notClaimed: "Anything about the callback field it could not read."),
        Rule(
            id: .tlsNoSNI, severity: .info,
            title: "no SNI in the ClientHello",
            summary: "A failed TLS handshake's ClientHello carried no server name (SNI): the server likely needs one.",
            ossError: nil,
            why:
                "OSS sends no server_name unless the callback's callbackSNI is true (the London region always sends it). Servers and CDNs that host several names on one address pick the certificate by SNI, and without it answer with the wrong certificate or an unrecognized_name alert.",
            fix:
                "Set \"callbackSNI\": true (a JSON boolean, not a string) in the callback parameter, or give the server a default certificate for the callback host.",
            notClaimed:
                "That the missing SNI caused the failure: it is the likely cause, shown beside the handshake failure."),
    ]

    /// Each rule's position in ``all``: one hash lookup per query instead of a scan comparing
    /// the id strings of every rule before it (the diagnoser asks for each finding of every exchange).
    private static let positions: [RuleID: Int] = Dictionary(
        uniqueKeysWithValues: all.enumerated().map { ($0.element.id, $0.offset) })

    /// The rule with `id`.
    public static func rule(_ id: RuleID) -> Rule {
        guard let position = positions[id] else { preconditionFailure("unknown rule \(id)") }
        return all[position]
    }

    /// Position of `id` in ``all`` (the precedence order); ``all``'s count for an unknown id.
    public static func precedence(of id: RuleID) -> Int {
        positions[id] ?? all.count
    }
}
