import CaptureModel

/// Decodes captured records into TCP segments: link layer → (VLAN tags) → IPv4/IPv6 (extension
/// headers) → TCP.
///
/// Supported link layers: Ethernet II with any number of 802.1Q / 802.1ad / `0x9100` tags
/// (and PPPoE session frames), Linux cooked v1 and v2, raw IP (`DLT_RAW`, `LINKTYPE_IPV4`,
/// `LINKTYPE_IPV6`), BSD `NULL` and `LOOP`.
///
/// The decoder never traps and never throws: every record yields either a segment or a
/// ``SkipReason``. It reads the record through a bounds-checked ``ByteReader`` and allocates
/// nothing per packet beyond what ``TCPSegment`` holds: the payload is a slice of the record's
/// bytes, addresses are integers. Checksums are never verified.
///
/// Classification order for a record that is not plain TCP: a non-atomic fragment whose protocol
/// is TCP (or, in IPv6, an extension header) is ``SkipReason/ipFragment``; any other protocol is
/// ``SkipReason/nonTCP(ipProtocol:)`` — so UDP fragments count as UDP.
public struct PacketDecoder: Sendable {
    public init() {}

    /// Decodes one record.
    ///
    /// `packet.originalLength` beyond `packet.bytes.count` tells how much the snaplen cut; it
    /// bounds ``TCPSegment/missingPayloadLength``.
    public mutating func decode(_ packet: CapturedPacket) -> DecodedPacket {
        do throws(SkipReason) {
            return .tcp(try Self.segment(from: packet))
        } catch {
            return .skipped(error)
        }
    }

    /// The whole decode, throwing the reason the record is not a TCP segment.
    static func segment(from packet: CapturedPacket) throws(SkipReason) -> TCPSegment {
        var reader = ByteReader(packet.bytes[...])
        let wireExtra = max(0, packet.originalLength - packet.bytes.count)
        let network: NetworkLayerKind
        switch packet.linkLayer {
        case .ethernet: network = try EthernetFrame.parse(&reader)
        case .linuxCooked: network = try LinuxCooked.parseVersion1(&reader)
        case .linuxCooked2: network = try LinuxCooked.parseVersion2(&reader)
        case .bsdNull, .bsdLoop: network = try Loopback.parse(&reader)
        case .ipv4: network = .ipv4
        case .ipv6: network = .ipv6
        case .rawIP: network = try rawIPVersion(reader)
        case .unsupported(let dlt, let name): throw .unsupportedLinkType(dlt: dlt, name: name)
        }
        let ip: IPPayload
        switch network {
        case .ipv4: ip = try IPv4Header.parse(&reader, wireExtra: wireExtra)
        case .ipv6: ip = try IPv6Header.parse(&reader, wireExtra: wireExtra)
        }
        if ip.isFragment, ip.ipProtocol == IPProtocol.tcp || IPProtocol.isWalkedExtension(ip.ipProtocol) {
            throw .ipFragment
        }
        guard ip.ipProtocol == IPProtocol.tcp else { throw .nonTCP(ipProtocol: ip.ipProtocol) }
        return try TCPHeader.parse(ip)
    }

    /// Raw IP (`DLT_RAW`): the version nibble chooses IPv4 or IPv6. An empty record is a
    /// truncated IPv4 header; another version is malformed at the link layer.
    static func rawIPVersion(_ reader: ByteReader) throws(SkipReason) -> NetworkLayerKind {
        guard let first = reader.peekUInt8() else { throw .truncated(layer: .ipv4) }
        switch first >> 4 {
        case 4: return .ipv4
        case 6: return .ipv6
        default: throw .malformed(layer: .link, reason: "raw IP packet has a version other than 4 or 6")
        }
    }
}
