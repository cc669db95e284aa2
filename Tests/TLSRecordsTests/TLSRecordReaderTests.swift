import TCPReassembly
import TestSupport
import Testing

@testable import TLSRecords

/// Feeds `stream` to a reader in the given pieces; returns every event.
private func read(_ pieces: [[UInt8]], gapsAfter: [Int: Int64] = [:]) -> [TLSRecordEvent] {
    var reader = TLSRecordReader()
    var events: [TLSRecordEvent] = []
    for (i, piece) in pieces.enumerated() {
        reader.feed(piece[...], origin: TLSBytes.origin(Double(i), frame: i + 1), into: &events)
        if let gap = gapsAfter[i] { reader.skip(gap, origin: TLSBytes.origin(Double(i), frame: i + 1), into: &events) }
    }
    return events
}

private func records(_ events: [TLSRecordEvent]) -> [TLSRecord] {
    events.compactMap { if case .record(let r) = $0 { r } else { nil } }
}

private func hellos(_ events: [TLSRecordEvent]) -> [(TLSHandshakeType, [UInt8])] {
    events.compactMap { if case .handshakeMessage(let t, let b, _) = $0 { (t, b) } else { nil } }
}

@Suite struct TLSRecordReaderTests {
    static let flight =
        TLSBytes.clientHelloRecord(sni: "callback.example.com") + TLSBytes.changeCipherSpec
        + TLSBytes.applicationData(53) + TLSBytes.applicationData(300)

    @Test func wholeStreamGivesRecordsAndTheHello() throws {
        let events = read([Self.flight])
        let recs = records(events)
        #expect(recs.map(\.header.type) == [22, 20, 23, 23])
        #expect(recs.map(\.header.length) == [recs[0].header.length, 1, 53, 300])
        #expect(recs[1].offset == Int64(5 + recs[0].header.length))
        let found = hellos(events)
        try #require(found.count == 1)
        #expect(found[0].0 == .clientHello)
        #expect(try TLSClientHello(body: found[0].1).serverName == "callback.example.com")
    }

    /// Every split of the stream into two TCP segments gives the same records and hello.
    @Test func everySplitPointGivesTheSameRecords() {
        let reference = records(read([Self.flight])).map { "\($0.header.type)/\($0.header.length)/\($0.offset)" }
        let referenceHello = hellos(read([Self.flight])).map(\.1)
        for cut in 1..<Self.flight.count {
            let events = read([Array(Self.flight[..<cut]), Array(Self.flight[cut...])])
            #expect(
                records(events).map { "\($0.header.type)/\($0.header.length)/\($0.offset)" } == reference, "cut \(cut)")
            #expect(hellos(events).map(\.1) == referenceHello, "cut \(cut)")
        }
    }

    /// A gap that runs past a record's end: the record is still reported (its header said where it
    /// ends), then the stream is lost from that end — the same events however the gap is split.
    /// Found by the `tls` fuzz target (`01000b170303000aaaaaaaaaaaaa0407` once gave only `.lost`).
    @Test func aGapPastARecordsEndReportsTheRecordThenLoses() {
        let record = TLSBytes.applicationData(10)  // 15 bytes; the first 8 are fed
        let head = Array(record[..<8])
        func describe(_ events: [TLSRecordEvent]) -> [String] {
            events.map {
                switch $0 {
                case .record(let r): "record \(r.header.type)/\(r.header.length) at \(r.offset)"
                case .lost(let offset): "lost at \(offset)"
                default: "other"
                }
            }
        }
        let whole = describe(read([head], gapsAfter: [0: 11]))
        #expect(whole == ["record 23/10 at 0", "lost at 15"])
        var reader = TLSRecordReader()
        var split: [TLSRecordEvent] = []
        reader.feed(head[...], origin: TLSBytes.origin(0, frame: 1), into: &split)
        reader.skip(7, origin: TLSBytes.origin(0, frame: 1), into: &split)
        reader.skip(4, origin: TLSBytes.origin(0, frame: 1), into: &split)
        #expect(describe(split) == whole)
    }

    @Test func byteByByteFeedingTimesRecordsByTheirFirstAndLastByte() {
        let bytes = TLSBytes.applicationData(3)  // 8 bytes
        let recs = records(read(bytes.map { [$0] }))
        #expect(recs.count == 1)
        #expect(recs.first?.start.frame == 1)
        #expect(recs.first?.end.frame == 8)
    }

    /// RFC 8446 §5.1: a handshake message may be fragmented across records.
    @Test func clientHelloSplitAcrossTwoRecords() throws {
        let message = TLSBytes.handshake(1, TLSBytes.clientHelloBody(sni: "split.example", paddingExtensionBytes: 400))
        let half = message.count / 2
        let stream = TLSBytes.record(22, Array(message[..<half])) + TLSBytes.record(22, Array(message[half...]))
        for cut in [1, 5, half, half + 5, half + 7, stream.count - 1] {
            let events = read([Array(stream[..<cut]), Array(stream[cut...])])
            let found = hellos(events)
            try #require(found.count == 1, "cut \(cut)")
            #expect(try TLSClientHello(body: found[0].1).serverName == "split.example")
            #expect(records(events).count == 2)
        }
    }

    /// TLS 1.2 servers coalesce ServerHello, Certificate, … into one record.
    @Test func serverHelloCoalescedWithOtherMessages() throws {
        let messages =
            TLSBytes.handshake(2, TLSBytes.serverHelloBody(selected: nil))
            + TLSBytes.handshake(11, [UInt8](repeating: 7, count: 900))
            + TLSBytes.handshake(14, [])
        let events = read([TLSBytes.record(22, messages)])
        let found = hellos(events)
        try #require(found.count == 1)
        #expect(try TLSServerHello(body: found[0].1).negotiatedVersion == .tls12)
    }

    @Test func plaintextAlertIsRead() {
        let recs = records(read([TLSBytes.alert(level: 2, code: 112)]))
        #expect(recs.first?.alert == TLSAlert(level: 2, code: 112))
        // An encrypted (longer) alert record is framed but not read.
        let encrypted = records(read([TLSBytes.record(21, [UInt8](repeating: 9, count: 26))]))
        #expect(encrypted.first?.alert == nil && encrypted.first?.header.length == 26)
    }

    @Test func garbageStopsTheReader() {
        let events = read([Array("GET / HTTP/1.1\r\n\r\n".utf8)])
        guard case .malformed(let reason, let offset)? = events.first else {
            Issue.record("expected malformed, got \(events)")
            return
        }
        #expect(offset == 0)
        #expect(reason.contains("unknown record type 71"))
        #expect(events.count == 1)
    }

    @Test func oversizedRecordLengthIsMalformed() {
        let events = read([
            TLSBytes.applicationData(10) + [0x17, 0x03, 0x03, 0xFF, 0xFF] + [UInt8](repeating: 0, count: 40)
        ])
        #expect(records(events).count == 1)
        guard case .malformed(let reason, let offset)? = events.last else {
            Issue.record("expected malformed, got \(events)")
            return
        }
        #expect(offset == 15)
        #expect(reason.contains("65535"))
    }

    @Test func helloOverTheBoundIsSkippedNotKept() {
        var reader = TLSRecordReader()
        reader.maxHelloBytes = 100
        var events: [TLSRecordEvent] = []
        let stream = TLSBytes.clientHelloRecord(sni: "a.example") + TLSBytes.changeCipherSpec
        reader.feed(stream[...], origin: TLSBytes.origin(0, frame: 1), into: &events)
        #expect(hellos(events).isEmpty)
        #expect(events.contains { if case .handshakeMessageLost(.clientHello, _) = $0 { true } else { false } })
        #expect(records(events).count == 2)
    }

    @Test func gapInsideABodyKeepsTheFraming() {
        let first = TLSBytes.applicationData(100)
        // 60 bytes of the first record's body are missing; the next record still frames.
        let events = read(
            [Array(first.prefix(20)), Array(first.dropFirst(80)) + TLSBytes.applicationData(7)], gapsAfter: [0: 60])
        #expect(records(events).map(\.header.length) == [100, 7])
    }

    @Test func gapOverARecordHeaderLosesTheFraming() {
        let events = read([TLSBytes.applicationData(10), TLSBytes.applicationData(10)], gapsAfter: [0: 3])
        #expect(records(events).count == 1)
        #expect(events.contains { if case .lost(15)? = Optional($0) { true } else { false } })
    }

    @Test func gapInTheHelloLosesTheHelloButNotTheRecords() {
        let hello = TLSBytes.clientHelloRecord(sni: "gap.example")
        let events = read(
            [Array(hello.prefix(30)), Array(hello.dropFirst(40)) + TLSBytes.changeCipherSpec], gapsAfter: [0: 10])
        #expect(hellos(events).isEmpty)
        #expect(records(events).count == 2)
        #expect(events.contains { if case .handshakeMessageLost(.clientHello, _) = $0 { true } else { false } })
    }
}
