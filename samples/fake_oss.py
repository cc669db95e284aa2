"""A fake OSS endpoint and the uploads sent to it, for the client-side samples (issue #7).

The uploader's view of a callback: the client PUTs / POSTs an object to OSS with a callback
parameter (x-oss-callback header, ?callback= query parameter, or a PostObject form field), and
OSS answers 200, 400 InvalidArgument (bad callback parameter, facts §7.3) or 203 CallbackFailed
(the object is stored, the callback failed, facts §4.6/§4.7). This module holds both sides:

  upload_requests(name)  the requests oss_sender.py sends for an "upload" scenario;
  handle_upload(conn)    what callback_server.py does on an "upload" port: it checks the callback
                         parameter the way OSS documents (its own Python implementation, written
                         separately from callback-doctor's) and answers with OSS's XML.

The fake never makes the callback itself; for a valid parameter it answers the 203 that the
scenario names (what OSS says when the callback server misbehaves). Loopback only, stdlib only.
"""
import base64
import binascii
import ipaddress
import json
import re
import time
import urllib.parse
from email.utils import formatdate

HOST = "bucket.oss-cn-hangzhou.aliyuncs.com"
REQUEST_ID = "6565F0C1A0B2C3D4E5F60718"


def b64(obj):
    return base64.b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


GOOD_CALLBACK = {
    "callbackUrl": "http://callback.example.com:9000/oss/notify",
    "callbackHost": "callback.example.com",
    "callbackBody": "bucket=${bucket}&object=${object}&size=${size}&uid=${x:uid}",
    "callbackBodyType": "application/x-www-form-urlencoded",
}


def put(target, headers, body=b"hello, oss\n"):
    hs = [("Host", HOST), ("Date", formatdate(usegmt=True)),
          ("Authorization", "OSS LTAI5tSampleAccessKey:c2lnbmF0dXJlLW9mLXRoZS11cGxvYWQ="),
          ("Content-Type", "text/plain")] + headers + [("Content-Length", str(len(body)))]
    return "PUT", target, hs, body


def upload_requests(name):
    """(method, target, headers, body) for each request of an upload scenario, in order."""
    if name == "upload-callback-failed":
        return [put("/photos/cat.txt", [("x-oss-callback", b64(GOOD_CALLBACK)),
                                        ("x-oss-callback-var", b64({"x:uid": "1042"}))])]
    if name == "upload-invalid-callback":
        six = dict(GOOD_CALLBACK, callbackUrl=";".join(
            "http://cb%d.example.com/notify" % i for i in range(1, 7)))
        sni = dict(GOOD_CALLBACK, callbackSNI="true")
        urlsafe = base64.urlsafe_b64encode(json.dumps(
            dict(GOOD_CALLBACK, callbackBody="a=${object}&z=????>>>")).encode()).decode().rstrip("=")
        return [put("/a.txt", [("x-oss-callback", urlsafe)]),
                put("/b.txt", [("x-oss-callback", b64(six))]),
                put("/c.txt", [("x-oss-callback", b64(sni))])]
    if name == "upload-private-address":
        private = dict(GOOD_CALLBACK, callbackUrl="http://192.168.10.20:8080/oss/notify")
        q = urllib.parse.quote(b64(private), safe="")
        body = (b'<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>'
                b'<ETag>"3858F62230AC3C915F300C664312C11F"</ETag></Part></CompleteMultipartUpload>')
        method, _, hs, _ = put("", [])
        hs = [h if h[0] != "Content-Type" else ("Content-Type", "application/xml") for h in hs]
        hs = [h for h in hs if h[0] != "Content-Length"] + [("Content-Length", str(len(body)))]
        return [("POST", "/big.bin?uploadId=0004B9894A22E5B1888A1E29F823&callback=" + q, hs, body)]
    if name == "upload-postobject":
        boundary = "----callbackdoctor9d2f"
        cb = dict(GOOD_CALLBACK, callbackBody="object=${object}&uid=${x:uid}&token=${x:token}")
        fields = [("key", "forms/${filename}"), ("OSSAccessKeyId", "LTAI5tSampleAccessKey"),
                  ("policy", base64.b64encode(b'{"expiration":"2030-01-01T00:00:00Z","conditions":[]}').decode()),
                  ("Signature", "c2lnbmF0dXJlLW9mLXRoZS1wb2xpY3k="), ("callback", b64(cb)),
                  ("x:uid", "1042"), ("x:token", "tok-5ecret-42")]
        body = b""
        for k, v in fields:
            body += b"--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n" % (
                boundary.encode(), k.encode(), v.encode())
        body += (b"--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"note.txt\"\r\n"
                 b"Content-Type: text/plain\r\n\r\nhello from a browser form\r\n--%s--\r\n") % (
                     boundary.encode(), boundary.encode())
        hs = [("Host", HOST), ("User-Agent", "Mozilla/5.0 (callback-doctor samples)"),
              ("Content-Type", "multipart/form-data; boundary=" + boundary),
              ("Content-Length", str(len(body)))]
        return [("POST", "/", hs, body)]
    raise ValueError(name)


# What the fake answers for a valid callback parameter, per scenario (by port's behaviour).
CALLBACK_FAILED = {
    "upload-callback-failed": ("Response body is not valid json format.", "0007-00000205"),
    "upload-postobject": ("Error status : -1.OSS can not connect to your callbackUrl, please check it.", None),
}


def xml_error(code, message, ec=None, argument=None):
    parts = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "<Error>", "  <Code>%s</Code>" % code,
             "  <Message>%s</Message>" % message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"),
             "  <RequestId>%s</RequestId>" % REQUEST_ID, "  <HostId>%s</HostId>" % HOST]
    if argument:
        parts += ["  <ArgumentName>%s</ArgumentName>" % argument[0], "  <ArgumentValue>%s</ArgumentValue>" % argument[1][:64]]
    if ec:
        parts += ["  <EC>%s</EC>" % ec, "  <RecommendDoc>https://api.aliyun.com/troubleshoot?q=%s</RecommendDoc>" % ec]
    return ("\n".join(parts + ["</Error>"]) + "\n").encode()


def check_callback(text):
    """OSS's InvalidArgument (message, EC) for a Base64 callback text, or None when valid."""
    if len(text) > 5 * 1024:
        return "The length of callback exceed max value.", None
    if not re.fullmatch(r"[A-Za-z0-9+/]*={0,2}", text) or len(text) % 4:
        return "The callback configuration is not base64 encoded.", "0007-00000002"
    try:
        cfg = json.loads(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError):
        return "The callback configuration is not json format.", None
    if not isinstance(cfg, dict):
        return "The callback configuration is not json format.", None
    urls = cfg.get("callbackUrl")
    if not isinstance(urls, str) or not urls:
        return "The callback url configuration is invalid.", "0007-00000004"
    entries = urls.split(";")
    if len(entries) > 5:
        return "The number of callback url exceed max value.", "0007-00000005"
    for entry in entries:
        u = urllib.parse.urlsplit(entry if "://" in entry else "http://" + entry)
        if u.scheme not in ("http", "https") or not u.hostname:
            return "The callback url configuration is invalid.", "0007-00000004"
        try:
            if ipaddress.ip_address(u.hostname).is_private:
                return "Private address is forbidden to callback.", "0007-00000008"
        except ValueError:
            pass
    if not cfg.get("callbackBody"):
        return "The callback body is empty.", "0007-00000011"
    if "callbackSNI" in cfg and not isinstance(cfg["callbackSNI"], bool):
        return "The callback sni is invalid.", None
    return None


def read_request(conn, buf):
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        buf += chunk
    head, _, rest = buf.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None, buf
        rest += chunk
    return (head, rest[:length]), rest[length:]


def callback_parameter(head, body):
    lines = head.decode("latin-1").split("\r\n")
    target = lines[0].split(" ")[1]
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    if "x-oss-callback" in headers:
        return headers["x-oss-callback"]
    query = urllib.parse.urlsplit(target).query
    for k, v in urllib.parse.parse_qsl(query, keep_blank_values=True):
        if k == "callback":
            return v
    m = re.search(rb'name="callback"\r\n\r\n([^\r]*)\r\n', body)
    return m.group(1).decode("latin-1") if m else None


def handle_upload(conn, behaviour, log):
    """Serves uploads on one keep-alive connection until the client closes."""
    buf = b""
    while True:
        req, buf = read_request(conn, buf)
        if req is None:
            return
        head, body = req
        log("%s: %s" % (behaviour, head.split(b"\r\n", 1)[0].decode("latin-1")))
        text = callback_parameter(head, body)
        problem = check_callback(text) if text is not None else None
        if problem:
            status, reason = 400, "Bad Request"
            payload = xml_error("InvalidArgument", problem[0], problem[1], ("callback", text))
        elif text is not None and behaviour in CALLBACK_FAILED:
            status, reason = 203, "Non-Authoritative Information"
            message, ec = CALLBACK_FAILED[behaviour]
            payload = xml_error("CallbackFailed", message, ec)
        else:
            status, reason, payload = 200, "OK", b""
        hs = [("Server", "AliyunOSS"), ("Date", formatdate(usegmt=True)),
              ("Content-Type", "application/xml"), ("Content-Length", str(len(payload))),
              ("Connection", "keep-alive"), ("x-oss-request-id", REQUEST_ID)]
        if status == 203:
            hs.append(("ETag", "\"5B3C1A2B7D9E4F60718293A4B5C6D7E8\""))
        out = b"HTTP/1.1 %d %s\r\n" % (status, reason.encode())
        out += b"".join(b"%s: %s\r\n" % (k.encode(), v.encode()) for k, v in hs)
        conn.sendall(out + b"\r\n" + payload)
        time.sleep(0.001)
