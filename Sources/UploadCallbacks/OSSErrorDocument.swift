import ByteText

/// OSS's XML error body (facts §4.6):
///
/// ```xml
/// <Error><Code>CallbackFailed</Code><Message>Error status : 301.</Message>
///   <RequestId>…</RequestId><HostId>…</HostId><EC>0007-00000203</EC></Error>
/// ```
///
/// Read by a tiny, bounded, tolerant extractor rather than an XML library: the first
/// `<Name>text</Name>` element of each known name inside the document is taken, its text
/// entity-decoded (`&amp; &lt; &gt; &quot; &apos;` and numeric references; CDATA sections are
/// taken verbatim). Nothing outside the first ``maxInputBytes`` is looked at, and no element text
/// longer than ``maxTextBytes`` is kept.
public struct OSSErrorDocument: Sendable, Hashable {
    /// `CallbackFailed`, `InvalidArgument`, …
    public var code: String
    public var message: String?
    /// The error-center code, e.g. `0007-00000203` (absent in older responses).
    public var ec: String?
    public var requestId: String?
    public var hostId: String?
    /// `ArgumentName` of an InvalidArgument error (`callback`).
    public var argumentName: String?
    /// `ArgumentValue` of an InvalidArgument error.
    public var argumentValue: String?

    public static let maxInputBytes = 16 * 1024
    public static let maxTextBytes = 4 * 1024

    public init(
        code: String, message: String? = nil, ec: String? = nil, requestId: String? = nil, hostId: String? = nil,
        argumentName: String? = nil, argumentValue: String? = nil
    ) {
        self.code = code
        self.message = message
        self.ec = ec
        self.requestId = requestId
        self.hostId = hostId
        self.argumentName = argumentName
        self.argumentValue = argumentValue
    }

    /// The error document in `body`, or nil when the body has no `<Error>` element with a `<Code>`.
    public static func parse<C: Collection<UInt8>>(_ body: C) -> OSSErrorDocument? {
        let bytes = Array(body.prefix(maxInputBytes))
        guard let errorOpen = find(Array("<Error>".utf8), in: bytes, from: 0) else { return nil }
        let start = errorOpen + 7
        let end = find(Array("</Error>".utf8), in: bytes, from: start) ?? bytes.count
        let inner = Array(bytes[start..<end])
        guard let code = element("Code", in: inner), !code.isEmpty else { return nil }
        return OSSErrorDocument(
            code: code, message: element("Message", in: inner), ec: element("EC", in: inner),
            requestId: element("RequestId", in: inner), hostId: element("HostId", in: inner),
            argumentName: element("ArgumentName", in: inner), argumentValue: element("ArgumentValue", in: inner))
    }

    /// The entity-decoded, whitespace-trimmed text of the first `<name>…</name>` in `bytes`.
    static func element(_ name: String, in bytes: [UInt8]) -> String? {
        let open = Array("<\(name)>".utf8), close = Array("</\(name)>".utf8)
        guard let o = find(open, in: bytes, from: 0) else { return nil }
        let textStart = o + open.count
        guard let c = find(close, in: bytes, from: textStart) else { return nil }
        let raw = bytes[textStart..<min(c, textStart + maxTextBytes)]
        return decodeEntities(raw).trimmingASCII(" \t\n\r")
    }

    /// The first index ≥ `from` where `needle` occurs in `hay`: Knuth–Morris–Pratt, so the work
    /// is linear in `hay.count + needle.count` whatever the bytes (a boundary that nearly
    /// matches everywhere costs no more than one that never does).
    static func find(_ needle: [UInt8], in hay: [UInt8], from: Int) -> Int? {
        let m = needle.count
        guard m > 0, from >= 0, m <= hay.count - from else { return m == 0 ? from : nil }
        var failure = [Int](repeating: 0, count: m)
        var k = 0
        var i = 1
        while i < m {
            while k > 0 && needle[i] != needle[k] { k = failure[k - 1] }
            if needle[i] == needle[k] { k += 1 }
            failure[i] = k
            i += 1
        }
        return hay.withUnsafeBufferPointer { h -> Int? in
            needle.withUnsafeBufferPointer { n -> Int? in
                var q = 0
                var i = from
                while i < h.count {
                    let byte = h[i]
                    while q > 0 && n[q] != byte { q = failure[q - 1] }
                    if n[q] == byte { q += 1 }
                    if q == m { return i - m + 1 }
                    i += 1
                }
                return nil
            }
        }
    }

    /// XML 1.0 §4.6 predefined entities, character references (§4.1) and CDATA sections (§2.7);
    /// an unknown or malformed reference is kept as written. Invalid UTF-8 becomes U+FFFD.
    public static func decodeEntities<C: Collection<UInt8>>(_ text: C) -> String {
        let b = Array(text)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        let cdataOpen = Array("<![CDATA[".utf8), cdataClose = Array("]]>".utf8)
        while i < b.count {
            if b[i] == UInt8(ascii: "<"), b.count - i >= cdataOpen.count,
                b[i..<(i + cdataOpen.count)].elementsEqual(cdataOpen)
            {
                let s = i + cdataOpen.count
                let e = find(cdataClose, in: b, from: s) ?? b.count
                out += b[s..<e]
                i = min(b.count, e + cdataClose.count)
                continue
            }
            guard b[i] == UInt8(ascii: "&"), let semi = b[i..<min(b.count, i + 12)].firstIndex(of: UInt8(ascii: ";"))
            else {
                out.append(b[i])
                i += 1
                continue
            }
            let name = String(decoding: b[(i + 1)..<semi], as: UTF8.self)
            var replacement: [UInt8]?
            switch name {
            case "amp": replacement = [UInt8(ascii: "&")]
            case "lt": replacement = [UInt8(ascii: "<")]
            case "gt": replacement = [UInt8(ascii: ">")]
            case "quot": replacement = [UInt8(ascii: "\"")]
            case "apos": replacement = [UInt8(ascii: "'")]
            default:
                // A character reference must name an XML Char (XML 1.0 §2.2): no NUL, no C0
                // control other than TAB, LF, CR; anything else is kept as written.
                var value: UInt32?
                if name.hasPrefix("#x") || name.hasPrefix("#X") {
                    value = UInt32(name.dropFirst(2), radix: 16)
                } else if name.hasPrefix("#") {
                    value = UInt32(name.dropFirst())
                }
                if let v = value, v >= 0x20 || v == 0x09 || v == 0x0A || v == 0x0D, let s = Unicode.Scalar(v) {
                    replacement = Array(String(Character(s)).utf8)
                }
            }
            if let replacement {
                out += replacement
                i = semi + 1
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// What a `203 CallbackFailed` message means (facts §4.7), matched case- and
/// whitespace-insensitively: `Error status : 400.`, `error Status:400 .` and `ERROR STATUS : 400.`
/// are the same message.
public enum CallbackFailureMeaning: Sendable, Hashable {
    /// The callback server answered this status (not 200).
    case serverStatus(Int)
    /// 400 with OSS's remark on the response's Content-Length.
    case contentLength(CallbackContentLengthProblem)
    /// `Error status : -1 … reply timeout, cost:…` or `Cost too long time.`: no answer within 5 s.
    case timeout
    /// `Error status : -1. OSS can not connect to your callbackUrl`: no TCP connection.
    case couldNotConnect
    /// `Error status : -1` with no further text.
    case networkError
    /// `Response body is not valid json format.`
    case bodyNotJSON
    /// `Too many callback requests.`: OSS-side throttling.
    case throttled
    /// `Get image info failed.`
    case imageInfoFailed
    /// `Callback to application server failed, please check your callbackUrl.` (old, generic).
    case genericFailure
    /// A message not in the catalogue.
    case unrecognised

    /// Classifies `message`.
    public init(message: String) {
        let m = Self.normalise(message)
        if m.hasPrefix("errorstatus:") {
            let after = m.dropFirst("errorstatus:".count)
            guard let status = Self.statusNumber(message) else {
                self = .unrecognised
                return
            }
            if status == -1 {
                if after.contains("cannotconnect") || after.contains("can'tconnect")
                    || after.contains("couldnotconnect")
                {
                    self = .couldNotConnect
                } else if after.contains("timeout") || after.contains("cost:") {
                    self = .timeout
                } else {
                    self = .networkError
                }
                return
            }
            if after.contains("missingcontent-length") {
                self = .contentLength(.missing)
            } else if after.contains("invalidconent-length") || after.contains("invalidcontent-length") {
                self = .contentLength(.invalid)
            } else if after.contains("toolongcontent-length") {
                self = .contentLength(.tooLong)
            } else {
                self = .serverStatus(status)
            }
            return
        }
        if m.hasPrefix("responsebodyisnotvalidjsonformat") {
            self = .bodyNotJSON
        } else if m.hasPrefix("costtoolongtime") {
            self = .timeout
        } else if m.hasPrefix("toomanycallbackrequests") {
            self = .throttled
        } else if m.hasPrefix("getimageinfofailed") {
            self = .imageInfoFailed
        } else if m.hasPrefix("callbacktoapplicationserverfailed") {
            self = .genericFailure
        } else {
            self = .unrecognised
        }
    }

    /// The number after `status` and `:` (spaces allowed around the colon): `-1`, `400`.
    static func statusNumber(_ message: String) -> Int? {
        let lower = Array(message.lowercased().utf8)
        guard let at = OSSErrorDocument.find(Array("status".utf8), in: lower, from: 0) else { return nil }
        var i = at + 6
        func skipSpace() { while i < lower.count, lower[i] == 0x20 || lower[i] == 0x09 { i += 1 } }
        skipSpace()
        guard i < lower.count, lower[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        skipSpace()
        let start = i
        if i < lower.count, lower[i] == UInt8(ascii: "-") { i += 1 }
        while i < lower.count, i - start < 6, lower[i] >= 0x30, lower[i] <= 0x39 { i += 1 }
        return Int(String(decoding: lower[start..<i], as: UTF8.self))
    }

    /// Lower case, all whitespace removed (so spacing around `:` and `.` does not matter).
    static func normalise(_ message: String) -> String {
        String(message.lowercased().unicodeScalars.filter { !($0.properties.isWhitespace) }.map(Character.init))
    }

    /// A stable key for JSON (`server-status`, `timeout`, …).
    public var key: String {
        switch self {
        case .serverStatus: "server-status"
        case .contentLength(let p): "content-length-\(p.rawValue)"
        case .timeout: "timeout"
        case .couldNotConnect: "could-not-connect"
        case .networkError: "network-error"
        case .bodyNotJSON: "body-not-json"
        case .throttled: "throttled"
        case .imageInfoFailed: "image-info-failed"
        case .genericFailure: "generic-failure"
        case .unrecognised: "unrecognised"
        }
    }

    /// What it means, in one or two sentences, and where to look next.
    public var explanation: String {
        switch self {
        case .serverStatus(502):
            "OSS reports status 502: the callback server answered 502, or — often — OSS could not reach it at all (server not started, network broken, TLS/SNI failure). Capture on the callback server to tell which."
        case .serverStatus(let status):
            "The callback server answered HTTP \(status); OSS accepts only 200 (redirects are not followed). Capture on the callback server to see its answer."
        case .contentLength(.missing):
            "The callback server answered without a Content-Length (a chunked or close-delimited body); OSS requires one."
        case .contentLength(.invalid):
            "The callback server's Content-Length was not a valid positive integer, or did not match the body it sent."
        case .contentLength(.tooLong):
            "The callback server's answer was over OSS's 1 MB limit."
        case .timeout:
            "The callback server did not answer within OSS's fixed 5 s limit (or the connection timed out)."
        case .couldNotConnect:
            "OSS could not connect to the callbackUrl: nothing listens there, the host is unreachable, or a firewall drops OSS's connection."
        case .networkError:
            "OSS could not complete the call (network error, status -1): connection failure or timeout."
        case .bodyNotJSON:
            "The callback server answered 200 but its body is not valid JSON (a BOM, plain text such as \"OK\", an HTML page, or an empty body)."
        case .throttled:
            "OSS throttled callbacks for this bucket (too many callback requests); the callback server was not at fault."
        case .imageInfoFailed:
            "The callbackBody uses ${imageInfo.*} but the uploaded object is not an image OSS can read."
        case .genericFailure:
            "The callback failed (an older, generic OSS message): check the callbackUrl and the server's answer."
        case .unrecognised:
            "This message is not in callback-doctor's catalogue of OSS messages."
        }
    }
}

/// OSS's three Content-Length remarks (facts §4.7).
public enum CallbackContentLengthProblem: String, Sendable, Hashable {
    case missing, invalid
    case tooLong = "too-long"
}

/// A `203 CallbackFailed` answer from OSS to an upload: the object was stored, the callback failed.
public struct CallbackFailedResponse: Sendable, Hashable {
    public var document: OSSErrorDocument
    public var meaning: CallbackFailureMeaning

    public var message: String { document.message ?? "" }
    public var ec: String? { document.ec }

    /// The CallbackFailed document in a 203 response body, or nil.
    public init?(status: Int, body: some Collection<UInt8>) {
        guard status == 203, let document = OSSErrorDocument.parse(body),
            document.code.lowercased() == "callbackfailed"
        else { return nil }
        self.document = document
        self.meaning = CallbackFailureMeaning(message: document.message ?? "")
    }
}
