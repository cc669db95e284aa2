"""The scenario table shared by callback_server.py, oss_sender.py and check_captures.py.

One scenario = one listening port = one server behaviour, so every scenario can be cut out of a
combined capture with `tcp port N`. Test traffic stays on 127.0.0.1 and ::1.

`expect` lists the callback-doctor rule ids (design/PRODUCT.md) the scenario is built to trigger;
`why` gives the reasoning from shared/reference/oss-callback-facts.md (section numbers in [§]).
"""

PORT_MIN = 9001
PORT_MAX = 9040
# record.sh gives this BPF filter to every capture, so no other loopback traffic leaks in.
CAPTURE_FILTER = "tcp and portrange %d-%d and (host 127.0.0.1 or host ::1)" % (PORT_MIN, PORT_MAX)

# Sender modes:
#   callback      one OSS-like POST on its own connection, give up after `timeout` seconds
#   keepalive     two plain GETs on one keep-alive connection, one after the other
#   pipelined     two plain GETs written in one send(), responses read in order
#   upload        the uploader's side (issue #7): uploads with a callback parameter sent to a fake
#                 OSS endpoint (fake_oss.py) on one keep-alive connection, one request at a time
# Sender options:
#   timeout       seconds to wait for a complete response after the last request byte (OSS: 5)
#   split         write the request in two send() calls (headers, then body), TCP_NODELAY on
#   rewrite_path  send the request to this target instead of the signed one (models a reverse
#                 proxy that rewrites the path after OSS signed it, facts §6 item 6)
#   linger_after  after the sender is done, wait this long so a late server write is captured
#                 before the next scenario starts
#   forge         send a forged callback instead (forged_callback_request: the forger's own key,
#                 a key URL on the forger's host)
#   tls           speak TLS (Python's ssl) like OSS calling an https:// callbackUrl: no SNI
#                 (OSS sends none unless callbackSNI is true, facts §2.6), no certificate check;
#                 the server uses samples/keys/test-tls-cert.pem (a self-signed TEST certificate)
#   tls_max       the highest TLS version the sender offers ("1.2"), for a version mismatch

SCENARIOS = [
    dict(name="good-json", port=9001, behaviour="good-json",
         target="/oss/callback",
         expect=[],
         why="200, Content-Type application/json, a valid Content-Length and the body "
             "{\"Status\":\"OK\"}: everything OSS checks passes [§4.1, §4.2, §4.4]. The request "
             "target has no query, so the string to sign is url_decode(path) + '\\n' + body "
             "(no '?') [§3.1]."),
    dict(name="bom-json", port=9002, behaviour="bom-json",
         expect=["bom-prefix"],
         why="The body is EF BB BF followed by {\"Status\":\"OK\"}. OSS answers 'Response body is "
             "not valid json format.' for exactly these bytes [§4.2]. With the BOM removed the "
             "body is valid JSON, so per PRODUCT.md only bom-prefix fires, not non-json-body; "
             "Content-Length (18) counts the BOM and matches."),
    dict(name="plain-ok", port=9003, behaviour="plain-ok", split=True,
         expect=["non-json-body"],
         why="200 text/plain 'OK': a plain OK is OSS's documented example of 'Response body is "
             "not valid json format.' [§4.2]. Status and Content-Length are fine. The sender "
             "writes this request in two send() calls (headers, then body) so the request spans "
             "two TCP segments; that is a reassembly exercise, not a rule."),
    dict(name="html-error-page", port=9004, behaviour="html-error-page",
         expect=["non-json-body"],
         why="A framework error page served with status 200 and text/html: the status passes, "
             "the body is not JSON -> 'Response body is not valid json format.' [§4.2]."),
    dict(name="status-400", port=9005, behaviour="status-400",
         expect=["bad-status", "genuine-callback-rejected"],
         why="Anything but 200 fails and OSS reports 'Error status : 400.' [§4.1]. The body is "
             "valid JSON with a correct Content-Length, so the status is the only OSS fault. The "
             "signature verifies (with the test key), and 400 is what a failed signature check "
             "answers (OSS's samples and test server [§5]), so genuine-callback-rejected fires too."),
    dict(name="status-404", port=9006, behaviour="status-404",
         expect=["bad-status"],
         why="Wrong route (e.g. the POST handler is not registered): 'Error status : 404.' "
             "[§4.1]. JSON body, correct Content-Length."),
    dict(name="status-500", port=9007, behaviour="status-500",
         expect=["bad-status"],
         why="Server error: 'Error status : 500.' [§4.1]. JSON body, correct Content-Length."),
    dict(name="status-502", port=9008, behaviour="status-502",
         expect=["bad-status"],
         why="The callback server (or its proxy) really sent 502: 'Error status : 502.' [§4.1]. "
             "Note OSS also says 502 when it cannot connect at all [§4.1, §4.7]; this capture "
             "is the case where a 502 is on the wire."),
    dict(name="status-201", port=9009, behaviour="status-201",
         expect=["bad-status"],
         why="'the callback server must return 200 instead of 20x' [§4.1, D21-T]: 201 fails with "
             "'Error status : 201.' even though the JSON body and Content-Length are fine."),
    dict(name="status-204", port=9010, behaviour="status-204",
         expect=["bad-status"],
         why="204 is not 200, so OSS reports 'Error status : 204.' [§4.1]. A 204 has no body and "
             "no Content-Length by definition (RFC 9110 §15.3.5), but OSS's documented message "
             "for any non-200 status is the status one; the body rules (non-json-body, "
             "missing-content-length) describe a 200 response whose body OSS goes on to read. "
             "Reporting them too would point the user at a body fix that changes nothing. So "
             "expect bad-status only; the tool may mention the empty body in the evidence."),
    dict(name="status-302", port=9011, behaviour="status-302",
         expect=["bad-status"],
         why="OSS does not follow redirects: a real OSS test expects 'Error status : 301.' for a "
             "redirecting callbackUrl [§1, §4.1, GOV2]; 302 gives 'Error status : 302.'. The "
             "response carries Location plus a JSON body with a correct Content-Length, so the "
             "redirect is the only fault. The Location target is never requested."),
    dict(name="slow-6s", port=9012, behaviour="slow-6s", timeout=10.0,
         expect=["slow-response"],
         why="The server answers good JSON 6 s after the request. Real OSS gives up at 5 s "
             "[§4.5]; this sender deliberately waits up to 10 s so that the late response is on "
             "the wire and latency (6 s > 5 s) can be measured: 'reply timeout, cost:5000ms' / "
             "'Cost too long time.' [§4.7]. The response is otherwise perfect, so only "
             "slow-response. See slow-6s-oss-gave-up for what a real OSS connection looks like."),
    dict(name="slow-6s-oss-gave-up", port=9013, behaviour="slow-6s", linger_after=1.5,
         expect=["no-response"],
         why="Same 6 s server as slow-6s, but the sender behaves like OSS: at 5 s without a "
             "response it closes the connection (FIN). The server's response is written at 6 s "
             "into a connection the client has closed, and the client's kernel answers it with "
             "RST. From OSS's point of view no response arrived before it gave up -> "
             "no-response ('reply timeout' [§4.5, §4.7]). A response that arrives after the "
             "client's FIN was never read by OSS, so it must not be graded as a response "
             "(no slow-response, no body rules)."),
    dict(name="slow-4_5s", port=9014, behaviour="slow-4_5s",
         expect=[],
         why="Good JSON 4.5 s after the request: under the fixed 5 s limit [§4.5], so nothing "
             "fires. Guards against an off-by-one or a threshold in the wrong unit."),
    dict(name="chunked", port=9015, behaviour="chunked",
         expect=["missing-content-length"],
         why="Transfer-Encoding: chunked, no Content-Length, body in three chunks written "
             "separately. OSS requires a Content-Length: 'User server missing content-length.' "
             "[§4.4]; that chunked fails this way is an inference (no source tests chunked, "
             "§8). The de-chunked body is valid JSON, so not non-json-body."),
    dict(name="gzip", port=9016, behaviour="gzip",
         expect=[],
         why="Content-Encoding: gzip with a correct Content-Length (the compressed size); the "
             "decoded body is {\"Status\":\"OK\"}. PRODUCT.md checks JSON after content decoding, "
             "so nothing fires. Caveat: OSS's request carries no Accept-Encoding and no source "
             "says whether OSS decodes gzip (§8); if it does not, OSS would see binary and say "
             "'not valid json'. The tool may add a hint, but no rule is expected."),
    dict(name="no-content-length", port=9017, behaviour="no-content-length",
         expect=["missing-content-length"],
         why="HTTP/1.0 200 with a JSON body and no Content-Length; the body ends when the server "
             "closes. 'Error Status : 400.User server missing content-length.' [§4.4, §4.7]. The "
             "body itself is valid JSON."),
    dict(name="short-body", port=9018, behaviour="short-body",
         expect=["content-length-mismatch"],
         why="The public Python 3 sample's bug [§5]: 'HTTP/1.0 200 OK', Content-Type "
             "application/json, Content-Length: 15, then no body and a FIN. The body is cut "
             "short (0 of 15 bytes). Recommendation: report content-length-mismatch only. The "
             "empty body is not JSON, but only because it was cut short; fixing the write fixes "
             "both, so a second non-json-body finding adds noise. Not `incomplete` either: the "
             "capture has the server's FIN and no gaps, so the bytes are missing from the "
             "server, not from the capture. OSS's exact message here is unknown [§8]."),
    dict(name="silent", port=9019, behaviour="silent",
         expect=["no-response"],
         why="The server reads the request and never answers. The sender gives up 5 s after the "
             "request like OSS and closes (FIN); the server then closes too. OSS: reply timeout "
             "[§4.5, §4.7]. no-response, with 'OSS gave up' as the reason (client FIN ~5 s "
             "after the request), not slow-response (no response completed)."),
    dict(name="reset-after-request", port=9020, behaviour="reset-after-request",
         expect=["no-response"],
         why="The server reads the request and closes with SO_LINGER 0, so the kernel sends RST "
             "instead of a response. No response arrived before the connection ended: "
             "no-response, reason 'reset by server'. OSS's message is probably 'Error status : "
             "-1...' or 502 [§4.7]; unconfirmed."),
    dict(name="refused", port=9021, behaviour="refused",
         expect=["connection-refused"],
         why="Nothing listens on this port; the SYN is answered by RST/ACK. 'Error status : -1. "
             "OSS can not connect to your callbackUrl' or 'Error status : 502.' [§4.7]. No "
             "request was sent, so the report's exchange has request null."),
    dict(name="ipv6-good-json", port=9022, behaviour="good-json", family="ipv6",
         target="/oss/%E5%9B%9E%E8%B0%83.php?id=1&index=2",
         expect=[],
         why="good-json over [::1]. Real OSS does not call IPv6 addresses [§2.1]; this exists "
             "to exercise the IPv6 decoding path and endpoints written as [addr]:port. The "
             "target has a percent-encoded path and a query, so the string to sign is the "
             "decoded path + '?id=1&index=2' (raw) + '\\n' + body [§3.1]."),
    dict(name="signature-mismatch", port=9023, behaviour="good-json",
         rewrite_path="/app/oss/callback?scenario=signature-mismatch",
         expect=["signature-invalid", "forged-callback-accepted"],
         why="The server is good-json, so OSS itself is satisfied: no OSS rule fires and the "
             "outcome is pass. But the request was signed for /oss/callback?scenario=signature-"
             "mismatch and arrives as /app/oss/callback?... (a reverse proxy rewrote the path, "
             "facts §6 item 6), so the signature does not verify with the test public key "
             "[§3.1]: signature-invalid. The server answered 200 all the same, i.e. it does not "
             "check signatures: forged-callback-accepted (recording.json: signature.validAsSent "
             "false)."),
    dict(name="keep-alive", port=9024, behaviour="keep-alive", mode="keepalive",
         expect=[],
         why="Not an OSS callback (no authorization, no x-oss-pub-key-url, no aliyun-oss-callback "
             "User-Agent): two GETs on one HTTP/1.1 keep-alive connection, each answered 200 "
             "with Content-Length. Exercises isCallback=false and exchange index 0 and 1 on one "
             "connection. No OSS rules apply."),
    dict(name="pipelined", port=9025, behaviour="pipelined", mode="pipelined",
         expect=[],
         why="Not an OSS callback: two GETs written in one send() before any response, answered "
             "in order (two separate writes). Exercises pipelining; no OSS rules apply."),
    dict(name="forged-accepted", port=9026, behaviour="accepts-anything", forge=True,
         expect=["signature-invalid", "untrusted-key-url", "forged-callback-accepted"],
         why="A forged callback: OSS's headers, but signed with the forger's own key and with "
             "x-oss-pub-key-url naming the forger's host (https://callback-keys.example.net/...) "
             "instead of gosspublic.alicdn.com [§3.2]. The signature verifies with neither OSS's "
             "key nor the test key (signature-invalid), the key URL is not OSS's "
             "(untrusted-key-url; a server that fetched it would trust the forger and be open "
             "to SSRF), and the server answers 200 {\"Status\":\"OK\"} without checking "
             "anything (forged-callback-accepted). OSS's own checks on the answer pass, so the "
             "outcome is pass: this is a security finding, not a delivery failure."),
    dict(name="genuine-rejected", port=9027, behaviour="double-hash-403",
         expect=["bad-status", "genuine-callback-rejected"],
         why="A genuine callback (valid with the test key) to a server whose own verification "
             "is wrong: it MD5-hashes the string to sign and then verifies the signature over "
             "that digest with MD5 again — the bug of aliyun-oss-python-sdk issue #272 [§6 item "
             "7] — so it never verifies and answers 403 with a JSON error. OSS: 'Error status : "
             "403.' [§4.1] (bad-status); the signature verifies, so the server rejected a genuine "
             "callback (genuine-callback-rejected)."),
    # The uploader's side (issue #7): ports 9035-9038, a fake OSS endpoint (fake_oss.py).
    dict(name="upload-callback-failed", port=9035, behaviour="upload-callback-failed", mode="upload",
         target="/photos/cat.txt",
         expect=["callback-failed-at-oss"],
         why="PutObject with a valid x-oss-callback and x-oss-callback-var (standard Base64 of "
             "JSON, one public callbackUrl) [§7.1, §7.2]. The fake OSS answers 203 CallbackFailed "
             "'Response body is not valid json format.' with EC 0007-00000205, OSS's answer when "
             "the callback server's body is not JSON [§4.6, §4.7]: the object is stored, the "
             "callback failed. Not a callback exchange itself (OSS -> server); the uploader's."),
    dict(name="upload-invalid-callback", port=9036, behaviour="upload-invalid-callback", mode="upload",
         target="/a.txt",
         expect=["callback-config-invalid"],
         why="Three PutObjects on one keep-alive connection, each with a bad x-oss-callback, each "
             "answered 400 InvalidArgument by the fake OSS with OSS's message [§7.3]: URL-safe "
             "unpadded Base64 ('The callback configuration is not base64 encoded.', EC "
             "0007-00000002); six URLs in callbackUrl ('The number of callback url exceed max "
             "value.', EC 0007-00000005; at most 5 [§7.2]); \"callbackSNI\":\"true\" as a string "
             "('The callback sni is invalid.' [§6 item 9])."),
    dict(name="upload-private-address", port=9037, behaviour="upload-private-address", mode="upload",
         target="/big.bin",
         expect=["callback-private-address"],
         why="CompleteMultipartUpload (POST ?uploadId=...) with the callback in the query "
             "parameter, percent-encoded [§7.1]; its callbackUrl is 192.168.10.20, a private "
             "address: 400 InvalidArgument 'Private address is forbidden to callback.' EC "
             "0007-00000008 [§2.1, §7.3]."),
    dict(name="upload-postobject", port=9038, behaviour="upload-postobject", mode="upload",
         target="/",
         expect=["callback-failed-at-oss"],
         why="PostObject: a multipart/form-data form with a callback field and x:uid / x:token "
             "variable fields before the file field [§7.1]. The callback is valid; the fake OSS "
             "answers 203 CallbackFailed 'Error status : -1.OSS can not connect to your "
             "callbackUrl, please check it.' without an EC (the older form) [§4.7]. x:token "
             "holds a made-up secret, for redaction."),
    # HTTPS callbacks (issue #7): seen through their TLS records, never decrypted.
    dict(name="tls-good", port=9030, behaviour="tls-good", tls=True,
         expect=[],
         why="An HTTPS callback server that completes the TLS handshake (TLS 1.2: the server "
             "offers no higher, so a TLS 1.2 handshake is recorded too; no SNI sent, as OSS by "
             "default [§2.6]) and answers good JSON at once. Everything passes; the report shows "
             "the TLS version, 'SNI none' and an estimated latency from the TLS "
             "application-data records."),
    dict(name="tls-sni-required", port=9031, behaviour="tls-sni-required", tls=True,
         expect=["tls-handshake-failed", "tls-no-sni"],
         why="The server hosts several names and needs SNI to pick a certificate: a ClientHello "
             "without server_name gets a fatal unrecognized_name alert. OSS sends no SNI unless "
             "callbackSNI is true [§2.6], and the field reports of HTTPS callbacks failing with "
             "'Error status : 502.' are exactly this [§4.7, §6 items 1-4]. Nothing reaches the "
             "application: only a capture shows it."),
    dict(name="tls-slow-6s", port=9032, behaviour="tls-slow-6s", tls=True, timeout=10.0,
         expect=["slow-response"],
         why="The HTTPS server answers good JSON 6 s after the request. Like slow-6s, the sender "
             "waits up to 10 s so that the late response is on the wire; OSS gives up at 5 s "
             "[§4.5]. The latency comes from TLS record timing (request records, then response "
             "records), so the finding is marked estimated."),
    dict(name="tls-version-mismatch", port=9033, behaviour="tls-version-mismatch", tls=True,
         tls_max="1.2",
         expect=["tls-handshake-failed"],
         why="The server accepts only TLS 1.3; the client offers at most TLS 1.2. The server "
             "answers the ClientHello with a fatal protocol_version alert. SNI is absent here "
             "too, but it is not the cause (no tls-no-sni note for a version mismatch)."),
    dict(name="tls-silent", port=9034, behaviour="tls-silent", tls=True,
         expect=["no-response"],
         why="The HTTPS server completes the handshake (TLS 1.3), reads the encrypted request "
             "and never answers. The sender gives up 5 s after the request like OSS [§4.5]. "
             "no-response, estimated from the TLS records. The server's two session tickets "
             "(sent right after the handshake) may race the request on the wire; OSS waiting "
             "out its 5 s and closing first shows they were not a response."),
]

# ---------------------------------------------------------------- field servers (issue #16)
#
# Servers that behave like the ones met in the field, recorded by record-field.sh into
# captures/field/ with their truth in recording-field.json (a sibling of recording.json, so that
# record.sh's captures, its combined all-*.pcap files and recording.json stay as they are).
# Options these add:
#   unsigned          send the callback without an `Authorization` header (every other OSS
#                     callback header is there): what a forger who does not bother to sign sends
#   connection        the request's Connection header ("close", as OSS documents, facts §1)
#   cut_request_at    write only the first N bytes of the request head, then close
#   callback          whether the exchange is an OSS callback, when the mode alone does not say
#   exchange_expect   per-exchange `expect` when the exchanges of one connection differ
#   expect_snaplen200 the truth for the same exchange in a `tcpdump -s 200` recording
#                     (record-snaplen.sh), when it differs from `expect`
# Mode:
#   keepalive-callbacks  two signed callbacks on one connection, the second sent 100 ms after
#                        the first response (Connection: keep-alive)

FIELD_PORT_MIN = 9041
FIELD_PORT_MAX = 9059
FIELD_CAPTURE_FILTER = "tcp and portrange %d-%d and (host 127.0.0.1 or host ::1)" % (
    FIELD_PORT_MIN, FIELD_PORT_MAX)

FIELD_SCENARIOS = [
    dict(name="head-then-dies", port=9041, behaviour="python-http-server-dies",
         expect=["content-length-mismatch"],
         why="A real Python http.server (BaseHTTPRequestHandler, HTTP/1.0) handler reads the "
             "callback, sends the status line and headers with a Content-Length (end_headers), "
             "writes the body but its last 15 bytes, then dies with an exception; socketserver "
             "closes the connection (FIN). Like the public Python 3 sample's bug [§5], the body "
             "ends short of its Content-Length: content-length-mismatch, OSS's nearest message "
             "being 'User server return invalid conent-length value.' (its exact message for a "
             "short body is unknown [§4.4, §4.7, §8]). The response did NOT complete: no "
             "'completed' wording. Not `incomplete`: the capture holds every byte up to the "
             "server's FIN and no gap, so the server sent too little and the capture lost "
             "nothing. Not non-json-body: the cut body is not JSON only because it was cut "
             "(as short-body). latencySeconds is that of the last body byte that did arrive."),
    dict(name="framework-400-html", port=9042, behaviour="express-json-400",
         expect=["bad-status", "genuine-callback-rejected"],
         why="An express-like app whose JSON body parser runs for every content type "
             "(express.json({type: '*/*'}) style): OSS's application/x-www-form-urlencoded body "
             "[§2.3, §2.4] is not JSON, the parser fails at position 0, and the framework's "
             "default error handler answers 400 Bad Request with an HTML page "
             "'SyntaxError: Unexpected token b in JSON at position 0' before any handler (or "
             "signature check) of the app runs. The callback is genuine: its signature verifies "
             "with the test key [§3.1]. OSS: 'Error status : 400.' [§4.1, §4.7]: bad-status; "
             "the body of a non-200 answer is not judged. The server refused a callback whose "
             "signature verifies with a status a failed signature check also answers: "
             "genuine-callback-rejected, which may state only what is known (the signature "
             "verifies, the server answered 400 and this page) and list possible causes; the "
             "packets do NOT show that the server's own verification is wrong (here it never "
             "ran)."),
    dict(name="closes-without-answer", port=9043, behaviour="close-after-request", unsigned=True,
         expect=["no-response"],
         why="The server reads the whole request, pauses 1 ms and closes the connection (FIN) "
             "without a byte of response; the sender (OSS) sees the end of the stream "
             "and closes too, after the server. no-response, ended by the SERVER's FIN (the "
             "first FIN of the connection, from the server's port); the client's later FIN is "
             "a consequence, not the cause [§4.7: 'Error status : 502.' or -1; unconfirmed]. "
             "The request is unsigned (OSS's callback headers, no Authorization), but the "
             "server did not accept it, so no authenticity rule fires: nothing was answered."),
    dict(name="accepts-unsigned", port=9044, behaviour="accepts-anything", unsigned=True,
         expect=["unsigned-callback-accepted"],
         why="A callback request with OSS's headers (User-Agent aliyun-oss-callback, x-oss-tag "
             "CALLBACK, x-oss-pub-key-url ...) but NO Authorization header, answered 200 "
             "{\"Status\":\"OK\"} by a server that checks nothing. OSS always signs [§2.3, §2.4, "
             "§3.1]: a server that accepts an unsigned callback accepts anyone's forgery "
             "[§3.2]. unsigned-callback-accepted (the sibling of forged-callback-accepted for a "
             "missing signature, issue #16 item 4), evidence: no authorization header and the "
             "200. No signature-invalid: there is no signature to verify. OSS's own checks on "
             "the answer pass (outcome pass); this is a security finding."),
    dict(name="keepalive-after-server-fin", port=9045, behaviour="keepalive-idle-close",
         mode="keepalive-callbacks", connection="keep-alive",
         expect=["no-response"], exchange_expect=[[], ["no-response"]],
         why="Two signed callbacks on one HTTP/1.1 connection with Connection: keep-alive. The "
             "first is answered 200 {\"Status\":\"OK\"} with Connection: keep-alive and "
             "Content-Length: it passes (exchange 0: no finding). The server's keep-alive idle "
             "timeout (20 ms) then closes the connection (FIN); the client does not notice and "
             "sends the second callback 100 ms after the first response, after the server's "
             "FIN, and the server's kernel answers it with RST. Exchange 1: no-response, and "
             "the cause is that the SERVER had already closed the connection (its FIN came "
             "before the request), not a reset of a request it was processing. Documented OSS "
             "sends Connection: close and one callback per connection [§1], so it does not "
             "reuse connections; a client or proxy in front of the server that does meets "
             "exactly this."),
    dict(name="client-closes-mid-header", port=9046, behaviour="good-json",
         target="/oss/callback", cut_request_at=58, callback=False,
         expect=[],
         why="The client writes the first 58 bytes of an OSS-style request head (the line "
             "'POST /oss/callback HTTP/1.1', 'Host: 127.0.0.1' and 'Connection: ' without its "
             "value) and closes (FIN); the server "
             "sees the end of the stream before the head ends and closes without answering, "
             "as any HTTP server must. Nothing is missing from the capture (the FIN's sequence "
             "number accounts for every byte), so not `incomplete`. None of OSS's callback "
             "signals (Authorization + x-oss-pub-key-url, User-Agent aliyun-oss-callback, "
             "x-oss-tag [§2.3, §2.4]) was sent, so nothing says this is a callback: OSS writes "
             "its whole request and never stops mid-head [§2.3]; a client that did could not "
             "be answered, so no server rule applies (no no-response: the request never "
             "ended). Truth: not a callback, no finding; a report should show the captured "
             "request line and the time of the request's first byte, not '(request not "
             "captured)'."),
    dict(name="slow-body-5_8s", port=9047, behaviour="slow-body-5_8s", timeout=10.0,
         expect=["slow-response"], expect_snaplen200=["slow-response", "incomplete"],
         why="The server sends the status line and headers at once (Content-Length: 15 the "
             "second header, so a -s 200 capture keeps it) and the 15-byte body 5.8 s later; "
             "the sender waits up to 10 s like slow-6s so that the late body is on the wire. "
             "The response completes 5.8 s after the request: slow-response [§4.5, §4.7], "
             "latency that of the body's frame, not of the head. In the -s 200 recording "
             "(derived/recorded-snaplen200.*) the head's tail is cut (incomplete: which "
             "headers it held cannot be known), but the head's captured Content-Length, the "
             "head segment's original length and the body segment's sequence numbers show "
             "where the body ends: slow-response with the same latency, plus incomplete."),
    dict(name="chunked-slow-86ms", port=9048, behaviour="chunked-slow-86ms",
         expect=["missing-content-length"],
         expect_snaplen200=["missing-content-length", "incomplete"],
         why="Transfer-Encoding: chunked (the second header) and no Content-Length; the head "
             "at once, one 15-byte chunk 40 ms later, the last chunk (0 CRLF CRLF) 86 ms after "
             "the head. OSS requires a Content-Length [§4.4]; that chunked fails this way is an "
             "inference [§1, §8]. The de-chunked body is valid JSON: no body rule. Latency "
             "about 86 ms, that of the last chunk. In the -s 200 recording the head's tail is "
             "cut (incomplete), but Transfer-Encoding: chunked was captured, and with it any "
             "Content-Length the lost bytes might hold is not a valid one (RFC 9112 §6.1-§6.3: "
             "a sender MUST NOT send both; chunked framing overrides it), so "
             "missing-content-length still holds; the chunks themselves were captured whole, "
             "so the latency is that of the last chunk, about 86 ms."),
]

# ---------------------------------------------------------------- real stacks (issue #19)
# record-stacks.sh: Debian's nginx in front of stack_app.py (Python http.server), nginx +
# php-fpm (unix socket, so FastCGI is not on the wire), PHP's built-in server and the JDK's
# HttpServer. OSS calls the front server on 9070-9089; nginx forwards to upstreams on
# 18070-18099 over loopback, so one `tcpdump -i lo` records both legs (the `-i any` situation).
# Extra keys:
#   extra_headers  more request headers (gzip: Accept-Encoding, which OSS does not send)
#   stack          what serves the port (truth for stack-aware hints)
#   legs           the inner legs the front server opens for this callback, in order:
#                  upstream (host:port), what the upstream did, and `expect` = how the upstream
#                  leg ends as seen in the capture ("answered 200", "refused",
#                  "answered too late", "none" for FastCGI over a unix socket)
STACK_PORT_MIN = 9070
STACK_PORT_MAX = 9099
STACK_UPSTREAM_MIN = 18070
STACK_UPSTREAM_MAX = 18099
STACK_CAPTURE_FILTER = ("tcp and (portrange %d-%d or portrange %d-%d) and host 127.0.0.1" % (
    STACK_PORT_MIN, STACK_PORT_MAX, STACK_UPSTREAM_MIN, STACK_UPSTREAM_MAX))

STACK_SCENARIOS = [
    dict(name="nginx-app-good", port=9070, behaviour="nginx-proxy",
         stack="nginx -> python http.server", target="/cb?scenario=nginx-app-good",
         legs=[dict(upstream="127.0.0.1:18070", app="200 JSON with Content-Length",
                    expect="answered 200")],
         expect=[],
         why="nginx proxies the callback to a Python app that answers 200 {\"Status\":\"OK\"} "
             "with Content-Length; nginx relays it (HTTP/1.1, Content-Length). One callback, "
             "one inner leg (HTTP/1.0 from nginx with X-Real-IP / X-Forwarded-For, the same "
             "Authorization and x-oss-pub-key-url): no finding, and the inner leg is not a "
             "second callback."),
    dict(name="nginx-upstream-down", port=9071, behaviour="nginx-proxy",
         stack="nginx -> nothing listening", target="/cb?scenario=nginx-upstream-down",
         legs=[dict(upstream="127.0.0.1:18099", app="no listener", expect="refused")],
         expect=["bad-status"],
         why="nginx's upstream port 18099 has no listener: nginx's SYN is answered by RST "
             "(connect() failed (111: Connection refused)) and nginx answers OSS with its own "
             "502 Bad Gateway page (Server: nginx). OSS: 'Error status : 502.' [§4.1]. The "
             "refused inner SYN is the cause of the 502, not a connection OSS attempted."),
    dict(name="nginx-read-timeout", port=9072, behaviour="nginx-proxy",
         stack="nginx (proxy_read_timeout 3s) -> python app answering after 4 s",
         target="/cb?scenario=nginx-read-timeout",
         legs=[dict(upstream="127.0.0.1:18072", app="200 JSON after 4 s",
                    expect="answered too late")],
         linger_after=1.5,
         expect=["bad-status"],
         why="proxy_read_timeout 3s: after 3 s without an answer nginx closes its upstream "
             "connection and answers OSS 504 Gateway Time-out (its default page). The app's "
             "200 comes at 4 s, after nginx closed: too late for nginx (the kernel answers it "
             "with RST). OSS: 'Error status : 504.' [§4.1]."),
    dict(name="nginx-slow-upstream", port=9073, behaviour="nginx-proxy",
         stack="nginx -> python app answering after 6 s",
         target="/cb?scenario=nginx-slow-upstream",
         legs=[dict(upstream="127.0.0.1:18073", app="200 JSON after 6 s",
                    expect="answered too late")],
         linger_after=1.5,
         expect=["no-response"],
         why="The app answers after 6 s; nginx (proxy_read_timeout 60 s) waits, but OSS gives "
             "up at 5 s [§4.5] and closes; nginx then closes its upstream connection too "
             "(499 in its log), so the app's answer at 6 s meets a closed socket. OSS: "
             "timeout. The reply timeout is the outer leg's (OSS -> nginx), not the "
             "upstream port's."),
    dict(name="nginx-rewrite-uri", port=9074, behaviour="nginx-proxy",
         stack="nginx (location /h11/ { proxy_pass http://127.0.0.1:18074/; }) -> python app",
         target="/h11/cb?scenario=nginx-rewrite-uri",
         legs=[dict(upstream="127.0.0.1:18074", app="200 JSON with Content-Length",
                    expect="answered 200", path="/cb?scenario=nginx-rewrite-uri")],
         expect=[],
         why="proxy_pass with a URI replaces the matched /h11/ prefix by /: the app sees /cb. "
             "OSS signed /h11/cb, so the inner copy's signature does not verify as sent; "
             "that is not a forged callback accepted: the signature verifies on the outer "
             "leg, which is the callback [§3.1, §6 item 6]."),
    dict(name="nginx-gzip", port=9075, behaviour="nginx-proxy",
         stack="nginx (gzip on; gzip_types application/json) -> python app",
         target="/cb?scenario=nginx-gzip",
         extra_headers=(("Accept-Encoding", "gzip, deflate"),),
         legs=[dict(upstream="127.0.0.1:18075", app="200 JSON with Content-Length",
                    expect="answered 200")],
         expect=["missing-content-length"],
         why="The app sends Content-Length; nginx's gzip filter compresses the answer because "
             "this request has Accept-Encoding (OSS's requests do not) and so drops "
             "Content-Length and sends Transfer-Encoding: chunked + Content-Encoding: gzip. "
             "The answer OSS-side has no Content-Length: missing-content-length [§4.4, §8]."),
    dict(name="nginx-php-fpm-good", port=9076, behaviour="nginx-php-fpm",
         stack="nginx -> php-fpm (unix socket) good.php", target="/good.php",
         legs=[dict(upstream="unix:php-fpm.sock", app="echo json_encode(['Status'=>'OK'])",
                    expect="none")],
         expect=["missing-content-length"],
         why="php-fpm prints {\"Status\":\"OK\"} with header('Content-Type: application/json');"
             " nginx relays FastCGI output chunked (HTTP/1.1, no Content-Length). FastCGI runs over a unix socket, so no inner leg is on the "
             "wire. OSS requires Content-Length [§4.4, §8]."),
    dict(name="nginx-php-fpm-warning", port=9077, behaviour="nginx-php-fpm",
         stack="nginx -> php-fpm (display_errors on) warning.php", target="/warning.php",
         legs=[dict(upstream="unix:php-fpm.sock", app="a PHP Warning before the JSON",
                    expect="none")],
         expect=["non-json-body", "missing-content-length"],
         why="The script reads an undefined variable before echoing the JSON; with "
             "display_errors on, PHP prints 'Warning: Undefined variable $...' first, so the "
             "body is not JSON [§4.2]; relayed chunked as above [§4.4]."),
    dict(name="php-builtin-bom-include", port=9080, behaviour="php-builtin-server",
         stack="php -S 127.0.0.1:9080 router.php (includes config.php saved with a BOM)",
         target="/cb?scenario=php-builtin-bom-include", legs=[],
         expect=["bom-prefix", "missing-content-length"],
         why="config.php starts with EF BB BF before '<?php': PHP prints those 3 bytes when it "
             "is included, before the JSON. OSS: 'Response body is not valid json format.' "
             "[§4.2]; valid JSON once the BOM is removed. PHP's built-in server sends no "
             "Content-Length for a script's output (Connection: close, the body ends with the "
             "server's FIN) [§4.4]."),
    dict(name="jdk-httpserver-chunked", port=9081, behaviour="jdk-httpserver",
         stack="java StackJdkServer.java (com.sun.net.httpserver, sendResponseHeaders(200, 0))",
         target="/cb?scenario=jdk-httpserver-chunked", legs=[],
         expect=["missing-content-length"],
         why="sendResponseHeaders(200, 0) means 'length unknown': the JDK sends "
             "Transfer-Encoding: chunked without Content-Length. OSS requires Content-Length "
             "[§4.4, §8]."),
]

# Issue #19: the stacks callback servers run, seen from OSS (record-hints.sh). The sender
# calls ports 9100-9109 (captured); the apps behind nginx listen on 9064-9069, which the capture
# filter leaves out (one leg per callback: the legs of a proxy are branch `legs`' samples).
# Sender option:
#   accept_encoding   send this Accept-Encoding header (OSS sends none, facts §2.3): a tester
#                     replaying a callback with a client that asks for gzip
#   tshark_sees_no_response  tshark's HTTP dissector does not take the answer for a response
#                     (a lower-case 'http/1.1' status line): check_captures.py notes it instead
HINTS_PORT_MIN = 9100
HINTS_PORT_MAX = 9109
HINTS_CAPTURE_FILTER = "tcp and portrange %d-%d and host 127.0.0.1" % (HINTS_PORT_MIN, HINTS_PORT_MAX)
HINTS_UPSTREAM_DEAD = 9064   # nothing listens here: nginx's upstream for nginx-502-upstream-down
HINTS_UPSTREAM_SLOW = 9065   # hints_server.py: answers 4 s late, behind nginx-504-read-timeout
HINTS_UPSTREAM_JSON = 9066   # hints_server.py: {"Status":"OK"} with Content-Length, behind nginx-gzip

HINTS_SCENARIOS = [
    dict(name="nginx-502-upstream-down", port=9100, behaviour="nginx-proxy-dead-upstream",
         expect=["bad-status"],
         why="Debian's nginx with proxy_pass http://127.0.0.1:9064, where nothing listens: nginx "
             "answers the callback itself with 502 Bad Gateway and its default error page "
             "(Server: nginx). OSS: 'Error status : 502.' [§4.1, §4.7]. The hint names nginx "
             "and its upstream, not the route: the packets show nginx's own page."),
    dict(name="nginx-504-read-timeout", port=9101, behaviour="nginx-proxy-read-timeout-3s",
         timeout=10.0, expect=["bad-status"],
         why="nginx with proxy_read_timeout 3s in front of an app that answers after 4 s: nginx "
             "answers 504 Gateway Time-out with its default page about 3 s after the request. "
             "OSS: 'Error status : 504.' [§4.1]. The hint says nginx's read timeout expired "
             "(about 3 s, the time the packets show) and that the app must answer within 5 s."),
    dict(name="nginx-gzip-chunked", port=9102, behaviour="nginx-gzip-on",
         accept_encoding="gzip, deflate",
         expect=["missing-content-length"],
         why="nginx with gzip on (gzip_types application/json, gzip_min_length 1) in front of an "
             "app that answers {\"Status\":\"OK\"} with a Content-Length. The request asks for "
             "gzip (Accept-Encoding), so nginx compresses the answer and, not knowing the "
             "compressed length in advance, sends it chunked without Content-Length: "
             "missing-content-length (that OSS fails chunked is an inference [§4.4, §8]). OSS "
             "sends no Accept-Encoding [§2.3], so OSS itself would get the app's answer "
             "unchanged: the hint says nginx compressed it because the request asked for gzip."),
    dict(name="jdk-httpserver-chunked", port=9103, behaviour="jdk-send-response-headers-0",
         expect=["missing-content-length"],
         why="The JDK's own com.sun.net.httpserver.HttpServer (StackJdkServer.java, run with "
             "`java File.java`): the handler calls sendResponseHeaders(200, 0), which the JDK "
             "documents as 'chunked encoding is used', then writes {\"Status\":\"OK\"}. The "
             "answer is chunked with no Content-Length: missing-content-length (inferred OSS "
             "message [§4.4, §8]). The JDK writes the header as 'Transfer-encoding' (lower-case "
             "e) and sends no Server header: the hint names sendResponseHeaders' length."),
    dict(name="php-warning-before-json", port=9104, behaviour="php-cli-server-warning",
         target="/warning.php",
         expect=["non-json-body", "missing-content-length"],
         why="PHP's built-in server (php -S) running a script that reads an undefined array key "
             "before echoing its JSON: PHP prints a Warning into the answer ahead of "
             "{\"Status\":\"OK\"} (display_errors is on in php -S). 'Response body is not valid "
             "json format.' [§4.2]. The hint quotes the Warning and says to fix it and turn "
             "display_errors off. php -S sends no Content-Length (the body ends at its close): "
             "missing-content-length [§4.4] as well."),
    dict(name="php-demo-empty-200", port=9105, behaviour="php-cli-server-demo-exit",
         target="/callback.php", forge=True,
         expect=["non-json-body", "missing-content-length", "signature-invalid", "untrusted-key-url",
                 "forged-callback-accepted"],
         why="A PHP callback written the way OSS's official PHP demo rejects a bad signature "
             "[§5]: when openssl_verify fails it calls exit() before any output, so php -S "
             "answers 200 with an empty body. The request is forged (the forger's key and key "
             "URL). The packets show an empty 200, not an acceptance: forged-callback-accepted "
             "is a warning whose message says so; the delivery verdict is non-json-body (an "
             "empty body, OSS's message for it inferred [§8]) beside missing-content-length (php -S "
             "ends the body by closing [§4.4]). The fix stays: answer 4xx."),
    dict(name="lowercase-status-line", port=9106, behaviour="lowercase-status-403",
         expect=["bad-status", "genuine-callback-rejected"], tshark_sees_no_response=True,
         why="A raw-socket server answers 'http/1.1 403 Forbidden' (lower-case HTTP-version "
             "name) with a JSON body. The tolerant parser reads it as HTTP/1.1 403; OSS: "
             "'Error status : 403.' [§4.1]. The evidence must quote the wire bytes "
             "'http/1.1 403 Forbidden' and say that they break RFC 9112 §2.3 (the HTTP-version "
             "is case-sensitive). The callback is genuine and 403 is what a failed signature "
             "check answers: genuine-callback-rejected as well, quoting the same wire bytes."),
    dict(name="close-delimited-late-fin", port=9107, behaviour="close-delimited-fin-5_5s",
         timeout=10.0, expect=["slow-response", "missing-content-length"],
         why="'HTTP/1.0 200 OK', Content-Type application/json, no Content-Length, the body "
             "{\"Status\":\"OK\"} at once, and the FIN 5.5 s later. Without a length the body "
             "ends only when the connection closes (RFC 9112 §6.3 rule 8): the response is "
             "complete at the FIN, 5.5 s after the request, over OSS's 5 s [§4.5], although "
             "its last data byte came at once. slow-response with the FIN's time, and "
             "missing-content-length [§4.4]."),
]

TABLES = {"samples": SCENARIOS, "field": FIELD_SCENARIOS, "stacks": STACK_SCENARIOS,
          "hints": HINTS_SCENARIOS}
PORT_RANGES = {"samples": (PORT_MIN, PORT_MAX), "field": (FIELD_PORT_MIN, FIELD_PORT_MAX),
               "all": (PORT_MIN, FIELD_PORT_MAX), "stacks": (STACK_PORT_MIN, STACK_PORT_MAX),
               "hints": (HINTS_PORT_MIN, HINTS_PORT_MAX)}
CAPTURE_FILTERS = {"samples": CAPTURE_FILTER, "field": FIELD_CAPTURE_FILTER,
                   "stacks": STACK_CAPTURE_FILTER, "hints": HINTS_CAPTURE_FILTER,
                   "all": "tcp and portrange %d-%d and (host 127.0.0.1 or host ::1)" % (
                       PORT_MIN, FIELD_PORT_MAX)}

DEFAULTS = dict(family="ipv4", mode="callback", timeout=5.0, split=False, rewrite_path=None,
                linger_after=0.0, target=None, forge=False, tls=False, tls_max=None,
                unsigned=False, connection="close", cut_request_at=None, callback=None,
                exchange_expect=None, expect_snaplen200=None, extra_headers=(), stack=None,
                legs=None, accept_encoding=None, tshark_sees_no_response=False)


def scenarios(port_offset=0, table="samples"):
    """Every scenario of `table` ("samples": record.sh's, "field": record-field.sh's, "all":
    both) with its defaults filled in. `port_offset` moves every port (the sender and the server
    must use the same one): the live `watch` test runs on 19001+ so that it never meets a
    concurrent record.sh on 9001-9040."""
    out = []
    seen = set()
    names = ["samples", "field"] if table == "all" else [table]
    for name in names:
        low, high = PORT_RANGES[name]
        for s in TABLES[name]:
            d = dict(DEFAULTS)
            d.update(s)
            if d["target"] is None:
                d["target"] = "/oss/callback?scenario=" + d["name"]
            assert low <= d["port"] <= high, d
            assert d["port"] not in seen, d
            seen.add(d["port"])
            d["port"] += port_offset
            d["table"] = name
            if d["callback"] is None:
                d["is_callback"] = d["mode"] in ("callback", "keepalive-callbacks")
            else:
                d["is_callback"] = d["callback"]
            d["host"] = "::1" if d["family"] == "ipv6" else "127.0.0.1"
            out.append(d)
    return out


def by_name(table="all"):
    return {s["name"]: s for s in scenarios(table=table)}
