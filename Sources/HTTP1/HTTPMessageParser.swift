import ByteText

// An incremental, lenient HTTP/1.x message parser: a pure Swift state machine over byte slices.

/// Parses one direction of an HTTP/1.x connection into `HTTPEvent`s, incrementally.
///
/// Feed the stream's bytes in any split with `feed(_:)` and call `finish()` once at the end of the
/// stream (FIN, RST, end of capture). The events are the same however the input is split (except
/// that body bytes may come in more, smaller slices).
///
/// ## Contract
/// - Everything fed is consumed. The parser holds at most one incomplete start/field/trailer line
///   (at most `HTTPParserLimits.maxHeaderLineLength` bytes) plus the fields of the head being read
///   (bounded by `maxHeaderBytes` / `maxHeaderCount`). Body bytes are never buffered: they come out
///   as slices of the input.
/// - Lenient: bare LF line ends, obs-fold, whitespace before the colon, duplicate or invalid
///   Content-Length, Transfer-Encoding with Content-Length… are recorded as `.anomaly` and parsing
///   goes on (`HTTPAnomaly` documents each recovery).
/// - Input that is not HTTP/1.x at a start line yields one `.notHTTP(reason:)`; the parser then
///   ignores the rest of the stream. So does a broken chunked framing (after ending the message as
///   truncated) and a header section over the limits.
/// - Pipelining: several messages may follow each other in one feed.
///
/// ## Body framing (RFC 9112 §6.3)
/// See `BodyFraming.decide(forRequest:)` and `decide(forResponseStatus:requestMethod:headers:)`.
/// A response can only be framed against the request it answers, so the response parser keeps a
/// FIFO of request methods (`enqueueRequestMethod(_:)`, like swift-nio's `requestHeads` and Zeek's
/// `unanswered_requests`):
/// - a response to HEAD, and any 1xx, 204 or 304, has no body;
/// - an interim 1xx (100 Continue, 102, 103) is a complete message of its own that does not consume
///   the queued method: the next response answers the same request;
/// - `101 Switching Protocols`, and a 2xx answer to CONNECT, end at the blank line; the rest of the
///   connection is another protocol, so the parser stops (`isTunnelled`) without a `.notHTTP`;
/// - a response with no queued method is framed as a response to GET.
///
/// A CONNECT request has no body either (RFC 9110 §9.3.6); the request parser keeps going after it,
/// and tunnelled client bytes that follow will show up as `.notHTTP`.
///
/// Leading empty lines before a start line are skipped in both directions (RFC 9112 §2.2: "a server
/// that is expecting to receive and parse a request-line SHOULD ignore at least one empty line (CRLF)
/// received prior to the request-line"; some servers also send a stray CRLF after a body).
public struct HTTPMessageParser: Sendable {
    /// Which direction of the connection this parser reads.
    public enum Role: Sendable, Hashable {
        /// Client to server: request lines.
        case request
        /// Server to client: status lines.
        case response
    }

    public let role: Role
    public let limits: HTTPParserLimits

    /// Total bytes fed so far: the stream offset of the next byte `feed` will see.
    public private(set) var consumedBytes: Int64 = 0

    private var state: State = .startLine

    /// True while looking for the next start line after a gap (or from the middle of a stream):
    /// bytes that do not start a valid start line are skipped instead of stopping the parser.
    private var resyncing = false
    /// Resynchronisation gives up (`.notHTTP`) after skipping this many bytes; nil = never.
    private var resyncBudget: Int64?

    /// When true, an invalid start line (or chunked framing that breaks) does not stop the
    /// parser: it skips to the next line that starts a message and reports what it skipped as
    /// `.skipped`. Default false: the first invalid start line ends parsing with `.notHTTP`.
    public var recoversFromInvalidStartLines = false

    /// Bytes skipped while resynchronising (not part of any message).
    public private(set) var skippedBytes: Int64 = 0
    /// `skippedBytes` already reported in `.skipped` events.
    private var reportedSkippedBytes: Int64 = 0
    /// Bytes declared missing with ``skip(_:)``.
    public private(set) var missingBytes: Int64 = 0

    // The one incomplete line, if any.
    private var lineBuffer: [UInt8] = []
    private var hasPartialLine = false
    private var partialLineStart: Int64 = 0

    private var scanner: StartLineScanner
    private var section = Section(start: 0)
    private var message = Message(headStart: 0)

    // FIFO of the methods of requests not yet answered (response role only).
    private var requestMethods = RequestMethodQueue()

    private enum State: Sendable {
        /// Between messages, or inside a start line (possibly after empty lines).
        case startLine
        /// Reading the field lines that follow this start line.
        case headerFields(StartLine)
        /// Reading a Content-Length body; `remaining` > 0.
        case fixedLengthBody(remaining: Int64)
        /// Everything until `finish()` is body.
        case closeDelimitedBody
        /// Reading `chunk-size [ chunk-ext ] CRLF`.
        case chunkSizeLine(ChunkSizeLine)
        /// Reading chunk data; `remaining` > 0.
        case chunkData(remaining: Int64)
        /// Expecting the CRLF after chunk data.
        case chunkDataEnd(sawCR: Bool)
        /// Reading the trailer section after the last chunk.
        case trailerFields
        /// Resynchronising: discarding bytes up to the next LF, after which a start line may begin.
        case resync
        /// After 101 or a 2xx to CONNECT: the rest is not HTTP; input is ignored.
        case tunnelled
        /// After `.notHTTP`: input is ignored.
        case stopped
        /// After `finish()`: input is ignored.
        case finished
    }

    /// Progress through one chunk-size line (RFC 9112 §7.1):
    /// `chunk-size [ chunk-ext ] CRLF`, `chunk-size = 1*HEXDIG`, `chunk-ext = *( BWS ";" … )`.
    private struct ChunkSizeLine: Sendable {
        enum Phase: Sendable { case size, whitespace, chunkExtension, finalCR }
        /// Stream offset of the line's first byte.
        var start: Int64
        var size: Int64 = 0
        var digits = 0
        var phase: Phase = .size
        var lastByteWasCR = false

        /// What one byte did to the line.
        enum Step: Sendable {
            /// The line goes on.
            case more
            /// The LF that ends the line; `bareLF` when no CR came right before it.
            case end(bareLF: Bool)
            /// A byte the grammar does not allow here (or a size above 63 bits).
            case invalid
        }

        /// True when the size read so far cannot take another hex digit without overflowing.
        var isFull: Bool { size > (Int64.max >> 4) }

        /// Reads one byte of the line.
        mutating func scan(_ byte: UInt8) -> Step {
            switch phase {
            case .size: scanSize(byte)
            case .whitespace: scanAfterSize(byte)
            case .chunkExtension: scanExtension(byte)
            case .finalCR: byte == ASCII.lf ? .end(bareLF: false) : .invalid
            }
        }

        private mutating func scanSize(_ byte: UInt8) -> Step {
            if let digit = Hex.value(of: byte) {
                guard !isFull else { return .invalid }
                size = (size << 4) | Int64(digit)
                digits += 1
                return .more
            }
            guard digits > 0 else { return .invalid }
            return scanAfterSize(byte)
        }

        /// After the digits: optional whitespace (BWS), then `;` (an extension), CR or LF.
        private mutating func scanAfterSize(_ byte: UInt8) -> Step {
            if ASCII.isWhitespace(byte) {
                phase = .whitespace
            } else if byte == ASCII.semicolon {
                phase = .chunkExtension
            } else if byte == ASCII.cr {
                phase = .finalCR
            } else if byte == ASCII.lf {
                return .end(bareLF: true)
            } else {
                return .invalid
            }
            return .more
        }

        /// chunk-ext is ignored (RFC 9112 §7.1.1: "A recipient MUST ignore unrecognized chunk
        /// extensions").
        private mutating func scanExtension(_ byte: UInt8) -> Step {
            if byte == ASCII.lf { return .end(bareLF: !lastByteWasCR) }
            lastByteWasCR = byte == ASCII.cr
            return .more
        }
    }

    /// The field lines being collected for a head or a trailer section.
    private struct Section: Sendable {
        /// Stream offset of the section's first byte (start line for a head), for `maxHeaderBytes`.
        var start: Int64
        var fields = HTTPHeaders.Packed()
        var lastLineWasField = false
        /// Whether a line other than a whitespace-led one has been seen (RFC 9112 §2.2 check).
        var sawFieldLine = false
    }

    /// Per-message bookkeeping.
    private struct Message: Sendable {
        var headStart: Int64
        /// Anomalies found in the head, emitted right after the head event.
        var pendingAnomalies: [HTTPEvent] = []
        /// Field-line anomalies already reported for this message (`AnomalyFlag` bits).
        var reportedFlags: UInt8 = 0
        var expectedLength: Int64?
        var bodyReceived: Int64 = 0
        var lastChunkStart: Int64 = 0
        /// The status line's wire bytes when they differ from the parsed form (``HTTPResponseHead/wireStatusLine``).
        var wireStatusLine: [UInt8]?
    }

    /// Creates a parser for one direction of one connection.
    public init(role: Role, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.role = role
        self.limits = limits
        self.scanner = StartLineScanner(role: role, maxMethodLength: limits.maxMethodLength)
    }

    // MARK: - Public state

    /// Whether the parser stopped because the rest of the stream switched protocols (101, CONNECT).
    public var isTunnelled: Bool {
        if case .tunnelled = state { return true }
        return false
    }

    /// Whether the parser stopped after `.notHTTP`.
    public var hasStopped: Bool {
        if case .stopped = state { return true }
        return false
    }

    /// Whether the parser is between messages: no message started, nothing buffered.
    public var isIdle: Bool {
        if case .startLine = state { return !(hasPartialLine && scanner.hasContent) }
        return false
    }

    /// Request methods enqueued and not yet consumed by a final response.
    public var pendingRequestMethods: [String] {
        requestMethods.pending
    }

    // MARK: - Request pairing

    /// Tells a response parser the method of the next request on the connection, in request order.
    ///
    /// The pairing layer calls this when it sees a request head; each final (non-1xx) response
    /// consumes one method. Responses to HEAD, and 2xx responses to CONNECT, are framed accordingly.
    /// Ignored by a request parser.
    public mutating func enqueueRequestMethod(_ method: String) {
        guard role == .response else { return }
        requestMethods.enqueue(method)
    }

    private var nextRequestMethod: String? { requestMethods.next }

    private mutating func dequeueRequestMethod() { requestMethods.dequeue() }

    // MARK: - Feeding

    /// Parses the next bytes of the stream.
    ///
    /// - Parameter bytes: the bytes that follow everything fed so far. Body events slice this input.
    /// - Returns: the events these bytes completed, in stream order.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) -> [HTTPEvent] {
        var events: [HTTPEvent] = []
        feed(bytes, into: &events)
        return events
    }

    /// Parses the next bytes of the stream, appending the events to `events` (lets a hot loop reuse
    /// one array).
    public mutating func feed(_ bytes: ArraySlice<UInt8>, into events: inout [HTTPEvent]) {
        // offset(i) = base + i for an index i of `bytes`.
        let base = consumedBytes - Int64(bytes.startIndex)
        defer { consumedBytes += Int64(bytes.count) }
        var index = bytes.startIndex
        let end = bytes.endIndex
        while index < end {
            switch state {
            case .startLine, .headerFields, .trailerFields:
                index = consumeLine(bytes, from: index, base: base, into: &events)

            case .fixedLengthBody(let remaining):
                index = consumeFixedLengthBody(remaining, bytes, from: index, base: base, into: &events)

            case .closeDelimitedBody:
                emitBody(bytes[index..<end], base: base, into: &events)
                index = end

            case .chunkSizeLine(let line):
                index = consumeChunkSizeLine(line, bytes, from: index, base: base, into: &events)

            case .chunkData(let remaining):
                let upper = index + Int(min(remaining, Int64(end - index)))
                emitBody(bytes[index..<upper], base: base, into: &events)
                let left = remaining - Int64(upper - index)
                index = upper
                state = left == 0 ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: left)

            case .chunkDataEnd(let sawCR):
                consumeChunkDataEnd(bytes[index], sawCR: sawCR, offset: base + Int64(index), into: &events)
                index += 1

            case .resync:
                index = consumeResync(bytes, from: index, base: base, into: &events)

            case .tunnelled, .stopped, .finished:
                index = end
            }
        }
    }

    /// Consumes bytes of a Content-Length body from `index` (`remaining` > 0 still expected);
    /// ends the message when the last one arrives.
    private mutating func consumeFixedLengthBody(
        _ remaining: Int64, _ bytes: ArraySlice<UInt8>, from index: Int, base: Int64, into events: inout [HTTPEvent]
    ) -> Int {
        let upper = index + Int(min(remaining, Int64(bytes.endIndex - index)))
        emitBody(bytes[index..<upper], base: base, into: &events)
        let left = remaining - Int64(upper - index)
        if left == 0 {
            endMessage(
                .complete,
                trailers: nil,
                range: (base + Int64(upper))..<(base + Int64(upper)),
                into: &events
            )
        } else {
            state = .fixedLengthBody(remaining: left)
        }
        return upper
    }

    /// One byte of the CRLF after a chunk's data (at stream offset `offset`): anything else loses
    /// the chunked framing.
    private mutating func consumeChunkDataEnd(_ byte: UInt8, sawCR: Bool, offset: Int64, into events: inout [HTTPEvent])
    {
        if byte == ASCII.cr && !sawCR {
            state = .chunkDataEnd(sawCR: true)
        } else if byte == ASCII.lf {
            if !sawCR { note(.bareLF, range: offset..<(offset + 1), into: &events) }
            state = .chunkSizeLine(ChunkSizeLine(start: offset + 1))
        } else {
            stop(
                reason: "chunk data not followed by CRLF; the chunked framing is lost",
                anomaly: .invalidChunkTerminator,
                range: offset..<(offset + 1),
                into: &events
            )
        }
    }

    // MARK: - Gaps (resynchronisation: the extension below)

    /// Declares that the next `length` bytes of the stream are missing from the capture, and keeps
    /// going where it can (RFC 9112 framing permitting):
    ///
    /// - inside a Content-Length body or a chunk's data, the length still frames the message: the
    ///   missing part is reported as `.missingBody` and parsing continues after it;
    /// - inside a close-delimited body, likewise;
    /// - anywhere else (a start line, header fields, a chunk-size line, trailers, or between
    ///   messages) the framing is lost: a message whose head was emitted ends `.truncated`, and the
    ///   parser resynchronises at the next start line after the gap (the first byte after the gap,
    ///   or the first byte after a later LF).
    ///
    /// Offsets stay stream offsets: `consumedBytes` advances by `length`.
    public mutating func skip(_ length: Int64) -> [HTTPEvent] {
        var events: [HTTPEvent] = []
        guard length > 0 else { return events }
        let start = consumedBytes
        consumedBytes += length
        missingBytes += length
        switch state {
        case .fixedLengthBody(let remaining):
            let inBody = min(remaining, length)
            events.append(HTTPEvent(part: .missingBody(length: inBody), range: start..<(start + inBody)))
            if inBody < remaining {
                state = .fixedLengthBody(remaining: remaining - inBody)
            } else {
                let here = (start + inBody)..<(start + inBody)
                endMessage(.complete, trailers: nil, range: here, into: &events)
                if length > inBody { beginResync() }
            }
        case .closeDelimitedBody:
            events.append(HTTPEvent(part: .missingBody(length: length), range: start..<(start + length)))
        case .chunkData(let remaining):
            if length <= remaining {
                events.append(HTTPEvent(part: .missingBody(length: length), range: start..<(start + length)))
                state = length < remaining ? .chunkData(remaining: remaining - length) : .chunkDataEnd(sawCR: false)
            } else {
                events.append(HTTPEvent(part: .missingBody(length: remaining), range: start..<(start + remaining)))
                loseMessage(at: start + remaining, into: &events)
            }
        case .chunkSizeLine, .chunkDataEnd, .trailerFields:
            loseMessage(at: start, into: &events)
        case .headerFields(let startLine):
            // The start line and the fields before the gap are known: emit them as a head marked
            // `headCutByGap` (its body cannot be framed), so the message is not silently lost.
            emitPartialHead(
                startLine, cutAt: start, anomaly: .headCutByGap, anomalyRange: start..<(start + length), into: &events)
            message = Message(headStart: consumedBytes)
            section = Section(start: consumedBytes)
            beginResync()
        case .startLine, .resync:
            if resyncing, hasPartialLine {
                skippedBytes += Int64(lineBuffer.count)
            }
            reportSkipped(before: start, into: &events)
            beginResync()
        case .tunnelled, .stopped, .finished:
            break
        }
        return events
    }

    /// Emits the head of a message whose header section was cut at `offset` (by a gap or a limit),
    /// with the fields read so far, the anomaly saying why, and a truncated end: the message is
    /// reported, not silently lost; its body cannot be framed.
    private mutating func emitPartialHead(
        _ startLine: StartLine, cutAt offset: Int64, anomaly: HTTPAnomaly, anomalyRange: Range<Int64>,
        into events: inout [HTTPEvent]
    ) {
        let fields = HTTPHeaders(packed: section.fields)
        let headRange = message.headStart..<offset
        switch startLine {
        case .request(let method, let target, let version):
            let head = HTTPRequestHead(method: method, target: target, version: version, headers: fields)
            events.append(HTTPEvent(part: .requestHead(head), range: headRange))
        case .response(let version, let status, let reason):
            let interim = (100..<200).contains(status) && status != 101
            if !interim { dequeueRequestMethod() }
            let head = HTTPResponseHead(
                version: version, status: status, reason: reason, headers: fields,
                wireStatusLine: message.wireStatusLine)
            events.append(HTTPEvent(part: .responseHead(head, framing: .none), range: headRange))
        }
        events.append(contentsOf: message.pendingAnomalies)
        message.pendingAnomalies = []
        events.append(HTTPEvent(part: .anomaly(anomaly), range: anomalyRange))
        events.append(
            HTTPEvent(part: .end(.truncated(expected: nil, received: 0), trailers: nil), range: offset..<offset))
    }

    /// Ends a message whose framing a gap destroyed, then resynchronises.
    private mutating func loseMessage(at offset: Int64, into events: inout [HTTPEvent]) {
        let end = HTTPMessageEnd.truncated(expected: message.expectedLength, received: message.bodyReceived)
        endMessage(end, trailers: nil, range: offset..<offset, into: &events)
        beginResync()
    }

    /// Ends the stream (FIN, RST or end of capture).
    ///
    /// A close-delimited body ends `.complete`; a message that is unfinished (Content-Length not
    /// reached, chunked without its last chunk or trailers, head without its blank line) ends
    /// `.truncated`. Between messages, after `.notHTTP` or a tunnel, nothing is emitted. Later
    /// `feed` and `finish` calls are ignored.
    /// The request head the stream has stopped inside, if it has: its start line and the fields
    /// completed so far, with the stream offset of its first byte. Nil unless a request's start
    /// line was read and its header section has not ended. Read before ``finish()`` — which still
    /// reports such a message as an end without a head — to report what was captured of a
    /// request whose sender closed mid-header.
    public var unfinishedRequestHead: (head: HTTPRequestHead, start: Int64)? {
        guard case .headerFields(.request(let method, let target, let version)) = state else { return nil }
        let head = HTTPRequestHead(
            method: method, target: target, version: version, headers: HTTPHeaders(packed: section.fields))
        return (head, message.headStart)
    }

    public mutating func finish() -> [HTTPEvent] {
        var events: [HTTPEvent] = []
        let here = consumedBytes..<consumedBytes
        if resyncing, hasPartialLine, case .startLine = state {
            skippedBytes += Int64(lineBuffer.count)
            releaseLineBuffer()
        }
        reportSkipped(before: consumedBytes, into: &events)
        switch state {
        case .startLine:
            if hasPartialLine && scanner.hasContent {
                let received = consumedBytes - partialLineStart
                events.append(
                    HTTPEvent(part: .end(.truncated(expected: nil, received: received), trailers: nil), range: here)
                )
            }
        case .headerFields:
            events.append(contentsOf: message.pendingAnomalies)
            let received = consumedBytes - message.headStart
            events.append(
                HTTPEvent(part: .end(.truncated(expected: nil, received: received), trailers: nil), range: here)
            )
        case .fixedLengthBody:
            let end = HTTPMessageEnd.truncated(expected: message.expectedLength, received: message.bodyReceived)
            events.append(HTTPEvent(part: .end(end, trailers: nil), range: here))
        case .closeDelimitedBody:
            events.append(HTTPEvent(part: .end(.complete, trailers: nil), range: here))
        case .chunkSizeLine, .chunkData, .chunkDataEnd, .trailerFields:
            let end = HTTPMessageEnd.truncated(expected: nil, received: message.bodyReceived)
            events.append(HTTPEvent(part: .end(end, trailers: nil), range: here))
        case .resync, .tunnelled, .stopped, .finished:
            break
        }
        state = .finished
        releaseLineBuffer()
        return events
    }

    /// Stops parsing because the rest of this direction carries another protocol.
    ///
    /// The response parser does this by itself after `101 Switching Protocols` or a 2xx answer to
    /// CONNECT; the pairing layer calls it on the *request* parser of the same connection, so that
    /// WebSocket frames or TLS bytes sent by the client are not reported as `.notHTTP`.
    ///
    /// A partial line buffered between messages is dropped silently (it is tunnel data). A message in
    /// progress ends as `finish()` would end it. Afterwards `isTunnelled` is true and input is ignored.
    ///
    /// - Returns: the end of a message in progress, if any.
    public mutating func switchToTunnel() -> [HTTPEvent] {
        var events: [HTTPEvent] = []
        switch state {
        case .startLine, .resync:
            break
        case .headerFields, .fixedLengthBody, .closeDelimitedBody, .chunkSizeLine, .chunkData, .chunkDataEnd,
            .trailerFields:
            events = finish()
        case .tunnelled, .stopped, .finished:
            return []
        }
        state = .tunnelled
        releaseLineBuffer()
        return events
    }

    // MARK: - Lines (start line, header fields, trailer fields)

    /// Consumes bytes of a line-based section from `index`: either up to and including the next LF
    /// (processing the complete line), or all of them into the partial-line buffer.
    private mutating func consumeLine(
        _ bytes: ArraySlice<UInt8>,
        from index: Int,
        base: Int64,
        into events: inout [HTTPEvent]
    ) -> Int {
        let end = bytes.endIndex
        let lf = Self.firstLF(in: bytes, from: index)
        let segmentEnd = lf ?? end
        let isNewLine = !hasPartialLine
        let lineStart = isNewLine ? base + Int64(index) : partialLineStart
        let lineLength = Int64(isNewLine ? 0 : lineBuffer.count) + Int64(segmentEnd - index)

        var isStartLine = false
        if case .startLine = state { isStartLine = true }
        let violation =
            isStartLine ? startLineViolation(bytes[index..<segmentEnd], isNewLine: isNewLine, base: base) : nil
        let crossing = limitCrossing(
            lineStart: lineStart,
            lineLength: lineLength,
            isComplete: lf != nil,
            sectionStart: isStartLine ? lineStart : section.start
        )
        if crossing != nil || violation != nil {
            return rejectLine(
                crossing: crossing, violation: violation, lineStart: lineStart, bytes: bytes, from: index, base: base,
                into: &events)
        }
        guard let lf else {
            bufferPartialLine(bytes[index..<end], isNewLine: isNewLine, lineStart: lineStart)
            return end
        }
        completeLine(bytes[index..<lf], isNewLine: isNewLine, range: lineStart..<(base + Int64(lf) + 1), into: &events)
        return lf + 1
    }

    /// A start line is checked byte by byte, so garbage stops the parser at the first impossible
    /// byte, wherever the input was split: the stream offset of that byte and why, if `segment`
    /// (the next bytes of the start line) has one.
    private mutating func startLineViolation(_ segment: ArraySlice<UInt8>, isNewLine: Bool, base: Int64)
        -> (offset: Int64, reason: String)?
    {
        if isNewLine { scanner.reset() }
        return scanner.scan(segment).map { (base + Int64($0.index), $0.reason) }
    }

    /// The line broke a header limit (`crossing`) or is not a start line (`violation`); the earlier
    /// of the two counts. While resynchronising the line is skipped as a rejected candidate;
    /// otherwise the parser stops (after a limit, in recovery mode, it skips the over-long line).
    /// - Returns: the index in `bytes` to continue from.
    private mutating func rejectLine(
        crossing: (offset: Int64, reason: String)?, violation: (offset: Int64, reason: String)?, lineStart: Int64,
        bytes: ArraySlice<UInt8>, from index: Int, base: Int64, into events: inout [HTTPEvent]
    ) -> Int {
        let end = bytes.endIndex
        if let crossing, violation.map({ crossing.offset < $0.offset }) ?? true {
            if let resume = rejectCandidate(
                upTo: crossing.offset, lineStart: lineStart, lineIsComplete: false, bytes: bytes, from: index,
                base: base,
                into: &events)
            {
                return resume
            }
            stop(
                reason: crossing.reason,
                anomaly: .headerLimitExceeded,
                range: lineStart..<(crossing.offset + 1),
                into: &events
            )
            if case .resync = state {
                // Recovering: skip the over-long line from the byte that crossed the limit on.
                return max(index, min(end, Int(crossing.offset + 1 - base)))
            }
            return end
        }
        guard let violation else { return end }
        if let resume = rejectCandidate(
            upTo: violation.offset + 1, lineStart: lineStart, lineIsComplete: false, bytes: bytes, from: index,
            base: base, into: &events)
        {
            return resume
        }
        stop(reason: violation.reason, anomaly: nil, range: lineStart..<(violation.offset + 1), into: &events)
        return end
    }

    /// Keeps the start of a line whose LF has not arrived yet.
    private mutating func bufferPartialLine(_ segment: ArraySlice<UInt8>, isNewLine: Bool, lineStart: Int64) {
        if isNewLine {
            hasPartialLine = true
            partialLineStart = lineStart
            lineBuffer.removeAll(keepingCapacity: true)
        }
        lineBuffer.append(contentsOf: segment)
    }

    /// The line's last segment arrived (`segment`, LF excluded): processes the whole line, read in
    /// place when it came in one piece, else from the partial-line buffer.
    private mutating func completeLine(
        _ segment: ArraySlice<UInt8>, isNewLine: Bool, range: Range<Int64>, into events: inout [HTTPEvent]
    ) {
        if isNewLine {
            processLine(segment, range: range, into: &events)
        } else {
            // Move the buffer out while its slice is in use, so that clearing it afterwards keeps
            // its capacity instead of copying.
            var buffered: [UInt8] = []
            swap(&buffered, &lineBuffer)
            buffered.append(contentsOf: segment)
            hasPartialLine = false
            processLine(buffered[...], range: range, into: &events)
            buffered.removeAll(keepingCapacity: true)
            swap(&buffered, &lineBuffer)
        }
    }

    /// Where the line being read first breaks a header limit, if it does.
    ///
    /// The offset blamed depends only on the stream bytes, not on how they were split: for the line
    /// limit it is the first byte past `maxHeaderLineLength` (when that byte is not the LF), for the
    /// section limit the first byte past `maxHeaderBytes`.
    ///
    /// - Parameters:
    ///   - lineLength: bytes of the line seen so far, LF excluded.
    ///   - isComplete: whether the LF that ends the line has been seen.
    private func limitCrossing(
        lineStart: Int64,
        lineLength: Int64,
        isComplete: Bool,
        sectionStart: Int64
    )
        -> (offset: Int64, reason: String)?
    {
        var result: (offset: Int64, reason: String)?
        if lineLength > Int64(limits.maxHeaderLineLength) {
            result = (
                lineStart + Int64(limits.maxHeaderLineLength),
                "header line longer than \(limits.maxHeaderLineLength) bytes (maxHeaderLineLength)"
            )
        }
        let sectionBytes = lineStart - sectionStart + lineLength + (isComplete ? 1 : 0)
        if sectionBytes > Int64(limits.maxHeaderBytes) {
            let offset = sectionStart + Int64(limits.maxHeaderBytes)
            if result.map({ offset < $0.offset }) ?? true {
                result = (offset, "header section longer than \(limits.maxHeaderBytes) bytes (maxHeaderBytes)")
            }
        }
        return result
    }

    /// A status line's bytes when they differ from what was parsed of them (a lower-case
    /// `http/1.1`, extra or missing whitespace): the wire form, for evidence; nil for a request
    /// line or a status line already in canonical form. Bounded by the line-length limit.
    private static func nonCanonicalStatusLine(_ line: ArraySlice<UInt8>, _ parsed: StartLine) -> [UInt8]? {
        guard case .response(let version, let status, let reason) = parsed else { return nil }
        let canonical = HTTPResponseHead(version: version, status: status, reason: reason).canonicalStatusLine
        return line.elementsEqual(canonical.utf8) ? nil : Array(line)
    }

    /// Handles one complete line (LF excluded; a final CR is still there).
    private mutating func processLine(_ rawLine: ArraySlice<UInt8>, range: Range<Int64>, into events: inout [HTTPEvent])
    {
        // Re-slicing (not `removeLast`, which would copy a shared slice).
        let endsWithCR = rawLine.last == ASCII.cr
        let line = endsWithCR ? rawLine[rawLine.startIndex..<(rawLine.endIndex - 1)] : rawLine

        switch state {
        case .startLine:
            // RFC 9112 §2.2: empty lines before a start line are skipped.
            if line.isEmpty { return }
            startLine(line, endsWithCR: endsWithCR, range: range, into: &events)

        case .headerFields:
            // The start line is bound only at the end of the head: binding it here copied it out
            // of the state (a retain and release of its strings) on every field line.
            if !endsWithCR { note(.bareLF, range: range, into: &events) }
            if line.isEmpty {
                guard case .headerFields(let startLine) = state else { return }
                completeHead(startLine, end: range.upperBound, into: &events)
            } else {
                fieldLine(line, range: range, isTrailer: false, into: &events)
            }

        case .trailerFields:
            if !endsWithCR { note(.bareLF, range: range, into: &events) }
            if line.isEmpty {
                completeTrailers(end: range.upperBound, into: &events)
            } else {
                fieldLine(line, range: range, isTrailer: true, into: &events)
            }

        case .fixedLengthBody, .closeDelimitedBody, .chunkSizeLine, .chunkData, .chunkDataEnd, .resync, .tunnelled,
            .stopped,
            .finished:
            assertionFailure("processLine in a state that does not read lines")
        }
    }

    /// A non-empty line where a start line is due (RFC 9112 §2.2, §3, §4): a start line begins a
    /// message; anything else is skipped while resyncing (or when invalid start lines are
    /// recovered from), and otherwise stops the parser.
    private mutating func startLine(
        _ line: ArraySlice<UInt8>, endsWithCR: Bool, range: Range<Int64>, into events: inout [HTTPEvent]
    ) {
        switch StartLineScanner.parse(line, role: role) {
        case .success(let parsed):
            resyncing = false
            resyncBudget = nil
            reportSkipped(before: range.lowerBound, into: &events)
            message = Message(headStart: range.lowerBound)
            section = Section(start: range.lowerBound)
            if !endsWithCR { note(.bareLF, range: range, into: &events) }
            if !parsed.hasUppercaseName { note(.lowercaseHTTPVersion, range: range, into: &events) }
            message.wireStatusLine = Self.nonCanonicalStatusLine(line, parsed.line)
            let startLine = parsed.line
            state = .headerFields(startLine)
        case .failure(let failure):
            if resyncing || recoversFromInvalidStartLines {
                resyncing = true
                // A whole line that is not a start line: skip it; the next line is a candidate.
                _ = spendResyncBudget(range.count > 0 ? Int64(range.count) : 0, at: range.upperBound, into: &events)
                return
            }
            stop(reason: failure.reason, anomaly: nil, range: range, into: &events)
        }
    }

    /// The empty line that ends a chunked message's trailer section (RFC 9112 §7.1.2), at `end`:
    /// the message is complete, with its trailers if any.
    private mutating func completeTrailers(end: Int64, into events: inout [HTTPEvent]) {
        let trailers = section.fields.count == 0 ? nil : HTTPHeaders(packed: section.fields)
        endMessage(.complete, trailers: trailers, range: message.lastChunkStart..<end, into: &events)
    }

    /// One field line (RFC 9112 §5): `field-name ":" OWS field-value OWS`, or an obs-fold
    /// continuation.
    private mutating func fieldLine(
        _ line: ArraySlice<UInt8>,
        range: Range<Int64>,
        isTrailer: Bool,
        into events: inout [HTTPEvent]
    ) {
        // Caller guarantees a non-empty line.
        guard !ASCII.isWhitespace(line[line.startIndex]) else {
            whitespaceLedLine(line, range: range, isTrailer: isTrailer, into: &events)
            return
        }
        section.sawFieldLine = true
        guard let scan = line.withUnsafeBufferPointer(FieldLineShape.init) else {
            note(.invalidHeaderLine, range: range, into: &events)
            section.lastLineWasField = false
            return
        }
        if scan.nameEnd != scan.colon {
            note(.whitespaceBeforeColon, range: range, into: &events)
        }
        guard scan.nameEnd > 0 else {
            note(.invalidHeaderLine, range: range, into: &events)
            section.lastLineWasField = false
            return
        }
        guard section.fields.count < limits.maxHeaderCount else {
            stop(
                reason: "more than \(limits.maxHeaderCount) fields in one section (maxHeaderCount)",
                anomaly: .headerLimitExceeded,
                range: range,
                into: &events
            )
            return
        }
        if !scan.isToken {
            emitOrHold(
                .invalidHeaderName(ASCII.string(line[line.startIndex..<(line.startIndex + scan.nameEnd)])),
                range: range, into: &events)
        }
        line.withUnsafeBufferPointer { buffer in
            section.fields.append(line: buffer, nameEnd: scan.nameEnd, value: scan.value)
        }
        section.lastLineWasField = true
    }

    /// A field line that starts with whitespace: an obs-fold continuation of the previous field,
    /// whitespace between the start line and the first field (skipped), or an invalid line.
    private mutating func whitespaceLedLine(
        _ line: ArraySlice<UInt8>, range: Range<Int64>, isTrailer: Bool, into events: inout [HTTPEvent]
    ) {
        if section.lastLineWasField, section.fields.count > 0 {
            // obs-fold (RFC 9112 §5.2): "replace each received obs-fold with one or more SP
            // octets prior to interpreting the field value".
            note(.obsoleteLineFolding, range: range, into: &events)
            let continuation = ASCIIText.trimmingOWS(line)
            if !continuation.isEmpty {
                continuation.withUnsafeBufferPointer { section.fields.continueLastValue(with: $0) }
            }
        } else if !section.sawFieldLine && !isTrailer {
            // RFC 9112 §2.2: whitespace between the start line and the first field: "consume
            // each whitespace-preceded line without further processing of it".
            note(.whitespaceAfterStartLine, range: range, into: &events)
        } else {
            note(.invalidHeaderLine, range: range, into: &events)
        }
    }

    /// The blank line after the header fields: emit the head, decide the framing, start the body.
    private mutating func completeHead(_ startLine: StartLine, end: Int64, into events: inout [HTTPEvent]) {
        let headers = HTTPHeaders(packed: section.fields)
        section = Section(start: end)
        let headRange = message.headStart..<end
        let decision: BodyFramingDecision
        switch startLine {
        case .request(let method, let target, let version):
            decision = BodyFraming.decide(forRequest: headers)
            let head = HTTPRequestHead(method: method, target: target, version: version, headers: headers)
            events.append(HTTPEvent(part: .requestHead(head), range: headRange))
        case .response(let version, let status, let reason):
            decision = BodyFraming.decide(
                forResponseStatus: status,
                requestMethod: nextRequestMethod,
                headers: headers
            )
            if !decision.isInterim { dequeueRequestMethod() }
            let head = HTTPResponseHead(
                version: version, status: status, reason: reason, headers: headers,
                wireStatusLine: message.wireStatusLine)
            events.append(HTTPEvent(part: .responseHead(head, framing: decision.framing), range: headRange))
        }
        events.append(contentsOf: message.pendingAnomalies)
        message.pendingAnomalies = []
        for anomaly in decision.anomalies {
            events.append(HTTPEvent(part: .anomaly(anomaly), range: headRange))
        }

        let here = end..<end
        if decision.switchesProtocol {
            events.append(HTTPEvent(part: .end(.complete, trailers: nil), range: here))
            state = .tunnelled
            releaseLineBuffer()
            return
        }
        switch decision.framing {
        case .none, .contentLength(0):
            endMessage(.complete, trailers: nil, range: here, into: &events)
        case .contentLength(let length):
            message.expectedLength = length
            state = .fixedLengthBody(remaining: length)
        case .chunked:
            state = .chunkSizeLine(ChunkSizeLine(start: end))
        case .closeDelimited:
            state = .closeDelimitedBody
        }
    }

    // MARK: - Chunked bodies

    /// Consumes bytes of a chunk-size line from `index`. Chunk extensions are skipped without being
    /// buffered; the size is accumulated with overflow protection (a size above `Int64.max` is
    /// `invalidChunkSize`; a large valid size is simply streamed, nothing is allocated for it).
    private mutating func consumeChunkSizeLine(
        _ initial: ChunkSizeLine,
        _ bytes: ArraySlice<UInt8>,
        from start: Int,
        base: Int64,
        into events: inout [HTTPEvent]
    ) -> Int {
        var line = initial
        var index = start
        let end = bytes.endIndex
        while index < end {
            let offset = base + Int64(index)
            let step = line.scan(bytes[index])
            index += 1
            switch step {
            case .more:
                continue
            case .invalid:
                stop(
                    reason: line.digits > 0 && line.isFull
                        ? "chunk size overflows 63 bits; the chunked framing is lost"
                        : "invalid chunk-size line; the chunked framing is lost",
                    anomaly: .invalidChunkSize,
                    range: line.start..<(offset + 1),
                    into: &events
                )
                return end
            case .end(let bareLF):
                if bareLF { note(.bareLF, range: line.start..<(offset + 1), into: &events) }
                endChunkSizeLine(line, next: offset + 1)
                return index
            }
        }
        state = .chunkSizeLine(line)
        return index
    }

    /// A complete chunk-size line: the chunk's data follows, or for the last chunk (size 0) the
    /// trailer section (RFC 9112 §7.1.2).
    private mutating func endChunkSizeLine(_ line: ChunkSizeLine, next: Int64) {
        if line.size == 0 {
            message.lastChunkStart = line.start
            section = Section(start: next)
            state = .trailerFields
        } else {
            state = .chunkData(remaining: line.size)
        }
    }

    // MARK: - Emitting

    private mutating func emitBody(_ slice: ArraySlice<UInt8>, base: Int64, into events: inout [HTTPEvent]) {
        guard !slice.isEmpty else { return }
        message.bodyReceived += Int64(slice.count)
        let lower = base + Int64(slice.startIndex)
        events.append(HTTPEvent(part: .body(slice), range: lower..<(lower + Int64(slice.count))))
    }

    private mutating func endMessage(
        _ end: HTTPMessageEnd,
        trailers: HTTPHeaders?,
        range: Range<Int64>,
        into events: inout [HTTPEvent]
    ) {
        events.append(HTTPEvent(part: .end(end, trailers: trailers), range: range))
        state = .startLine
        message = Message(headStart: range.upperBound)
        section = Section(start: range.upperBound)
    }

    /// Bits for anomalies reported at most once per message.
    private enum AnomalyFlag {
        static func bit(for anomaly: HTTPAnomaly) -> UInt8? {
            switch anomaly {
            case .bareLF: return 1 << 0
            case .obsoleteLineFolding: return 1 << 1
            case .whitespaceBeforeColon: return 1 << 2
            case .whitespaceAfterStartLine: return 1 << 3
            case .invalidHeaderLine: return 1 << 4
            case .lowercaseHTTPVersion, .duplicateContentLength, .conflictingContentLength, .invalidContentLength,
                .transferEncodingWithContentLength, .unsupportedTransferEncoding, .invalidHeaderName,
                .invalidChunkSize, .invalidChunkTerminator, .headerLimitExceeded, .headCutByGap, .headCutByEnd,
                .headCutByLimit:
                return nil
            }
        }
    }

    /// Records a field-line anomaly once per message.
    private mutating func note(_ anomaly: HTTPAnomaly, range: Range<Int64>, into events: inout [HTTPEvent]) {
        if let bit = AnomalyFlag.bit(for: anomaly) {
            if message.reportedFlags & bit != 0 { return }
            message.reportedFlags |= bit
        }
        emitOrHold(anomaly, range: range, into: &events)
    }

    /// Anomalies found while a head is being read wait for the head event; others go out at once.
    private mutating func emitOrHold(_ anomaly: HTTPAnomaly, range: Range<Int64>, into events: inout [HTTPEvent]) {
        let event = HTTPEvent(part: .anomaly(anomaly), range: range)
        switch state {
        case .startLine, .headerFields, .resync:
            message.pendingAnomalies.append(event)
        case .fixedLengthBody, .closeDelimitedBody, .chunkSizeLine, .chunkData, .chunkDataEnd, .trailerFields,
            .tunnelled, .stopped, .finished:
            events.append(event)
        }
    }

    /// Gives up on the stream: ends a message whose head was emitted as truncated, records the
    /// anomaly, emits `.notHTTP` and ignores all further input.
    private mutating func stop(
        reason: String,
        anomaly: HTTPAnomaly?,
        range: Range<Int64>,
        into events: inout [HTTPEvent]
    ) {
        if recoversFromInvalidStartLines, anomaly == .headerLimitExceeded, case .headerFields(let startLine) = state {
            // Report what was read (bounded by the limit), then skip to the next message.
            emitPartialHead(
                startLine, cutAt: range.lowerBound, anomaly: .headCutByLimit(reason: reason), anomalyRange: range,
                into: &events)
            message = Message(headStart: range.upperBound)
            section = Section(start: range.upperBound)
            releaseLineBuffer()
            resyncing = true
            state = .resync
            return
        }
        let headWasEmitted: Bool
        switch state {
        case .startLine, .headerFields, .resync:
            headWasEmitted = false
            events.append(contentsOf: message.pendingAnomalies)
            message.pendingAnomalies = []
        case .fixedLengthBody, .closeDelimitedBody, .chunkSizeLine, .chunkData, .chunkDataEnd, .trailerFields:
            headWasEmitted = true
        case .tunnelled, .stopped, .finished:
            return
        }
        if let anomaly {
            events.append(HTTPEvent(part: .anomaly(anomaly), range: range))
        }
        if headWasEmitted && recoversFromInvalidStartLines
            && (anomaly == .invalidChunkSize || anomaly == .invalidChunkTerminator)
        {
            // Broken chunked framing: end the message and look for the next one.
            let end = HTTPMessageEnd.truncated(expected: message.expectedLength, received: message.bodyReceived)
            events.append(HTTPEvent(part: .end(end, trailers: nil), range: range.lowerBound..<range.lowerBound))
            message = Message(headStart: range.upperBound)
            section = Section(start: range.upperBound)
            beginResync()
            return
        }
        if headWasEmitted {
            let end = HTTPMessageEnd.truncated(expected: message.expectedLength, received: message.bodyReceived)
            events.append(
                HTTPEvent(part: .end(end, trailers: nil), range: range.lowerBound..<range.lowerBound)
            )
        }
        events.append(HTTPEvent(part: .notHTTP(reason: reason), range: range))
        state = .stopped
        releaseLineBuffer()
    }

    private mutating func releaseLineBuffer() {
        hasPartialLine = false
        lineBuffer = []
    }

    // MARK: - Scanning

    /// Index of the first LF in `bytes[index...]`.
    ///
    /// Eight bytes at a time: a 64-bit word holds an LF byte exactly when `x = word ^ 0x0A0A…0A`
    /// has a zero byte, which `(x - 0x0101…01) & ~x & 0x8080…80` flags; its lowest set bit marks
    /// the first one (a borrow can only flag bytes above a real zero byte). Words are read
    /// little-endian, so that lowest bit is the earliest byte.
    @inline(__always)
    private static func firstLF(in bytes: ArraySlice<UInt8>, from index: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer -> Int? in
            guard let base = buffer.baseAddress else { return nil }
            var i = index - bytes.startIndex
            let count = buffer.count
            while i &+ 8 <= count {
                let word = UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
                let x = word ^ 0x0A0A_0A0A_0A0A_0A0A
                let found = (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
                if found != 0 { return bytes.startIndex + i + found.trailingZeroBitCount >> 3 }
                i &+= 8
            }
            while i < count {
                if base[i] == ASCII.lf { return bytes.startIndex + i }
                i &+= 1
            }
            return nil
        }
    }
}

// MARK: - Resynchronisation

/// Finding the next start line: after a gap, past an invalid start line (in recovery mode), or
/// from the middle of a stream. Skipped bytes are counted against the budget and reported as
/// `.skipped` before the next message.
extension HTTPMessageParser {
    /// Starts looking for the next start line at the current position, skipping whatever does
    /// not start one — for a stream picked up in the middle (a capture that began mid-connection).
    ///
    /// - Parameter budget: give up with `.notHTTP` after skipping this many bytes without finding
    ///   a start line (nil: never). Bounds the work spent on streams that are not HTTP at all.
    public mutating func resynchronize(budget: Int64?) {
        switch state {
        case .startLine, .resync:
            resyncBudget = budget
            beginResync()
        default:
            break
        }
    }

    /// True while the parser is skipping bytes to find the next start line.
    public var isResynchronising: Bool { resyncing }

    private mutating func beginResync() {
        releaseLineBuffer()
        resyncing = true
        state = .startLine
    }

    /// Emits `.skipped` for bytes skipped since the last report, ending at `offset`.
    private mutating func reportSkipped(before offset: Int64, into events: inout [HTTPEvent]) {
        let count = skippedBytes - reportedSkippedBytes
        guard count > 0 else { return }
        reportedSkippedBytes = skippedBytes
        events.append(HTTPEvent(part: .skipped(length: count), range: max(0, offset - count)..<offset))
    }

    /// Counts skipped bytes; true when the resynchronisation budget ran out (the parser stopped).
    private mutating func spendResyncBudget(_ count: Int64, at offset: Int64, into events: inout [HTTPEvent]) -> Bool {
        skippedBytes += count
        guard let budget = resyncBudget else { return false }
        if skippedBytes > budget {
            resyncing = false
            state = .startLine
            stop(
                reason: "no HTTP start line in the first \(budget) bytes", anomaly: nil, range: offset..<offset,
                into: &events)
            return true
        }
        return false
    }

    /// In `.resync`: discards bytes up to and including the next LF, after which a start line may
    /// begin; all of them when there is none.
    private mutating func consumeResync(
        _ bytes: ArraySlice<UInt8>, from index: Int, base: Int64, into events: inout [HTTPEvent]
    ) -> Int {
        let lf = Self.firstLF(in: bytes, from: index)
        let upper = lf.map { $0 + 1 } ?? bytes.endIndex
        if spendResyncBudget(Int64(upper - index), at: base + Int64(upper), into: &events) { return bytes.endIndex }
        if lf != nil { state = .startLine }
        return upper
    }

    /// While resynchronising, a start line that turned out invalid is skipped, not fatal: the
    /// search goes on after the next LF (or, for a complete line, right after it).
    /// - Returns: the index in `bytes` to continue from, or nil when not resynchronising.
    private mutating func rejectCandidate(
        upTo offset: Int64, lineStart: Int64, lineIsComplete: Bool, bytes: ArraySlice<UInt8>, from index: Int,
        base: Int64,
        into events: inout [HTTPEvent]
    ) -> Int? {
        guard resyncing || recoversFromInvalidStartLines, case .startLine = state else { return nil }
        resyncing = true
        releaseLineBuffer()
        // Never move backwards (the offending byte may lie in the buffered part of the line): in
        // `.resync` at least one byte is consumed per step, so the loop always progresses.
        let resume = max(index, min(bytes.endIndex, Int(offset - base)))
        if spendResyncBudget(offset - lineStart, at: offset, into: &events) { return bytes.endIndex }
        state = lineIsComplete ? .startLine : .resync
        return resume
    }
}

/// The shape of one field line (RFC 9112 §5.1: `field-name ":" OWS field-value OWS`), found in
/// one pass over the line in place: the colon, the end of the name, whether the name is a token,
/// and the value without its surrounding whitespace — offsets from the line's start.
///
/// Contract: nil when the line has no colon; otherwise the caller judges the rest (an empty
/// name, whitespace before the colon, a name that is not a token).
private struct FieldLineShape {
    var colon: Int
    var nameEnd: Int
    var isToken: Bool
    var value: Range<Int>

    init?(_ buffer: UnsafeBufferPointer<UInt8>) {
        let count = buffer.count
        var colon = 0
        while colon < count, buffer[colon] != ASCII.colon { colon &+= 1 }
        guard colon < count else { return nil }
        var nameEnd = colon
        while nameEnd > 0, ASCII.isWhitespace(buffer[nameEnd &- 1]) { nameEnd &-= 1 }
        var isToken = true
        var i = 0
        while i < nameEnd {
            if !ASCII.isTokenCharacter(buffer[i]) {
                isToken = false
                break
            }
            i &+= 1
        }
        var lower = colon &+ 1, upper = count
        while lower < upper, ASCII.isWhitespace(buffer[lower]) { lower &+= 1 }
        while upper > lower, ASCII.isWhitespace(buffer[upper &- 1]) { upper &-= 1 }
        self.colon = colon
        self.nameEnd = nameEnd
        self.isToken = isToken
        self.value = lower..<upper
    }
}
