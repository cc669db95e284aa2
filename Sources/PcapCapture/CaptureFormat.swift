/// The container format of a capture file, read from its first four bytes.
///
/// libpcap reads all of these but does not tell its caller which one it found, so
/// ``CaptureFile`` reads the magic number itself.
public enum CaptureFormat: Sendable, Hashable, CustomStringConvertible {
    /// Classic pcap: microsecond (`0xA1B2C3D4`) or nanosecond (`0xA1B23C4D`) timestamps, written
    /// little- or big-endian.
    case pcap(nanosecond: Bool, bigEndian: Bool)
    /// pcapng (Section Header Block `0x0A0D0D0A`); resolution and byte order may vary per section
    /// and interface.
    case pcapng

    /// `"pcap (µs, little-endian)"`, `"pcap (ns, big-endian)"`, `"pcapng"`.
    public var description: String {
        switch self {
        case .pcap(let nanosecond, let bigEndian):
            "pcap (\(nanosecond ? "ns" : "µs"), \(bigEndian ? "big-endian" : "little-endian"))"
        case .pcapng:
            "pcapng"
        }
    }
}
