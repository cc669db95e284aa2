// libFuzzer target (a): PacketDecoder.decode over arbitrary bytes × every link layer.
//
// Input layout: byte 0 picks the link layer (mod 10, the last one `unsupported`), bytes 1–2
// (little endian) are how many bytes the snaplen "cut" (originalLength = caplen + that), the
// rest is the record. Checks, beyond "no trap / no ASan report":
// - a decoded segment's payload is a slice inside the record, and its missing-payload count is
//   within what the snaplen cut;
// - decoding is deterministic (the same record twice gives the same answer).
import CaptureModel
import PacketDecoding

private let layers: [LinkLayer] = [
    .ethernet, .linuxCooked, .linuxCooked2, .rawIP, .ipv4, .ipv6, .bsdNull, .bsdLoop,
    .ethernet, .unsupported(dlt: 105, name: "IEEE802_11"),
]

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        print("decoder fuzz: \(message())")
        fatalError("invariant broken")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size >= 3, let data else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let layer = layers[Int(input[0]) % layers.count]
    let cut = Int(input[1]) | Int(input[2]) << 8
    let record = Array(input[3...])
    let packet = CapturedPacket(
        frameNumber: 1, timestamp: Timestamp(seconds: 0), bytes: record,
        originalLength: record.count + cut, linkLayer: layer)
    var decoder = PacketDecoder()
    let first = decoder.decode(packet)
    let second = decoder.decode(packet)
    switch (first, second) {
    case (.tcp(let segment), .tcp(let again)):
        check(segment.payload.startIndex >= 0 && segment.payload.endIndex <= record.count, "payload outside the record")
        check(segment.missingPayloadLength >= 0 && segment.missingPayloadLength <= cut, "missing payload \(segment.missingPayloadLength) > cut \(cut)")
        check(segment.payload == again.payload && segment.sequenceNumber == again.sequenceNumber, "not deterministic")
        _ = segment.source.description + segment.destination.description + segment.flags.description
    case (.skipped(let reason), .skipped(let again)):
        check(reason.key == again.key, "not deterministic: \(reason.key) vs \(again.key)")
        check(!reason.description.isEmpty, "empty skip description")
    default:
        check(false, "decoded once as TCP and once as skipped")
    }
    return 0
}
