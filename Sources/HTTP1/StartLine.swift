import ByteText

// Recognising and parsing start lines (RFC 9112 §3 request-line, §4 status-line).

/// A parsed start line, held while the header fields that follow it are read.
enum StartLine: Sendable {
    case request(method: String, target: String, version: HTTPVersion)
    case response(version: HTTPVersion, status: Int, reason: String)
}

/// A start line and how it was spelled.
struct ParsedStartLine: Sendable {
    var line: StartLine
    /// Whether the version's HTTP-name was `HTTP` (not `http`, `Http`…).
    var hasUppercaseName: Bool
}

/// Where and why a start line is not HTTP/1.x.
struct StartLineViolation: Sendable {
    /// Index (in the scanned slice) of the byte that makes the line impossible.
    var index: Int
    var reason: String
}

/// Checks a start line byte by byte as it arrives, so that non-HTTP input (TLS, binary, a stream
/// picked up mid-body) is rejected at the first impossible byte instead of after a whole line.
///
/// Only rules decidable on a prefix are checked here, so the verdict (and the offset of the byte
/// blamed) does not depend on how the input was split. The rest (request version, status line length)
/// is checked by `parse(_:role:)` once the line is complete.
///
/// - request: `method SP …`, method = 1*tchar (at most `maxMethodLength`), no control bytes in the
///   rest except a final CR;
/// - response: `HTTP/1.D SP DDD` then SP, CR or the end of the line; first status digit 1-9; the
///   letters of `HTTP` in any case (recorded as `lowercaseHTTPVersion`).
///
/// A line starting with CR is accepted only as an empty line (`CR LF`), which RFC 9112 §2.2 lets a
/// recipient skip before a start line.
struct StartLineScanner: Sendable {
    private enum Phase: Sendable {
        /// Nothing scanned yet.
        case lineStart
        /// The line began with CR: only LF (not scanned, it ends the line) may follow.
        case leadingCR
        /// Request: reading the method token (length so far).
        case method(length: Int)
        /// Request: after the method's SP, reading target and version.
        case targetAndVersion
        /// Response: position in the `HTTP/1.D SP DDD` template.
        case statusTemplate(position: Int)
        /// Response: reading the reason phrase (anything goes).
        case reason
        /// A CR that must be the last byte of the line.
        case finalCR
    }

    private static let template: [UInt8] = Array("HTTP/1.0 000".utf8)

    private let role: HTTPMessageParser.Role
    private let maxMethodLength: Int
    private var phase: Phase = .lineStart

    init(role: HTTPMessageParser.Role, maxMethodLength: Int) {
        self.role = role
        self.maxMethodLength = maxMethodLength
    }

    /// Forget the current line.
    mutating func reset() {
        phase = .lineStart
    }

    /// Whether the bytes scanned so far could be more than an empty line.
    var hasContent: Bool {
        switch phase {
        case .lineStart, .leadingCR: return false
        case .method, .targetAndVersion, .statusTemplate, .reason, .finalCR: return true
        }
    }

    /// Scans the next bytes of the line (never the terminating LF).
    ///
    /// - Returns: the first violation, or nil if the line is still possible.
    mutating func scan(_ bytes: ArraySlice<UInt8>) -> StartLineViolation? {
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if let reason = step(bytes[index]) { return StartLineViolation(index: index, reason: reason) }
            index += 1
        }
        return nil
    }

    /// Reads one byte of the line: why the line cannot be a start line, or nil while it still can.
    @inline(__always)
    private mutating func step(_ byte: UInt8) -> String? {
        switch phase {
        case .lineStart:
            if byte == ASCII.cr {
                phase = .leadingCR
                return nil
            }
            return role == .request ? startMethod(byte) : startStatusLine(byte)
        case .leadingCR:
            return "CR not followed by LF before the start line"
        case .method(let length):
            return continueMethod(byte, length: length)
        case .targetAndVersion:
            if byte == ASCII.cr {
                phase = .finalCR
            } else if ASCII.isControlExceptTab(byte) {
                return "not a request line: control byte \(ASCII.describe(byte))"
            }
            return nil
        case .statusTemplate(let position):
            return continueStatusTemplate(byte, position: position)
        case .reason:
            return nil
        case .finalCR:
            return "CR inside the start line"
        }
    }

    /// The first byte of a request line: a method's first token character.
    private mutating func startMethod(_ byte: UInt8) -> String? {
        guard ASCII.isTokenCharacter(byte) else {
            return "not a request line: \(ASCII.describe(byte)) cannot start a method"
        }
        phase = .method(length: 1)
        return nil
    }

    /// The first byte of a status line: the `H` of `HTTP/` (either case).
    private mutating func startStatusLine(_ byte: UInt8) -> String? {
        guard ASCIIText.lowercased(byte) == ASCIIText.lowercased(Self.template[0]) else {
            return "not a status line: starts with \(ASCII.describe(byte)), not \"HTTP/\""
        }
        phase = .statusTemplate(position: 1)
        return nil
    }

    /// A byte after `length` bytes of the method: more of the token (within `maxMethodLength`),
    /// or the SP before the target.
    private mutating func continueMethod(_ byte: UInt8, length: Int) -> String? {
        if ASCII.isTokenCharacter(byte) {
            guard length < maxMethodLength else {
                return "not a request line: method token longer than \(maxMethodLength) bytes"
            }
            phase = .method(length: length + 1)
        } else if byte == ASCII.space {
            phase = .targetAndVersion
        } else {
            return "not a request line: \(ASCII.describe(byte)) in the method token"
        }
        return nil
    }

    /// Byte `position` of `HTTP/1.x NNN`: the template's letters (the name in either case), the
    /// digits, then SP before the reason or the end of the line.
    private mutating func continueStatusTemplate(_ byte: UInt8, position: Int) -> String? {
        let ok: Bool
        switch position {
        case 7, 10, 11: ok = ASCII.isDigit(byte)
        case 9: ok = byte >= 0x31 && byte <= ASCII.nine
        case 1, 2, 3: ok = ASCIIText.lowercased(byte) == ASCIIText.lowercased(Self.template[position])
        case 12:
            // After the three status digits: SP reason, or the end of the line.
            if byte == ASCII.space {
                phase = .reason
            } else if byte == ASCII.cr {
                phase = .finalCR
            } else {
                return "not a status line: \(ASCII.describe(byte)) after the status code"
            }
            return nil
        default: ok = byte == Self.template[position]
        }
        guard ok else {
            return position == 5
                ? "not an HTTP/1.x status line: major version \(ASCII.describe(byte))"
                : "not a status line: unexpected \(ASCII.describe(byte)) at byte \(position)"
        }
        phase = .statusTemplate(position: position + 1)
        return nil
    }

    /// Parses a complete, non-empty start line (without CRLF / LF) that `scan` accepted.
    ///
    /// - Returns: the start line, or the reason it is not HTTP/1.x.
    static func parse(_ line: ArraySlice<UInt8>, role: HTTPMessageParser.Role) -> Result<ParsedStartLine, ParseFailure>
    {
        switch role {
        case .request: return parseRequestLine(line)
        case .response: return parseStatusLine(line)
        }
    }

    struct ParseFailure: Error {
        var reason: String
    }

    /// `method SP request-target SP HTTP-version` (RFC 9112 §3). Leniently, the version is the last
    /// whitespace-separated word and the target everything between (RFC 9112 §3 allows parsing "on
    /// whitespace-delimited word boundaries").
    private static func parseRequestLine(_ line: ArraySlice<UInt8>) -> Result<ParsedStartLine, ParseFailure> {
        guard let space = line.firstIndex(of: ASCII.space) else {
            return .failure(ParseFailure(reason: "not a request line: no request target"))
        }
        let method = line[line.startIndex..<space]
        let rest = ASCIIText.trimmingOWS(line[(space + 1)...])
        guard let lastSpace = rest.lastIndex(where: ASCII.isWhitespace) else {
            return .failure(
                ParseFailure(
                    reason: rest.isEmpty
                        ? "not a request line: no request target" : "not a request line: no HTTP version (HTTP/0.9?)"
                )
            )
        }
        let target = ASCIIText.trimmingOWS(rest[rest.startIndex..<lastSpace])
        let versionBytes = rest[(lastSpace + 1)...]
        guard !target.isEmpty else {
            return .failure(ParseFailure(reason: "not a request line: empty request target"))
        }
        guard let (version, uppercase) = parseVersion(versionBytes) else {
            return .failure(
                ParseFailure(
                    reason: "not a request line: \"\(ASCII.string(versionBytes.prefix(16)))\" is not an HTTP version"
                )
            )
        }
        guard version.major == 1 else {
            return .failure(ParseFailure(reason: "not HTTP/1.x: \(version) request line"))
        }
        return .success(
            ParsedStartLine(
                line: .request(method: ASCII.string(method), target: ASCII.string(target), version: version),
                hasUppercaseName: uppercase
            )
        )
    }

    /// `HTTP-version SP status-code SP [ reason-phrase ]` (RFC 9112 §4); a missing SP before an
    /// absent reason is tolerated.
    private static func parseStatusLine(_ line: ArraySlice<UInt8>) -> Result<ParsedStartLine, ParseFailure> {
        guard line.count >= 12 else {
            return .failure(ParseFailure(reason: "not a status line: too short"))
        }
        let s = line.startIndex
        guard let (version, uppercase) = parseVersion(line[s..<(s + 8)]) else {
            return .failure(ParseFailure(reason: "not a status line: bad version"))
        }
        var status = 0
        for byte in line[(s + 9)..<(s + 12)] {
            guard ASCII.isDigit(byte) else {
                return .failure(ParseFailure(reason: "not a status line: bad status code"))
            }
            status = status * 10 + Int(byte &- ASCII.zero)
        }
        let reason = line.count > 13 ? ASCII.string(ASCIIText.trimmingOWS(line[(s + 13)...])) : ""
        return .success(
            ParsedStartLine(
                line: .response(version: version, status: status, reason: reason),
                hasUppercaseName: uppercase
            )
        )
    }

    /// `"HTTP/" DIGIT "." DIGIT` (RFC 9112 §2.3). The name is case-sensitive in the RFC; here any case
    /// is accepted and reported.
    ///
    /// - Returns: the version and whether the name was upper case, or nil.
    static func parseVersion(_ bytes: ArraySlice<UInt8>) -> (HTTPVersion, Bool)? {
        guard bytes.count == 8 else { return nil }
        let s = bytes.startIndex
        guard ASCII.caseInsensitiveEquals(bytes[s..<(s + 4)], lowercaseLiteral: "http"),
            bytes[s + 4] == ASCII.slash, ASCII.isDigit(bytes[s + 5]), bytes[s + 6] == ASCII.dot,
            ASCII.isDigit(bytes[s + 7])
        else { return nil }
        let uppercase = bytes[s] == 0x48 && bytes[s + 1] == 0x54 && bytes[s + 2] == 0x54 && bytes[s + 3] == 0x50
        let version = HTTPVersion(major: Int(bytes[s + 5] &- ASCII.zero), minor: Int(bytes[s + 7] &- ASCII.zero))
        return (version, uppercase)
    }
}
