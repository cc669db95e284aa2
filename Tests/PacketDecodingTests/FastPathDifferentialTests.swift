import CaptureModel
import TestSupport
import Testing

@testable import PacketDecoding

/// `PacketDecoder.plainEthernetIPv4TCP` (the direct read of Ethernet / IPv4 / TCP) must give, for
/// every record it accepts, exactly what the layer-by-layer decode gives — on valid frames, every
/// cut of them, snaplen-shortened records, and frames with single bytes changed.
@Suite(.tags(.conformance)) struct FastPathDifferentialTests {
    static let a = Endpoint(address: PacketBuilder.ipv4("10.1.2.3"), port: 40_000)
    static let b = Endpoint(address: PacketBuilder.ipv4("10.9.8.7"), port: 9000)

    static func frames() -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for payloadLength in [0, 1, 6, 100, 1460] {
            let payload = (0..<payloadLength).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }
            for options in [[], [2, 4, 5, 0xb4], [1, 1, 1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]] as [[UInt8]] {
                let tcp = PacketBuilder.tcp(
                    sourcePort: a.port, destinationPort: b.port, sequenceNumber: 0xFFFF_FF00, acknowledgmentNumber: 77,
                    flags: [.psh, .ack], options: options, payload: payload)
                let ip = PacketBuilder.ipv4(source: a.address, destination: b.address, payload: tcp)
                frames.append(PacketBuilder.ethernet(etherType: 0x0800, payload: ip))
                // Ethernet minimum-size padding after a short packet.
                frames.append(PacketBuilder.ethernet(etherType: 0x0800, payload: ip) + [0, 0, 0, 0, 0, 0])
            }
        }
        return frames
    }

    static func same(_ x: TCPSegment, _ y: TCPSegment) -> Bool {
        x.source == y.source && x.destination == y.destination && x.sequenceNumber == y.sequenceNumber
            && x.acknowledgmentNumber == y.acknowledgmentNumber && x.flags == y.flags && x.window == y.window
            && x.payload.startIndex == y.payload.startIndex && x.payload.elementsEqual(y.payload)
            && x.missingPayloadLength == y.missingPayloadLength
    }

    /// Checks one record; returns whether the fast path took it.
    @discardableResult
    static func check(_ bytes: [UInt8], originalLength: Int) -> Bool {
        let packet = CapturedPacket(
            frameNumber: 1, timestamp: Timestamp(seconds: 1), bytes: bytes, originalLength: originalLength,
            linkLayer: .ethernet)
        guard let fast = PacketDecoder.plainEthernetIPv4TCP(packet) else { return false }
        do {
            var decoder = PacketDecoder()
            let layered = try decoder.layeredSegment(from: packet)
            #expect(same(fast, layered), "\(bytes.count) of \(originalLength) bytes")
        } catch {
            Issue.record("fast path accepted a record the layered decode rejects: \(error)")
        }
        return true
    }

    @Test func validFramesAndEveryCut() {
        var taken = 0
        for frame in Self.frames() {
            #expect(Self.check(frame, originalLength: frame.count))
            for cut in 0..<frame.count {
                // A snaplen cut (the wire had the whole frame) and a record that is simply short.
                if Self.check(Array(frame.prefix(cut)), originalLength: frame.count) { taken += 1 }
                Self.check(Array(frame.prefix(cut)), originalLength: cut)
            }
        }
        #expect(taken > 0)
    }

    @Test func everySingleByteChangeOfTheHeaders() {
        var rejected = 0
        for frame in Self.frames().prefix(12) {
            for index in 0..<min(frame.count, 14 + 20 + 40) {
                for value: UInt8 in [
                    0x00, 0x01, 0x05, 0x06, 0x08, 0x20, 0x3F, 0x40, 0x45, 0x46, 0x50, 0x80, 0xF0, 0xFF,
                ] {
                    var changed = frame
                    changed[index] = value
                    if !Self.check(changed, originalLength: changed.count) { rejected += 1 }
                }
            }
        }
        // Changes to the EtherType, version/IHL, fragment field, protocol and data offset must
        // send records to the layered decode.
        #expect(rejected > 0)
    }
}
