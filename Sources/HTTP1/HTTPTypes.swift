// The value vocabulary of the HTTP/1.x parser: versions, header fields, message heads, framing,
// anomalies and the events `HTTPMessageParser` emits.

// MARK: - Version

/// The protocol version of an HTTP/1.x start line, `HTTP-version = HTTP-name "/" DIGIT "." DIGIT`
/// (RFC 9112 §2.3).
///
/// The parser only accepts major version 1; `other` carries minors such as `HTTP/1.2`.
public enum HTTPVersion: Sendable, Hashable, CustomStringConvertible {
    case http10
    case http11
    case other(major: Int, minor: Int)

    /// Canonicalises `1.0` and `1.1` to their named cases.
    public init(major: Int, minor: Int) {
        switch (major, minor) {
        case (1, 0): self = .http10
        case (1, 1): self = .http11
        default: self = .other(major: major, minor: minor)
        }
    }

    public var major: Int {
        switch self {
        case .http10, .http11: return 1
        case .other(let major, _): return major
        }
    }

    public var minor: Int {
        switch self {
        case .http10: return 0
        case .http11: return 1
        case .other(_, let minor): return minor
        }
    }

    /// `HTTP/1.1`.
    public var description: String { "HTTP/\(major).\(minor)" }
}

// MARK: - Header fields

/// An ordered list of header (or trailer) fields as they appeared on the wire.
///
/// Keeps order, original case and duplicates; looks names up case-insensitively (ASCII folding,
/// RFC 9110 §5.1). Values are stored without leading/trailing whitespace (RFC 9112 §5), obs-folded
/// lines already joined with one SP. Bytes that are not valid UTF-8 are replaced by U+FFFD.
public struct HTTPHeaders: Sendable, Equatable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral,
    CustomStringConvertible
{
    /// One field line: `field-name ":" OWS field-value OWS`.
    public struct Field: Sendable, Equatable, Hashable, CustomStringConvertible {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        public var description: String { "\(name): \(value)" }
    }

    /// Field lines as the parser read them: every name and value (values trimmed, obs-folds
    /// joined) back to back in one byte array, with their boundaries. Text is made only when a
    /// field is read, so a head costs two allocations instead of two strings per field, and
    /// lookups compare bytes.
    struct Packed: Sendable {
        /// Where one field's bytes are: the name is `nameStart..<nameEnd`, the value
        /// `valueStart..<valueEnd` (between them, the colon and whitespace as on the wire).
        struct Span: Sendable {
            var nameStart: Int32
            var nameEnd: Int32
            var valueStart: Int32
            var valueEnd: Int32
        }

        var bytes: [UInt8] = []
        var spans: [Span] = []

        var count: Int { spans.count }

        /// Adds the field of one line: its name is `line[..<nameEnd]` and its value (trimmed)
        /// `line[value]`. The line is copied once, up to the end of the value, so a field costs
        /// one append however its name and value are separated.
        mutating func append(line: UnsafeBufferPointer<UInt8>, nameEnd: Int, value: Range<Int>) {
            precondition(nameEnd <= value.lowerBound && value.upperBound <= line.count, "field bounds outside the line")
            if spans.isEmpty {
                bytes.reserveCapacity(1024)
                spans.reserveCapacity(24)
            }
            let start = bytes.count
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: line[..<value.upperBound]))
            spans.append(
                Span(
                    nameStart: Int32(truncatingIfNeeded: start), nameEnd: Int32(truncatingIfNeeded: start + nameEnd),
                    valueStart: Int32(truncatingIfNeeded: start + value.lowerBound),
                    valueEnd: Int32(truncatingIfNeeded: start + value.upperBound)))
        }

        /// Continues the last field's value with `continuation` (obs-fold): one SP between them
        /// unless the value is empty. The last value ends the byte array, so it grows in place.
        mutating func continueLastValue(with continuation: UnsafeBufferPointer<UInt8>) {
            guard let last = spans.indices.last else { return }
            if spans[last].valueEnd > spans[last].valueStart { bytes.append(ASCII.space) }
            bytes.append(contentsOf: continuation)
            spans[last].valueEnd = Int32(truncatingIfNeeded: bytes.count)
        }

        func name(at i: Int) -> String {
            bytes.withUnsafeBufferPointer { b in
                String(
                    decoding: UnsafeBufferPointer(rebasing: b[Int(spans[i].nameStart)..<Int(spans[i].nameEnd)]),
                    as: UTF8.self)
            }
        }

        func value(at i: Int) -> String {
            bytes.withUnsafeBufferPointer { b in
                String(
                    decoding: UnsafeBufferPointer(rebasing: b[Int(spans[i].valueStart)..<Int(spans[i].valueEnd)]),
                    as: UTF8.self)
            }
        }

        /// The first field whose name equals `key` ignoring ASCII case.
        func firstIndex(named key: UnsafeBufferPointer<UInt8>) -> Int? {
            bytes.withUnsafeBufferPointer { b in
                for i in spans.indices where Int(spans[i].nameEnd - spans[i].nameStart) == key.count {
                    let name = UnsafeBufferPointer(rebasing: b[Int(spans[i].nameStart)..<Int(spans[i].nameEnd)])
                    if ASCII.caseInsensitiveEquals(name, key) { return i }
                }
                return nil
            }
        }

        /// Whether field `i`'s name is the lowercase literal `name`, ignoring ASCII case.
        func name(at i: Int, equalsLowercase name: StaticString) -> Bool {
            bytes.withUnsafeBufferPointer { b in
                ASCII.caseInsensitiveEquals(
                    UnsafeBufferPointer(rebasing: b[Int(spans[i].nameStart)..<Int(spans[i].nameEnd)]),
                    lowercaseLiteral: name)
            }
        }
    }

    private enum Storage: Sendable {
        case fields([Field])
        case packed(Packed)
    }

    /// The fields as `Field` values, or nil when they are in ``packedFields``.
    ///
    /// Stored as two plain properties rather than as a `Storage` enum: a multi-payload enum keeps
    /// its case in the spare high bits of the first payload pointer, which LeakSanitizer then no
    /// longer recognises as a pointer — it reported every packed byte array still reachable at
    /// exit as leaked (`swift test` under `-sanitize=address`, docs/robustness.md §4).
    private var unpackedFields: [Field]?
    private var packedFields = Packed()

    private var storage: Storage {
        get {
            if let unpackedFields { return .fields(unpackedFields) }
            return .packed(packedFields)
        }
        set {
            switch newValue {
            case .fields(let fields):
                unpackedFields = fields
                packedFields = Packed()
            case .packed(let packed):
                unpackedFields = nil
                packedFields = packed
            }
        }
    }

    /// The fields in wire order.
    public var fields: [Field] {
        get {
            switch storage {
            case .fields(let fields): return fields
            case .packed(let packed):
                return packed.spans.indices.map { Field(name: packed.name(at: $0), value: packed.value(at: $0)) }
            }
        }
        set { storage = .fields(newValue) }
    }

    public init() {
        storage = .fields([])
    }

    public init(_ fields: [Field]) {
        storage = .fields(fields)
    }

    /// Headers as the parser collected them.
    init(packed: Packed) {
        storage = .packed(packed)
    }

    /// `HTTPHeaders([("Host", "example.com"), ("Accept", "*/*")])`.
    public init(_ pairs: [(String, String)]) {
        storage = .fields(pairs.map { Field(name: $0.0, value: $0.1) })
    }

    /// `["Host": "example.com", "X-A": "1"]`; duplicate names are allowed and kept in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        storage = .fields(elements.map { Field(name: $0.0, value: $0.1) })
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { unpackedFields?.count ?? packedFields.count }

    public subscript(position: Int) -> Field {
        switch storage {
        case .fields(let fields): return fields[position]
        case .packed(let packed): return Field(name: packed.name(at: position), value: packed.value(at: position))
        }
    }

    /// The value of the field at `position`.
    public func value(at position: Int) -> String {
        switch storage {
        case .fields(let fields): return fields[position].value
        case .packed(let packed): return packed.value(at: position)
        }
    }

    /// Whether the field at `position` is called `name` (a lowercase literal), ignoring ASCII case.
    func name(at position: Int, equalsLowercase name: StaticString) -> Bool {
        switch storage {
        case .fields(let fields): return ASCII.caseInsensitiveEquals(fields[position].name.utf8, lowercaseLiteral: name)
        case .packed(let packed): return packed.name(at: position, equalsLowercase: name)
        }
    }

    /// The first value of the field called `name` (case-insensitive), or nil.
    public subscript(name: String) -> String? {
        guard let index = firstIndex(named: name) else { return nil }
        return value(at: index)
    }

    /// Every value of the fields called `name` (case-insensitive), in wire order.
    public func values(for name: String) -> [String] {
        indices.filter { ASCII.caseInsensitiveEquals(self[$0].name, name) }.map { value(at: $0) }
    }

    /// Whether a field called `name` (case-insensitive) is present.
    public func contains(_ name: String) -> Bool {
        firstIndex(named: name) != nil
    }

    /// The position of the first field called `name` (case-insensitive).
    ///
    /// Lookups run several times for every message, so this compares lengths first and bytes in
    /// place, without making a field or its strings.
    public func firstIndex(named name: String) -> Int? {
        // The stored properties are read directly, not through `storage`, whose getter would
        // copy the packed arrays out (a retain and release of each) on every lookup.
        guard let fields = unpackedFields else {
            var key = name
            return key.withUTF8 { packedFields.firstIndex(named: $0) }
        }
        let length = name.utf8.count
        let found = name.utf8.withContiguousStorageIfAvailable { key in
            fields.withUnsafeBufferPointer { buffer -> Int? in
                for i in buffer.indices where buffer[i].name.utf8.count == length {
                    let equal = buffer[i].name.utf8.withContiguousStorageIfAvailable {
                        ASCII.caseInsensitiveEquals($0, key)
                    }
                    if equal ?? ASCII.caseInsensitiveEquals(buffer[i].name, name) { return i }
                }
                return nil
            }
        }
        if let found { return found }
        return fields.firstIndex { ASCII.caseInsensitiveEquals($0.name, name) }
    }

    /// Calls `body` with the UTF-8 bytes of the first value of the field called `name`
    /// (case-insensitive), in place, without making a `String`; nil when there is no such field.
    public func withValueBytes<R>(of name: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        guard let index = firstIndex(named: name) else { return nil }
        guard let fields = unpackedFields else {
            let span = packedFields.spans[index]
            return packedFields.bytes.withUnsafeBufferPointer { b in
                body(UnsafeBufferPointer(rebasing: b[Int(span.valueStart)..<Int(span.valueEnd)]))
            }
        }
        var value = fields[index].value
        return value.withUTF8(body)
    }

    /// Appends a field at the end (keeps existing fields of the same name).
    public mutating func append(name: String, value: String) {
        var all = fields
        all.append(Field(name: name, value: value))
        storage = .fields(all)
    }

    /// `Name: value` lines joined by `\n`.
    public var description: String { fields.map(\.description).joined(separator: "\n") }

    /// Equal when the fields are (names, values and order), however they are stored.
    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields == rhs.fields
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(fields)
    }
}

// MARK: - Heads

/// A parsed request line plus header section: `method SP request-target SP HTTP-version` (RFC 9112 §3).
public struct HTTPRequestHead: Sendable, Equatable, Hashable {
    public var method: String
    /// The request-target as sent (origin-form `/path?q`, absolute-form, authority-form or `*`).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders = HTTPHeaders()) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }
}

/// A parsed status line plus header section: `HTTP-version SP status-code SP [ reason-phrase ]`
/// (RFC 9112 §4).
public struct HTTPResponseHead: Sendable, Equatable, Hashable {
    public var version: HTTPVersion
    /// 100...999 (three digits, RFC 9112 §4).
    public var status: Int
    /// The reason phrase, possibly empty.
    public var reason: String
    public var headers: HTTPHeaders
    /// The status line's bytes as they were on the wire (without CR LF), kept only when they
    /// differ from ``canonicalStatusLine`` — e.g. `http/1.1 403 Forbidden`, which the tolerant
    /// parser reads as `HTTP/1.1` (RFC 9112 §2.3: the HTTP-version is case-sensitive) — so that
    /// evidence can quote what the server really sent. Nil when the wire said the canonical form.
    public var wireStatusLine: [UInt8]?

    public init(
        version: HTTPVersion, status: Int, reason: String, headers: HTTPHeaders = HTTPHeaders(),
        wireStatusLine: [UInt8]? = nil
    ) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.wireStatusLine = wireStatusLine
    }

    /// `HTTP/1.1 403 Forbidden`: the status line as parsed, in the form RFC 9112 §4 gives it (the
    /// SP before an empty reason included).
    public var canonicalStatusLine: String { "\(version) \(status) \(reason)" }
}

// MARK: - Framing

/// How the end of a message body is found, as decided by RFC 9112 §6.3
/// (see `BodyFraming.decide(forRequest:)` and `BodyFraming.decide(forResponseStatus:requestMethod:headers:)`).
public enum BodyFraming: Sendable, Equatable, Hashable {
    /// No content at all (HEAD responses, 1xx, 204, 304, tunnels, requests without CL/TE).
    case none
    /// Exactly this many bytes follow the head (`0` is possible and ends the message at the head).
    case contentLength(Int64)
    /// `Transfer-Encoding` whose final coding is `chunked` (RFC 9112 §7.1).
    case chunked
    /// The body runs until the connection closes (`finish()`), RFC 9112 §6.3 item 8.
    case closeDelimited
}

// MARK: - Anomalies

/// Something odd in the bytes that the parser tolerated: it is recorded and parsing goes on,
/// unless the case says otherwise.
///
/// Each anomaly is reported at most once per message for the field-line kinds (`bareLF`,
/// `obsoleteLineFolding`, `whitespaceBeforeColon`, `whitespaceAfterStartLine`, `invalidHeaderLine`).
public enum HTTPAnomaly: Sendable, Hashable {
    /// A line ended with LF alone instead of CRLF (RFC 9112 §2.2 allows recipients to accept it).
    case bareLF
    /// The HTTP-name of the version was not upper case (`http/1.1 200 OK`). RFC 9112 §2.3 makes it
    /// case-sensitive; Zeek and browsers accept it, and so does this parser.
    case lowercaseHTTPVersion
    /// Several identical Content-Length values (`5, 5`, or the field repeated); the value was used
    /// (RFC 9110 §8.6). `values` holds each list element as sent.
    case duplicateContentLength(values: [String])
    /// Content-Length values that differ; the field is treated as invalid (RFC 9112 §6.3 item 5).
    case conflictingContentLength(values: [String])
    /// A Content-Length that is not `1*DIGIT` (or does not fit Int64). Responses are then read until
    /// the connection closes, requests are taken to have no body. Carries the field value as sent.
    case invalidContentLength(String)
    /// Both Transfer-Encoding and Content-Length: Transfer-Encoding wins (RFC 9112 §6.3 item 3),
    /// a classic request-smuggling signature.
    case transferEncodingWithContentLength
    /// A Transfer-Encoding whose final coding is not `chunked`: the body is read until the connection
    /// closes (RFC 9112 §6.3 item 4). Carries the field value(s) as sent.
    case unsupportedTransferEncoding(String)
    /// A field value continued on the next line with leading whitespace (obs-fold, RFC 9112 §5.2);
    /// the continuation was joined with one SP.
    case obsoleteLineFolding
    /// Whitespace between a field name and its colon (RFC 9112 §5.1); the name was trimmed and kept.
    case whitespaceBeforeColon
    /// Whitespace-led lines between the start line and the first field; they were ignored
    /// (RFC 9112 §2.2).
    case whitespaceAfterStartLine
    /// A field line without a colon or with an empty name; it was ignored.
    case invalidHeaderLine
    /// A field name with characters outside `tchar`; the field was kept. Carries the name.
    case invalidHeaderName(String)
    /// A chunk-size line that is not `1*HEXDIG [BWS chunk-ext] CRLF`, or whose size overflows Int64.
    /// The message cannot be framed: it ends as truncated and the parser stops.
    case invalidChunkSize
    /// Chunk data not followed by CRLF (the chunk was longer than its size said). The message ends as
    /// truncated and the parser stops.
    case invalidChunkTerminator
    /// A header or trailer section broke `HTTPParserLimits`; the parser stops (`.notHTTP` follows).
    case headerLimitExceeded
    /// Bytes missing from the capture cut the header section short: the head carries only the
    /// fields before the gap, and the body's framing is unknown.
    case headCutByGap
    /// The stream ended inside the header section (the sender closed, or the capture ended): the
    /// head carries only the fields completed before that point, and the body's framing is unknown.
    case headCutByEnd
    /// The header section broke a limit (`reason` names it, e.g. `maxHeaderCount`): the head
    /// carries the fields before that point, the rest of the section was skipped.
    case headCutByLimit(reason: String)
}

// MARK: - Events

/// How a message ended.
public enum HTTPMessageEnd: Sendable, Equatable, Hashable {
    /// The framing was satisfied: Content-Length bytes read, last chunk and trailers read, no body,
    /// or a close-delimited body ended by `finish()`.
    case complete
    /// The stream ended (`finish()`), or the framing broke (`invalidChunkSize`,
    /// `invalidChunkTerminator`, a trailer section over the limits), before the framing was satisfied.
    ///
    /// - `expected`: the Content-Length for a fixed-length body, nil otherwise.
    /// - `received`: payload bytes received; for an unfinished head (no head event was emitted),
    ///   the bytes of the partial head.
    case truncated(expected: Int64?, received: Int64)
}

/// One piece of a parsed message stream.
///
/// Per message the order is: head, the head's anomalies, body pieces (and body anomalies), end.
/// Every head is followed by exactly one end. An end without a head is only emitted by `finish()`
/// for a head that never completed.
public enum HTTPPart: Sendable, Equatable {
    case requestHead(HTTPRequestHead)
    /// A status line and header section, with the framing RFC 9112 §6.3 assigns to its body.
    case responseHead(HTTPResponseHead, framing: BodyFraming)
    /// De-chunked payload bytes: slices of the fed input, never copied.
    case body(ArraySlice<UInt8>)
    /// `length` payload bytes of the body are missing from the capture (a reassembly gap). The
    /// framing survived (a Content-Length or chunk size spanned the gap), so parsing goes on.
    case missingBody(length: Int64)
    /// While resynchronising, `length` bytes that start no message were skipped (garbage between
    /// messages, more body than the framing announced, or the tail of a message cut by a gap).
    case skipped(length: Int64)
    /// The message is over. `trailers` holds the trailer section of a chunked body, nil when there
    /// were no trailer fields.
    case end(HTTPMessageEnd, trailers: HTTPHeaders?)
    case anomaly(HTTPAnomaly)
    /// The bytes are not HTTP/1.x (or can no longer be framed). Emitted once; the parser then
    /// ignores all further input.
    case notHTTP(reason: String)
}

/// A part and the stream bytes that produced it.
///
/// `range` is in stream offsets (0 = first byte ever fed):
/// - head: first byte of the start line ..< byte after the blank line;
/// - body: the payload's own bytes (chunk-size lines excluded);
/// - end: the last-chunk line through the final CRLF for chunked bodies, otherwise an empty range
///   where the message ended;
/// - anomaly / notHTTP: the line (or the bytes up to and including the offending byte) that caused
///   it; framing anomalies use the head's range.
public struct HTTPEvent: Sendable, Equatable {
    public var part: HTTPPart
    public var range: Range<Int64>

    public init(part: HTTPPart, range: Range<Int64>) {
        self.part = part
        self.range = range
    }
}

// MARK: - Limits

/// Bounds on what the parser buffers for one header (or trailer) section, after
/// swift-nio's `NIOHTTPDecoderLimitConfiguration`. Crossing any of them records
/// `HTTPAnomaly.headerLimitExceeded` and stops the parser (`.notHTTP`).
///
/// Body bytes are never buffered, so they need no limit.
public struct HTTPParserLimits: Sendable, Equatable, Hashable {
    /// Longest start line or field line, in bytes, not counting the LF (a trailing CR counts).
    /// Default 64 KiB: far above any real line (long cookies and OSS callback headers stay
    /// under 16 KiB), and the most the parser will ever hold in its line buffer.
    public var maxHeaderLineLength: Int
    /// Most field lines in one header or trailer section (obs-fold continuations not counted).
    /// Default 1000.
    public var maxHeaderCount: Int
    /// Most bytes in one header section, from the first byte of the start line through the blank
    /// line (or in one trailer section). Default 256 KiB.
    public var maxHeaderBytes: Int
    /// Longest request method token. Default 32 (the longest registered method,
    /// `UPDATEREDIRECTREF`, has 17 characters); a longer token is not taken for a method, so binary or
    /// text garbage is rejected early.
    public var maxMethodLength: Int

    public init(
        maxHeaderLineLength: Int = 64 * 1024,
        maxHeaderCount: Int = 1000,
        maxHeaderBytes: Int = 256 * 1024,
        maxMethodLength: Int = 32
    ) {
        self.maxHeaderLineLength = max(1, maxHeaderLineLength)
        self.maxHeaderCount = max(0, maxHeaderCount)
        self.maxHeaderBytes = max(1, maxHeaderBytes)
        self.maxMethodLength = max(1, maxMethodLength)
    }
}
