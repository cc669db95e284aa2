import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// IPv4 fragment reassembly (RFC 791 §3.2, RFC 815) inside ``PacketDecoder``: fragments in every
/// order, duplicates and overlaps (first wins), interleaved datagrams, timeouts, limits, and
/// fragments that cannot be right.
@Suite struct FragmentReassemblyTests {
    static let client = endpoint("192.0.2.10", 40_000)
    static let server = endpoint("198.51.100.7", 80)
    static let start = Timestamp(seconds: 1_700_000_000)

    /// The TCP segment (header + 100 payload bytes, checksum filled) that the datagrams carry.
    static func tcpSegment(payload: [UInt8] = Array((0..<100).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }))
        -> [UInt8]
    {
        let tcp = PacketBuilder.tcp(
            sourcePort: client.port, destinationPort: server.port, sequenceNumber: 1000, acknowledgmentNumber: 77,
            flags: [.psh, .ack], payload: payload)
        // Let the builder fill the TCP checksum over the whole segment, then take it back out.
        let whole = PacketBuilder.ipv4(source: client.address, destination: server.address, payload: tcp)
        return Array(whole.dropFirst(20))
    }

    /// One fragment of `datagram` (bytes `range` of the IP payload) as an Ethernet frame.
    static func fragment(
        _ datagram: [UInt8], _ range: Range<Int>, last: Bool, identification: UInt16 = 0x5151,
        source: IPAddress = client.address, ipProtocol: UInt8 = 6
    ) -> [UInt8] {
        precondition(range.lowerBound % 8 == 0)
        let ip = PacketBuilder.ipv4(
            source: source, destination: server.address, protocol: ipProtocol, payload: Array(datagram[range]),
            identification: identification, dontFragment: false, moreFragments: !last,
            fragmentOffset: UInt16(range.lowerBound / 8), fillChecksums: false)
        return PacketBuilder.ethernet(etherType: 0x0800, payload: ip)
    }

    /// Cuts `datagram` at `cuts` (multiples of 8) into fragment frames, in datagram order.
    static func fragments(_ datagram: [UInt8], cuts: [Int], identification: UInt16 = 0x5151) -> [[UInt8]] {
        let bounds = [0] + cuts + [datagram.count]
        return (0..<(bounds.count - 1)).map {
            fragment(
                datagram, bounds[$0]..<bounds[$0 + 1], last: $0 == bounds.count - 2, identification: identification)
        }
    }

    static func packet(_ frame: [UInt8], _ n: Int, at seconds: Double = 0, capturedLength: Int? = nil) -> CapturedPacket
    {
        PacketBuilder.captured(
            frame, frameNumber: n, timestamp: start.adding(seconds: seconds + Double(n) * 0.001),
            capturedLength: capturedLength)
    }

    static func permutations<T>(_ items: [T]) -> [[T]] {
        guard items.count > 1 else { return [items] }
        return items.indices.flatMap { i in
            var rest = items
            let head = rest.remove(at: i)
            return permutations(rest).map { [head] + $0 }
        }
    }

    /// The segment the unfragmented datagram decodes to.
    static var expected: SegmentFields {
        let whole = PacketBuilder.ethernet(
            etherType: 0x0800,
            payload: PacketBuilder.ipv4(source: client.address, destination: server.address, payload: tcpSegment()))
        return SegmentFields(decode(whole, link: .ethernet).segment!)
    }

    // MARK: - Orders

    @Test(arguments: [[64], [40, 80], [32, 64, 96], [8, 16, 24, 104]])
    func everyOrderGivesTheSameSegment(cuts: [Int]) throws {
        let frames = Self.fragments(Self.tcpSegment(), cuts: cuts)
        for order in Self.permutations(Array(frames.indices)) {
            var decoder = PacketDecoder()
            var results: [DecodedPacket] = []
            for (n, index) in order.enumerated() {
                results.append(decoder.decode(Self.packet(frames[index], n + 1)))
            }
            let label = "order \(order)"
            for result in results.dropLast() {
                #expect(result.skipReason == .ipFragment, "\(label)")
            }
            let segment = try #require(results.last?.segment, "\(label): \(String(describing: results.last))")
            #expect(SegmentFields(segment) == Self.expected, "\(label)")
            #expect(decoder.fragmentStatistics.reassembledDatagrams == 1)
            #expect(decoder.fragmentStatistics.fragments == frames.count)
            #expect(decoder.fragmentedDatagramsInFlight == 0)
            decoder.finish()
            #expect(decoder.fragmentStatistics.incompleteDatagrams == 0)
        }
    }

    /// An unfragmented datagram next to fragmented ones is not held.
    @Test func wholeDatagramsPassStraightThrough() throws {
        var decoder = PacketDecoder()
        let frames = Self.fragments(Self.tcpSegment(), cuts: [48])
        #expect(decoder.decode(Self.packet(frames[0], 1)).skipReason == .ipFragment)
        let whole = PacketBuilder.tcpFrame(
            source: Self.client, destination: Self.server, sequenceNumber: 5, payload: [1, 2])
        #expect(decoder.decode(Self.packet(whole, 2)).segment?.sequenceNumber == 5)
        let segment = try #require(decoder.decode(Self.packet(frames[1], 3)).segment)
        #expect(SegmentFields(segment) == Self.expected)
    }

    // MARK: - Duplicates and overlaps

    @Test func exactDuplicatesAreHarmless() throws {
        let frames = Self.fragments(Self.tcpSegment(), cuts: [40, 80])
        var decoder = PacketDecoder()
        #expect(decoder.decode(Self.packet(frames[0], 1)).skipReason == .ipFragment)
        #expect(decoder.decode(Self.packet(frames[0], 2)).skipReason == .ipFragment)
        #expect(decoder.decode(Self.packet(frames[1], 3)).skipReason == .ipFragment)
        #expect(decoder.decode(Self.packet(frames[1], 4)).skipReason == .ipFragment)
        let segment = try #require(decoder.decode(Self.packet(frames[2], 5)).segment)
        #expect(SegmentFields(segment) == Self.expected)
        #expect(decoder.fragmentStatistics.overlappingFragments == 2)
    }

    /// Two fragments claim bytes 24..<48 with different contents: the one that came first wins,
    /// whichever it is.
    @Test(arguments: [false, true])
    func overlappingFragmentsFirstWins(alteredFirst: Bool) throws {
        let original = Self.tcpSegment()
        var altered = original
        for i in 24..<48 { altered[i] ^= 0xFF }
        let a = Self.fragment(alteredFirst ? altered : original, 0..<48, last: false)
        let b = Self.fragment(alteredFirst ? original : altered, 24..<72, last: false)
        let c = Self.fragment(original, 72..<original.count, last: true)
        var decoder = PacketDecoder()
        #expect(decoder.decode(Self.packet(a, 1)).skipReason == .ipFragment)
        #expect(decoder.decode(Self.packet(b, 2)).skipReason == .ipFragment)
        let segment = try #require(decoder.decode(Self.packet(c, 3)).segment)
        // TCP header is 20 bytes: datagram bytes 24..<48 are payload bytes 4..<28.
        let payload = Array(segment.payload)
        let winner = alteredFirst ? altered : original
        #expect(payload == Array(winner[20...]))
        #expect(decoder.fragmentStatistics.overlappingFragments == 1)
    }

    /// A retransmitted fragment that arrives after its datagram completed starts a new datagram,
    /// which never completes: counted as incomplete at the end.
    @Test func lateDuplicateAfterCompletion() throws {
        let frames = Self.fragments(Self.tcpSegment(), cuts: [64])
        var decoder = PacketDecoder()
        _ = decoder.decode(Self.packet(frames[0], 1))
        #expect(decoder.decode(Self.packet(frames[1], 2)).segment != nil)
        #expect(decoder.decode(Self.packet(frames[0], 3)).skipReason == .ipFragment)
        decoder.finish()
        #expect(decoder.fragmentStatistics.reassembledDatagrams == 1)
        #expect(decoder.fragmentStatistics.incompleteDatagrams == 1)
        #expect(decoder.fragmentStatistics.fragmentsOfIncompleteDatagrams == 1)
    }

    // MARK: - Several datagrams

    @Test func interleavedDatagramsAreKeptApart() throws {
        let first = Self.tcpSegment()
        let second = Self.tcpSegment(payload: [UInt8](repeating: 0x42, count: 60))
        let a = Self.fragments(first, cuts: [48], identification: 1)
        let b = Self.fragments(second, cuts: [32], identification: 2)
        // Same identification, other source: a third datagram.
        let c0 = Self.fragment(second, 0..<32, last: false, identification: 1, source: PacketBuilder.ipv4("192.0.2.99"))
        let c1 = Self.fragment(
            second, 32..<second.count, last: true, identification: 1, source: PacketBuilder.ipv4("192.0.2.99"))
        var decoder = PacketDecoder()
        let results = [a[0], b[0], c0, b[1], a[1], c1].enumerated().map { decoder.decode(Self.packet($1, $0 + 1)) }
        #expect(results.map { $0.segment == nil } == [true, true, true, false, false, false])
        #expect(results[3].segment.map { Array($0.payload) } == [UInt8](repeating: 0x42, count: 60))
        #expect(results[4].segment.map(SegmentFields.init) == Self.expected)
        #expect(results[5].segment?.source.address == PacketBuilder.ipv4("192.0.2.99"))
        #expect(decoder.fragmentStatistics.reassembledDatagrams == 3)
    }

    // MARK: - Time and limits

    @Test func datagramsExpireByCaptureTime() {
        let frames = Self.fragments(Self.tcpSegment(), cuts: [64])
        var decoder = PacketDecoder()
        #expect(decoder.decode(Self.packet(frames[0], 1, at: 0)).skipReason == .ipFragment)
        // 31 s later (the default timeout is 30 s): the first fragment is gone.
        #expect(decoder.decode(Self.packet(frames[1], 2, at: 31)).skipReason == .ipFragment)
        #expect(decoder.fragmentStatistics.incompleteDatagrams == 1)
        #expect(decoder.fragmentedDatagramsInFlight == 1)
        decoder.finish()
        #expect(decoder.fragmentStatistics.incompleteDatagrams == 2)
        #expect(decoder.fragmentStatistics.reassembledDatagrams == 0)
    }

    @Test func datagramsWithinTheTimeoutComplete() {
        let frames = Self.fragments(Self.tcpSegment(), cuts: [64])
        var decoder = PacketDecoder()
        _ = decoder.decode(Self.packet(frames[0], 1, at: 0))
        #expect(decoder.decode(Self.packet(frames[1], 2, at: 29)).segment != nil)
    }

    @Test func theOldestDatagramIsEvictedAtTheDatagramLimit() {
        var limits = IPv4FragmentLimits()
        limits.maxDatagrams = 2
        var decoder = PacketDecoder(fragmentLimits: limits)
        let datagrams = (1...3).map { Self.fragments(Self.tcpSegment(), cuts: [64], identification: UInt16($0)) }
        for (n, d) in datagrams.enumerated() {
            #expect(decoder.decode(Self.packet(d[0], n + 1)).skipReason == .ipFragment)
        }
        #expect(decoder.fragmentStatistics.limitEvictions == 1)
        #expect(decoder.fragmentedDatagramsInFlight == 2)
        // The first one was evicted: its last fragment alone does not complete anything.
        #expect(decoder.decode(Self.packet(datagrams[0][1], 4)).skipReason == .ipFragment)
        #expect(decoder.decode(Self.packet(datagrams[2][1], 5)).segment != nil)
        decoder.finish()
        let stats = decoder.fragmentStatistics
        #expect(stats.reassembledDatagrams == 1)
        // evicted #1, then #2 (evicted when #1's last fragment started a new datagram), and #1's
        // last fragment at the end.
        #expect(stats.incompleteDatagrams == 3)
    }

    @Test func aDatagramLargerThanTheByteLimitIsDropped() {
        var limits = IPv4FragmentLimits()
        limits.maxBufferedBytes = 100
        var decoder = PacketDecoder(fragmentLimits: limits)
        let frames = Self.fragments(Self.tcpSegment(), cuts: [64])
        #expect(decoder.decode(Self.packet(frames[0], 1)).skipReason == .ipFragment)
        #expect(decoder.decode(Self.packet(frames[1], 2)).skipReason == .ipFragment)
        #expect(decoder.fragmentStatistics.limitEvictions >= 1)
        #expect(decoder.fragmentStatistics.reassembledDatagrams == 0)
        #expect(decoder.fragmentedDatagramsInFlight <= 1)
    }

    @Test func bytesInFlightStayUnderTheLimit() {
        var limits = IPv4FragmentLimits()
        limits.maxBufferedBytes = 1000
        var decoder = PacketDecoder(fragmentLimits: limits)
        // 50 datagrams of 120 bytes, none completed: at most 8 fit in 1000 bytes.
        for id in 1...50 {
            let frames = Self.fragments(Self.tcpSegment(), cuts: [64], identification: UInt16(id))
            _ = decoder.decode(Self.packet(frames[1], id))
        }
        #expect(decoder.fragmentedDatagramsInFlight <= 8)
        #expect(decoder.fragmentStatistics.limitEvictions >= 42)
    }

    // MARK: - Fragments that cannot be right

    @Test func fragmentPastTheLargestDatagramIsMalformed() {
        let tail = Self.fragment([UInt8](repeating: 1, count: 65_536), 65_512..<65_536, last: true)
        #expect(decode(tail, link: .ethernet).skipReason?.key == "malformed:ipv4")
    }

    @Test func tinyNonLastFragmentIsMalformed() {
        let frame = PacketBuilder.ethernet(
            etherType: 0x0800,
            payload: PacketBuilder.ipv4(
                source: Self.client.address, destination: Self.server.address, payload: [1, 2, 3],
                dontFragment: false, moreFragments: true, fillChecksums: false))
        #expect(decode(frame, link: .ethernet).skipReason?.key == "malformed:ipv4")
    }

    /// A non-last fragment whose length is not a multiple of 8 loses its odd tail (as Linux's
    /// reassembly does); the next fragment fills from the cut.
    @Test func oddNonLastFragmentIsTrimmedToEightBytes() throws {
        let datagram = Self.tcpSegment()
        var decoder = PacketDecoder()
        let odd = Self.fragment(datagram, 0..<45, last: false)  // 45 bytes: 40 kept
        #expect(decoder.decode(Self.packet(odd, 1)).skipReason == .ipFragment)
        let rest = Self.fragment(datagram, 40..<datagram.count, last: true)
        let segment = try #require(decoder.decode(Self.packet(rest, 2)).segment)
        #expect(SegmentFields(segment) == Self.expected)
    }

    /// A fragment the snaplen cut leaves a hole that nothing fills: the datagram never completes.
    @Test func snaplenCutFragmentNeverCompletes() {
        let frames = Self.fragments(Self.tcpSegment(), cuts: [64])
        var decoder = PacketDecoder()
        #expect(
            decoder.decode(Self.packet(frames[0], 1, capturedLength: frames[0].count - 10)).skipReason == .ipFragment)
        #expect(decoder.decode(Self.packet(frames[1], 2)).skipReason == .ipFragment)
        decoder.finish()
        #expect(decoder.fragmentStatistics.incompleteDatagrams == 1)
        #expect(decoder.fragmentStatistics.fragmentsOfIncompleteDatagrams == 2)
    }

    /// Fragments of protocols that are neither TCP nor a tunnel are counted by protocol, not held.
    @Test func icmpFragmentsAreNotHeld() {
        let frame = Self.fragment([UInt8](repeating: 0, count: 64), 0..<32, last: false, ipProtocol: 1)
        var decoder = PacketDecoder()
        #expect(decoder.decode(Self.packet(frame, 1)).skipReason == .nonTCP(ipProtocol: 1))
        #expect(decoder.fragmentStatistics.fragments == 0)
    }

    /// A GRE packet split into fragments is reassembled, then its inner TCP decoded.
    @Test func fragmentedTunnelIsReassembledThenDecoded() throws {
        let inner = PacketBuilder.ipv4(
            source: Self.client.address, destination: Self.server.address, payload: Self.tcpSegment())
        let gre: [UInt8] = [0x00, 0x00, 0x08, 0x00] + inner
        let outerSource = PacketBuilder.ipv4("203.0.113.1")
        let first = Self.fragment(gre, 0..<64, last: false, source: outerSource, ipProtocol: 47)
        let second = Self.fragment(gre, 64..<gre.count, last: true, source: outerSource, ipProtocol: 47)
        var decoder = PacketDecoder()
        #expect(decoder.decode(Self.packet(second, 1)).skipReason == .ipFragment)
        let segment = try #require(decoder.decode(Self.packet(first, 2)).segment)
        #expect(SegmentFields(segment) == Self.expected)
    }
}
