import CaptureModel
import TestSupport

/// Writes TCP segments between two endpoints into a pcap, each a little after the previous one —
/// the shared plumbing of the synthesised captures in these tests.
struct ConversationWriter {
    var writer = PcapWriter(linkLayer: .ethernet)
    var clock: Timestamp
    /// Time between consecutive segments.
    var step: Double

    init(start: Timestamp = Timestamp(seconds: 1_764_000_000), step: Double = 0.001) {
        self.clock = start
        self.step = step
    }

    /// Appends one Ethernet/IPv4/TCP frame `step` seconds after the previous one.
    mutating func add(
        _ from: Endpoint, _ to: Endpoint, seq: UInt32, ack: UInt32, _ flags: TCPFlags, _ payload: [UInt8] = []
    ) {
        clock = clock.adding(seconds: step)
        writer.append(
            PacketBuilder.tcpFrame(
                source: from, destination: to, sequenceNumber: seq, acknowledgmentNumber: ack, flags: flags,
                payload: payload),
            timestamp: clock)
    }

    /// Appends a whole keep-alive connection from `client` to `server`: the handshake, each
    /// request followed by its response (one segment each, sequence numbers advancing), then a
    /// FIN from both sides. Initial sequence numbers are 0, so the first byte has sequence 1.
    mutating func addKeepAliveConnection(
        _ client: Endpoint, _ server: Endpoint, exchanges: some Sequence<(request: [UInt8], response: [UInt8])>
    ) {
        var c: UInt32 = 1, s: UInt32 = 1
        add(client, server, seq: c - 1, ack: 0, [.syn])
        add(server, client, seq: s - 1, ack: c, [.syn, .ack])
        for (request, response) in exchanges {
            add(client, server, seq: c, ack: s, [.psh, .ack], request)
            c &+= UInt32(request.count)
            add(server, client, seq: s, ack: c, [.psh, .ack], response)
            s &+= UInt32(response.count)
        }
        add(client, server, seq: c, ack: s, [.fin, .ack])
        add(server, client, seq: s, ack: c + 1, [.fin, .ack])
    }

    /// Lets `seconds` pass without traffic.
    mutating func wait(_ seconds: Double) { clock = clock.adding(seconds: seconds) }

    func write(to path: String) throws { try writer.write(to: path) }
}
