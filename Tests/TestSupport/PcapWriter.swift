public import CaptureModel
import Foundation

/// Writes classic pcap files for tests: µs or ns timestamps, either byte order, any link type.
///
/// Format: https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-05.html — a 24-byte file header
/// (magic, version 2.4, reserved, snaplen, link type) and, per record, a 16-byte header (seconds,
/// µs or ns fraction, captured length, original length) followed by the captured bytes. All
/// fields are in the writer's byte order, which readers learn from the magic.
///
/// ```swift
/// var writer = PcapWriter(linkLayer: .ethernet, resolution: .nanoseconds)
/// writer.append(frame, timestamp: Timestamp(seconds: 1_700_000_000, nanoseconds: 123_456_789))
/// try writer.write(to: path)
/// ```
public struct PcapWriter: Sendable {
    /// The timestamp resolution, chosen by the magic number.
    public enum Resolution: Sendable {
        /// Magic `0xA1B2C3D4`: the fraction field holds microseconds.
        case microseconds
        /// Magic `0xA1B23C4D`: the fraction field holds nanoseconds.
        case nanoseconds
    }

    public let resolution: Resolution
    public let bigEndian: Bool
    /// The `LINKTYPE_*` value written in the header.
    public let linkType: UInt32
    public let snapshotLength: UInt32
    /// The file so far: header and records.
    public private(set) var bytes: [UInt8]

    /// Starts a file with the given `LINKTYPE_*` number.
    public init(
        linkType: UInt32, resolution: Resolution = .microseconds, bigEndian: Bool = false,
        snapshotLength: UInt32 = 262_144, versionMajor: UInt16 = 2, versionMinor: UInt16 = 4
    ) {
        self.linkType = linkType
        self.resolution = resolution
        self.bigEndian = bigEndian
        self.snapshotLength = snapshotLength
        self.bytes = []
        put32(resolution == .microseconds ? 0xA1B2_C3D4 : 0xA1B2_3C4D)
        put16(versionMajor)
        put16(versionMinor)
        put32(0)  // reserved (was thiszone)
        put32(0)  // reserved (was sigfigs)
        put32(snapshotLength)
        put32(linkType)
    }

    /// Starts a file for a ``LinkLayer`` (see ``linkType(for:)``).
    public init(
        linkLayer: LinkLayer, resolution: Resolution = .microseconds, bigEndian: Bool = false,
        snapshotLength: UInt32 = 262_144
    ) {
        self.init(
            linkType: PcapWriter.linkType(for: linkLayer), resolution: resolution, bigEndian: bigEndian,
            snapshotLength: snapshotLength)
    }

    /// The `LINKTYPE_*` number (tcpdump.org/linktypes.html) for a link layer: 1, 113, 276, 101,
    /// 228, 229, 0, 108; `.unsupported(dlt:)` writes its number as is.
    public static func linkType(for linkLayer: LinkLayer) -> UInt32 {
        switch linkLayer {
        case .ethernet: 1
        case .linuxCooked: 113
        case .linuxCooked2: 276
        case .rawIP: 101
        case .ipv4: 228
        case .ipv6: 229
        case .bsdNull: 0
        case .bsdLoop: 108
        case .unsupported(let dlt, _): UInt32(bitPattern: dlt)
        }
    }

    /// Appends a record. The fraction is truncated to µs in a microsecond file; `capturedLength`
    /// keeps only a prefix of `frame` (a snaplen) while the original length stays `frame.count`
    /// unless `originalLength` says otherwise.
    public mutating func append(
        _ frame: [UInt8], timestamp: Timestamp, capturedLength: Int? = nil, originalLength: Int? = nil
    ) {
        let kept = capturedLength.map { Array(frame.prefix($0)) } ?? frame
        let fraction = resolution == .microseconds ? timestamp.nanoseconds / 1000 : timestamp.nanoseconds
        appendRecord(
            seconds: UInt32(truncatingIfNeeded: timestamp.seconds), fraction: fraction,
            capturedLength: UInt32(kept.count), originalLength: UInt32(originalLength ?? frame.count), data: kept)
    }

    /// Appends a captured packet with its own timestamp, bytes and original length.
    public mutating func append(_ packet: CapturedPacket) {
        append(packet.bytes, timestamp: packet.timestamp, originalLength: packet.originalLength)
    }

    /// Appends a record header and data exactly as given, consistent or not (for hostile files).
    public mutating func appendRecord(
        seconds: UInt32, fraction: UInt32, capturedLength: UInt32, originalLength: UInt32, data: [UInt8]
    ) {
        put32(seconds)
        put32(fraction)
        put32(capturedLength)
        put32(originalLength)
        bytes += data
    }

    /// Writes the file (or only its first `prefix` bytes, to make a cut file).
    public func write(to path: String, prefix: Int? = nil) throws {
        let data = prefix.map { Array(bytes.prefix($0)) } ?? bytes
        try Data(data).write(to: URL(fileURLWithPath: path))
    }

    /// A fresh, empty directory under the system's temporary directory; the caller removes it.
    public static func makeTemporaryDirectory(prefix: String = "callback-doctor-tests") throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    private mutating func put16(_ v: UInt16) {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: x) { bytes += $0 }
    }

    private mutating func put32(_ v: UInt32) {
        let x = bigEndian ? v.bigEndian : v.littleEndian
        withUnsafeBytes(of: x) { bytes += $0 }
    }
}
