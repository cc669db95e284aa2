import ByteText
public import TCPReassembly

/// One TLS record as it went past: its header, where it was in the stream, and when.
public struct TLSRecord: Sendable, Hashable {
    public var header: TLSRecordHeader
    /// Stream offset of the header's first byte.
    public var offset: Int64
    /// The capture record that carried the header's first byte.
    public var start: StreamOrigin
    /// The capture record that carried the record's last byte.
    public var end: StreamOrigin
    /// For an alert record of exactly two bytes (plaintext): the alert. An encrypted alert
    /// (a TLS 1.2 alert after ChangeCipherSpec) is longer and left nil.
    public var alert: TLSAlert?
}

/// What a ``TLSRecordReader`` reports, in stream order.
public enum TLSRecordEvent: Sendable, Hashable {
    /// A complete record (after its last byte was seen or skipped over a gap).
    case record(TLSRecord)
    /// A complete ClientHello or ServerHello from plaintext handshake records, reassembled
    /// across records (RFC 8446 §5.1: handshake messages may be split and coalesced).
    case handshakeMessage(type: TLSHandshakeType, body: [UInt8], origin: StreamOrigin)
    /// A hello message could not be kept: longer than the bound, or cut by a gap.
    case handshakeMessageLost(type: TLSHandshakeType, reason: String)
    /// The stream stopped being TLS records (the reader stops): what was wrong, where.
    case malformed(reason: String, offset: Int64)
    /// Bytes are missing where the record framing needs them (the reader stops).
    case lost(offset: Int64)
}

/// A streaming TLS record-layer parser over one direction's reassembled byte stream
/// (RFC 8446 §5.1, RFC 5246 §6.2).
///
/// Contract: feed the direction's bytes in stream order with ``feed(_:origin:into:)`` and
/// missing ranges with ``skip(_:origin:into:)``. It reports each record once complete, and the
/// ClientHello / ServerHello messages (type 1 and 2) found in plaintext handshake records, until
/// ``maxHellos`` of them were reported or the direction sent ChangeCipherSpec (after which its
/// handshake records are encrypted — unless that direction's last hello was a TLS 1.3
/// HelloRetryRequest, RFC 8446 Appendix D.4). Other handshake messages are framed and skipped.
///
/// Memory is bounded: five header bytes, two alert bytes, four handshake-header bytes and at
/// most ``maxHelloBytes`` of one hello body. Record contents are never kept otherwise.
///
/// Gaps: a gap inside a record's body keeps the framing (the length is known), but loses that
/// record's alert or hello bytes; a gap in a record header — or one that runs past a record's end
/// into the next header — loses the framing and the reader stops with `.lost` (after reporting
/// the record the gap ended) — never guessing where the next record starts.
public struct TLSRecordReader: Sendable {
    /// The largest hello body kept (a ClientHello is a few hundred bytes to a few KiB; even
    /// with post-quantum key shares far below this). Default 64 KiB.
    public var maxHelloBytes = 64 * 1024
    /// How many hello messages are reported before the reader stops looking (a ClientHello
    /// again after a HelloRetryRequest makes two). Default 2.
    public var maxHellos = 2

    private enum State: Sendable {
        /// Collecting the 5-byte header of the next record.
        case header
        /// Inside a record's fragment: `remaining` bytes to go.
        case body(TLSRecordHeader, offset: Int64, start: StreamOrigin, remaining: Int)
        /// Stopped: malformed or lost framing. Every further byte is ignored.
        case stopped
    }

    /// The handshake message layer (RFC 8446 §4: msg_type u8, length u24, body), which runs
    /// across the plaintext handshake records of this direction.
    private enum MessageState: Sendable {
        case header
        case body(type: UInt8, remaining: Int, keep: Bool)
        /// Not parsing messages any more (encrypted, enough hellos, or a gap).
        case off
    }

    private var state = State.header
    private var headerBytes: [UInt8] = []
    private var alertBytes: [UInt8] = []
    private var alertComplete = true
    private var messageState = MessageState.header
    /// The last hello reported was a HelloRetryRequest (RFC 8446 §4.1.3): a ChangeCipherSpec
    /// after it does not end the plaintext handshake.
    private var lastHelloWasRetryRequest = false
    private var messageHeader: [UInt8] = []
    private var messageBody: [UInt8] = []
    private var messageOrigin: StreamOrigin?
    private var hellosReported = 0
    /// Stream offset of the next byte.
    public private(set) var offset: Int64 = 0
    /// Records completed so far.
    public private(set) var recordCount = 0
    /// True once the reader stopped (malformed or lost framing).
    public var isStopped: Bool { if case .stopped = state { true } else { false } }

    public init() {}

    /// Takes the next bytes of the stream.
    public mutating func feed(_ bytes: ArraySlice<UInt8>, origin: StreamOrigin, into events: inout [TLSRecordEvent]) {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            switch state {
            case .stopped:
                offset += Int64(bytes.endIndex - index)
                return
            case .header:
                let take = min(5 - headerBytes.count, bytes.endIndex - index)
                if headerBytes.isEmpty { pendingStart = origin }
                headerBytes.append(contentsOf: bytes[index..<index + take])
                index += take
                offset += Int64(take)
                if headerBytes.count == 5 {
                    let recordOffset = offset - 5
                    guard let header = TLSRecordHeader(headerBytes) else {
                        events.append(.malformed(reason: Self.whyNotAHeader(headerBytes), offset: recordOffset))
                        state = .stopped
                        break
                    }
                    headerBytes.removeAll(keepingCapacity: true)
                    alertBytes.removeAll(keepingCapacity: true)
                    alertComplete = true
                    state = .body(header, offset: recordOffset, start: pendingStart ?? origin, remaining: header.length)
                    pendingStart = nil
                    if header.length == 0 { completeRecord(end: origin, into: &events) }
                }
            case .body(let header, let recordOffset, let start, let remaining):
                let take = min(remaining, bytes.endIndex - index)
                let chunk = bytes[index..<index + take]
                switch header.contentType {
                case .alert?:
                    if alertBytes.count < 2 { alertBytes.append(contentsOf: chunk.prefix(2 - alertBytes.count)) }
                case .handshake?:
                    handshakeBytes(chunk, origin: origin, into: &events)
                default:
                    break
                }
                index += take
                offset += Int64(take)
                state = .body(header, offset: recordOffset, start: start, remaining: remaining - take)
                if remaining - take == 0 { completeRecord(end: origin, into: &events) }
            }
        }
    }

    /// The origin of the segment that carried the first byte of a header still being collected.
    private var pendingStart: StreamOrigin?

    /// `length` bytes at the current offset are missing from the capture.
    public mutating func skip(_ length: Int64, origin: StreamOrigin, into events: inout [TLSRecordEvent]) {
        guard length > 0 else { return }
        defer { offset += length }
        switch state {
        case .stopped:
            return
        case .header:
            events.append(.lost(offset: offset))
            state = .stopped
        case .body(let header, let recordOffset, let start, let remaining):
            guard Int64(remaining) >= length else {
                // The record ends inside the gap: its header said where, so it is reported (ended
                // by the gap, as when the gap ends exactly at its end), then the stream is lost
                // from its end on — the same events however the gap is split.
                if header.contentType == .alert { alertComplete = false }
                if header.contentType == .handshake {
                    loseMessage(reason: "bytes missing from the capture", into: &events)
                }
                state = .body(header, offset: recordOffset, start: start, remaining: 0)
                completeRecord(end: origin, into: &events)
                events.append(.lost(offset: offset + Int64(remaining)))
                state = .stopped
                return
            }
            if header.contentType == .alert { alertComplete = false }
            if header.contentType == .handshake { loseMessage(reason: "bytes missing from the capture", into: &events) }
            let left = remaining - Int(length)
            state = .body(header, offset: recordOffset, start: start, remaining: left)
            if left == 0 { completeRecord(end: origin, into: &events) }
        }
    }

    private mutating func completeRecord(end: StreamOrigin, into events: inout [TLSRecordEvent]) {
        guard case .body(let header, let recordOffset, let start, _) = state else { return }
        var alert: TLSAlert?
        if header.contentType == .alert, header.length == 2, alertComplete, alertBytes.count == 2 {
            alert = TLSAlert(level: alertBytes[0], code: alertBytes[1])
        }
        if header.contentType == .changeCipherSpec && !lastHelloWasRetryRequest {
            // From here on this direction's handshake records are encrypted (RFC 5246 §7.1).
            // Except after a TLS 1.3 HelloRetryRequest: in middlebox-compatibility mode the server
            // sends a dummy ChangeCipherSpec right after it (RFC 8446 Appendix D.4), and the real
            // ServerHello still follows in plaintext.
            messageState = .off
        }
        recordCount += 1
        events.append(.record(TLSRecord(header: header, offset: recordOffset, start: start, end: end, alert: alert)))
        state = .header
    }

    /// Runs the handshake message layer over the bytes of a plaintext handshake record.
    private mutating func handshakeBytes(
        _ chunk: ArraySlice<UInt8>, origin: StreamOrigin, into events: inout [TLSRecordEvent]
    ) {
        var index = chunk.startIndex
        while index < chunk.endIndex {
            switch messageState {
            case .off:
                return
            case .header:
                if messageHeader.isEmpty { messageOrigin = origin }
                let take = min(4 - messageHeader.count, chunk.endIndex - index)
                messageHeader.append(contentsOf: chunk[index..<index + take])
                index += take
                guard messageHeader.count == 4 else { continue }
                let type = messageHeader[0]
                let length = Int(messageHeader[1]) << 16 | Int(messageHeader[2]) << 8 | Int(messageHeader[3])
                messageHeader.removeAll(keepingCapacity: true)
                let isHello = TLSHandshakeType(rawValue: type) != nil
                var keep = isHello
                if isHello && length > maxHelloBytes {
                    keep = false
                    events.append(
                        .handshakeMessageLost(
                            type: TLSHandshakeType(rawValue: type)!,
                            reason: "a \(length)-byte hello is over the \(maxHelloBytes)-byte bound"))
                }
                messageBody = []
                if keep { messageBody.reserveCapacity(min(length, 4096)) }
                messageState = .body(type: type, remaining: length, keep: keep)
                if length == 0 { completeMessage(origin: origin, into: &events) }
            case .body(let type, let remaining, let keep):
                let take = min(remaining, chunk.endIndex - index)
                if keep { messageBody.append(contentsOf: chunk[index..<index + take]) }
                index += take
                messageState = .body(type: type, remaining: remaining - take, keep: keep)
                if remaining - take == 0 { completeMessage(origin: origin, into: &events) }
            }
        }
    }

    private mutating func completeMessage(origin: StreamOrigin, into events: inout [TLSRecordEvent]) {
        guard case .body(let raw, _, let keep) = messageState else { return }
        messageState = .header
        if keep, let type = TLSHandshakeType(rawValue: raw) {
            events.append(.handshakeMessage(type: type, body: messageBody, origin: messageOrigin ?? origin))
            // A ServerHello body starts with legacy_version (2 bytes) and the random (32 bytes).
            lastHelloWasRetryRequest =
                type == .serverHello && messageBody.count >= 34
                && messageBody[2..<34].elementsEqual(TLSServerHello.helloRetryRandom)
            hellosReported += 1
            if hellosReported >= maxHellos { messageState = .off }
        }
        messageBody = []
    }

    private mutating func loseMessage(reason: String, into events: inout [TLSRecordEvent]) {
        if case .body(let raw, _, true) = messageState, let type = TLSHandshakeType(rawValue: raw) {
            events.append(.handshakeMessageLost(type: type, reason: reason))
        }
        messageState = .off
        messageBody = []
    }

    static func whyNotAHeader(_ bytes: [UInt8]) -> String {
        let hex = Hex.encode(bytes, separator: " ")
        if TLSContentType(rawValue: bytes[0]) == nil { return "unknown record type \(bytes[0]) (header \(hex))" }
        if bytes[1] != 3 || bytes[2] > 4 { return "not a TLS record version (header \(hex))" }
        return
            "record length \(Int(bytes[3]) << 8 | Int(bytes[4])) over the \(TLSRecordHeader.maxLength)-byte limit (header \(hex))"
    }
}
