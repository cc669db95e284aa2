// libFuzzer target (f): callback-doctor's own pcapng reader (Sources/PcapCapture/Pcapng), the one
// for pcapng files whose interfaces have different link types, over arbitrary bytes.
//
// The reader's sources are compiled into this module (fuzz/build.sh), as they have no C call.
// Input: the file's bytes. Checks, beyond "no trap / no ASan report / no leak / bounded memory":
// - every packet's bytes lie inside its block, its interface is one the file declared, its
//   nanoseconds are within a second;
// - the packet count equals the packets returned, and after the end every call gives the end again;
// - reading is deterministic (the same bytes twice give the same packets and the same ending);
// - the look-ahead a stream gets before libpcap (`pcapngLeadingInterfaces`) agrees with the reader.
import CaptureModel

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        print("pcapng fuzz: \(message())")
        fatalError("invariant broken")
    }
}

/// What one pass over the input gave: per packet (interface, seconds, nanoseconds, bytes), then the ending.
private func readAll(_ bytes: [UInt8]) -> (packets: [(Int, Int64, UInt32, [UInt8])], ending: String) {
    var reader = PcapngReader(source: MemoryByteSource(bytes))
    var packets: [(Int, Int64, UInt32, [UInt8])] = []
    while true {
        switch reader.next() {
        case .packet(let packet):
            check(packet.data.lowerBound >= 0 && packet.data.upperBound <= reader.block.count, "packet outside its block")
            check(packet.interface >= 0 && packet.interface < reader.interfaces.count, "undeclared interface \(packet.interface)")
            check(packet.timestamp.nanoseconds < 1_000_000_000, "nanoseconds out of range")
            check(reader.block.count <= PcapngReader<MemoryByteSource>.maxBlockLength, "block over the cap")
            packets.append((packet.interface, packet.timestamp.seconds, packet.timestamp.nanoseconds, Array(reader.block[packet.data])))
        case .endOfFile:
            check(reader.packetsRead == packets.count, "count \(reader.packetsRead) vs \(packets.count) packets")
            if case .endOfFile = reader.next() {} else { check(false, "a step after the end") }
            return (packets, "end")
        case .failed(let failure):
            check(!failure.reason.isEmpty && !failure.reason.contains("\n"), "failure text not one line")
            if case .endOfFile = reader.next() {} else { check(false, "a step after a failure") }
            return (packets, failure.reason)
        }
    }
}

/// The look-ahead a stream gets (`pcapngLeadingInterfaces`): its interfaces are the reader's first
/// ones whenever the reader got as far as a packet (the blocks before it were then well formed).
private func checkLeadingInterfaces(_ bytes: [UInt8]) {
    let leading = pcapngLeadingInterfaces(limit: 1 << 20) { bytes.prefix($0) }
    var reader = PcapngReader(source: MemoryByteSource(bytes))
    guard case .packet = reader.next() else { return }
    check(leading.count <= reader.interfaces.count, "look-ahead found \(leading.count) interfaces, the reader \(reader.interfaces.count)")
    for (seen, read) in zip(leading, reader.interfaces) {
        check(seen.linkType == read.linkType && seen.snapLength == Int(read.snapLength), "look-ahead and reader disagree")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    checkLeadingInterfaces(bytes)
    let first = readAll(bytes)
    let second = readAll(bytes)
    check(first.ending == second.ending && first.packets.count == second.packets.count, "not deterministic")
    for (a, b) in zip(first.packets, second.packets) {
        check(a.0 == b.0 && a.1 == b.1 && a.2 == b.2 && a.3 == b.3, "not deterministic")
    }
    return 0
}
