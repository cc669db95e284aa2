import CaptureModel
import Foundation

/// A small, independent pcap / pcapng reader for feeding corpus records to the decoder in tests
/// (the decoding tests do not depend on PcapCapture or libpcap).
///
/// It is lenient where libpcap is strict (several link types per pcapng file are fine: each
/// record gets its interface's link layer) and stops quietly at the first inconsistency, so
/// hostile files yield whatever records precede the damage.
enum CorpusReader {
    /// The records of `path`, in order, numbered from 1; empty for anything unreadable.
    static func packets(of path: String) -> [CapturedPacket] {
        // An empty file is skipped before reading: Foundation leaks its read buffer on a 0-byte file
        // (LeakSanitizer, Swift 6.3.1), which would fail the suite under -sanitize=address.
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size > 0, let data = FileManager.default.contents(atPath: path) else { return [] }
        let bytes = [UInt8](data)
        guard bytes.count >= 4 else { return [] }
        if bytes[0] == 0x0A, bytes[1] == 0x0D, bytes[2] == 0x0D, bytes[3] == 0x0A { return pcapng(bytes) }
        return pcap(bytes)
    }

    /// The `LinkLayer` for a `LINKTYPE_*` value (the field's low 26 bits, as libpcap masks it).
    static func linkLayer(_ linkType: UInt32) -> LinkLayer {
        switch linkType & 0x03FF_FFFF {
        case 1: .ethernet
        case 113: .linuxCooked
        case 276: .linuxCooked2
        case 101, 12, 14: .rawIP
        case 228: .ipv4
        case 229: .ipv6
        case 0: .bsdNull
        case 108: .bsdLoop
        case let other: .unsupported(dlt: Int32(bitPattern: other), name: "LINKTYPE_\(other)")
        }
    }

    private struct Cursor {
        let bytes: [UInt8]
        var littleEndian: Bool

        func u16(_ at: Int) -> UInt16? {
            guard at >= 0, at + 2 <= bytes.count else { return nil }
            let a = UInt16(bytes[at]), b = UInt16(bytes[at + 1])
            return littleEndian ? b << 8 | a : a << 8 | b
        }

        func u32(_ at: Int) -> UInt32? {
            guard at >= 0, at + 4 <= bytes.count else { return nil }
            let v = bytes[at..<(at + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return littleEndian ? v.byteSwapped : v
        }
    }

    private static func pcap(_ bytes: [UInt8]) -> [CapturedPacket] {
        var cursor = Cursor(bytes: bytes, littleEndian: true)
        guard let magic = cursor.u32(0) else { return [] }
        let nanosecond: Bool
        switch magic {
        case 0xA1B2_C3D4, 0xA1B2_CD34: nanosecond = false
        case 0xA1B2_3C4D: nanosecond = true
        case 0xD4C3_B2A1, 0x34CD_B2A1, 0x4D3C_B2A1:
            cursor.littleEndian = false
            nanosecond = magic == 0x4D3C_B2A1
        default: return []
        }
        guard let linkType = cursor.u32(20) else { return [] }
        let link = linkLayer(linkType)
        var packets: [CapturedPacket] = []
        var offset = 24
        while let seconds = cursor.u32(offset), let fraction = cursor.u32(offset + 4),
            let capturedLength = cursor.u32(offset + 8), let originalLength = cursor.u32(offset + 12)
        {
            let start = offset + 16
            guard capturedLength <= 0x0400_0000, start + Int(capturedLength) <= bytes.count else { break }
            let end = start + Int(capturedLength)
            packets.append(
                CapturedPacket(
                    frameNumber: packets.count + 1,
                    timestamp: Timestamp(
                        seconds: Int64(seconds), nanoseconds: Int64(fraction) * (nanosecond ? 1 : 1000)),
                    bytes: Array(bytes[start..<end]), originalLength: Int(originalLength), linkLayer: link))
            offset = end
        }
        return packets
    }

    private static func pcapng(_ bytes: [UInt8]) -> [CapturedPacket] {
        var cursor = Cursor(bytes: bytes, littleEndian: true)
        var interfaces: [(link: LinkLayer, snaplen: UInt32)] = []
        var packets: [CapturedPacket] = []
        var offset = 0
        while offset + 12 <= bytes.count {
            if bytes[offset] == 0x0A, bytes[offset + 1] == 0x0D, bytes[offset + 2] == 0x0D, bytes[offset + 3] == 0x0A {
                guard offset + 12 <= bytes.count else { break }
                let bom = Array(bytes[(offset + 8)..<(offset + 12)])
                if bom == [0x4D, 0x3C, 0x2B, 0x1A] {
                    cursor.littleEndian = true
                } else if bom == [0x1A, 0x2B, 0x3C, 0x4D] {
                    cursor.littleEndian = false
                } else {
                    break
                }
                interfaces = []
            }
            guard let type = cursor.u32(offset), let length32 = cursor.u32(offset + 4) else { break }
            let length = Int(length32)
            guard length >= 12, length % 4 == 0, offset + length <= bytes.count else { break }
            let body = offset + 8
            switch type {
            case 1:  // Interface Description Block
                if let linkType = cursor.u16(body), let snaplen = cursor.u32(body + 4) {
                    interfaces.append((linkLayer(UInt32(linkType)), snaplen))
                }
            case 6:  // Enhanced Packet Block
                if let interface = cursor.u32(body), Int(interface) < interfaces.count,
                    let capturedLength = cursor.u32(body + 12), let originalLength = cursor.u32(body + 16),
                    body + 20 + Int(capturedLength) <= offset + length - 4
                {
                    let start = body + 20
                    packets.append(
                        CapturedPacket(
                            frameNumber: packets.count + 1, timestamp: Timestamp(seconds: 0),
                            bytes: Array(bytes[start..<(start + Int(capturedLength))]),
                            originalLength: Int(originalLength), linkLayer: interfaces[Int(interface)].link))
                }
            case 3:  // Simple Packet Block
                if let first = interfaces.first, let originalLength = cursor.u32(body) {
                    let room = offset + length - 4 - (body + 4)
                    var captured = min(Int(originalLength), room)
                    if first.snaplen > 0 { captured = min(captured, Int(first.snaplen)) }
                    let start = body + 4
                    packets.append(
                        CapturedPacket(
                            frameNumber: packets.count + 1, timestamp: Timestamp(seconds: 0),
                            bytes: Array(bytes[start..<(start + max(0, captured))]),
                            originalLength: Int(originalLength), linkLayer: first.link))
                }
            case 2:  // obsolete Packet Block
                if let interface = cursor.u16(body), Int(interface) < interfaces.count,
                    let capturedLength = cursor.u32(body + 12), let originalLength = cursor.u32(body + 16),
                    body + 20 + Int(capturedLength) <= offset + length - 4
                {
                    let start = body + 20
                    packets.append(
                        CapturedPacket(
                            frameNumber: packets.count + 1, timestamp: Timestamp(seconds: 0),
                            bytes: Array(bytes[start..<(start + Int(capturedLength))]),
                            originalLength: Int(originalLength), linkLayer: interfaces[Int(interface)].link))
                }
            default:
                break
            }
            offset += length
        }
        return packets
    }
}
