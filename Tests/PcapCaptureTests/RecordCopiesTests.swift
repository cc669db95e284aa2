import CaptureModel
import PcapCapture
import TestSupport
import Testing

/// The record copies are recycled (`RecordCopies`: a ring of buffers): a record a caller still
/// holds must keep its bytes however many records are read after it, and a record nobody holds
/// must not leak into the next one's bytes — whatever mix of sizes goes by (small frames, and
/// frames past the 2 KiB storage clamp).
@Suite struct RecordCopiesTests {
    /// `count` Ethernet frames of varied sizes, each payload filled with its own index.
    static func frames(count: Int) -> [[UInt8]] {
        let client = Endpoint(address: PacketBuilder.ipv4("192.0.2.1"), port: 40_000)
        let server = Endpoint(address: PacketBuilder.ipv4("198.51.100.7"), port: 80)
        return (0..<count).map { i in
            let size = [0, 1, 40, 1_448, 3_000, 9_000, 200][i % 7] + i % 13
            return PacketBuilder.tcpFrame(
                source: client, destination: server, sequenceNumber: UInt32(i),
                payload: [UInt8](repeating: UInt8(truncatingIfNeeded: i), count: size))
        }
    }

    /// Holds every `stride`-th packet for the whole read (longer than a slot takes to come
    /// round), drops the others at once, and checks every packet's bytes on arrival and the held
    /// ones again at the end.
    ///
    /// With the default ring and with the rings a reader asks for when it hands records to other
    /// threads (`recordsInFlight`: one slot, a few, more slots than records).
    @Test(arguments: [1, 2, 3, 31, 32, 33, 1_000], [CaptureFile.defaultRecordsInFlight, 1, 5, 4_096])
    func heldRecordsKeepTheirBytes(stride: Int, recordsInFlight: Int) throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/ring.pcap"
        let frames = Self.frames(count: 300)
        var writer = PcapWriter(linkLayer: .ethernet)
        for (i, frame) in frames.enumerated() {
            writer.append(frame, timestamp: Timestamp(seconds: 1_700_000_000 + Int64(i), nanoseconds: 0))
        }
        try writer.write(to: path)

        var file = try CaptureFile(path: path, recordsInFlight: recordsInFlight)
        var held: [(index: Int, packet: CapturedPacket)] = []
        var index = 0
        loop: while true {
            switch file.next() {
            case .packet(let packet):
                #expect(packet.bytes == frames[index], "record \(index) on arrival")
                if index % stride == 0 { held.append((index, packet)) }
                index += 1
            case .endOfFile: break loop
            case .damaged(let error):
                Issue.record("damaged: \(error)")
                break loop
            }
        }
        #expect(index == frames.count)
        for (i, packet) in held {
            #expect(packet.bytes == frames[i], "held record \(i) after \(frames.count - i) more records")
        }
    }
}
