// libFuzzer target (d): the TLS record layer — TLSRecordReader, TLSConnectionTracker and the
// ClientHello / ServerHello parsers — fed arbitrary byte streams in both directions.
//
// Byte 0 picks the mode (bits 6–7):
//   0, 1  stream: the rest is a list of items, two control bytes each (see fuzz/make-seeds.py):
//           c0: bit 0 direction (0 = client→server); bits 1–2 kind: 0/1 data, 2 gap, 3 end;
//               bits 3–7 split seed
//           c1: data: payload length (cut to what is left), then the payload;
//               gap: its length, 1–255, or 0 = a little-endian u16 follows (0 there = 2^32);
//               end: c1 % 5 = FIN by this direction, RST by it, RST by the other, end of
//               capture, idle timeout (anything but a FIN ends the item list).
//         Byte 0's low bits set the reader's bounds: maxHellos = (b & 3) + 1, maxHelloBytes =
//         [65536, 300, 40, 0][(b >> 2) & 3].
//   2     hello: the rest is one hello body, parsed as a ClientHello and as a ServerHello.
//   3     build: ClientHello and ServerHello fields are drawn from the input, the hellos are
//         serialised by this harness, split into records at input-chosen sizes, read back through
//         a TLSRecordReader and parsed; the fields must come back.
//
// Checked, beyond "no trap / no ASan report":
// - reader: feeding each data item whole or in pieces (split points from the input, same
//   origin) gives the same events, offset and record count; records tile the stream from offset
//   0, each header re-parses from the bytes at its offset, record start/end origins are those of
//   the items that carried the header's first and the record's last byte; a plaintext alert is
//   reported exactly when the record is a complete 2-byte alert; nothing follows `.malformed` /
//   `.lost`, which happen only where the framing needs a non-header / a missing byte; the hello
//   messages equal those of a whole-buffer reference parse of the handshake records' bytes (when
//   the direction has no gaps), with the origin of their first header byte;
// - tracker: the session is the same whether data comes whole or in pieces; finish() is
//   idempotent; its record counters equal the readers'; a request implies a completed handshake,
//   a response a request, late records a client close; counters are never negative and run sizes
//   are bounded by the record lengths; the estimated latency is never negative (time only moves
//   forward); the ClientHello / ServerHello kept are parses of hellos the readers reported;
// - hello parsers: deterministic; the SNI has at most 255 scalars and, when valid UTF-8, occurs
//   in the body; ALPN ≤ 16 names of ≤ 64 scalars; supported_versions ≤ 16 and no GREASE; the
//   cipher suites fit in the body; build mode's fields round-trip.
// A violation prints what broke and aborts, so libFuzzer keeps the input as a crash artifact.
#if canImport(Glibc)
import Glibc
#endif
import CaptureModel
import TCPReassembly
import TLSRecords

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        print("tls fuzz: \(message())")
        fatalError("invariant broken")
    }
}

/// FUZZ_VERBOSE=1 prints what each input produced (to check that seeds reach the handshake).
private let verbose = getenv("FUZZ_VERBOSE") != nil

private let t0: Int64 = 1_700_000_000
private func origin(_ frame: Int) -> StreamOrigin { StreamOrigin(timestamp: Timestamp(seconds: t0 + Int64(frame)), frame: frame) }

// MARK: - Input

private enum Item {
    case data(StreamDirection, ArraySlice<UInt8>, split: UInt8)
    case gap(StreamDirection, Int64)
    case end(StreamDirection, StreamEnd)
}

/// The items as TCP reassembly would deliver them: nothing from a direction after its FIN,
/// nothing at all after a reset, end of capture or idle timeout.
private func items(_ input: [UInt8]) -> [Item] {
    var result: [Item] = []
    var finished: Set<StreamDirection> = []
    var index = 1
    while index + 2 <= input.count {
        let c0 = input[index], c1 = input[index + 1]
        index += 2
        let direction: StreamDirection = c0 & 1 == 0 ? .clientToServer : .serverToClient
        let frame = result.count + 1
        switch (c0 >> 1) & 3 {
        case 0, 1:
            let length = min(Int(c1), input.count - index)
            let bytes = input[index..<(index + length)]
            index += length
            if !finished.contains(direction) { result.append(.data(direction, bytes, split: c0 >> 3)) }
        case 2:
            var length = Int64(c1)
            if c1 == 0 {
                guard index + 2 <= input.count else { return result }
                length = Int64(input[index]) | Int64(input[index + 1]) << 8
                if length == 0 { length = 1 << 32 }
                index += 2
            }
            if !finished.contains(direction) { result.append(.gap(direction, length)) }
        default:
            switch c1 % 5 {
            case 0:
                if !finished.contains(direction) {
                    finished.insert(direction)
                    result.append(.end(direction, .fin(origin(frame))))
                }
            case 1: result.append(.end(direction, .reset(by: direction, origin(frame)))); return result
            case 2: result.append(.end(direction, .reset(by: direction.reversed, origin(frame)))); return result
            case 3: result.append(.end(direction, .endOfCapture)); return result
            default: result.append(.end(direction, .idleTimeout(origin(frame)))); return result
            }
        }
    }
    return result
}

/// Piece lengths for one data item: from a hash of the bytes and the item's split seed, so a
/// crash reproduces exactly. Seed 0 keeps the item whole; odd seeds cut 1-byte pieces at first.
private func pieces(_ bytes: ArraySlice<UInt8>, seed: UInt8) -> [ArraySlice<UInt8>] {
    guard seed != 0, bytes.count > 1 else { return [bytes] }
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(seed)
    for byte in bytes.prefix(64) { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
    var result: [ArraySlice<UInt8>] = []
    var start = bytes.startIndex
    while start < bytes.endIndex {
        hash = hash &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let length = seed & 1 == 1 && result.count < 8 ? 1 : Int(hash >> 58) + 1  // 1…64
        let end = min(bytes.endIndex, start + length)
        result.append(bytes[start..<end])
        start = end
    }
    return result
}

// MARK: - One direction's stream, for the reader checks

/// A direction's stream as runs of bytes (or missing bytes) with the frame that carried them.
private struct Stream {
    struct Run {
        var start: Int64
        var length: Int64
        var bytes: ArraySlice<UInt8>?
        var frame: Int
    }
    var runs: [Run] = []
    var total: Int64 = 0
    var hasGaps = false

    mutating func append(_ bytes: ArraySlice<UInt8>?, length: Int64, frame: Int) {
        guard length > 0 else { return }
        runs.append(Run(start: total, length: length, bytes: bytes, frame: frame))
        total += length
        if bytes == nil { hasGaps = true }
    }

    func runIndex(at offset: Int64) -> Int? {
        guard offset >= 0, offset < total else { return nil }
        var low = 0, high = runs.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if runs[mid].start <= offset { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// The byte at `offset`: nil when it is in a gap (or past the end).
    func byte(at offset: Int64) -> UInt8? {
        guard let i = runIndex(at: offset), let bytes = runs[i].bytes else { return nil }
        return bytes[bytes.startIndex + Int(offset - runs[i].start)]
    }

    func isMissing(_ offset: Int64) -> Bool {
        guard let i = runIndex(at: offset) else { return false }
        return runs[i].bytes == nil
    }

    func frame(at offset: Int64) -> Int? { runIndex(at: offset).map { runs[$0].frame } }

    /// `count` bytes from `offset`, or nil if any is missing or past the end.
    func bytes(at offset: Int64, count: Int) -> [UInt8]? {
        var out: [UInt8] = []
        for o in offset..<(offset + Int64(count)) {
            guard let b = byte(at: o) else { return nil }
            out.append(b)
        }
        return out
    }
}

private struct ReaderRun {
    var events: [TLSRecordEvent] = []
    var offset: Int64 = 0
    var recordCount = 0
    var stopped = false
}

private func runReader(
    _ items: [Item], _ direction: StreamDirection, maxHellos: Int, maxHelloBytes: Int, split: Bool
) -> ReaderRun {
    var reader = TLSRecordReader()
    reader.maxHellos = maxHellos
    reader.maxHelloBytes = maxHelloBytes
    var events: [TLSRecordEvent] = []
    for (n, item) in items.enumerated() {
        let o = origin(n + 1)
        switch item {
        case .data(let d, let bytes, let seed) where d == direction:
            if split {
                for piece in pieces(bytes, seed: seed) { reader.feed(piece, origin: o, into: &events) }
            } else {
                reader.feed(bytes, origin: o, into: &events)
            }
        case .gap(let d, let length) where d == direction:
            reader.skip(length, origin: o, into: &events)
        default:
            break
        }
    }
    return ReaderRun(events: events, offset: reader.offset, recordCount: reader.recordCount, stopped: reader.isStopped)
}

private func describe(_ event: TLSRecordEvent) -> String {
    switch event {
    case .record(let r): "record(type \(r.header.type), \(r.header.length) bytes at \(r.offset), frames \(r.start.frame)–\(r.end.frame))"
    case .handshakeMessage(let type, let body, let o): "hello(\(type), \(body.count) bytes, frame \(o.frame))"
    case .handshakeMessageLost(let type, let reason): "hello lost(\(type): \(reason))"
    case .malformed(let reason, let offset): "malformed(\(reason) at \(offset))"
    case .lost(let offset): "lost(at \(offset))"
    }
}

/// RFC 8446 §4.1.3: the random of a HelloRetryRequest.
private let helloRetryRandom: [UInt8] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
]

/// Whether the last hello reported so far is a HelloRetryRequest: a ChangeCipherSpec right after
/// one (TLS 1.3 middlebox compatibility, RFC 8446 Appendix D.4) does not end the plaintext hellos.
private func lastHelloIsRetryRequest(_ events: [HelloEvent]) -> Bool {
    for event in events.reversed() {
        if case .hello(let type, let body, _) = event {
            return type == .serverHello && body.count >= 34 && Array(body[2..<34]) == helloRetryRandom
        }
    }
    return false
}

/// Reference for the hello messages: the handshake records' bytes put back to back (up to the
/// direction's ChangeCipherSpec, unless it follows a HelloRetryRequest), then split into messages
/// in one pass.
private enum HelloEvent: Equatable {
    case hello(TLSHandshakeType, [UInt8], frame: Int)
    case lost(TLSHandshakeType)
}

private func checkReader(_ items: [Item], _ direction: StreamDirection, maxHellos: Int, maxHelloBytes: Int) -> ReaderRun {
    var stream = Stream()
    for (n, item) in items.enumerated() {
        switch item {
        case .data(let d, let bytes, _) where d == direction: stream.append(bytes, length: Int64(bytes.count), frame: n + 1)
        case .gap(let d, let length) where d == direction: stream.append(nil, length: length, frame: n + 1)
        default: break
        }
    }
    let whole = runReader(items, direction, maxHellos: maxHellos, maxHelloBytes: maxHelloBytes, split: false)
    let split = runReader(items, direction, maxHellos: maxHellos, maxHelloBytes: maxHelloBytes, split: true)
    let side = direction == .clientToServer ? "client" : "server"
    check(
        whole.events == split.events,
        "\(side) reader: pieces gave other events:\n  whole \(whole.events.map(describe))\n  split \(split.events.map(describe))")
    check(whole.offset == split.offset && whole.recordCount == split.recordCount && whole.stopped == split.stopped, "\(side) reader: pieces gave another state")
    check(whole.offset == stream.total, "\(side) reader: offset \(whole.offset), stream \(stream.total) bytes")

    // Framing.
    var next: Int64 = 0
    var records = 0
    var stopEvent: TLSRecordEvent?
    /// Content of plaintext handshake records, and where each piece of it is in the stream.
    var content: [UInt8] = []
    var contentMap: [(contentStart: Int, streamStart: Int64)] = []
    var messagesOff = false
    func takeHandshakeBody(from start: Int64, to end: Int64) {
        guard !messagesOff, start < end else { return }
        contentMap.append((content.count, start))
        for o in start..<end { content.append(stream.byte(at: o) ?? 0) }
    }
    var helloEvents: [HelloEvent] = []
    for event in whole.events {
        check(stopEvent == nil, "\(side) reader: \(describe(event)) after \(describe(stopEvent!))")
        switch event {
        case .record(let r):
            records += 1
            check(r.offset == next, "\(side) reader: record at \(r.offset), expected at \(next)")
            let headerBytes = stream.bytes(at: r.offset, count: 5)
            check(headerBytes != nil && TLSRecordHeader(headerBytes!) == r.header, "\(side) reader: header at \(r.offset) does not re-parse to \(r.header)")
            check(r.header.length >= 0 && r.header.length <= TLSRecordHeader.maxLength, "\(side) reader: record length \(r.header.length)")
            let last = r.offset + 4 + Int64(r.header.length)
            check(last < stream.total, "\(side) reader: record ends at \(last), past the stream (\(stream.total))")
            check(r.start.frame == stream.frame(at: r.offset), "\(side) reader: record at \(r.offset) starts in frame \(r.start.frame), not \(stream.frame(at: r.offset) ?? -1)")
            check(r.end.frame == stream.frame(at: last), "\(side) reader: record at \(r.offset) ends in frame \(r.end.frame), not \(stream.frame(at: last) ?? -1)")
            var alert: TLSAlert?
            if r.header.contentType == .alert, r.header.length == 2, let a = stream.byte(at: r.offset + 5), let b = stream.byte(at: r.offset + 6) {
                alert = TLSAlert(level: a, code: b)
            }
            check(r.alert == alert, "\(side) reader: alert \(String(describing: r.alert)), expected \(String(describing: alert))")
            if r.header.contentType == .handshake { takeHandshakeBody(from: r.offset + 5, to: last + 1) }
            if r.header.contentType == .changeCipherSpec && !lastHelloIsRetryRequest(helloEvents) { messagesOff = true }
            next = last + 1
        case .handshakeMessage(let type, let body, let o):
            check(body.count <= maxHelloBytes, "\(side) reader: \(body.count)-byte hello over the \(maxHelloBytes)-byte bound")
            helloEvents.append(.hello(type, body, frame: o.frame))
        case .handshakeMessageLost(let type, let reason):
            check(!reason.isEmpty, "empty reason")
            helloEvents.append(.lost(type))
        case .malformed(let reason, let offset):
            stopEvent = event
            check(!reason.isEmpty, "empty reason")
            check(offset == next, "\(side) reader: malformed at \(offset), the next header is at \(next)")
            let header = stream.bytes(at: offset, count: 5)
            check(header != nil && TLSRecordHeader(header!) == nil, "\(side) reader: malformed at \(offset), but the header there parses")
        case .lost(let offset):
            stopEvent = event
            check(offset >= next && stream.isMissing(offset), "\(side) reader: lost at \(offset) (next header at \(next)), not at a missing byte")
        }
    }
    check(records == whole.recordCount, "\(side) reader: \(records) record events, recordCount \(whole.recordCount)")
    check(whole.stopped == (stopEvent != nil), "\(side) reader: isStopped \(whole.stopped) but stop event \(String(describing: stopEvent))")
    if stopEvent == nil, stream.total - next >= 5 {
        // A partial record: its header parsed, its body is not all there.
        let header = stream.bytes(at: next, count: 5).flatMap { TLSRecordHeader($0) }
        check(header != nil, "\(side) reader: no event for the header at \(next)")
        if let header {
            check(next + 5 + Int64(header.length) > stream.total, "\(side) reader: the record at \(next) is complete but was not reported")
            if header.contentType == .handshake { takeHandshakeBody(from: next + 5, to: stream.total) }
        }
    }

    // Hello messages, against the whole-buffer reference (only when no byte is missing: a gap
    // turns the message layer off at a place this reference does not model).
    if !stream.hasGaps {
        func frame(ofContent position: Int) -> Int {
            let piece = contentMap.last { $0.contentStart <= position }!
            return stream.frame(at: piece.streamStart + Int64(position - piece.contentStart))!
        }
        var expected: [HelloEvent] = []
        var position = 0
        var hellos = 0
        while content.count - position >= 4 {
            let type = content[position]
            let length = Int(content[position + 1]) << 16 | Int(content[position + 2]) << 8 | Int(content[position + 3])
            let headerFrame = frame(ofContent: position)
            position += 4
            let helloType = TLSHandshakeType(rawValue: type)
            var keep = helloType != nil
            if let helloType, length > maxHelloBytes {
                expected.append(.lost(helloType))
                keep = false
            }
            guard content.count - position >= length else { break }
            if keep, let helloType {
                expected.append(.hello(helloType, Array(content[position..<(position + length)]), frame: headerFrame))
                hellos += 1
            }
            position += length
            if hellos >= maxHellos { break }
        }
        check(helloEvents == expected, "\(side) reader: hellos \(helloEvents), reference \(expected)")
    }
    return whole
}

// MARK: - Tracker

private func runTracker(_ items: [Item], split: Bool) -> TLSSession {
    var tracker = TLSConnectionTracker()
    for (n, item) in items.enumerated() {
        let o = origin(n + 1)
        switch item {
        case .data(let d, let bytes, let seed):
            if split {
                for piece in pieces(bytes, seed: seed) { tracker.data(direction: d, bytes: piece, origin: o) }
            } else {
                tracker.data(direction: d, bytes: bytes, origin: o)
            }
        case .gap(let d, let length):
            tracker.gap(direction: d, length: length, origin: o)
        case .end(let d, let how):
            tracker.ended(direction: d, how: how)
        }
    }
    let first = tracker.finish()
    let again = tracker.finish()
    check(first == again, "finish() is not idempotent")
    return first
}

private func checkRun(_ run: TLSRecordRun?, _ name: String, frames: Int) {
    guard let run else { return }
    check(run.records >= 1, "\(name): \(run.records) records")
    check(run.bytes >= 0 && run.bytes <= Int64(run.records) * Int64(TLSRecordHeader.maxLength), "\(name): \(run.bytes) bytes in \(run.records) records")
    check(run.firstStart.frame >= 1 && run.firstStart.frame <= run.lastEnd.frame && run.lastEnd.frame <= frames, "\(name): frames \(run.firstStart.frame)–\(run.lastEnd.frame)")
}

private func checkTracker(_ items: [Item], client: ReaderRun, server: ReaderRun) {
    let session = runTracker(items, split: false)
    let split = runTracker(items, split: true)
    check(session == split, "tracker: pieces gave another session:\n  whole \(session)\n  split \(split)")
    let frames = items.count

    check(session.clientRecords == client.recordCount, "tracker: \(session.clientRecords) client records, reader \(client.recordCount)")
    check(session.serverRecords == server.recordCount, "tracker: \(session.serverRecords) server records, reader \(server.recordCount)")
    check(session.postHandshakeServerRecords >= 0, "negative postHandshakeServerRecords")
    check(session.alerts.count <= TLSSession.maxAlertsKept, "\(session.alerts.count) alerts kept")
    for alert in session.alerts {
        check(alert.alert == nil || alert.recordLength == 2, "plaintext alert in a \(alert.recordLength)-byte record")
        check(alert.recordLength >= 0 && alert.origin.frame >= 1 && alert.origin.frame <= frames, "alert \(alert)")
    }
    checkRun(session.request, "request", frames: frames)
    checkRun(session.response, "response", frames: frames)
    checkRun(session.lateServerRecords, "late server records", frames: frames)
    check(
        (session.request?.records ?? 0) <= session.clientRecords,
        "request of \(session.request?.records ?? 0) records, \(session.clientRecords) client records")
    check(
        (session.response?.records ?? 0) + (session.lateServerRecords?.records ?? 0) + session.postHandshakeServerRecords <= session.serverRecords,
        "response, late and post-handshake records exceed the \(session.serverRecords) server records")
    if session.response != nil { check(session.request != nil, "a response without a request") }
    if session.lateServerRecords != nil { check(session.clientClose != nil, "late server records without a client close") }
    if session.request != nil {
        guard case .completed = session.handshake else { check(false, "a request, but the handshake is \(session.handshake)"); return }
    }
    switch session.handshake {
    case .completed(let o):
        check(session.serverHello != nil && session.version != nil, "handshake completed without a ServerHello")
        check(o.frame >= 1 && o.frame <= frames, "completed in frame \(o.frame)")
    case .failed(let failure):
        check(!failure.stage.isEmpty && failure.origin.frame >= 1 && failure.origin.frame <= frames, "failure \(failure)")
    case .incomplete(let reason):
        check(!reason.isEmpty, "incomplete without a reason")
    case .unfinished:
        break
    }
    if let latency = session.estimatedLatencySeconds { check(latency >= 0, "negative estimated latency \(latency)") }
    if let hello = session.serverHello {
        check(!hello.isHelloRetryRequest && session.version == hello.negotiatedVersion, "kept ServerHello \(hello)")
    }

    // The hellos kept are parses of hellos the (default) readers reported.
    if session.clientHello != nil || session.serverHello != nil {
        let clientHellos = runReader(items, .clientToServer, maxHellos: 2, maxHelloBytes: 64 * 1024, split: false).events.compactMap {
            event -> [UInt8]? in
            if case .handshakeMessage(.clientHello, let body, _) = event { body } else { nil }
        }
        let serverHellos = runReader(items, .serverToClient, maxHellos: 2, maxHelloBytes: 64 * 1024, split: false).events.compactMap {
            event -> [UInt8]? in
            if case .handshakeMessage(.serverHello, let body, _) = event { body } else { nil }
        }
        if let hello = session.clientHello {
            check(clientHellos.contains { (try? TLSClientHello(body: $0)) == hello }, "kept ClientHello \(hello) is none of the client's")
        }
        if let hello = session.serverHello {
            check(serverHellos.contains { (try? TLSServerHello(body: $0)) == hello }, "kept ServerHello \(hello) is none of the server's")
        }
    }
    if verbose {
        print(
            "  handshake \(session.handshake.label), version \(session.version?.description ?? "-"), SNI \(session.clientHello?.serverName ?? "-"), records \(session.clientRecords)/\(session.serverRecords), request \(session.request?.records ?? 0), response \(session.response?.records ?? 0), alerts \(session.alerts.count), problem \(session.problem ?? "-")"
        )
    }
}

// MARK: - Hello parsers

private func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool {
    guard !needle.isEmpty else { return true }
    guard needle.count <= hay.count else { return false }
    for i in 0...(hay.count - needle.count) where hay[i..<(i + needle.count)].elementsEqual(needle) { return true }
    return false
}

private func checkHellos(_ body: [UInt8]) {
    let client = Result { () throws(TLSHelloError) in try TLSClientHello(body: body) }
    let clientAgain = Result { () throws(TLSHelloError) in try TLSClientHello(body: body) }
    check(client == clientAgain, "ClientHello parse not deterministic")
    switch client {
    case .success(let hello):
        if let name = hello.serverName {
            check(hello.hasServerNameExtension, "SNI without the extension")
            check(name.unicodeScalars.count <= 255, "SNI of \(name.unicodeScalars.count) scalars")
            if !name.unicodeScalars.contains("\u{FFFD}") {
                check(contains(body, Array(name.utf8)), "SNI \(name) is not in the body")
            }
        }
        check(hello.alpn.count <= 16 && hello.alpn.allSatisfy { $0.unicodeScalars.count <= 64 }, "ALPN \(hello.alpn)")
        check(hello.supportedVersions.count <= 16 && !hello.supportedVersions.contains { $0.isGREASE }, "versions \(hello.supportedVersions)")
        check(hello.cipherSuiteCount >= 0 && 2 + 32 + 1 + 2 + hello.cipherSuiteCount * 2 + 1 <= body.count, "\(hello.cipherSuiteCount) suites in \(body.count) bytes")
        check(hello.highestVersion == (hello.supportedVersions.max() ?? hello.legacyVersion), "highestVersion")
    case .failure(let error):
        check(!error.description.isEmpty, "empty hello error")
    }
    let server = Result { () throws(TLSHelloError) in try TLSServerHello(body: body) }
    let serverAgain = Result { () throws(TLSHelloError) in try TLSServerHello(body: body) }
    check(server == serverAgain, "ServerHello parse not deterministic")
    if case .success(let hello) = server {
        check(body.count >= 38, "ServerHello parsed from \(body.count) bytes")
        let retryRandom: [UInt8] = [
            0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
            0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
        ]
        check(hello.isHelloRetryRequest == body[2..<34].elementsEqual(retryRandom), "HelloRetryRequest flag")
        check(hello.alpn.map { $0.unicodeScalars.count <= 64 } ?? true, "ServerHello ALPN \(hello.alpn ?? "")")
        check(hello.negotiatedVersion == (hello.selectedVersion ?? hello.legacyVersion), "negotiatedVersion")
    }
}

// MARK: - Build mode

/// Draws bytes from the input; zeros once it runs out.
private struct Draw {
    let bytes: ArraySlice<UInt8>
    var index: Int
    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        index = bytes.startIndex
    }
    mutating func u8() -> UInt8 {
        guard index < bytes.endIndex else { return 0 }
        defer { index += 1 }
        return bytes[index]
    }
    mutating func take(_ n: Int) -> [UInt8] { (0..<n).map { _ in u8() } }
}

private func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
private func u24(_ v: Int) -> [UInt8] { [UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
private func vector16(_ b: [UInt8]) -> [UInt8] { u16(b.count) + b }
private func vector8(_ b: [UInt8]) -> [UInt8] { [UInt8(b.count)] + b }
private func ext(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + vector16(data) }

private func buildAndCheck(_ input: ArraySlice<UInt8>) {
    var d = Draw(input)
    let flags = d.u8()
    // ClientHello.
    let legacy = Int(d.u8()) << 8 | Int(d.u8())
    let sessionID = d.take(Int(d.u8() % 33))
    let suites = Int(d.u8() % 40) + (flags & 0x40 != 0 ? 1000 : 0)
    var sniNames: [(UInt8, [UInt8])] = []
    for _ in 0..<Int(d.u8() % 3) {
        let type = d.u8() % 4 == 0 ? UInt8(1) : UInt8(0)
        sniNames.append((type, d.take(Int(d.u8()) + (flags & 0x20 != 0 ? 100 : 0))))
    }
    var alpn: [[UInt8]] = []
    for _ in 0..<Int(d.u8() % 20) { alpn.append(d.take(Int(d.u8() % 70))) }
    var versions: [Int] = []
    for _ in 0..<Int(d.u8() % 24) {
        let choice = d.u8()
        versions.append(choice < 0x80 ? 0x0300 + Int(choice % 5) : choice < 0xC0 ? Int(choice & 0xF0 | 0x0A) * 0x101 : Int(choice) << 8 | Int(d.u8()))
    }
    var extensions: [[UInt8]] = []
    if flags & 1 != 0 {
        extensions.append(ext(0, sniNames.isEmpty && flags & 0x80 != 0 ? [] : vector16(sniNames.flatMap { [$0.0] + vector16($0.1) })))
    }
    if flags & 2 != 0 { extensions.append(ext(16, vector16(alpn.flatMap(vector8)))) }
    if flags & 4 != 0 { extensions.append(ext(43, vector8(versions.flatMap(u16)))) }
    if flags & 8 != 0 { extensions.append(ext(Int(d.u8()) << 8 | 0x4A, d.take(Int(d.u8())))) }  // unknown, never 0/16/43
    if extensions.count > 1 {
        let rotate = Int(d.u8()) % extensions.count
        extensions = Array(extensions[rotate...] + extensions[..<rotate])
    }
    var body = u16(legacy) + d.take(32) + vector8(sessionID) + vector16((0..<suites).flatMap { u16(0x1301 + $0) }) + vector8([0])
    if !extensions.isEmpty || flags & 0x10 != 0 { body += vector16(extensions.flatMap { $0 }) }

    let hasSNI = flags & 1 != 0
    let firstName = hasSNI && !(sniNames.isEmpty && flags & 0x80 != 0) ? sniNames.first { $0.0 == 0 }?.1 : nil
    let expectedName = firstName.map { String(decoding: $0.prefix(255), as: UTF8.self) }
    let expectedALPN = flags & 2 != 0 ? alpn.prefix(16).map { String(decoding: $0.prefix(64), as: UTF8.self) } : []
    let expectedVersions =
        flags & 4 != 0 ? Array(versions.map { TLSProtocolVersion(rawValue: UInt16($0)) }.filter { !$0.isGREASE }.prefix(16)) : []
    do {
        let hello = try TLSClientHello(body: body)
        let expected = TLSClientHello(
            legacyVersion: TLSProtocolVersion(rawValue: UInt16(legacy)), serverName: expectedName, hasServerNameExtension: hasSNI,
            supportedVersions: expectedVersions, alpn: expectedALPN, cipherSuiteCount: suites)
        check(hello == expected, "built ClientHello parsed as \(hello), expected \(expected)")
    } catch {
        check(false, "built ClientHello not parsed: \(error)")
    }

    // ServerHello.
    let sflags = d.u8()
    let retry = sflags & 1 != 0
    let random: [UInt8] =
        retry
        ? [
            0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
            0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
        ] : d.take(32)
    let suite = Int(d.u8()) << 8 | Int(d.u8())
    let selected = Int(d.u8()) << 8 | Int(d.u8())
    let serverALPN = d.take(Int(d.u8() % 80))
    var sext: [[UInt8]] = []
    if sflags & 2 != 0 { sext.append(ext(43, u16(selected))) }
    if sflags & 4 != 0 { sext.append(ext(16, vector16(vector8(serverALPN)))) }
    if sflags & 8 != 0 { sext.append(ext(51, d.take(Int(d.u8())))) }  // key_share, not read
    if sflags & 16 != 0 { sext.reverse() }
    var sbody = u16(0x0303) + random + vector8(d.take(Int(d.u8() % 33))) + u16(suite) + [0]
    if !sext.isEmpty || sflags & 32 != 0 { sbody += vector16(sext.flatMap { $0 }) }
    do {
        let hello = try TLSServerHello(body: sbody)
        let expected = TLSServerHello(
            legacyVersion: .tls12, selectedVersion: sflags & 2 != 0 ? TLSProtocolVersion(rawValue: UInt16(selected)) : nil,
            cipherSuite: UInt16(suite), alpn: sflags & 4 != 0 ? String(decoding: serverALPN.prefix(64), as: UTF8.self) : nil,
            isHelloRetryRequest: retry)
        check(hello == expected, "built ServerHello parsed as \(hello), expected \(expected)")
    } catch {
        check(false, "built ServerHello not parsed: \(error)")
    }

    // Both hellos through the record layer: handshake records of input-chosen sizes (a
    // ChangeCipherSpec-free stream), fed in input-chosen pieces.
    for (type, msgBody) in [(UInt8(1), body), (UInt8(2), sbody)] {
        let message = [type] + u24(msgBody.count) + msgBody
        var stream: [UInt8] = []
        var at = 0
        while at < message.count {
            let size = min(message.count - at, Int(d.u8()) * 4 + 1)
            stream += [22, 3, 1] + u16(size) + message[at..<(at + size)]
            at += size
        }
        var reader = TLSRecordReader()
        var events: [TLSRecordEvent] = []
        var fed = 0
        while fed < stream.count {
            let size = min(stream.count - fed, Int(d.u8()) + 1)
            reader.feed(stream[fed..<(fed + size)], origin: origin(fed + 1), into: &events)
            fed += size
        }
        let hellos = events.compactMap { event -> [UInt8]? in if case .handshakeMessage(_, let b, _) = event { b } else { nil } }
        check(hellos == [msgBody], "hello of \(msgBody.count) bytes through records came back as \(hellos.map(\.count))")
        check(!reader.isStopped, "reader stopped on well-formed records")
    }
}

// MARK: - Entry

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard size > 0, let data else { return 0 }
    let input = Array(UnsafeBufferPointer(start: data, count: size))
    let mode = input[0] >> 6
    switch mode {
    case 2:
        checkHellos(Array(input[1...]))
    case 3:
        buildAndCheck(input[1...])
    default:
        let maxHellos = Int(input[0] & 3) + 1
        let maxHelloBytes = [65536, 300, 40, 0][Int(input[0] >> 2) & 3]
        let list = items(input)
        let client = checkReader(list, .clientToServer, maxHellos: maxHellos, maxHelloBytes: maxHelloBytes)
        let server = checkReader(list, .serverToClient, maxHellos: maxHellos, maxHelloBytes: maxHelloBytes)
        for event in client.events + server.events {
            if case .handshakeMessage(let type, let body, _) = event {
                checkHellos(body)
                if verbose { print("  \(type) of \(body.count) bytes") }
            }
        }
        checkTracker(list, client: client, server: server)
        if verbose { print("items \(list.count), client events \(client.events.map(describe)), server events \(server.events.map(describe))") }
    }
    return 0
}
