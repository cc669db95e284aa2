public import CallbackSignature
public import CaptureModel
public import HTTP1
public import JSONValidation
public import TCPReassembly
public import TLSRecords

/// When a message was on the wire: from the capture time of its first byte to that of its last.
public struct MessageTiming: Sendable, Hashable {
    /// Capture time of the record that carried the first byte of the start line.
    public var start: StreamOrigin
    /// Capture time of the record that carried the last byte (or the FIN that ended a
    /// close-delimited body). Nil while the message is unfinished.
    public var end: StreamOrigin?

    public init(start: StreamOrigin, end: StreamOrigin? = nil) {
        self.start = start
        self.end = end
    }
}

/// A byte-order mark at the start of a body.
public enum ByteOrderMark: String, Sendable, Hashable {
    case utf8 = "UTF-8"
    case utf16BigEndian = "UTF-16BE"
    case utf16LittleEndian = "UTF-16LE"

    /// The bytes of the mark.
    public var bytes: [UInt8] {
        switch self {
        case .utf8: [0xEF, 0xBB, 0xBF]
        case .utf16BigEndian: [0xFE, 0xFF]
        case .utf16LittleEndian: [0xFF, 0xFE]
        }
    }
}

/// What content decoding (RFC 9110 §8.4, `Content-Encoding`) did to a body.
public struct ContentDecodingSummary: Sendable, Hashable {
    /// The `Content-Encoding` field value as sent.
    public var coding: String
    /// Bytes after decoding (counted in full even where only a prefix is kept).
    public var decodedSize: Int64
    /// Why decoding failed or stopped, if it did (corrupt data, unsupported coding, truncated stream).
    public var failure: String?

    public init(coding: String, decodedSize: Int64, failure: String?) {
        self.coding = coding
        self.decodedSize = decodedSize
        self.failure = failure
    }
}

/// Everything the tool keeps about a message body: its size in full, a bounded prefix, and the
/// verdicts reached while it streamed past (BOM, JSON validity) — the body itself is never held.
public struct BodySummary: Sendable, Equatable {
    /// Payload bytes after removing chunked framing (before content decoding).
    public var size: Int64 = 0
    /// The first bytes as sent (before content decoding), for evidence. At most 32.
    public var leadingBytes: [UInt8] = []
    /// A prefix of the body after content decoding (the bytes judged), at most the preview limit.
    public var preview: [UInt8] = []
    /// True when the body is longer than ``preview``.
    public var previewTruncated = false
    /// Content decoding, when the message had a `Content-Encoding` other than identity.
    public var contentDecoding: ContentDecodingSummary?
    /// A byte-order mark at the start of the (decoded) body.
    public var byteOrderMark: ByteOrderMark?
    /// RFC 8259 verdict on the decoded body with any BOM removed; nil when the body was not judged
    /// (not a callback, undecodable, or with bytes missing from the capture).
    public var json: JSONVerdict?
    /// Body bytes missing from the capture (counted in ``size``).
    public var missingBytes: Int64 = 0

    public init() {}
}

/// A request as captured.
public struct CapturedRequest: Sendable, Equatable {
    public var head: HTTPRequestHead {
        didSet { signalSet = CallbackSignalSet(head) }
    }
    public var timing: MessageTiming
    public var body = BodySummary()
    /// Nil while unfinished; `.truncated` when the stream ended inside it.
    public var end: HTTPMessageEnd?
    public var anomalies: [HTTPAnomaly] = []
    /// The OSS signature check, for callbacks (nil for any other request): computed while the
    /// request streamed past, over the bytes captured.
    public var signature: SignatureVerdict?

    /// ``HTTPRequestHead/ossCallbackSignals`` of ``head``, judged once when the head is set: the
    /// pairing, the signature check and the diagnosis each ask, and each answer takes four
    /// header lookups.
    private var signalSet: CallbackSignalSet

    public init(head: HTTPRequestHead, timing: MessageTiming) {
        self.head = head
        self.timing = timing
        self.signalSet = CallbackSignalSet(head)
    }

    /// The signals that mark the request as an OSS callback (``HTTPRequestHead/ossCallbackSignals``);
    /// empty for any other request.
    public var callbackSignals: [CallbackSignal] { signalSet.signals }

    /// True when the request carries any OSS callback signal (``HTTPRequestHead/isOSSCallback``).
    public var isOSSCallback: Bool { !signalSet.isEmpty }
}

/// A final response as captured, with any interim (1xx) responses that preceded it.
public struct CapturedResponse: Sendable, Equatable {
    public var head: HTTPResponseHead
    public var framing: BodyFraming
    public var timing: MessageTiming
    public var body = BodySummary()
    public var end: HTTPMessageEnd?
    public var anomalies: [HTTPAnomaly] = []
    /// Bytes the server sent after this response's framing was satisfied that did not form
    /// another response (for example more body than `Content-Length` announced).
    public var trailingBytes: Int64 = 0

    public init(head: HTTPResponseHead, framing: BodyFraming, timing: MessageTiming) {
        self.head = head
        self.framing = framing
        self.timing = timing
    }
}

/// An interim response (RFC 9110 §15.2), such as `100 Continue`.
public struct InterimResponse: Sendable, Hashable {
    public var status: Int
    public var reason: String
    public var timing: MessageTiming
}

/// How each side of the connection had ended when the exchange was finalised.
public struct ConnectionOutcome: Sendable, Hashable {
    /// How the client's direction ended (FIN = OSS closed its side, for a callback).
    public var clientEnd: StreamEnd?
    /// How the server's direction ended.
    public var serverEnd: StreamEnd?

    public init(clientEnd: StreamEnd? = nil, serverEnd: StreamEnd? = nil) {
        self.clientEnd = clientEnd
        self.serverEnd = serverEnd
    }
}

/// Bytes that could not be seen, making a verdict on the exchange a guess.
public struct CaptureHole: Sendable, Hashable {
    public var direction: StreamDirection
    /// Stream offset of the first missing byte.
    public var offset: Int64
    public var length: Int64
    public var origin: StreamOrigin

    public init(direction: StreamDirection, offset: Int64, length: Int64, origin: StreamOrigin) {
        self.direction = direction
        self.offset = offset
        self.length = length
        self.origin = origin
    }
}

/// One HTTP request/response pair on a TCP connection — or a connection attempt that never
/// carried one (`request == nil && response == nil`, see ``refusal``).
public struct HTTPExchange: Sendable, Equatable {
    public var connection: ConnectionInfo
    /// 0-based position of the exchange on its connection.
    public var index: Int
    public var request: CapturedRequest?
    public var response: CapturedResponse?
    public var interimResponses: [InterimResponse] = []
    /// Set for a connection attempt that failed in the handshake.
    public var refusal: RefusedConnection? {
        get { boxedRefusal?.value }
        set { boxedRefusal = newValue.map(Indirect.init) }
    }
    /// How the connection's directions had ended when the exchange was finalised.
    public var outcome = ConnectionOutcome()
    /// Ranges missing from the capture that touch this exchange.
    public var holes: [CaptureHole] = []
    /// TCP oddities seen while this exchange's bytes were on the wire.
    public var tcpAnomalies: [TCPAnomaly] = []
    /// For a connection whose client spoke TLS (an HTTPS callback): what its record layer
    /// showed. `request` and `response` are then nil — they are encrypted.
    public var tls: TLSSession? {
        get { boxedTLS?.value }
        set { boxedTLS = newValue.map(Indirect.init) }
    }

    // The two rare parts live out of line: an exchange changes hands several times between the
    // parser and the report, and each move copies it whole — 1,456 bytes with them inline (the
    // TLS session alone 440), for fields that are nil on every plain HTTP exchange.
    private var boxedRefusal: Indirect<RefusedConnection>?
    private var boxedTLS: Indirect<TLSSession>?

    public init(connection: ConnectionInfo, index: Int) {
        self.connection = connection
        self.index = index
    }

    /// Response end minus request end, as Wireshark's `http.time`.
    public var latencySeconds: Double? {
        guard let requestEnd = request?.timing.end, let responseEnd = response?.timing.end else { return nil }
        return responseEnd.timestamp.seconds(since: requestEnd.timestamp)
    }

    /// The earliest time known for the exchange (for sorting and charts).
    public var startTime: Timestamp {
        request?.timing.start.timestamp ?? response?.timing.start.timestamp ?? refusal?.firstSyn.timestamp
            ?? tls?.request?.firstStart.timestamp ?? connection.firstSeen.timestamp
    }
}

/// An immutable value kept out of line (a box), compared by value: a struct that holds it stays
/// small to copy while equality and sendability mean the same as for the value itself.
final class Indirect<Value: Sendable & Equatable>: Sendable, Equatable {
    let value: Value
    init(_ value: Value) { self.value = value }
    static func == (a: Indirect, b: Indirect) -> Bool { a === b || a.value == b.value }
}
