import CaptureModel
import Foundation
import TestSupport
import Testing

/// An HTTPS connection whose ClientHello carries a hostile SNI and ALPN (ESC, BEL, C1, bidi
/// override, script tags, Markdown): every human format shows them escaped, JSON keeps them.
@Suite(.tags(.endToEnd)) struct HostileTLSTests {
    static let sni = "evil\u{1B}]0;owned\u{07}<script>alert(1)</script>|`x`\u{9B}2J\u{202E}gnp.example"

    static let capture: String = {
        let client = Endpoint(address: PacketBuilder.ipv4("10.1.0.7"), port: 40_001)
        let server = Endpoint(address: PacketBuilder.ipv4("10.1.0.9"), port: 443)
        var w = ConversationWriter()
        w.add(client, server, seq: 100, ack: 0, [.syn])
        w.add(server, client, seq: 900, ack: 101, [.syn, .ack])
        w.add(client, server, seq: 101, ack: 901, [.ack])
        let hello = TLSRecordBuilder.record(
            22, TLSRecordBuilder.handshake(1, TLSRecordBuilder.clientHelloBody(sni: sni, alpn: ["h2\u{1B}[2J<b>"])),
            version: 0x0301)
        w.add(client, server, seq: 101, ack: 901, [.psh, .ack], hello)
        let alert = TLSRecordBuilder.alert(level: 2, code: 40)
        w.add(server, client, seq: 901, ack: 101 + UInt32(hello.count), [.psh, .ack], alert)
        w.add(server, client, seq: 901 + UInt32(alert.count), ack: 101 + UInt32(hello.count), [.rst, .ack])
        let path = (try! PcapWriter.makeTemporaryDirectory(prefix: "hostile-tls")) + "/hostile-tls.pcap"
        try! w.write(to: path)
        return path
    }()

    @Test func textShowsTheSNIEscaped() throws {
        let r = try CLIRunner.run(["analyze", "--color", "never", "-v", "--server", "10.1.0.9:443", Self.capture])
        #expect(r.status == 1)
        HostileReportTests.expectNoRawControls(r.stdout, allowSGR: false)
        #expect(r.stdout.contains("tls-handshake-failed"))
        #expect(r.stdout.contains("handshake_failure"))
        #expect(r.stdout.contains("evil\\x1b]0;owned\\x07<script>"))
    }

    @Test func htmlAndMarkdownEscapeTheSNI() throws {
        let html = try CLIRunner.run(["analyze", "--format", "html", "--server", "10.1.0.9:443", Self.capture])
        #expect(!html.stdout.contains("<script>alert(1)"))
        #expect(html.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        HostileReportTests.expectNoRawControls(html.stdout, allowSGR: false, allowTab: true)
        let md = try CLIRunner.run(["analyze", "--format", "markdown", "--server", "10.1.0.9:443", Self.capture])
        HostileReportTests.expectNoRawControls(md.stdout, allowSGR: false)
        #expect(!md.stdout.contains("<script>alert(1)"))
    }

    @Test func jsonKeepsTheSNIExactly() throws {
        let r = try CLIRunner.run(["analyze", "--format", "json", "--server", "10.1.0.9:443", Self.capture])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let exchange = try #require((root["exchanges"] as? [[String: Any]])?.first)
        let tls = try #require(exchange["tls"] as? [String: Any])
        #expect(tls["sni"] as? String == Self.sni)
        let handshake = try #require(tls["handshake"] as? [String: Any])
        #expect(handshake["result"] as? String == "failed")
    }
}
