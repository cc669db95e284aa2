public import CaptureModel

/// Builds link-layer frames byte by byte from header fields, for tests.
///
/// Every layer is a plain function from fields to `[UInt8]`, so a test can build a valid frame
/// and then break exactly one field. Defaults describe a well-formed packet; IPv4 header and
/// TCP/UDP checksums are filled in (RFC 1071) so that tcpdump and tshark accept written captures,
/// though the decoder under test never checks them.
///
/// ```swift
/// let frame = PacketBuilder.tcpFrame(
///     source: Endpoint(address: PacketBuilder.ipv4("10.0.0.1"), port: 40000),
///     destination: Endpoint(address: PacketBuilder.ipv4("10.0.0.2"), port: 80),
///     sequenceNumber: 1, flags: [.psh, .ack], payload: Array("GET / HTTP/1.1\r\n\r\n".utf8))
/// ```
public enum PacketBuilder {
    // MARK: - Addresses

    /// Parses dotted-quad text (`"10.0.0.1"`); traps on bad input (tests only).
    public static func ipv4(_ text: String) -> IPAddress {
        let parts = text.split(separator: ".").map { UInt32($0)! }
        precondition(parts.count == 4 && parts.allSatisfy { $0 < 256 }, "bad IPv4 address \(text)")
        return .v4(parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3])
    }

    /// Parses IPv6 text with at most one `::` (`"2001:db8::1"`); traps on bad input (tests only).
    public static func ipv6(_ text: String) -> IPAddress {
        func groups(_ s: Substring) -> [UInt16] {
            s.isEmpty ? [] : s.split(separator: ":", omittingEmptySubsequences: false).map { UInt16($0, radix: 16)! }
        }
        var all: [UInt16]
        if let range = text.firstRange(of: "::") {
            let head = groups(text[..<range.lowerBound]), tail = groups(text[range.upperBound...])
            all = head + [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        } else {
            all = groups(text[...])
        }
        precondition(all.count == 8, "bad IPv6 address \(text)")
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(all[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(all[i]) }
        return .v6(hi, lo)
    }

    /// The address in network byte order (4 or 16 bytes).
    public static func bytes(of address: IPAddress) -> [UInt8] {
        switch address {
        case .v4(let a): return be32(a)
        case .v6(let hi, let lo): return be64(hi) + be64(lo)
        }
    }

    // MARK: - Transport

    /// A TCP header (RFC 9293 §3.1) followed by `payload`.
    ///
    /// - Parameters:
    ///   - flags: the eight control bits; `reservedBits` fills the four bits before them (the
    ///     lowest is AccECN's AE).
    ///   - options: raw option bytes, padded with zeros (End of Option List) to a multiple of 4.
    ///   - dataOffsetWords: overrides the computed data offset (to build malformed headers).
    ///   - checksum: left as given; ``ipv4(source:destination:protocol:payload:ttl:identification:dontFragment:moreFragments:fragmentOffset:options:headerLengthWords:totalLength:version:typeOfService:fillChecksums:)``
    ///     and ``ipv6(source:destination:nextHeader:payload:extensionHeaders:hopLimit:trafficClass:flowLabel:payloadLength:version:fillChecksums:)``
    ///     fill it in when it is 0.
    public static func tcp(
        sourcePort: UInt16, destinationPort: UInt16, sequenceNumber: UInt32 = 0, acknowledgmentNumber: UInt32 = 0,
        flags: TCPFlags = [.ack], window: UInt16 = 65_535, options: [UInt8] = [], dataOffsetWords: UInt8? = nil,
        reservedBits: UInt8 = 0, checksum: UInt16 = 0, urgentPointer: UInt16 = 0, payload: [UInt8] = []
    ) -> [UInt8] {
        var padded = options
        while padded.count % 4 != 0 { padded.append(0) }
        let offset = dataOffsetWords ?? UInt8(5 + padded.count / 4)
        var b = be16(sourcePort) + be16(destinationPort) + be32(sequenceNumber) + be32(acknowledgmentNumber)
        b.append(offset << 4 | (reservedBits & 0x0f))
        b.append(UInt8(truncatingIfNeeded: flags.rawValue))
        b += be16(window) + be16(checksum) + be16(urgentPointer)
        return b + padded + payload
    }

    /// A UDP datagram (RFC 768) with a correct length field.
    public static func udp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8] = []) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(UInt16(truncatingIfNeeded: 8 + payload.count)) + be16(0)
            + payload
    }

    // MARK: - Network

    /// An IPv4 packet (RFC 791 §3.1) carrying `payload`.
    ///
    /// `headerLengthWords` (IHL) and `totalLength` override the computed values; `fragmentOffset`
    /// is in 8-byte units. With `fillChecksums`, the header checksum and a zero TCP/UDP checksum
    /// are computed.
    public static func ipv4(
        source: IPAddress, destination: IPAddress, protocol ipProtocol: UInt8 = 6, payload: [UInt8],
        ttl: UInt8 = 64, identification: UInt16 = 0x1234, dontFragment: Bool = true, moreFragments: Bool = false,
        fragmentOffset: UInt16 = 0, options: [UInt8] = [], headerLengthWords: UInt8? = nil, totalLength: UInt16? = nil,
        version: UInt8 = 4, typeOfService: UInt8 = 0, fillChecksums: Bool = true
    ) -> [UInt8] {
        var padded = options
        while padded.count % 4 != 0 { padded.append(0) }
        let ihl = headerLengthWords ?? UInt8(5 + padded.count / 4)
        let length = totalLength ?? UInt16(truncatingIfNeeded: 20 + padded.count + payload.count)
        let fragment = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | (fragmentOffset & 0x1fff)
        var header = [version << 4 | (ihl & 0x0f), typeOfService] + be16(length) + be16(identification)
        header += be16(fragment) + [ttl, ipProtocol] + be16(0) + bytes(of: source) + bytes(of: destination) + padded
        if fillChecksums {
            let sum = internetChecksum(header)
            header[10] = UInt8(sum >> 8)
            header[11] = UInt8(sum & 0xff)
        }
        var body = payload
        if fillChecksums {
            let pseudo =
                bytes(of: source) + bytes(of: destination) + [0, ipProtocol]
                + be16(UInt16(truncatingIfNeeded: payload.count))
            fillTransportChecksum(&body, protocol: ipProtocol, pseudoHeader: pseudo)
        }
        return header + body
    }

    /// One IPv6 extension header (RFC 8200 §4).
    public enum IPv6ExtensionHeader: Sendable {
        /// Hop-by-Hop Options (next-header value 0); `options` is padded with PadN to 8n − 2 bytes.
        case hopByHop(options: [UInt8])
        /// Routing (43): routing type, segments left, then type-specific data (padded).
        case routing(type: UInt8, segmentsLeft: UInt8, data: [UInt8])
        /// Fragment (44): offset in 8-byte units, M flag, identification.
        case fragment(offset: UInt16, moreFragments: Bool, identification: UInt32)
        /// Destination Options (60).
        case destinationOptions(options: [UInt8])
        /// Authentication Header (51, RFC 4302): SPI, sequence number, integrity check value.
        case authentication(spi: UInt32, sequence: UInt32, icv: [UInt8])

        /// The next-header value that announces this header.
        public var protocolNumber: UInt8 {
            switch self {
            case .hopByHop: 0
            case .routing: 43
            case .fragment: 44
            case .destinationOptions: 60
            case .authentication: 51
            }
        }

        /// The header's bytes, announcing `nextHeader` after it.
        public func bytes(nextHeader: UInt8) -> [UInt8] {
            switch self {
            case .hopByHop(let options), .destinationOptions(let options):
                var body = options
                let pad = (8 - (body.count + 2) % 8) % 8
                if pad == 1 {
                    body.append(0)
                } else if pad > 1 {
                    body += [1, UInt8(pad - 2)] + [UInt8](repeating: 0, count: pad - 2)
                }
                return [nextHeader, UInt8((body.count + 2) / 8 - 1)] + body
            case .routing(let type, let segmentsLeft, let data):
                var body = [type, segmentsLeft] + data
                while (body.count + 2) % 8 != 0 { body.append(0) }
                return [nextHeader, UInt8((body.count + 2) / 8 - 1)] + body
            case .fragment(let offset, let more, let identification):
                return [nextHeader, 0] + PacketBuilder.be16(offset << 3 | (more ? 1 : 0))
                    + PacketBuilder.be32(identification)
            case .authentication(let spi, let sequence, let icv):
                var body = PacketBuilder.be32(spi) + PacketBuilder.be32(sequence) + icv
                while (body.count + 4) % 8 != 0 { body.append(0) }
                return [nextHeader, UInt8((body.count + 4) / 4 - 2), 0, 0] + body
            }
        }
    }

    /// An IPv6 packet (RFC 8200 §3) with optional extension headers, then `nextHeader`'s
    /// `payload`. `payloadLength` overrides the computed length (0 for jumbograms).
    public static func ipv6(
        source: IPAddress, destination: IPAddress, nextHeader: UInt8 = 6, payload: [UInt8],
        extensionHeaders: [IPv6ExtensionHeader] = [], hopLimit: UInt8 = 64, trafficClass: UInt8 = 0,
        flowLabel: UInt32 = 0, payloadLength: UInt16? = nil, version: UInt8 = 6, fillChecksums: Bool = true
    ) -> [UInt8] {
        var chain: [UInt8] = []
        for (i, ext) in extensionHeaders.enumerated() {
            let next = i + 1 < extensionHeaders.count ? extensionHeaders[i + 1].protocolNumber : nextHeader
            chain += ext.bytes(nextHeader: next)
        }
        var body = payload
        if fillChecksums {
            let pseudo =
                bytes(of: source) + bytes(of: destination) + be32(UInt32(payload.count)) + [0, 0, 0, nextHeader]
            fillTransportChecksum(&body, protocol: nextHeader, pseudoHeader: pseudo)
        }
        let first = extensionHeaders.first?.protocolNumber ?? nextHeader
        let length = payloadLength ?? UInt16(truncatingIfNeeded: chain.count + body.count)
        let word = UInt32(version & 0x0f) << 28 | UInt32(trafficClass) << 20 | (flowLabel & 0xfffff)
        return be32(word) + be16(length) + [first, hopLimit] + bytes(of: source) + bytes(of: destination) + chain + body
    }

    // MARK: - Link layers

    /// An IEEE 802.1Q / 802.1ad tag: TPID (`0x8100`, `0x88a8`, `0x9100`), priority, VLAN id.
    public struct VLANTag: Sendable {
        public var tpid: UInt16
        public var priority: UInt8
        public var vlanID: UInt16

        public init(tpid: UInt16 = 0x8100, priority: UInt8 = 0, vlanID: UInt16) {
            self.tpid = tpid
            self.priority = priority
            self.vlanID = vlanID
        }
    }

    /// Default MAC addresses used by the builders.
    public static let clientMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x01]
    public static let serverMAC: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0x00, 0x02]

    /// An Ethernet II frame (IEEE 802.3 §3.1) with any number of VLAN tags (IEEE 802.1Q §9.6).
    ///
    /// With `padToMinimum`, zero padding brings the frame to 60 bytes, as a NIC does (the FCS is
    /// never included, as in captures).
    public static func ethernet(
        destination: [UInt8] = serverMAC, source: [UInt8] = clientMAC, vlanTags: [VLANTag] = [],
        etherType: UInt16, payload: [UInt8], padToMinimum: Bool = false
    ) -> [UInt8] {
        var frame = destination + source
        for tag in vlanTags {
            frame += be16(tag.tpid) + be16(UInt16(tag.priority & 0x7) << 13 | (tag.vlanID & 0x0fff))
        }
        frame += be16(etherType) + payload
        if padToMinimum, frame.count < 60 { frame += [UInt8](repeating: 0, count: 60 - frame.count) }
        return frame
    }

    /// A Linux cooked-mode v1 frame (`LINKTYPE_LINUX_SLL`): 16-byte header, protocol at offset 14.
    public static func linuxSLL(
        packetType: UInt16 = 0, arphrdType: UInt16 = 1, address: [UInt8] = clientMAC, protocol etherType: UInt16,
        payload: [UInt8]
    ) -> [UInt8] {
        let addr = Array((address + [UInt8](repeating: 0, count: 8)).prefix(8))
        return be16(packetType) + be16(arphrdType) + be16(UInt16(min(address.count, 8))) + addr + be16(etherType)
            + payload
    }

    /// A Linux cooked-mode v2 frame (`LINKTYPE_LINUX_SLL2`): 20-byte header, protocol at offset 0.
    public static func linuxSLL2(
        protocol etherType: UInt16, interfaceIndex: UInt32 = 1, arphrdType: UInt16 = 1, packetType: UInt8 = 0,
        address: [UInt8] = clientMAC, payload: [UInt8]
    ) -> [UInt8] {
        let addr = Array((address + [UInt8](repeating: 0, count: 8)).prefix(8))
        return be16(etherType) + be16(0) + be32(interfaceIndex) + be16(arphrdType) + [
            packetType, UInt8(min(address.count, 8)),
        ]
            + addr + payload
    }

    /// A BSD loopback frame (`LINKTYPE_NULL`): the address family in the capturing host's byte
    /// order — little-endian unless `bigEndian`.
    public static func bsdNull(addressFamily: UInt32, bigEndian: Bool = false, payload: [UInt8]) -> [UInt8] {
        (bigEndian ? be32(addressFamily) : be32(addressFamily.byteSwapped)) + payload
    }

    /// An OpenBSD loopback frame (`LINKTYPE_LOOP`): the address family in network byte order.
    public static func bsdLoop(addressFamily: UInt32, payload: [UInt8]) -> [UInt8] {
        be32(addressFamily) + payload
    }

    /// Wraps an IP packet in `link`'s header, choosing the EtherType / address family from the
    /// packet's version nibble (`AF_INET` 2, `AF_INET6` 30 — macOS's value — for NULL/LOOP).
    public static func frame(link: LinkLayer, ipPacket: [UInt8], vlanTags: [VLANTag] = []) -> [UInt8] {
        let isIPv6 = (ipPacket.first ?? 0x40) >> 4 == 6
        let etherType: UInt16 = isIPv6 ? 0x86dd : 0x0800
        switch link {
        case .ethernet: return ethernet(vlanTags: vlanTags, etherType: etherType, payload: ipPacket)
        case .linuxCooked: return linuxSLL(protocol: etherType, payload: ipPacket)
        case .linuxCooked2: return linuxSLL2(protocol: etherType, payload: ipPacket)
        case .rawIP, .ipv4, .ipv6, .unsupported: return ipPacket
        case .bsdNull: return bsdNull(addressFamily: isIPv6 ? 30 : 2, payload: ipPacket)
        case .bsdLoop: return bsdLoop(addressFamily: isIPv6 ? 24 : 2, payload: ipPacket)
        }
    }

    // MARK: - Whole packets

    /// A complete TCP/IP frame between two endpoints (IPv4 or IPv6, from their addresses).
    public static func tcpFrame(
        link: LinkLayer = .ethernet, source: Endpoint, destination: Endpoint, sequenceNumber: UInt32 = 0,
        acknowledgmentNumber: UInt32 = 0, flags: TCPFlags = [.ack], window: UInt16 = 65_535, options: [UInt8] = [],
        payload: [UInt8] = [], vlanTags: [VLANTag] = []
    ) -> [UInt8] {
        let segment = tcp(
            sourcePort: source.port, destinationPort: destination.port, sequenceNumber: sequenceNumber,
            acknowledgmentNumber: acknowledgmentNumber, flags: flags, window: window, options: options, payload: payload
        )
        let packet: [UInt8]
        switch (source.address, destination.address) {
        case (.v4, .v4):
            packet = ipv4(source: source.address, destination: destination.address, payload: segment)
        case (.v6, .v6):
            packet = ipv6(source: source.address, destination: destination.address, payload: segment)
        default:
            preconditionFailure("source and destination must both be IPv4 or both IPv6")
        }
        return frame(link: link, ipPacket: packet, vlanTags: vlanTags)
    }

    /// A ``CapturedPacket`` as a capture would deliver it; `capturedLength` cuts the bytes (a
    /// snaplen) while `originalLength` keeps the full size.
    public static func captured(
        _ bytes: [UInt8], link: LinkLayer = .ethernet, frameNumber: Int = 1,
        timestamp: Timestamp = Timestamp(seconds: 1_700_000_000), capturedLength: Int? = nil
    ) -> CapturedPacket {
        let kept = capturedLength.map { Array(bytes.prefix($0)) } ?? bytes
        return CapturedPacket(
            frameNumber: frameNumber, timestamp: timestamp, bytes: kept, originalLength: bytes.count, linkLayer: link)
    }

    /// A captured TCP/IP frame in one call (see ``tcpFrame(link:source:destination:sequenceNumber:acknowledgmentNumber:flags:window:options:payload:vlanTags:)``).
    public static func tcpPacket(
        link: LinkLayer = .ethernet, frameNumber: Int = 1, timestamp: Timestamp = Timestamp(seconds: 1_700_000_000),
        source: Endpoint, destination: Endpoint, sequenceNumber: UInt32 = 0, acknowledgmentNumber: UInt32 = 0,
        flags: TCPFlags = [.ack], window: UInt16 = 65_535, payload: [UInt8] = []
    ) -> CapturedPacket {
        captured(
            tcpFrame(
                link: link, source: source, destination: destination, sequenceNumber: sequenceNumber,
                acknowledgmentNumber: acknowledgmentNumber, flags: flags, window: window, payload: payload),
            link: link, frameNumber: frameNumber, timestamp: timestamp)
    }

    // MARK: - Helpers

    /// Big-endian bytes.
    public static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    public static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)]
    }
    public static func be64(_ v: UInt64) -> [UInt8] { be32(UInt32(v >> 32)) + be32(UInt32(v & 0xffff_ffff)) }

    /// The Internet checksum (RFC 1071): one's-complement of the one's-complement sum.
    public static func internetChecksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    /// Fills a zero TCP (offset 16) or UDP (offset 6) checksum over pseudo-header + segment.
    private static func fillTransportChecksum(
        _ segment: inout [UInt8], protocol ipProtocol: UInt8, pseudoHeader: [UInt8]
    ) {
        let at: Int
        switch ipProtocol {
        case 6: at = 16
        case 17: at = 6
        default: return
        }
        guard segment.count >= at + 2, segment[at] == 0, segment[at + 1] == 0 else { return }
        var sum = internetChecksum(pseudoHeader + segment)
        if ipProtocol == 17, sum == 0 { sum = 0xffff }
        segment[at] = UInt8(sum >> 8)
        segment[at + 1] = UInt8(sum & 0xff)
    }
}
