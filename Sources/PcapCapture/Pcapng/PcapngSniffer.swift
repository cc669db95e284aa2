/// The link type (LINKTYPE_*) and snapshot length of each interface a pcapng section declares
/// before its first packet, read from the stream's first bytes without consuming them.
///
/// Used for a pipe, which cannot be reopened: when these differ, libpcap would refuse the capture
/// ("an interface has a type N different from the type of the first interface", or the same of
/// the snapshot length) after consuming it, so the pcapng reader reads it from the start instead.
/// Writers declare their interfaces first (dumpcap, mergecap, tshark, tcpdump), so this finds
/// every interface of such a capture; an interface that differs, declared after packets, is still
/// refused (and said so).
///
/// Only the first `limit` bytes are examined; looking stops at the first packet block, a second
/// Section Header Block, or anything that is not a well-formed block (the reader that follows
/// reports the damage).
/// - Parameter lookAhead: the first N bytes of the stream (fewer at its end).
func pcapngLeadingInterfaces(limit: Int, lookAhead: (Int) -> ArraySlice<UInt8>) -> [PcapngLeadingInterface] {
    let header = Array(lookAhead(12))
    guard header.count == 12, header[0..<4] == [0x0A, 0x0D, 0x0D, 0x0A] else { return [] }
    let bigEndian: Bool
    switch (header[8], header[9], header[10], header[11]) {
    case (0x1A, 0x2B, 0x3C, 0x4D): bigEndian = true
    case (0x4D, 0x3C, 0x2B, 0x1A): bigEndian = false
    default: return []
    }
    func number(_ bytes: ArraySlice<UInt8>, _ offset: Int, _ size: Int) -> Int {
        var value = 0
        for i in 0..<size {
            let byte = Int(bytes[bytes.startIndex + offset + (bigEndian ? i : size - 1 - i)])
            value = value << 8 | byte
        }
        return value
    }
    var interfaces: [PcapngLeadingInterface] = []
    var offset = 0
    while offset + 12 <= limit {
        let bytes = lookAhead(offset + 12)
        guard bytes.count == offset + 12 else { break }
        let type = number(bytes, offset, 4), length = number(bytes, offset + 4, 4)
        if offset > 0 && type == 0x0A0D_0D0A { break }
        if type == 2 || type == 3 || type == 6 { break }
        guard length >= 12, length % 4 == 0, offset + length <= limit else { break }
        if type == 1 {
            guard length >= 20 else { break }
            let more = lookAhead(offset + 16)
            guard more.count == offset + 16 else { break }
            interfaces.append(
                PcapngLeadingInterface(linkType: number(more, offset + 8, 2), snapLength: number(more, offset + 12, 4)))
        }
        offset += length
    }
    return interfaces
}

/// What ``pcapngLeadingInterfaces(limit:lookAhead:)`` reads of an interface.
struct PcapngLeadingInterface: Hashable {
    var linkType: Int
    var snapLength: Int
}
