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
            PacketBuilder.tcpFrame(source: from, destination: to, sequenceNumber: seq, acknowledgmentNumber: ack, flags: flags, payload: payload),
            timestamp: clock)
    }

    /// Lets `seconds` pass without traffic.
    mutating func wait(_ seconds: Double) { clock = clock.adding(seconds: seconds) }

    func write(to path: String) throws { try writer.write(to: path) }
}
