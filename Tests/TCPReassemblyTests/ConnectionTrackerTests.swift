import CaptureModel
import TestSupport
import Testing

@testable import TCPReassembly

/// Collects events and rebuilds per-direction streams, with gaps shown as `~` bytes.
struct Recorder: StreamEventSink {
    var events: [StreamEvent] = []
    var streams: [Int: [StreamDirection: [UInt8]]] = [:]
    var opened: [ConnectionInfo] = []
    var refused: [RefusedConnection] = []
    var ends: [Int: [StreamDirection: StreamEnd]] = [:]
    var closed: [Int: StreamEnd] = [:]
    var anomalies: [TCPAnomaly] = []

    mutating func receive(_ event: StreamEvent) {
        events.append(event)
        switch event {
        case .opened(let info):
            #expect(streams[info.id] == nil, "opened twice")
            opened.append(info)
            streams[info.id] = [:]
        case .data(let id, let direction, let offset, let bytes, _):
            #expect(streams[id] != nil, "data before opened")
            #expect(Int64(streams[id]?[direction]?.count ?? 0) == offset, "data out of order")
            streams[id, default: [:]][direction, default: []].append(contentsOf: bytes)
        case .gap(let id, let direction, let offset, let length, _):
            #expect(Int64(streams[id]?[direction]?.count ?? 0) == offset, "gap out of order")
            streams[id, default: [:]][direction, default: []].append(
                contentsOf: [UInt8](repeating: 0x7E, count: Int(length)))
        case .ended(let id, let direction, let how):
            #expect(ends[id]?[direction] == nil, "ended twice")
            ends[id, default: [:]][direction] = how
        case .closed(let id, let how):
            #expect(closed[id] == nil, "closed twice")
            closed[id] = how
        case .refused(let r):
            refused.append(r)
        case .anomaly(_, _, let anomaly, _):
            anomalies.append(anomaly)
        }
    }

    func text(_ id: Int, _ direction: StreamDirection) -> String {
        String(decoding: streams[id]?[direction] ?? [], as: UTF8.self)
    }
}

let client = Endpoint(address: .v4(0x7F00_0001), port: 50_000)
let server = Endpoint(address: .v4(0x7F00_0001), port: 9000)

func seg(
    _ from: Endpoint, _ seq: UInt32, _ flags: TCPFlags, _ payload: String = "", ack: UInt32 = 0, missing: Int = 0
) -> TCPSegment {
    let to = from == client ? server : client
    return TCPSegment(
        source: from, destination: to, sequenceNumber: seq, acknowledgmentNumber: ack, flags: flags, window: 65535,
        payload: ArraySlice(Array(payload.utf8)), missingPayloadLength: missing)
}

func run(_ segments: [TCPSegment], startSecond: Int64 = 1000) -> Recorder {
    var tracker = ConnectionTracker()
    var recorder = Recorder()
    for (i, s) in segments.enumerated() {
        tracker.process(
            s,
            origin: StreamOrigin(
                timestamp: Timestamp(seconds: startSecond, nanoseconds: Int64(i) * 1000), frame: i + 1), into: &recorder
        )
    }
    tracker.finish(into: &recorder)
    return recorder
}

/// A full connection: handshake, request in parts, response, FIN both ways.
func conversation(clientISN: UInt32 = 1000, serverISN: UInt32 = 5000, requestParts: [String], response: String) -> (
    handshake: [TCPSegment], requestSegments: [TCPSegment], tail: [TCPSegment]
) {
    let handshake = [
        seg(client, clientISN, .syn), seg(server, serverISN, [.syn, .ack]), seg(client, clientISN &+ 1, .ack),
    ]
    var seq = clientISN &+ 1
    var request: [TCPSegment] = []
    for part in requestParts {
        request.append(seg(client, seq, [.psh, .ack], part))
        seq = seq &+ UInt32(part.utf8.count)
    }
    let tail = [
        seg(server, serverISN &+ 1, [.psh, .ack], response),
        seg(server, serverISN &+ 1 &+ UInt32(response.utf8.count), [.fin, .ack]),
        seg(client, seq, [.fin, .ack]),
        seg(server, serverISN &+ 2 &+ UInt32(response.utf8.count), .ack),
    ]
    return (handshake, request, tail)
}

@Suite struct ConnectionTrackerTests {
    @Test func handshakeDataAndFinBothWays() {
        let c = conversation(requestParts: ["POST / HTTP/1.1\r\n", "\r\n"], response: "HTTP/1.1 200 OK\r\n\r\n")
        let r = run(c.handshake + c.requestSegments + c.tail)
        #expect(r.opened.count == 1)
        #expect(r.opened[0].client == client && r.opened[0].server == server && r.opened[0].roleEvidence == .syn)
        #expect(r.text(0, .clientToServer) == "POST / HTTP/1.1\r\n\r\n")
        #expect(r.text(0, .serverToClient) == "HTTP/1.1 200 OK\r\n\r\n")
        guard case .fin = r.ends[0]?[.clientToServer], case .fin = r.ends[0]?[.serverToClient], case .fin = r.closed[0]
        else {
            Issue.record("expected FIN ends, got \(r.ends) \(r.closed)")
            return
        }
    }

    /// Every permutation of four request segments rebuilds the same stream with no gap.
    @Test func everyPermutationOfFourSegments() {
        let c = conversation(requestParts: ["aaaa", "bbb", "cc", "d"], response: "HTTP/1.1 200 OK\r\n\r\n")
        for permutation in permutations(c.requestSegments) {
            let r = run(c.handshake + permutation + c.tail)
            #expect(r.text(0, .clientToServer) == "aaaabbbccd")
        }
    }

    /// Duplicates and partial overlaps: first copy wins, nothing delivered twice.
    @Test func retransmissionsAndOverlaps() {
        let c = conversation(requestParts: ["hello ", "world"], response: "ok")
        let overlap = seg(client, 1001 + 3, [.psh, .ack], "lo wor")  // overlaps both, different framing
        let r = run(
            c.handshake + [
                c.requestSegments[0], c.requestSegments[0], overlap, c.requestSegments[1], c.requestSegments[1],
            ] + c.tail)
        #expect(r.text(0, .clientToServer) == "hello world")
    }

    @Test(arguments: [UInt32.max - 2, UInt32.max, 0, UInt32.max - 6])
    func sequenceNumbersWrapping(isn: UInt32) {
        let c = conversation(
            clientISN: isn, serverISN: UInt32.max - 1, requestParts: ["ab", "cd", "ef", "gh"], response: "xyz")
        for permutation in permutations(c.requestSegments) {
            let r = run(c.handshake + permutation + c.tail)
            #expect(r.text(0, .clientToServer) == "abcdefgh")
            #expect(r.text(0, .serverToClient) == "xyz")
        }
    }

    @Test func droppedSegmentBecomesGapOfKnownLength() {
        let c = conversation(requestParts: ["aaaa", "bbb", "cc"], response: "r")
        let r = run(c.handshake + [c.requestSegments[0], c.requestSegments[2]] + c.tail)
        #expect(r.text(0, .clientToServer) == "aaaa~~~cc")
    }

    @Test func snaplenMissingBytesBecomeGap() {
        let handshake = conversation(requestParts: [], response: "").handshake
        let r = run(
            handshake + [seg(client, 1001, [.psh, .ack], "abc", missing: 4), seg(client, 1008, [.psh, .ack], "z")])
        #expect(r.text(0, .clientToServer) == "abc~~~~z")
        guard case .endOfCapture = r.closed[0] else {
            Issue.record("expected end of capture")
            return
        }
    }

    /// The client acknowledged a response segment the capture lost, and later bytes are buffered:
    /// no retransmission will come, so once the reorder window has passed (the capture may still
    /// write the bytes late) the hole is a gap.
    @Test func acknowledgedHoleBecomesAGapWhenItsWindowCloses() {
        let c = conversation(requestParts: ["req"], response: "")
        var tracker = ConnectionTracker()
        var r = Recorder()
        var frame = 0
        func feed(_ s: TCPSegment) {
            frame += 1
            tracker.process(s, origin: StreamOrigin(timestamp: Timestamp(seconds: 1), frame: frame), into: &r)
        }
        for s in c.handshake + c.requestSegments { feed(s) }
        feed(seg(server, 5001, [.ack], "aaaa"))
        feed(seg(server, 5009, [.ack], "cccc"))  // 5005..<5009 lost
        #expect(r.text(0, .serverToClient) == "aaaa")
        feed(seg(client, 1004, [.ack], ack: 5013))  // the client has everything
        #expect(r.text(0, .serverToClient) == "aaaa", "the bytes may still be written late")
        for _ in 0..<ReorderWindow.standard.packets { feed(seg(client, 1004, [.ack], ack: 5013)) }
        #expect(r.text(0, .serverToClient) == "aaaa", "the window's last packet could still fill it")
        feed(seg(client, 1004, [.ack], ack: 5013))
        #expect(r.text(0, .serverToClient) == "aaaa~~~~cccc")
    }

    /// A lost final segment, no FIN captured: the peer's acknowledgment reveals it at the end.
    @Test func acknowledgedTailIsAGapAtTheEnd() {
        let c = conversation(requestParts: ["req"], response: "")
        let r = run(
            c.handshake + c.requestSegments + [seg(server, 5001, [.ack], "abc"), seg(client, 1004, [.ack], ack: 5010)])
        #expect(r.text(0, .serverToClient) == "abc~~~~~~")
    }

    @Test func ackOfAnUncapturedFinIsNotAGap() {
        let c = conversation(requestParts: ["req"], response: "")
        let r = run(
            c.handshake + c.requestSegments + [seg(server, 5001, [.ack], "abc"), seg(client, 1004, [.ack], ack: 5005)])
        #expect(r.text(0, .serverToClient) == "abc")
    }

    @Test func retransmissionWithDifferentBytesIsAnAnomalyAndTheFirstCopyWins() {
        let c = conversation(requestParts: ["hello ", "world"], response: "ok")
        let forged = seg(client, 1001, [.psh, .ack], "HELLO ")
        let r = run(c.handshake + [c.requestSegments[0], forged, c.requestSegments[1]] + c.tail)
        #expect(r.text(0, .clientToServer) == "hello world")
        #expect(r.anomalies == [.retransmissionWithDifferentBytes(offset: 0, length: 6)])
    }

    @Test func keepAliveProbesAreNotRetransmissions() {
        let c = conversation(requestParts: ["abc"], response: "ok")
        var tracker = ConnectionTracker()
        var r = Recorder()
        for (i, s) in (c.handshake + c.requestSegments + [seg(client, 1003, .ack, "c"), seg(client, 1003, .ack)])
            .enumerated()
        {
            tracker.process(s, origin: StreamOrigin(timestamp: Timestamp(seconds: 1), frame: i + 1), into: &r)
        }
        tracker.finish(into: &r)
        #expect(tracker.statistics.keepAliveProbes == 2)
        #expect(tracker.statistics.retransmittedSegments == 0)
        #expect(r.anomalies.isEmpty)
    }

    @Test func connectionTableIsBounded() {
        var limits = ReassemblyLimits()
        limits.maxConnections = 100
        var tracker = ConnectionTracker(limits: limits)
        var r = Recorder()
        for i in 0..<1000 {
            let from = Endpoint(address: .v4(0x0A00_0000 + UInt32(i)), port: 40_000)
            let s = TCPSegment(
                source: from, destination: server, sequenceNumber: 1, acknowledgmentNumber: 0, flags: .syn, window: 1,
                payload: [])
            tracker.process(s, origin: StreamOrigin(timestamp: Timestamp(seconds: Int64(i)), frame: i + 1), into: &r)
            #expect(tracker.trackedConnectionCount <= 100)
        }
        tracker.finish(into: &r)
        #expect(tracker.statistics.evictedConnections > 0)
        #expect(r.refused.count == 1000)  // every attempt is still reported
    }

    @Test func synAnsweredByResetIsRefused() {
        let r = run([seg(client, 77, .syn), seg(server, 0, [.rst, .ack], ack: 78)])
        #expect(r.opened.isEmpty)
        #expect(r.refused.count == 1)
        #expect(r.refused.first?.kind == .reset)
        #expect(r.refused.first?.reset?.frame == 2)
    }

    @Test func unansweredSynsAreRefusedAtEndOfCapture() {
        let r = run([seg(client, 77, .syn), seg(client, 77, .syn), seg(client, 77, .syn)])
        #expect(r.refused.count == 1)
        #expect(r.refused.first?.kind == .unanswered)
        #expect(r.refused.first?.synFrames == [1, 2, 3])
    }

    @Test func resetAfterRequestEndsBothDirections() {
        let c = conversation(requestParts: ["POST / HTTP/1.1\r\n\r\n"], response: "")
        let r = run(c.handshake + c.requestSegments + [seg(server, 5001, [.rst, .ack])])
        #expect(r.text(0, .clientToServer) == "POST / HTTP/1.1\r\n\r\n")
        guard case .reset(by: .serverToClient, _) = r.closed[0] else {
            Issue.record("got \(String(describing: r.closed[0]))")
            return
        }
    }

    @Test func midStreamCaptureUsesContentForRoles() {
        // The capture starts with the server's response; ports would say otherwise (server on an ephemeral-looking port).
        let a = Endpoint(address: .v4(0x0A00_0001), port: 40_000)
        let b = Endpoint(address: .v4(0x0A00_0002), port: 50_000)
        let response = TCPSegment(
            source: b, destination: a, sequenceNumber: 9, acknowledgmentNumber: 0, flags: [.ack, .psh], window: 1,
            payload: ArraySlice(Array("HTTP/1.1 200 OK\r\n\r\n".utf8)))
        let r = run([response])
        #expect(r.opened.first?.server == b)
        #expect(r.opened.first?.roleEvidence == .content)
        #expect(r.text(0, .serverToClient) == "HTTP/1.1 200 OK\r\n\r\n")
    }

    @Test func portReuseStartsANewConnection() {
        let first = conversation(clientISN: 100, requestParts: ["one"], response: "1")
        let second = conversation(clientISN: 900_000, requestParts: ["two"], response: "2")
        let r = run(
            first.handshake + first.requestSegments + first.tail + second.handshake + second.requestSegments
                + second.tail)
        #expect(r.opened.count == 2)
        #expect(r.text(0, .clientToServer) == "one")
        #expect(r.text(1, .clientToServer) == "two")
    }

    @Test func tcpFastOpenDataOnSyn() {
        let r = run([
            seg(client, 10, .syn, "GET / HTTP/1.1\r\n\r\n"), seg(server, 50, [.syn, .ack]),
            seg(server, 51, [.psh, .ack], "HTTP/1.1 204 No Content\r\n\r\n"),
        ])
        #expect(r.text(0, .clientToServer) == "GET / HTTP/1.1\r\n\r\n")
        #expect(r.text(0, .serverToClient) == "HTTP/1.1 204 No Content\r\n\r\n")
    }

    /// Random splits, duplications and reorderings within small windows of a long stream.
    @Test(arguments: 0..<20)
    func randomSplitsDuplicatesAndReordering(seed: UInt64) {
        var rng = SplitMix64.forTest(seed: seed)
        let payload = (0..<3000).map { _ in UInt8.random(in: 0x61...0x7A, using: &rng) }
        let isn = UInt32.random(in: 0...UInt32.max, using: &rng)
        var segments: [TCPSegment] = []
        var position = 0
        while position < payload.count {
            let size = Int.random(in: 1...200, using: &rng)
            let end = min(payload.count, position + size)
            segments.append(
                TCPSegment(
                    source: client, destination: server, sequenceNumber: isn &+ 1 &+ UInt32(position),
                    acknowledgmentNumber: 0,
                    flags: [.ack], window: 1, payload: ArraySlice(payload[position..<end])))
            position = end
        }
        var shuffled: [TCPSegment] = []
        for s in segments {
            shuffled.append(s)
            if Bool.random(using: &rng) { shuffled.append(s) }
        }
        // Reorder within windows of 4.
        var i = 0
        while i < shuffled.count {
            let end = min(shuffled.count, i + 4)
            shuffled[i..<end].shuffle(using: &rng)
            i = end
        }
        let r = run([seg(client, isn, .syn), seg(server, 1, [.syn, .ack])] + shuffled)
        #expect(r.streams[0]?[.clientToServer] == payload, rng.comment)
    }
}

func permutations<T>(_ items: [T]) -> [[T]] {
    guard items.count > 1 else { return [items] }
    var result: [[T]] = []
    for (i, item) in items.enumerated() {
        var rest = items
        rest.remove(at: i)
        for p in permutations(rest) { result.append([item] + p) }
    }
    return result
}
