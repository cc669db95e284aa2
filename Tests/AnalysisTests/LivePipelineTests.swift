import Analysis
import CaptureModel
import Diagnosis
import ReportModel
import TestSupport
import Testing

/// One TCP connection written packet by packet with correct sequence numbers, at given times
/// (seconds after `base`).
private struct Conversation {
    let client = Endpoint(address: PacketBuilder.ipv4("10.0.0.1"), port: 40_000)
    let server = Endpoint(address: PacketBuilder.ipv4("10.0.0.2"), port: 9000)
    let base = Timestamp(seconds: 1_700_000_000)
    var clientSeq: UInt32 = 1000
    var serverSeq: UInt32 = 5000
    var frame = 0

    mutating func packet(at seconds: Double, fromClient: Bool, flags: TCPFlags = [.ack, .psh], payload: [UInt8] = [])
        -> CapturedPacket
    {
        frame += 1
        let seq = fromClient ? clientSeq : serverSeq
        let ack = fromClient ? serverSeq : clientSeq
        let consumed = UInt32(payload.count) + (flags.contains(.syn) || flags.contains(.fin) ? 1 : 0)
        if fromClient { clientSeq &+= consumed } else { serverSeq &+= consumed }
        return PacketBuilder.tcpPacket(
            frameNumber: frame, timestamp: base.adding(seconds: seconds), source: fromClient ? client : server,
            destination: fromClient ? server : client, sequenceNumber: seq,
            acknowledgmentNumber: flags == [.syn] ? 0 : ack,
            flags: flags, payload: payload)
    }

    /// SYN, SYN-ACK, ACK at 0, then an OSS callback request at 0.001.
    mutating func openWithCallback() -> [CapturedPacket] {
        let body = Array("bucket=b&object=o".utf8)
        let head =
            "POST /cb HTTP/1.1\r\nHost: 10.0.0.2:9000\r\nUser-Agent: aliyun-oss-callback\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.count)\r\n\r\n"
        return [
            packet(at: 0, fromClient: true, flags: [.syn]),
            packet(at: 0, fromClient: false, flags: [.syn, .ack]),
            packet(at: 0, fromClient: true, flags: [.ack]),
            packet(at: 0.001, fromClient: true, payload: Array(head.utf8) + body),
        ]
    }

    static let goodResponse = Array(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\nConnection: close\r\n\r\n{\"Status\":\"OK\"}"
            .utf8)
}

/// Runs packets through a pipeline, calling `advance` every `tick` seconds of capture time
/// between packets (as the live loop does), and records the events.
private func run(
    _ packets: [CapturedPacket], tickEvery tick: Double?, until end: Double, threshold: Double = 5
) -> (events: [PipelineEvent], analysis: CaptureAnalysis) {
    var options = AnalysisOptions()
    options.diagnosis.latencyThresholdSeconds = threshold
    var pipeline = PacketPipeline(capture: "test", options: options)
    var events: [PipelineEvent] = []
    let observer: (PipelineEvent) -> Void = { events.append($0) }
    let base = Timestamp(seconds: 1_700_000_000)
    var next = 0
    var now = 0.0
    while now <= end {
        while next < packets.count, packets[next].timestamp <= base.adding(seconds: now) {
            pipeline.process(packets[next], observer: observer)
            next += 1
        }
        if tick != nil { pipeline.advance(to: base.adding(seconds: now), observer: observer) }
        now += tick ?? 0.1
    }
    while next < packets.count {
        pipeline.process(packets[next], observer: observer)
        next += 1
    }
    pipeline.finish(observer: observer)
    return (events, pipeline.result(into: CaptureSummary(path: "test")))
}

private func rules(_ d: DiagnosedExchange) -> [String] { d.findings.map(\.rule.rawValue) }

@Suite("PacketPipeline live time tick")
struct LivePipelineTests {
    @Test("a callback without a response is reported overdue once, just after 5 s, and stays no-response")
    func silentServer() {
        var c = Conversation()
        var packets = c.openWithCallback()
        packets.append(c.packet(at: 7.0, fromClient: true, flags: [.fin, .ack]))  // OSS gives up later
        packets.append(c.packet(at: 7.001, fromClient: false, flags: [.fin, .ack]))
        packets.append(c.packet(at: 7.002, fromClient: true, flags: [.ack]))
        let (events, analysis) = run(packets, tickEvery: 0.1, until: 8)

        var overdue: [DiagnosedExchange] = []
        var finished: [(DiagnosedExchange, DiagnosedExchange?)] = []
        for event in events {
            switch event {
            case .overdue(let d): overdue.append(d)
            case .finished(let d, let earlier): finished.append((d, earlier))
            }
        }
        #expect(overdue.count == 1)
        #expect(overdue.first.map(rules) == ["no-response"])
        #expect(overdue.first?.findings.first?.message.hasPrefix("No response 5.") == true)
        #expect(overdue.first?.findings.first?.ossError?.contains("reply timeout") == true)
        // Overdue came before the final verdict, which names the earlier one.
        guard case .overdue = events.first else {
            Issue.record("the first event should be the overdue line, got \(events)")
            return
        }
        #expect(finished.count == 1)
        #expect(finished.first.map { rules($0.0) } == ["no-response"])
        #expect(finished.first?.1.map(rules) == ["no-response"])
        #expect(analysis.exchanges.map { rules($0.diagnosed) } == [["no-response"]])
    }

    @Test("no overdue line before the threshold: a response at 4.5 s passes")
    func responseInTime() {
        var c = Conversation()
        var packets = c.openWithCallback()
        packets.append(c.packet(at: 4.5, fromClient: false, payload: Conversation.goodResponse))
        packets.append(c.packet(at: 4.501, fromClient: true, flags: [.fin, .ack]))
        packets.append(c.packet(at: 4.502, fromClient: false, flags: [.fin, .ack]))
        let (events, analysis) = run(packets, tickEvery: 0.1, until: 10)
        #expect(!events.contains { if case .overdue = $0 { true } else { false } })
        #expect(analysis.exchanges.count == 1)
        #expect(analysis.exchanges.first?.diagnosed.outcome == .passed)
    }

    @Test("a late response: overdue no-response at 5 s, then the final slow-response names it")
    func lateResponse() {
        var c = Conversation()
        var packets = c.openWithCallback()
        packets.append(c.packet(at: 6.0, fromClient: false, payload: Conversation.goodResponse))
        packets.append(c.packet(at: 6.001, fromClient: true, flags: [.fin, .ack]))
        packets.append(c.packet(at: 6.002, fromClient: false, flags: [.fin, .ack]))
        let (events, analysis) = run(packets, tickEvery: 0.1, until: 7)
        #expect(events.count == 2)
        guard events.count == 2, case .overdue(let early) = events[0],
            case .finished(let final, let earlier) = events[1]
        else {
            Issue.record("expected overdue then finished, got \(events)")
            return
        }
        #expect(rules(early) == ["no-response"])
        // The fixture's callback carries no authorization header: answered 200, it is also
        // unsigned-callback-accepted.
        #expect(rules(final) == ["slow-response", "unsigned-callback-accepted"])
        #expect(earlier.map(rules) == ["no-response"])
        #expect(analysis.exchanges.map { rules($0.diagnosed) } == [["slow-response", "unsigned-callback-accepted"]])
    }

    @Test("a response that began but has not completed at 5 s is overdue as slow-response")
    func responseStillArriving() {
        var c = Conversation()
        var packets = c.openWithCallback()
        // The head and 5 of the 15 body bytes at 1 s, the rest at 6 s.
        let response = Conversation.goodResponse
        let cut = response.count - 10
        packets.append(c.packet(at: 1.0, fromClient: false, payload: Array(response.prefix(cut))))
        packets.append(c.packet(at: 6.0, fromClient: false, payload: Array(response.dropFirst(cut))))
        let (events, _) = run(packets, tickEvery: 0.1, until: 6.5)
        guard case .overdue(let early)? = events.first else {
            Issue.record("expected an overdue event first, got \(events)")
            return
        }
        #expect(rules(early) == ["slow-response"])
    }

    @Test("when OSS has already closed, the overdue verdict is what the rules say with what is known")
    func ossClosedServerStillOpen() {
        var c = Conversation()
        var packets = c.openWithCallback()
        packets.append(c.packet(at: 5.0, fromClient: true, flags: [.fin, .ack]))  // OSS gives up; server never closes
        let (events, _) = run(packets, tickEvery: 0.1, until: 6)
        guard case .overdue(let early)? = events.first else {
            Issue.record("expected an overdue event first, got \(events)")
            return
        }
        #expect(rules(early) == ["no-response"])
        #expect(early.findings.first?.message.contains("the client (OSS) closed the connection") == true)
    }

    @Test("the time tick never changes the result: with and without it the exchanges are equal")
    func tickDoesNotChangeTheReport() {
        var c = Conversation()
        var packets = c.openWithCallback()
        packets.append(c.packet(at: 6.0, fromClient: false, payload: Conversation.goodResponse))
        packets.append(c.packet(at: 6.001, fromClient: true, flags: [.fin, .ack]))
        packets.append(c.packet(at: 6.002, fromClient: false, flags: [.fin, .ack]))
        let ticking = run(packets, tickEvery: 0.05, until: 7).analysis
        let plain = run(packets, tickEvery: nil, until: 7).analysis
        #expect(ticking.exchanges == plain.exchanges)
        #expect(ticking.summary == plain.summary)
    }

    @Test("--latency-threshold moves the moment a callback is overdue")
    func thresholdIsHonoured() {
        var c = Conversation()
        let packets = c.openWithCallback()
        let (early, _) = run(packets, tickEvery: 0.1, until: 1.9, threshold: 2)
        #expect(!early.contains { if case .overdue = $0 { true } else { false } })
        let (late, _) = run(packets, tickEvery: 0.1, until: 2.2, threshold: 2)
        #expect(late.contains { if case .overdue = $0 { true } else { false } })
    }
}

@Suite("CaptureClock")
struct CaptureClockTests {
    let wall = Timestamp(seconds: 1_800_000_000)

    @Test("before any packet it is the wall clock")
    func wallClockFirst() {
        var clock = CaptureClock()
        #expect(clock.now(monotonicNanoseconds: 5, wallClock: wall) == wall)
    }

    @Test("after a packet: its time stamp plus the monotonic time elapsed since it arrived")
    func mapsElapsedTime() {
        var clock = CaptureClock()
        let packetTime = Timestamp(seconds: 1_700_000_000, nanoseconds: 900_000_000)
        clock.observe(packetTime: packetTime, monotonicNanoseconds: 1_000_000_000)
        // The wall clock is ignored once a packet anchors the capture clock (it may have been stepped).
        let now = clock.now(monotonicNanoseconds: 3_500_000_000, wallClock: wall)
        #expect(now == Timestamp(seconds: 1_700_000_003, nanoseconds: 400_000_000))
    }

    @Test("it never goes back: not before the latest packet, not before an earlier answer")
    func monotonic() {
        var clock = CaptureClock()
        clock.observe(packetTime: Timestamp(seconds: 100), monotonicNanoseconds: 10_000_000_000)
        let first = clock.now(monotonicNanoseconds: 12_000_000_000, wallClock: wall)
        #expect(first == Timestamp(seconds: 102))
        // A packet stamped earlier than "now" (delivered late) does not move the clock back.
        clock.observe(packetTime: Timestamp(seconds: 101), monotonicNanoseconds: 12_000_000_000)
        #expect(clock.now(monotonicNanoseconds: 12_000_000_000, wallClock: wall) == Timestamp(seconds: 102))
        #expect(
            clock.now(monotonicNanoseconds: 12_500_000_000, wallClock: wall)
                == Timestamp(seconds: 102, nanoseconds: 500_000_000))
        // A monotonic reading from before the anchor (never expected) does not either.
        #expect(
            clock.now(monotonicNanoseconds: 11_000_000_000, wallClock: wall)
                == Timestamp(seconds: 102, nanoseconds: 500_000_000))
    }
}
