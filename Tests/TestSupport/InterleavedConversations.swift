public import CaptureModel

/// Several TCP conversations written into one pcap, their packets interleaved in time order —
/// for captures where what one connection means depends on another (HTTPS judged because
/// plaintext callbacks went to the same server) and for splitting a capture across threads.
///
/// Each conversation is a list of steps (seconds after its start, direction, flags, payload);
/// sequence and acknowledgment numbers follow from the payloads, SYN and FIN.
public struct InterleavedConversations {
    public struct Step: Sendable {
        public var seconds: Double
        public var fromClient: Bool
        public var flags: TCPFlags
        public var payload: [UInt8]
        public init(_ seconds: Double, fromClient: Bool, _ flags: TCPFlags, _ payload: [UInt8] = []) {
            self.seconds = seconds
            self.fromClient = fromClient
            self.flags = flags
            self.payload = payload
        }
    }

    private struct Packet {
        var time: Timestamp
        var order: Int
        var frame: [UInt8]
    }

    public let start: Timestamp
    private var packets: [Packet] = []

    public init(start: Timestamp = Timestamp(seconds: 1_795_627_201)) { self.start = start }

    /// Adds one conversation between `client` and `server` that begins `offset` seconds after
    /// ``start``.
    public mutating func add(client: Endpoint, server: Endpoint, at offset: Double, _ steps: [Step]) {
        var next: [Bool: UInt32] = [true: 1000, false: 5000]
        for step in steps {
            let seq = next[step.fromClient]!, ack = next[!step.fromClient]!
            let isFirstSyn = step.flags.contains(.syn) && step.fromClient
            let frame = PacketBuilder.tcpFrame(
                source: step.fromClient ? client : server, destination: step.fromClient ? server : client,
                sequenceNumber: seq,
                acknowledgmentNumber: isFirstSyn ? 0 : ack, flags: step.flags, payload: step.payload)
            packets.append(
                Packet(time: start.adding(seconds: offset + step.seconds), order: packets.count, frame: frame))
            next[step.fromClient] =
                seq &+ UInt32(step.payload.count) &+ (step.flags.contains(.syn) || step.flags.contains(.fin) ? 1 : 0)
        }
    }

    /// The pcap (Ethernet), packets in time order (ties in the order they were added).
    public func write(to path: String) throws {
        var writer = PcapWriter(linkLayer: .ethernet)
        for packet in packets.sorted(by: { ($0.time, $0.order) < ($1.time, $1.order) }) {
            writer.append(packet.frame, timestamp: packet.time)
        }
        try writer.write(to: path)
    }

    // MARK: - Conversations

    private static let open = [
        Step(0, fromClient: true, [.syn]), Step(0.0001, fromClient: false, [.syn, .ack]),
        Step(0.0002, fromClient: true, [.ack]),
    ]

    /// An HTTPS connection (TLS 1.3, no SNI): handshake, one encrypted request, and the last
    /// record of the response `latency` seconds after the request's last record; then FINs. As a
    /// callback it passes under OSS's 5 s and is `slow-response` over it.
    public static func https(latency: Double) -> [Step] {
        open + [
            Step(0.001, fromClient: true, [.psh, .ack], TLSRecordBuilder.clientHelloRecord(sni: nil)),
            Step(
                0.002, fromClient: false, [.psh, .ack],
                TLSRecordBuilder.serverHelloRecord() + TLSRecordBuilder.changeCipherSpec
                    + TLSRecordBuilder.applicationData(1800)),
            Step(
                0.003, fromClient: true, [.psh, .ack],
                TLSRecordBuilder.changeCipherSpec + TLSRecordBuilder.applicationData(53)),
            Step(0.004, fromClient: true, [.psh, .ack], TLSRecordBuilder.applicationData(850)),
            Step(
                0.0045, fromClient: false, [.psh, .ack],
                TLSRecordBuilder.applicationData(250) + TLSRecordBuilder.applicationData(250)),
            Step(0.004 + latency, fromClient: false, [.psh, .ack], TLSRecordBuilder.applicationData(230)),
            Step(0.005 + latency, fromClient: false, [.fin, .ack]),
            Step(0.006 + latency, fromClient: true, [.fin, .ack]),
        ]
    }

    /// A plaintext OSS callback (`User-Agent: aliyun-oss-callback`, unsigned) answered
    /// `status` with a JSON body after 1 ms; then FINs.
    public static func plaintextCallback(status: Int = 200) -> [Step] {
        let body = #"{"bucket":"b","object":"o"}"#
        let request =
            "POST /oss/callback HTTP/1.1\r\nHost: cb.example\r\nUser-Agent: aliyun-oss-callback\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let answer = #"{"Status":"OK"}"#
        let response =
            "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Error")\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)"
        return open + [
            Step(0.001, fromClient: true, [.psh, .ack], Array(request.utf8)),
            Step(0.002, fromClient: false, [.psh, .ack], Array(response.utf8)),
            Step(0.003, fromClient: true, [.fin, .ack]), Step(0.004, fromClient: false, [.fin, .ack]),
        ]
    }

    /// A plain `GET /` answered 200 — an exchange that is no callback.
    public static func plainGET() -> [Step] {
        let request = "GET / HTTP/1.1\r\nHost: www.example\r\n\r\n"
        let response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        return open + [
            Step(0.001, fromClient: true, [.psh, .ack], Array(request.utf8)),
            Step(0.002, fromClient: false, [.psh, .ack], Array(response.utf8)),
            Step(0.003, fromClient: true, [.fin, .ack]), Step(0.004, fromClient: false, [.fin, .ack]),
        ]
    }
}
