import CaptureModel
import Foundation
import TestSupport
import Testing

/// Issue #16 items 2-6 end to end: captures written with ``PcapWriter`` (real Ethernet/IPv4/TCP
/// records, one of them cut by a snaplen) analysed by the `callback-doctor` binary.
@Suite(.serialized, .tags(.endToEnd)) struct VerdictClaimCaptureTests {
    static let client = Endpoint(address: PacketBuilder.ipv4("192.0.2.10"), port: 41000)
    static let server = Endpoint(address: PacketBuilder.ipv4("192.0.2.20"), port: 9000)
    static let t0 = Timestamp(seconds: 1_764_000_000)

    /// An unsigned callback (OSS's User-Agent and x-oss-tag, no authorization).
    static let unsigned = Array(
        "POST /cb HTTP/1.1\r\nHost: h\r\nUser-Agent: aliyun-oss-callback\r\nx-oss-tag: CALLBACK\r\nContent-Length: 8\r\n\r\nbucket=b"
            .utf8)
    static let ok = Array(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"Status\":\"OK\"}".utf8)

    /// Records at explicit times (seconds after `t0`), each `(from client?, flags, payload, captured bytes of the frame)`.
    static func capture(_ name: String, _ records: [(Double, Bool, TCPFlags, [UInt8], Int?)]) throws -> String {
        var writer = PcapWriter(linkLayer: .ethernet)
        var c: UInt32 = 1, s: UInt32 = 1
        writer.append(
            PacketBuilder.tcpFrame(
                source: client, destination: server, sequenceNumber: 0, acknowledgmentNumber: 0, flags: [.syn]),
            timestamp: t0)
        writer.append(
            PacketBuilder.tcpFrame(
                source: server, destination: client, sequenceNumber: 0, acknowledgmentNumber: 1, flags: [.syn, .ack]),
            timestamp: t0.adding(seconds: 0.0001))
        for (at, fromClient, flags, payload, captured) in records {
            let frame =
                fromClient
                ? PacketBuilder.tcpFrame(
                    source: client, destination: server, sequenceNumber: c, acknowledgmentNumber: s, flags: flags,
                    payload: payload)
                : PacketBuilder.tcpFrame(
                    source: server, destination: client, sequenceNumber: s, acknowledgmentNumber: c, flags: flags,
                    payload: payload)
            writer.append(frame, timestamp: t0.adding(seconds: at), capturedLength: captured)
            let advance = UInt32(payload.count) + (flags.contains(.fin) ? 1 : 0)
            if fromClient { c &+= advance } else { s &+= advance }
        }
        let dir = try CLIRunner.temporaryDirectory()
        let path = dir.appendingPathComponent(name).path
        try writer.write(to: path)
        return path
    }

    @Test func anUnsignedCallbackAcceptedFailsTheRunAndOSSWouldHaveSaidIt() throws {
        let path = try Self.capture(
            "unsigned.pcap",
            [
                (0.001, true, [.psh, .ack], Self.unsigned, nil), (0.002, false, [.psh, .ack], Self.ok, nil),
                (0.003, true, [.fin, .ack], [], nil), (0.004, false, [.fin, .ack], [], nil),
            ])
        let r = try CLIRunner.run(["analyze", path])
        #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("✗ unsigned-callback-accepted"))
        #expect(r.stdout.contains("signature: missing: no authorization header in the captured head"))
        #expect(r.stdout.contains("OSS would have told the uploader (had OSS sent this request): 200"))
        #expect(!r.stdout.contains("OSS told the uploader"))
    }

    @Test func theServerThatClosedFirstIsNamed() throws {
        // The server's FIN 1.2 ms after the request (frame 4), OSS's FIN 11.5 ms after it.
        let path = try Self.capture(
            "server-closed.pcap",
            [
                (0.001, true, [.psh, .ack], Self.unsigned, nil), (0.0022, false, [.fin, .ack], [], nil),
                (0.0125, true, [.fin, .ack], [], nil),
            ])
        let r = try CLIRunner.run(["analyze", path])
        #expect(r.status == 1)
        #expect(
            r.stdout.contains(
                "✗ no-response: The server closed the connection (FIN) 1.2 ms after the request without sending a response."
            ))
        #expect(r.stdout.contains("serverFinFrame: 4"))
        #expect(r.stdout.contains("Then the client (OSS) closed its side 11.5 ms after the request."))
        #expect(
            r.stdout.contains("OSS told the uploader: 203 CallbackFailed: Error status : 502.") == false,
            "an unsigned request: 'would have'")
        #expect(r.stdout.contains("203 CallbackFailed: Error status : 502."))
    }

    @Test func aKeptAliveRequestAfterTheServersFINSaysTheServerHadClosed() throws {
        let path = try Self.capture(
            "keep-alive-after-fin.pcap",
            [
                (0.001, true, [.psh, .ack], Self.unsigned, nil), (0.002, false, [.psh, .ack], Self.ok, nil),
                (0.500, false, [.fin, .ack], [], nil), (0.600, true, [.psh, .ack], Self.unsigned, nil),
                (0.6003, false, [.rst], [], nil),
            ])
        let r = try CLIRunner.run(["analyze", "--format", "json", path])
        #expect(
            r.stdout.contains(
                "The server had already closed the connection (FIN, frame 5, 100.0 ms before this request began)"),
            "\(r.stdout)")
        #expect(r.stdout.contains("the server answered it with RST (frame 7)"))
    }

    @Test func aClientThatClosedMidHeaderShowsWhatWasCaptured() throws {
        let partial = Array("POST /cb?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: aliyun-oss-callback\r\nx-oss-ta".utf8)
        let path = try Self.capture(
            "mid-header.pcap",
            [
                (0.5, true, [.psh, .ack], partial, nil), (0.6, true, [.fin, .ack], [], nil),
                (0.7, false, [.psh, .ack], Array("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".utf8), nil),
                (0.8, false, [.fin, .ack], [], nil),
            ])
        // The client sent the request only in part and closed: not a callback, nothing missing
        // from the capture; `-v` lists what was captured, timed from the request's first byte.
        let r = try CLIRunner.run(["analyze", "-v", path])
        #expect(!r.stdout.contains("request not captured"), "\(r.stdout)")
        #expect(
            r.stdout.contains("#1  16:00:00.500  192.0.2.10:41000 → 192.0.2.20:9000  POST /cb?x=1  400"),
            "the captured request line, timed from its first byte (0.500), not the response's (0.700)")
        #expect(!r.stdout.contains("incomplete"), "nothing is missing from the capture")
        #expect(!r.stdout.contains("bad-status"), "a 400 to a request never sent whole is not judged")
        #expect(r.stdout.contains("Callbacks: 0 seen"))
        #expect(r.status == 0)
    }

    @Test func aBodyCutBySnaplenKeepsItsTime() throws {
        // The head at 3 ms, the body's record 5.8 s after the request, cut to its headers (54 bytes).
        let head = Array("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n".utf8)
        let path = try Self.capture(
            "snaplen-slow.pcap",
            [
                (0.001, true, [.psh, .ack], Self.unsigned, nil), (0.004, false, [.psh, .ack], head, nil),
                (5.801, false, [.psh, .ack], Array("{\"Status\":\"OK\"}".utf8), 54),
                (5.802, true, [.fin, .ack], [], nil), (5.803, false, [.fin, .ack], [], nil),
            ])
        let r = try CLIRunner.run(["analyze", "--format", "json", path])
        let rules = ["slow-response", "incomplete"].map {
            r.stdout.contains("\"rule\": \"\($0)\"") || r.stdout.contains("\"rule\":\"\($0)\"")
        }
        #expect(rules == [true, true], "\(r.stdout)")
        #expect(
            r.stdout.contains("\"latencySeconds\": 5.8,") || r.stdout.contains("\"latencySeconds\": 5.800000"),
            "\(r.stdout.prefix(4000))")
        #expect(r.status == 1)
    }
}
