import CaptureModel
import Foundation
import TestSupport

/// A capture crafted to attack every output format: two OSS callbacks (signed-callback headers,
/// `User-Agent: aliyun-oss-callback`, `x-oss-tag`) whose responses fail (a 500 with a hostile
/// reason phrase; a 200 whose body is hostile HTML, not JSON), carrying script tags and event
/// handlers, ANSI CSI and OSC sequences, BEL, backspace, CR, NUL, C1 controls, bidi overrides,
/// Markdown pipes, backticks and links — and secrets: an `authorization` signature, cookies,
/// URL credentials, and password/token fields in query strings, bodies and JSON.
///
/// Written with ``PcapWriter`` and ``PacketBuilder`` (through ``ConversationWriter``) as a real Ethernet pcap, and read back
/// through the real pipeline (libpcap included).
enum HostileCapture {
    /// Every secret value in the capture; none may appear in a redacted report.
    static let authorization = "hostileSIG" + String(repeating: "Q", count: 76) + "=="
    static let secrets = [
        authorization, "cookieSecretValue123", "setCookieSecret987", "hunter2secret", "tok-SECRET-42", "S3cretPassw0rd",
        "refererSecret", "LocationPass99", "locTokenSecret", "jsonTokenSecret", "TOPSECRETQUERY", "respPassSecret",
    ]

    /// The reason phrase of the first response, as the parser keeps it (ESC, BEL and all).
    static let reason =
        "<script>alert(\"reason\")</script>\u{1B}]8;;http://evil.example\u{07}click\u{1B}]8;;\u{07} | `rm -rf /` "
        + "[click](javascript:alert(1)) ![img](http://evil.example/x.png) <http://evil.example> www.evil.example "
        + "user@evil.example **bold** _em_ ~~del~~ &amp; \\| # h"

    /// The request target (no SP or C0 controls: the parser rejects those in a request line;
    /// a C1 CSI and a right-to-left override are UTF-8 and get through).
    static let target =
        "/oss/callback?scenario=<script>alert(1)</script>&token=TOPSECRETQUERY&x=a|b`id`&c1=\u{9B}31m&bidi=\u{202E}gnp.exe"

    static func request(body: [UInt8]) -> [UInt8] {
        var head = "POST \(target) HTTP/1.1\r\n"
        head += "Host: callback.example:9000\r\n"
        head += "Authorization: \(authorization)\r\n"
        head += "x-oss-pub-key-url: aHR0cHM6Ly9nb3NzcHVibGljLmFsaWNkbi5jb20vY2FsbGJhY2tfcHViX2tleV92MS5wZW0=\r\n"
        head += "User-Agent: aliyun-oss-callback\u{1B}[31m<img src=x onerror=alert(1)>\r\n"
        head += "x-oss-tag: CALLBACK\r\n"
        head += "Cookie: SESSIONID=cookieSecretValue123; theme=dark\r\n"
        head += "Referer: http://admin:S3cretPassw0rd@evil.example/x?secret=refererSecret\r\n"
        head += "X-Evil: \u{1B}]0;owned\u{07}|`rm -rf /`|<svg onload=alert(2)>\u{08}\u{08}\rDONE\u{00}\u{9B}2J\r\n"
        head +=
            "X-Md: [click](javascript:alert(1)) ![img](http://evil.example/x.png) <http://evil.example> www.evil.example user@evil.example **bold** # h\r\n"
        head += "Content-Type: application/x-www-form-urlencoded\r\n"
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    static let requestBody = Array(
        "bucket=b&object=%3Cscript%3E&password=hunter2secret&x%3Atoken=tok-SECRET-42&note=<script>alert(3)</script>|`x`\u{1B}[2J\u{07}"
            .utf8)

    static func firstResponse() -> [UInt8] {
        let body = Array(
            "<html><body onload=alert(5)><script>alert(6)</script>{\"token\":\"jsonTokenSecret\",\"ok\":1}|`tick`\u{1B}[31mRED\u{9B}31m</body></html>"
                .utf8)
        var head = "HTTP/1.1 500 \(reason)\r\n"
        head += "Content-Type: text/html\r\n"
        head += "Set-Cookie: sid=setCookieSecret987; Path=/; HttpOnly\r\n"
        head += "Location: http://user:LocationPass99@evil.example/cb?token=locTokenSecret\r\n"
        head += "X-Injected: <img src=x onerror=alert(4)>\u{1B}[6n\r\n"
        head += "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    static func secondResponse() -> [UInt8] {
        let body = Array("password=respPassSecret <b onmouseover=alert(7)>OK</b>\u{1B}[1m|x|\r\u{08}".utf8)
        return Array("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body
    }

    /// Writes the capture into `directory` and returns its path.
    static func write(into directory: String) throws -> String {
        var conversation = ConversationWriter(start: Timestamp(seconds: 1_764_000_000, nanoseconds: 100_000_000))
        let server = Endpoint(address: PacketBuilder.ipv4("10.0.0.2"), port: 9000)
        let exchanges: [(clientPort: UInt16, request: [UInt8], response: [UInt8])] = [
            (40001, request(body: requestBody), firstResponse()),
            (40002, request(body: requestBody), secondResponse()),
        ]
        for (clientPort, request, response) in exchanges {
            let client = Endpoint(address: PacketBuilder.ipv4("10.0.0.1"), port: clientPort)
            let c0: UInt32 = 1000, s0: UInt32 = 5000
            let cEnd = c0 + 1 + UInt32(request.count), sEnd = s0 + 1 + UInt32(response.count)
            conversation.add(client, server, seq: c0, ack: 0, [.syn])
            conversation.add(server, client, seq: s0, ack: c0 + 1, [.syn, .ack])
            conversation.add(client, server, seq: c0 + 1, ack: s0 + 1, [.ack])
            conversation.add(client, server, seq: c0 + 1, ack: s0 + 1, [.psh, .ack], request)
            conversation.add(server, client, seq: s0 + 1, ack: cEnd, [.ack])
            conversation.add(server, client, seq: s0 + 1, ack: cEnd, [.psh, .ack], response)
            conversation.add(client, server, seq: cEnd, ack: sEnd, [.ack])
            conversation.add(server, client, seq: sEnd, ack: cEnd, [.fin, .ack])
            conversation.add(client, server, seq: cEnd, ack: sEnd + 1, [.fin, .ack])
            conversation.add(server, client, seq: sEnd + 1, ack: cEnd + 1, [.ack])
            conversation.wait(0.5)
        }
        let path = (directory as NSString).appendingPathComponent("hostile.pcap")
        try conversation.write(to: path)
        return path
    }
}
