import CaptureModel
import TestSupport
import Testing

@testable import TCPReassembly

/// Capture order is not wire order: data written after the ACK that acknowledges it fills its
/// hole within the reorder window; past the window (packets, capture time, or buffer cap) the
/// hole is a gap.
@Suite struct ReorderWindowTests {
    /// One packet of a scripted capture: the segment and its capture time in µs after the start.
    struct Step {
        var segment: TCPSegment
        var micros: Int64
    }

    /// Feeds `steps` (frames numbered from 1) through a tracker with `limits`, then finishes.
    static func play(
        _ steps: [Step], limits: ReassemblyLimits = .init(), finish: Bool = true
    ) -> (recorder: Recorder, statistics: ReassemblyStatistics) {
        var tracker = ConnectionTracker(limits: limits)
        var recorder = Recorder()
        for (i, step) in steps.enumerated() {
            let time = Timestamp(seconds: 1000, nanoseconds: step.micros * 1000)
            tracker.process(step.segment, origin: StreamOrigin(timestamp: time, frame: i + 1), into: &recorder)
        }
        if finish { tracker.finish(into: &recorder) }
        return (recorder, tracker.statistics)
    }

    /// Steps 1 µs apart.
    static func steps(_ segments: [TCPSegment]) -> [Step] {
        segments.enumerated().map { Step(segment: $0.element, micros: Int64($0.offset)) }
    }

    static func limits(packets: Int = ReorderWindow.standard.packets, micros: Int64 = 200_000, buffer: Int64 = 4 << 20)
        -> ReassemblyLimits
    {
        var limits = ReassemblyLimits()
        limits.reorderWindow = ReorderWindow(packets: packets, nanoseconds: micros * 1000)
        limits.maxBufferedBytesPerDirection = buffer
        return limits
    }

    static let head = "POST /cb HTTP/1.1\r\nContent-Length: 4\r\n\r\n"
    static let body = "{\"a\""
    static var requestEnd: UInt32 { 1001 + UInt32((head + body).utf8.count) }
    static var headSegment: TCPSegment { seg(client, 1001, [.psh, .ack], head, ack: 5001) }
    static var bodySegment: TCPSegment { seg(client, 1001 + UInt32(head.utf8.count), [.psh, .ack], body, ack: 5001) }
    /// The server's pure ACK of the whole request.
    static var serverAck: TCPSegment { seg(server, 5001, .ack, ack: requestEnd) }
    static var handshake: [TCPSegment] { conversation(requestParts: [], response: "").handshake }
    static let response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    /// Response, FINs both ways, last ACK.
    static var tail: [TCPSegment] {
        let end = 5001 + UInt32(response.utf8.count)
        return [
            seg(server, 5001, [.psh, .ack], response, ack: requestEnd), seg(client, requestEnd, .ack, ack: end),
            seg(server, end, [.fin, .ack], ack: requestEnd), seg(client, requestEnd, [.fin, .ack], ack: end + 1),
            seg(server, end + 1, .ack, ack: requestEnd + 1),
        ]
    }

    /// The issue's case: the body captured first, the server's ACK of everything, then the head.
    /// Table: each row is a capture order; all give the whole request, no gap, no retransmission.
    @Test(arguments: [
        "body ack head", "body head ack", "ack body head", "ack head body", "head ack body", "head body ack",
    ])
    func ackBeforeDataOrders(order: String) throws {
        let parts: [String: TCPSegment] = ["head": Self.headSegment, "body": Self.bodySegment, "ack": Self.serverAck]
        let middle = try order.split(separator: " ").map { try #require(parts[String($0)]) }
        let (r, stats) = Self.play(Self.steps(Self.handshake + middle + Self.tail))
        #expect(r.text(0, .clientToServer) == Self.head + Self.body)
        #expect(r.text(0, .serverToClient) == Self.response)
        #expect(stats.gaps == 0 && stats.gapBytes == 0)
        #expect(stats.retransmittedSegments == 0)
        guard case .fin = r.closed[0] else {
            Issue.record("\(order): closed \(String(describing: r.closed[0])), expected FIN")
            return
        }
    }

    /// Bytes that fill a hole late keep their own packet's origin (frame and time), so latency
    /// and evidence frames stay those of the packets that carried them.
    @Test func lateBytesKeepTheirOwnOrigin() throws {
        let steps =
            Self.handshake.enumerated().map { Step(segment: $0.element, micros: Int64($0.offset)) } + [
                Step(segment: Self.bodySegment, micros: 100),  // frame 4
                Step(segment: Self.serverAck, micros: 110),  // frame 5
                Step(segment: Self.headSegment, micros: 90),  // frame 6: written late, stamped earlier
            ]
        let (r, _) = Self.play(steps, finish: false)
        let data = r.events.compactMap { event -> (Int64, StreamOrigin)? in
            if case .data(_, .clientToServer, let offset, _, let origin) = event { return (offset, origin) }
            return nil
        }
        try #require(data.count == 2)
        #expect(
            data[0].0 == 0 && data[0].1.frame == 6
                && data[0].1.timestamp == Timestamp(seconds: 1000, nanoseconds: 90_000))
        #expect(data[1].0 == Int64(Self.head.utf8.count) && data[1].1.frame == 4)
    }

    /// Every permutation of a four-segment request, with the server's ACK of all of it at every
    /// position: the same bytes, no gap, no retransmission.
    @Test func everyPermutationWithAnInterleavedAck() {
        let parts = ["POST", " /cb HTTP/1.1\r\n", "Content-Length: 0\r\n", "\r\n"]
        let c = conversation(requestParts: parts, response: "")
        let ack = seg(server, 5001, .ack, ack: 1001 + UInt32(parts.joined().utf8.count))
        var orders = 0
        for permutation in permutations(c.requestSegments) {
            for position in 0...permutation.count {
                var middle = permutation
                middle.insert(ack, at: position)
                let (r, stats) = Self.play(Self.steps(c.handshake + middle))
                #expect(
                    r.text(0, .clientToServer) == parts.joined(),
                    "order \(middle.map(\.sequenceNumber)) ack at \(position)")
                #expect(stats.gaps == 0 && stats.retransmittedSegments == 0, "ack at \(position)")
                orders += 1
            }
        }
        #expect(orders == 24 * 5)
    }

    /// The window counts packets of the connection after the ACK: with a window of 3, the head
    /// may come as the third packet after the ACK, not the fourth (then it is a gap, and the head
    /// a retransmission of bytes already given up).
    @Test(arguments: [(2, true), (3, false)])
    func windowExpiresByPacketCount(packetsBetween: Int, filled: Bool) {
        let filler = seg(server, 5001, .ack, ack: Self.requestEnd)  // duplicate ACKs: no new information
        let segments =
            Self.handshake + [Self.bodySegment, Self.serverAck] + Array(repeating: filler, count: packetsBetween) + [
                Self.headSegment
            ]
        let (r, stats) = Self.play(Self.steps(segments), limits: Self.limits(packets: 3))
        let gap = String(repeating: "~", count: Self.head.utf8.count)
        #expect(r.text(0, .clientToServer) == (filled ? Self.head : gap) + Self.body)
        #expect(stats.gaps == (filled ? 0 : 1))
        #expect(stats.retransmittedSegments == (filled ? 0 : 1))
    }

    /// The window also closes by capture time: the head 1.5 ms after the ACK misses a 1 ms window.
    @Test(arguments: [(500 as Int64, true), (1500, false)])
    func windowExpiresByTime(delayMicros: Int64, filled: Bool) {
        let steps =
            Self.steps(Self.handshake + [Self.bodySegment, Self.serverAck]) + [
                Step(segment: Self.headSegment, micros: 4 + delayMicros)
            ]
        let (r, stats) = Self.play(steps, limits: Self.limits(micros: 1000))
        #expect(r.text(0, .clientToServer).hasPrefix(filled ? Self.head : "~~~~"))
        #expect(r.text(0, .clientToServer).hasSuffix(Self.body))
        #expect(stats.gaps == (filled ? 0 : 1))
    }

    /// `watch`: when the connection falls silent, capture time passing on another connection
    /// closes its window; so does a sweep. The buffered body is delivered behind the gap without
    /// any further packet of that connection.
    @Test(arguments: [false, true])
    func quietConnectionWindowClosesByCaptureTime(bySweep: Bool) {
        var tracker = ConnectionTracker(limits: Self.limits(micros: 1000))
        var r = Recorder()
        for (i, s) in (Self.handshake + [Self.bodySegment, Self.serverAck]).enumerated() {
            tracker.process(
                s,
                origin: StreamOrigin(timestamp: Timestamp(seconds: 1000, nanoseconds: Int64(i) * 1000), frame: i + 1),
                into: &r)
        }
        #expect(r.text(0, .clientToServer).isEmpty)
        let later = Timestamp(seconds: 1000, nanoseconds: 5_000_000)
        if bySweep {
            tracker.sweep(now: later, into: &r)
        } else {
            let other = Endpoint(address: .v4(0x7F00_0002), port: 50_001)
            let syn = TCPSegment(
                source: other, destination: server, sequenceNumber: 1, acknowledgmentNumber: 0, flags: .syn, window: 1,
                payload: [])
            tracker.process(syn, origin: StreamOrigin(timestamp: later, frame: 6), into: &r)
        }
        #expect(r.text(0, .clientToServer) == String(repeating: "~", count: Self.head.utf8.count) + Self.body)
    }

    /// The window never lets the buffer grow past its cap: with a window open, more buffered
    /// bytes than the cap declare the hole a gap at once.
    @Test func bufferCapStillDeclaresTheGap() {
        let rest = seg(client, 1011, [.psh, .ack], String(Self.head.dropFirst(10)), ack: 5001)
        let segments = Self.handshake + [Self.bodySegment, Self.serverAck, rest]
        let (r, stats) = Self.play(Self.steps(segments), limits: Self.limits(buffer: 8))
        #expect(r.text(0, .clientToServer) == "~~~~~~~~~~" + Self.head.dropFirst(10) + Self.body)
        #expect(stats.bufferLimitHits == 1 && stats.gaps == 1)
    }

    /// The peer's reply ends the wait: the server's response after its pure ACK closes the
    /// request's window before the response's bytes are delivered, and an acknowledgment riding
    /// on the response declares the hole at once (exchanges pair in event order).
    @Test(arguments: [true, false])
    func replyClosesTheWindowBeforeItsBytes(pureAckFirst: Bool) throws {
        let reply = seg(server, 5001, [.psh, .ack], Self.response, ack: Self.requestEnd)
        let segments = Self.handshake + [Self.bodySegment] + (pureAckFirst ? [Self.serverAck] : []) + [reply]
        let (r, stats) = Self.play(Self.steps(segments), finish: false)
        let kinds = r.events.compactMap { event -> String? in
            switch event {
            case .data(_, let direction, _, _, _): direction == .clientToServer ? "request-data" : "response-data"
            case .gap(_, let direction, _, _, _): direction == .clientToServer ? "request-gap" : "response-gap"
            default: nil
            }
        }
        let expected =
            pureAckFirst
            ? ["request-gap", "request-data", "response-data"] : ["response-data", "request-gap", "request-data"]
        #expect(kinds == expected)
        #expect(stats.retransmittedSegments == 0)
    }

    /// A window that runs out closes the same way whether the connection's own next packet or
    /// another connection's later time stamp notices it (a capture split across threads by
    /// connection gives the same events): here the closing completes the connection.
    @Test func expiryDoesNotDependOnOtherConnections() {
        let response = "HTTP/1.1 200 OK\r\n", rest = "Content-Length: 0\r\n\r\n"
        let end = 5001 + UInt32((response + rest).utf8.count)
        let own: [Step] =
            Self.steps(
                Self.handshake + [
                    Self.headSegment, Self.bodySegment, seg(client, Self.requestEnd, [.fin, .ack], ack: 5001),
                    Self.serverAck,
                    // first part lost
                    seg(
                        server, 5001 + UInt32(response.utf8.count), [.psh, .ack, .fin], rest, ack: Self.requestEnd + 1),
                    seg(client, Self.requestEnd + 1, .ack, ack: end),  // a pure ACK of the data, not yet of the FIN
                ]) + [Step(segment: seg(client, Self.requestEnd + 1, .ack, ack: end + 1), micros: 5000)]
        let other = Endpoint(address: .v4(0x7F00_0002), port: 50_001)
        let syn = TCPSegment(
            source: other, destination: server, sequenceNumber: 1, acknowledgmentNumber: 0, flags: .syn, window: 1,
            payload: [])
        var mixed = own
        mixed.insert(Step(segment: syn, micros: 3000), at: own.count - 1)
        let limits = Self.limits(micros: 1000)
        func eventsOfTheFirstConnection(_ steps: [Step]) -> [String] {
            var tracker = ConnectionTracker(limits: limits)
            var recorder = Recorder()
            for (i, step) in steps.enumerated() {
                let frame = step.segment.source == other ? 1000 : i + 1  // own frames numbered alike in both
                let origin = StreamOrigin(
                    timestamp: Timestamp(seconds: 1000, nanoseconds: step.micros * 1000), frame: frame)
                tracker.process(step.segment, origin: origin, into: &recorder)
            }
            tracker.finish(into: &recorder)
            return recorder.events.compactMap { event in
                switch event {
                case .data(0, _, _, _, _), .gap(0, _, _, _, _), .ended(0, _, _), .closed(0, _):
                    String(describing: event)
                default: nil
                }
            }
        }
        let alone = eventsOfTheFirstConnection(own)
        #expect(
            alone.contains {
                $0.hasPrefix("gap(connection: 0, direction: TCPReassembly.StreamDirection.serverToClient")
            })
        #expect(alone.last?.hasPrefix("closed(connection: 0, how: TCPReassembly.StreamEnd.fin") == true, "\(alone)")
        #expect(eventsOfTheFirstConnection(mixed) == alone)
    }

    /// A real retransmission of delivered bytes is still one retransmission, not data.
    @Test func realRetransmissionCountsOnce() {
        let segments =
            Self.handshake + [Self.headSegment, Self.bodySegment, Self.serverAck, Self.bodySegment] + Self.tail
        let (r, stats) = Self.play(Self.steps(segments))
        #expect(r.text(0, .clientToServer) == Self.head + Self.body)
        #expect(stats.retransmittedSegments == 1)
        #expect(stats.gaps == 0)
    }

    /// A response segment the capture really lost (the client acknowledged it): once the server's
    /// FIN is acknowledged the sender is done, so the hole is a gap then and the connection ends
    /// with its FINs, not at the end of the capture.
    @Test func acknowledgedFinClosesTheWindow() {
        let response = "HTTP/1.1 200 OK\r\n", rest = "Content-Length: 0\r\n\r\n"
        let end = 5001 + UInt32((response + rest).utf8.count)
        let segments =
            Self.handshake + [Self.headSegment, Self.bodySegment, Self.serverAck]
            + [
                // first part lost
                seg(server, 5001 + UInt32(response.utf8.count), [.psh, .ack], rest, ack: Self.requestEnd),
                seg(client, Self.requestEnd, .ack, ack: end),
                seg(server, end, [.fin, .ack], ack: Self.requestEnd),
                seg(client, Self.requestEnd, [.fin, .ack], ack: end + 1),
                seg(server, end + 1, .ack, ack: Self.requestEnd + 1),
            ]
        let (r, stats) = Self.play(Self.steps(segments))
        #expect(r.text(0, .serverToClient) == String(repeating: "~", count: response.utf8.count) + rest)
        #expect(stats.gaps == 1)
        guard case .fin = r.closed[0], case .fin = r.ends[0]?[.serverToClient] else {
            Issue.record("expected FIN ends, got \(r.ends) \(String(describing: r.closed[0]))")
            return
        }
    }
}
