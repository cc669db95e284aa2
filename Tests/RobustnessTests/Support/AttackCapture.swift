import Foundation

/// Writes a classic pcap (Ethernet, µs) straight to disk, record by record, so a test can
/// synthesise a capture of any size without holding it in memory. Frames are IPv4/TCP built from
/// a template (checksums left zero: the decoder never verifies them).
final class AttackCapture {
    let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var micros: UInt64 = 1_700_000_000_000_000
    private(set) var records = 0
    private(set) var bytesWritten = 0

    init(directory: URL, name: String) throws {
        path = directory.appendingPathComponent(name).path
        guard FileManager.default.createFile(atPath: path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        le32(0xA1B2_C3D4)
        le16(2)
        le16(4)
        le32(0)
        le32(0)
        le32(262_144)
        le32(1)
    }

    struct Flags: OptionSet {
        let rawValue: UInt8
        static let fin = Flags(rawValue: 1), syn = Flags(rawValue: 2), rst = Flags(rawValue: 4)
        static let psh = Flags(rawValue: 8), ack = Flags(rawValue: 16)
    }

    /// One Ethernet/IPv4/TCP record.
    func segment(
        from source: (UInt32, UInt16), to destination: (UInt32, UInt16), seq: UInt32, ack: UInt32, flags: Flags,
        payload: some Collection<UInt8> = [UInt8](), stepMicros: UInt64 = 1
    ) throws {
        micros += stepMicros
        let length = 14 + 20 + 20 + payload.count
        le32(UInt32(micros / 1_000_000))
        le32(UInt32(micros % 1_000_000))
        le32(UInt32(length))
        le32(UInt32(length))
        buffer += [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        buffer += [0x45, 0]
        be16(UInt16(40 + payload.count))
        buffer += [0, 0, 0x40, 0, 64, 6, 0, 0]
        be32(source.0)
        be32(destination.0)
        be16(source.1)
        be16(destination.1)
        be32(seq)
        be32(ack)
        buffer += [5 << 4, flags.rawValue, 0xff, 0xff, 0, 0, 0, 0]
        buffer += payload
        records += 1
        if buffer.count >= 1 << 20 { try flush() }
    }

    func close() throws {
        try flush()
        try handle.close()
    }

    private func flush() throws {
        bytesWritten += buffer.count
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func le16(_ v: UInt16) { buffer += [UInt8(v & 0xff), UInt8(v >> 8)] }
    private func le32(_ v: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8((v >> UInt32(shift)) & 0xff)) }
    }
    private func be16(_ v: UInt16) { buffer += [UInt8(v >> 8), UInt8(v & 0xff)] }
    private func be32(_ v: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { buffer.append(UInt8((v >> UInt32(shift)) & 0xff)) }
    }
}

/// A client → server connection with a handshake, whose payloads are cut into segments.
final class AttackConnection {
    let capture: AttackCapture
    let client: (UInt32, UInt16)
    let server: (UInt32, UInt16)
    private(set) var clientSeq: UInt32 = 1_000
    private(set) var serverSeq: UInt32 = 900_000

    init(_ capture: AttackCapture, clientPort: UInt16 = 40_000) throws {
        self.capture = capture
        client = (0x0A00_0001, clientPort)
        server = (0x0A00_0002, 80)
        try capture.segment(from: client, to: server, seq: clientSeq, ack: 0, flags: .syn)
        try capture.segment(from: server, to: client, seq: serverSeq, ack: clientSeq + 1, flags: [.syn, .ack])
        clientSeq += 1
        serverSeq += 1
        try capture.segment(from: client, to: server, seq: clientSeq, ack: serverSeq, flags: .ack)
    }

    func send(_ bytes: [UInt8], segmentSize: Int = 1_400) throws {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + segmentSize)
            try capture.segment(
                from: client, to: server, seq: clientSeq, ack: serverSeq, flags: [.psh, .ack],
                payload: bytes[start..<end])
            clientSeq &+= UInt32(end - start)
            start = end
        }
    }

    func reply(_ bytes: [UInt8], segmentSize: Int = 1_400) throws {
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + segmentSize)
            try capture.segment(
                from: server, to: client, seq: serverSeq, ack: clientSeq, flags: [.psh, .ack],
                payload: bytes[start..<end])
            serverSeq &+= UInt32(end - start)
            start = end
        }
    }

    /// A client segment at an explicit offset from the first payload byte (retransmissions).
    func sendAt(offset: Int, _ bytes: ArraySlice<UInt8>, base: UInt32) throws {
        try capture.segment(
            from: client, to: server, seq: base &+ UInt32(offset), ack: serverSeq, flags: .ack, payload: bytes)
    }

    func close() throws {
        try capture.segment(from: client, to: server, seq: clientSeq, ack: serverSeq, flags: [.fin, .ack])
        try capture.segment(from: server, to: client, seq: serverSeq, ack: clientSeq + 1, flags: [.fin, .ack])
        try capture.segment(from: client, to: server, seq: clientSeq + 1, ack: serverSeq + 1, flags: .ack)
    }
}

/// The head of an OSS callback request, up to (not including) the blank line. A callback by its
/// User-Agent and x-oss-tag, without `authorization` / `x-oss-pub-key-url` (its signature is
/// `missing`): answered 200 it is `unsigned-callback-accepted` (an authenticity rule, exit status
/// 1), which the checks here set aside with ``deliveryFindings(_:)`` so that they are about
/// resources alone.
let callbackHead = Array(
    ("POST /oss/callback HTTP/1.1\r\nHost: cb.example.com\r\nUser-Agent: aliyun-oss-callback\r\n"
        + "Content-Type: application/x-www-form-urlencoded\r\nx-oss-tag: CALLBACK\r\n").utf8)

/// `findings` without `unsigned-callback-accepted`, the verdict every 200 to ``callbackHead`` gets.
func deliveryFindings(_ findings: [[String: Any]]) -> [[String: Any]] {
    findings.filter { $0["rule"] as? String != "unsigned-callback-accepted" }
}

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("attack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
}
