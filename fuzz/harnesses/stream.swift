// libFuzzer target (b): TCP reassembly + HTTP pairing + diagnosis, fed arbitrary segment streams.
//
// The input is a list of segments, 5 header bytes each (see fuzz/make-seeds.py):
//   b0: bit 0 direction (0 = client→server), bits 1–2 connection (0–3), bit 3 jump 700 s ahead
//       (past the idle timeout), bits 4–7 ignored
//   b1: TCP flags (FIN 1, SYN 2, RST 4, PSH 8, ACK 16, …)
//   b2–b3: little-endian signed offset of the sequence number from the next one expected in that
//       direction (0 = in order; negative = retransmission/overlap; positive = gap)
//   b4: payload length (cut to what is left of the input), then the payload bytes.
// Segments go through ConnectionTracker → ExchangeAssembler → Diagnoser exactly as
// CaptureAnalyzer wires them. Checked beyond "no trap / no ASan report": counters never go
// negative, every exchange handed out is diagnosed, and the tracker holds no connection after
// finish.
#if canImport(Glibc)
import Glibc
#endif
import CaptureModel
import Diagnosis
import HTTPExchanges
import TCPReassembly

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        print("stream fuzz: \(message())")
        fatalError("invariant broken")
    }
}

/// FUZZ_VERBOSE=1 prints what each input produced (to check that seeds reach HTTP and rules).
private let verbose = getenv("FUZZ_VERBOSE") != nil

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size > 0, let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    var tracker = ConnectionTracker()
    var assembler = ExchangeAssembler()
    let diagnoser = Diagnoser()
    // Next sequence number expected per connection × direction; ISNs near the wrap on the server side.
    var next: [UInt32] = (0..<8).map { $0 % 2 == 0 ? 1_000 &+ UInt32($0) * 7 : 0xFFFF_FF00 &+ UInt32($0) }
    var clock = Timestamp(seconds: 1_700_000_000)
    var frame = 0
    var exchanges = 0
    var index = 0
    while index + 5 <= input.count {
        let control = input[index], flagBits = input[index + 1]
        let delta = Int16(bitPattern: UInt16(input[index + 2]) | UInt16(input[index + 3]) << 8)
        let length = min(Int(input[index + 4]), input.count - index - 5)
        let payload = input[(index + 5)..<(index + 5 + length)]
        index += 5 + length
        frame += 1

        let direction = Int(control & 1), connection = Int(control >> 1) & 3
        let slot = connection * 2 + direction
        let client = Endpoint(address: .v4(0x0A00_0001), port: 40_000 + UInt16(connection))
        let server = Endpoint(address: .v4(0x0A00_0002), port: 80)
        let flags = TCPFlags(rawValue: UInt16(flagBits))
        let sequence = next[slot] &+ UInt32(bitPattern: Int32(delta))
        let advance = UInt32(length) + (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0)
        if delta >= 0 { next[slot] = sequence &+ advance }
        clock = clock.adding(seconds: control & 8 != 0 ? 700 : 0.001)
        let segment = TCPSegment(
            source: direction == 0 ? client : server, destination: direction == 0 ? server : client,
            sequenceNumber: sequence, acknowledgmentNumber: next[slot ^ 1], flags: flags, window: 65_535,
            payload: payload)
        tracker.process(segment, origin: StreamOrigin(timestamp: clock, frame: frame), into: &assembler)
        for exchange in assembler.takeFinished() {
            exchanges += 1
            let diagnosed = diagnoser.diagnose(exchange)
            if verbose { print("  exchange: \(diagnosed.findings.map { "\($0.rule)" })") }
        }
    }
    tracker.finish(into: &assembler)
    for exchange in assembler.takeFinished() {
        exchanges += 1
        _ = diagnoser.diagnose(exchange)
    }
    if verbose {
        print("segments \(frame), exchanges \(exchanges), reassembly \(tracker.statistics), http \(assembler.statistics)")
    }
    check(tracker.trackedConnectionCount == 0, "connections left after finish")
    let stats = tracker.statistics
    check(stats.connections >= 0 && stats.gapBytes >= 0 && stats.gaps >= 0, "negative counters \(stats)")
    return 0
}
