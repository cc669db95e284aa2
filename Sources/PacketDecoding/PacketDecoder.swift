public import CaptureModel

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
/// bytes, addresses are integers (only IPv4 fragments are copied, into their datagram's bounded
/// reassembly buffer). Checksums are never verified.
///
/// Classification order for a record that is not plain TCP: an IPv4 fragment of TCP (or of a
/// tunnel, below) is held for reassembly (RFC 791; bounded by ``IPv4FragmentLimits``) and the
/// datagram decodes as one segment with the fragment that completes it, the others being
/// ``SkipReason/ipFragment``; an IPv6 fragment whose protocol is TCP or an extension header is
/// ``SkipReason/ipFragment`` (not reassembled); any other protocol is
/// ``SkipReason/nonTCP(ipProtocol:)`` — so UDP fragments count as UDP.
///
/// Tunnels are decoded to the TCP they carry (see `Tunnels`): VXLAN (UDP 4789), GRE (IP protocol
/// 47), IPv4/IPv6-in-IP (4, 41) and L2TPv2 (UDP 1701); the segment's endpoints are the inner ones.
public struct PacketDecoder: Sendable {
    private var fragments: IPv4FragmentReassembler

    public init() {
        self.init(fragmentLimits: IPv4FragmentLimits())
    }

    public init(fragmentLimits: IPv4FragmentLimits) {
        fragments = IPv4FragmentReassembler(limits: fragmentLimits)
    }

    /// What IPv4 fragment reassembly did so far (complete after ``finish()``).
    public var fragmentStatistics: IPv4FragmentStatistics { fragments.statistics }

    /// Fragmented datagrams waiting for more fragments.
    public var fragmentedDatagramsInFlight: Int { fragments.datagramsInFlight }

    /// The end of the capture: datagrams still missing fragments count as incomplete.
    public mutating func finish() {
        fragments.finish()
    }

    /// Decodes one record.
    ///
    /// `packet.originalLength` beyond `packet.bytes.count` tells how much the snaplen cut; it
    /// bounds ``TCPSegment/missingPayloadLength``.
    public mutating func decode(_ packet: CapturedPacket) -> DecodedPacket {
        do throws(SkipReason) {
            return .tcp(try segment(from: packet))
        } catch {
            return .skipped(error)
        }
    }

    /// The whole decode, throwing the reason the record is not a TCP segment.
    mutating func segment(from packet: CapturedPacket) throws(SkipReason) -> TCPSegment {
        if case .ethernet = packet.linkLayer, let segment = Self.plainEthernetIPv4TCP(packet) { return segment }
        return try layeredSegment(from: packet)
    }

    /// The general decode, layer by layer through a bounds-checked ``ByteReader`` (with IPv4
    /// fragment reassembly and tunnels, hence mutating).
    mutating func layeredSegment(from packet: CapturedPacket) throws(SkipReason) -> TCPSegment {
        var reader = ByteReader(packet.bytes[...])
        var wireExtra = max(0, packet.originalLength - packet.bytes.count)
        let network: NetworkLayerKind
        switch packet.linkLayer {
        case .ethernet: network = try EthernetFrame.parse(&reader)
        case .linuxCooked: network = try LinuxCooked.parseVersion1(&reader)
        case .linuxCooked2: network = try LinuxCooked.parseVersion2(&reader)
        case .bsdNull, .bsdLoop: network = try Loopback.parse(&reader)
        case .ipv4: network = .ipv4
        case .ipv6: network = .ipv6
        case .rawIP: network = try Self.rawIPVersion(reader)
        case .unsupported(let dlt, let name): throw .unsupportedLinkType(dlt: dlt, name: name)
        }
        var ip = try Self.parse(network, &reader, wireExtra: wireExtra)
        var depth = 0
        while true {
            if ip.isFragment {
                guard let fragment = ip.ipv4Fragment, Self.isReassembled(ip.ipProtocol) else {
                    if ip.ipProtocol == IPProtocol.tcp || IPProtocol.isWalkedExtension(ip.ipProtocol) {
                        throw .ipFragment
                    }
                    throw .nonTCP(ipProtocol: ip.ipProtocol)
                }
                guard let datagram = try fragments.add(fragment, at: packet.timestamp) else { throw .ipFragment }
                ip = IPPayload(
                    source: ip.source, destination: ip.destination, ipProtocol: ip.ipProtocol,
                    reader: ByteReader(datagram[...]), claimedLength: datagram.count, missingLength: 0,
                    isFragment: false)
                wireExtra = 0
            }
            guard let inner = try Tunnels.inner(of: ip) else { break }
            depth += 1
            guard depth <= Tunnels.maxDepth else {
                throw .malformed(layer: .tunnel, reason: "more than \(Tunnels.maxDepth) nested tunnels")
            }
            var innerReader: ByteReader
            let innerNetwork: NetworkLayerKind
            switch inner {
            case .ethernet(let carried):
                innerReader = carried
                innerNetwork = try EthernetFrame.parse(&innerReader)
            case .network(let kind, let carried):
                innerReader = carried
                innerNetwork = kind
            }
            ip = try Self.parse(innerNetwork, &innerReader, wireExtra: wireExtra)
        }
        guard ip.ipProtocol == IPProtocol.tcp else { throw .nonTCP(ipProtocol: ip.ipProtocol) }
        return try TCPHeader.parse(ip)
    }

    static func parse(_ network: NetworkLayerKind, _ reader: inout ByteReader, wireExtra: Int) throws(SkipReason)
        -> IPPayload
    {
        switch network {
        case .ipv4: try IPv4Header.parse(&reader, wireExtra: wireExtra)
        case .ipv6: try IPv6Header.parse(&reader, wireExtra: wireExtra)
        }
    }

    /// IPv4 fragments of these protocols are reassembled: TCP and the tunnels that can carry it.
    static func isReassembled(_ ipProtocol: UInt8) -> Bool {
        ipProtocol == IPProtocol.tcp || ipProtocol == 47 || ipProtocol == 4 || ipProtocol == 41
    }

    /// The common case read straight from the record: Ethernet II, IPv4 without options (IHL 5)
    /// that is not a fragment and carries TCP, total length of at least 40, and the whole TCP
    /// header captured. Anything else — VLAN tags, IPv6, IP options, a total length of 0 (TSO),
    /// fragments, truncated or malformed headers — returns nil and takes the general path. For
    /// the records it accepts it returns exactly the segment the general path returns (same
    /// payload slice, same `missingPayloadLength`), with one bounds-checked pass over the buffer.
    @inline(__always)
    static func plainEthernetIPv4TCP(_ packet: CapturedPacket) -> TCPSegment? {
        let bytes = packet.bytes
        let fields = bytes.withUnsafeBufferPointer {
            b -> (
                source: Endpoint, destination: Endpoint, sequence: UInt32, acknowledgment: UInt32, flags: UInt8,
                window: UInt16, payloadStart: Int, payloadEnd: Int, missing: Int
            )? in
            let n = b.count
            // Ethernet (14) + IPv4 (20) + TCP (20) at least; EtherType 0x0800; version 4, IHL 5.
            guard n >= 54, b[12] == 0x08, b[13] == 0x00, b[14] == 0x45 else { return nil }
            let totalLength = Int(b[16]) << 8 | Int(b[17])
            // Not a fragment (MF clear, offset 0), protocol TCP.
            guard totalLength >= 40, b[20] & 0x3F == 0, b[21] == 0, b[23] == IPProtocol.tcp else { return nil }
            let tcpHeaderLength = Int(b[46] >> 4) * 4
            let claimed = totalLength - 20
            let captured = n - 34
            guard tcpHeaderLength >= 20, tcpHeaderLength <= captured, tcpHeaderLength <= claimed else { return nil }
            func u16(_ i: Int) -> UInt16 { UInt16(b[i]) << 8 | UInt16(b[i + 1]) }
            func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) << 16 | UInt32(u16(i + 2)) }
            let payloadEnd: Int, missing: Int
            if claimed <= captured {
                payloadEnd = 34 + claimed  // Ethernet padding is not payload.
                missing = 0
            } else {
                payloadEnd = n
                missing = min(claimed - captured, max(0, packet.originalLength - n))
            }
            return (
                Endpoint(address: .v4(u32(26)), port: u16(34)), Endpoint(address: .v4(u32(30)), port: u16(36)), u32(38),
                u32(42), b[47],
                u16(48), 34 + tcpHeaderLength, payloadEnd, missing
            )
        }
        guard let fields else { return nil }
        return TCPSegment(
            source: fields.source, destination: fields.destination, sequenceNumber: fields.sequence,
            acknowledgmentNumber: fields.acknowledgment, flags: TCPFlags(rawValue: UInt16(fields.flags)),
            window: fields.window,
            payload: bytes[fields.payloadStart..<fields.payloadEnd], missingPayloadLength: fields.missing)
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
