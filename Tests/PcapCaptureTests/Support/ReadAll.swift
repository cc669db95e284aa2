import CaptureModel
import PcapCapture

/// Everything a capture file yielded, read to the end.
struct ReadOutcome {
    var format: CaptureFormat
    var linkLayer: LinkLayer
    var snapshotLength: Int
    var packets: [CapturedPacket]
    /// The error of a `.damaged` record, nil when the file ended cleanly.
    var damage: CaptureError?
    /// `next()` calls after the end that returned `.endOfFile` again (should be all of them).
    var endRepeats: Bool
}

/// Opens `path` and reads every record; stops after `limit` records to keep a bug from looping.
func readAll(_ path: String, filter: String? = nil, limit: Int = 2_000_000) throws(CaptureError) -> ReadOutcome {
    var file = try CaptureFile(path: path, filter: filter)
    var packets: [CapturedPacket] = []
    var damage: CaptureError?
    loop: while packets.count < limit {
        switch file.next() {
        case .packet(let packet): packets.append(packet)
        case .endOfFile: break loop
        case .damaged(let error):
            damage = error
            break loop
        }
    }
    var endRepeats = true
    for _ in 0..<2 {
        if case .endOfFile = file.next() {} else { endRepeats = false }
    }
    return ReadOutcome(
        format: file.format, linkLayer: file.linkLayer, snapshotLength: file.snapshotLength, packets: packets,
        damage: damage, endRepeats: endRepeats)
}
