/// The link layer of a capture, as far as the decoder is concerned.
///
/// PcapCapture maps libpcap's `DLT_*` values (from `pcap_datalink`) onto these cases; nothing
/// after the capture stage sees a raw DLT number except in ``unsupported(dlt:name:)``.
public enum LinkLayer: Sendable, Hashable, CustomStringConvertible {
    /// IEEE 802.3 Ethernet, possibly with 802.1Q / 802.1ad tags (`DLT_EN10MB`).
    case ethernet
    /// Linux "cooked" capture v1, 16-byte header (`DLT_LINUX_SLL`, LINKTYPE 113).
    case linuxCooked
    /// Linux "cooked" capture v2, 20-byte header (`DLT_LINUX_SLL2`, LINKTYPE 276) — `tcpdump -i any`.
    case linuxCooked2
    /// Raw IP, version taken from the first nibble (`DLT_RAW`, LINKTYPE 101).
    case rawIP
    /// Raw IPv4 only (LINKTYPE_IPV4, 228).
    case ipv4
    /// Raw IPv6 only (LINKTYPE_IPV6, 229).
    case ipv6
    /// BSD loopback: 4-byte address family in the capturing host's byte order (`DLT_NULL`).
    case bsdNull
    /// OpenBSD loopback: 4-byte address family in network byte order (`DLT_LOOP`).
    case bsdLoop
    /// Anything else: counted and named in the report, never decoded.
    case unsupported(dlt: Int32, name: String)

    public var description: String {
        switch self {
        case .ethernet: "EN10MB"
        case .linuxCooked: "LINUX_SLL"
        case .linuxCooked2: "LINUX_SLL2"
        case .rawIP: "RAW"
        case .ipv4: "IPV4"
        case .ipv6: "IPV6"
        case .bsdNull: "NULL"
        case .bsdLoop: "LOOP"
        case .unsupported(let dlt, let name): name.isEmpty ? "DLT \(dlt)" : name
        }
    }
}

/// One record read from a capture.
///
/// `bytes` is the single copy of the record made out of libpcap's buffer; every later stage
/// slices it.
public struct CapturedPacket: Sendable {
    /// 1-based position of the record in the file, as tshark's `frame.number`.
    public var frameNumber: Int
    /// Capture time (nanosecond precision when the file carries it).
    public var timestamp: Timestamp
    /// The bytes captured (`caplen`); may be fewer than ``originalLength`` because of the snaplen.
    public var bytes: [UInt8]
    /// The length of the packet on the wire (`len`).
    public var originalLength: Int
    /// The record's link layer (pcapng files may mix interfaces; libpcap reports one per file).
    public var linkLayer: LinkLayer

    public init(frameNumber: Int, timestamp: Timestamp, bytes: [UInt8], originalLength: Int, linkLayer: LinkLayer) {
        self.frameNumber = frameNumber
        self.timestamp = timestamp
        self.bytes = bytes
        self.originalLength = originalLength
        self.linkLayer = linkLayer
    }

    /// True when the snaplen cut the record short (`caplen < len`).
    public var isTruncatedBySnaplen: Bool { bytes.count < originalLength }
}
