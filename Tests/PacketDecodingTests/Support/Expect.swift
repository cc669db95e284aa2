import CaptureModel
import PacketDecoding
import TestSupport

/// Decodes one record with a fresh decoder.
func decode(_ packet: CapturedPacket) -> DecodedPacket {
    var decoder = PacketDecoder()
    return decoder.decode(packet)
}

/// Decodes `bytes` as a complete record of `link`.
func decode(_ bytes: [UInt8], link: LinkLayer, originalLength: Int? = nil) -> DecodedPacket {
    decode(
        CapturedPacket(
            frameNumber: 1, timestamp: Timestamp(seconds: 0), bytes: bytes,
            originalLength: originalLength ?? bytes.count,
            linkLayer: link))
}

/// The fields of a segment that tests compare, as one equatable value.
struct SegmentFields: Equatable, CustomStringConvertible {
    var source: Endpoint
    var destination: Endpoint
    var sequenceNumber: UInt32
    var acknowledgmentNumber: UInt32
    var flags: TCPFlags
    var window: UInt16
    var payload: [UInt8]
    var missingPayloadLength: Int

    init(
        _ source: Endpoint, _ destination: Endpoint, seq: UInt32, ack: UInt32 = 0, flags: TCPFlags, window: UInt16,
        payload: [UInt8] = [], missing: Int = 0
    ) {
        self.source = source
        self.destination = destination
        self.sequenceNumber = seq
        self.acknowledgmentNumber = ack
        self.flags = flags
        self.window = window
        self.payload = payload
        self.missingPayloadLength = missing
    }

    init(_ segment: TCPSegment) {
        self.init(
            segment.source, segment.destination, seq: segment.sequenceNumber, ack: segment.acknowledgmentNumber,
            flags: segment.flags, window: segment.window, payload: Array(segment.payload),
            missing: segment.missingPayloadLength)
    }

    var description: String {
        "\(source) > \(destination) [\(flags)] seq \(sequenceNumber) ack \(acknowledgmentNumber) win \(window) "
            + "len \(payload.count)+\(missingPayloadLength)"
    }
}

/// An endpoint from address text and port.
func endpoint(_ address: String, _ port: UInt16) -> Endpoint {
    Endpoint(address: address.contains(":") ? PacketBuilder.ipv6(address) : PacketBuilder.ipv4(address), port: port)
}

/// Checks what must hold for any decode of any input: a `.tcp` payload lies inside the record's
/// bytes and its missing length is within what the wire had beyond the capture — or, for a
/// datagram reassembled from IPv4 fragments, the payload fits in one IPv4 datagram and nothing
/// is missing from it.
func invariantsHold(_ result: DecodedPacket, for packet: CapturedPacket) -> Bool {
    guard case .tcp(let segment) = result else { return true }
    let wireExtra = max(0, packet.originalLength - packet.bytes.count)
    let inRecord =
        segment.payload.startIndex >= 0 && segment.payload.endIndex <= packet.bytes.count
        && segment.missingPayloadLength >= 0 && segment.missingPayloadLength <= wireExtra
    let reassembled =
        segment.payload.startIndex >= 0 && segment.payload.endIndex <= 65_535
        && segment.missingPayloadLength == 0
    return inRecord || reassembled
}
