import CaptureModel
import Foundation
import TestSupport
import Testing

/// A callback whose response lost a segment at the capture point: the verdict is withheld
/// (`incomplete`, info), every human format says so, and the exit status stays 0.
@Suite(.serialized, .tags(.endToEnd)) struct IncompleteCaptureTests {
    static let capture: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cd-incomplete-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var conversation = ConversationWriter()
        let client = Endpoint(address: PacketBuilder.ipv4("192.0.2.10"), port: 41000)
        let server = Endpoint(address: PacketBuilder.ipv4("192.0.2.20"), port: 9000)
        let body = Array("bucket=b&object=o.jpg".utf8)
        let request =
            Array(
                "POST /cb HTTP/1.1\r\nHost: h\r\nUser-Agent: aliyun-oss-callback\r\nx-oss-tag: CALLBACK\r\nContent-Length: \(body.count)\r\n\r\n"
                    .utf8)
            + body
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n".utf8)
        let json = Array("{\"Status\":\"OK\"}".utf8)
        let c0: UInt32 = 100, s0: UInt32 = 700
        let cEnd = c0 + 1 + UInt32(request.count), sEnd = s0 + 1 + UInt32(head.count + json.count)
        conversation.add(client, server, seq: c0, ack: 0, [.syn])
        conversation.add(server, client, seq: s0, ack: c0 + 1, [.syn, .ack])
        conversation.add(client, server, seq: c0 + 1, ack: s0 + 1, [.ack])
        conversation.add(client, server, seq: c0 + 1, ack: s0 + 1, [.psh, .ack], request)
        // The segment carrying the response head is lost at the capture point; only the body is seen.
        conversation.add(server, client, seq: s0 + 1 + UInt32(head.count), ack: cEnd, [.psh, .ack], json)
        conversation.add(client, server, seq: cEnd, ack: sEnd, [.ack])
        conversation.add(server, client, seq: sEnd, ack: cEnd, [.fin, .ack])
        conversation.add(client, server, seq: cEnd, ack: sEnd + 1, [.fin, .ack])
        conversation.add(server, client, seq: sEnd + 1, ack: cEnd + 1, [.ack])
        let path = dir.appendingPathComponent("lost-segment.pcap").path
        try! conversation.write(to: path)
        return path
    }()

    @Test(arguments: ["text", "markdown", "html", "json", "jsonl"])
    func verdictIsWithheldAndTheExitStatusIsZero(format: String) throws {
        let r = try CLIRunner.run(["analyze", "--format", format, "--fail-on", "warning", Self.capture])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("incomplete"))
        switch format {
        case "text": #expect(r.stdout.contains("Not judged, bytes missing from the capture (1 callback):"))
        case "markdown": #expect(r.stdout.contains("## Not judged (bytes missing from the capture)"))
        case "html": #expect(r.stdout.contains("<span class=\"badge unknown\">NOT JUDGED</span>"))
        default: #expect(r.stdout.contains("\"result\":\"unknown\"") || r.stdout.contains("\"result\": \"unknown\""))
        }
    }
}
