import ByteText

/// The content type of a TLS record (RFC 8446 §5.1; RFC 5246 §6.2.1; RFC 6520 for heartbeat).
public enum TLSContentType: UInt8, Sendable, Hashable, CaseIterable {
    case changeCipherSpec = 20
    case alert = 21
    case handshake = 22
    case applicationData = 23
    case heartbeat = 24

    /// `change_cipher_spec`, `alert`, `handshake`, `application_data`, `heartbeat`.
    public var name: String {
        switch self {
        case .changeCipherSpec: "change_cipher_spec"
        case .alert: "alert"
        case .handshake: "handshake"
        case .applicationData: "application_data"
        case .heartbeat: "heartbeat"
        }
    }
}

/// A TLS protocol version as it appears on the wire (`ProtocolVersion`, RFC 8446 §4.1.2,
/// RFC 5246 §6.2.1): 0x0300 = SSL 3.0 … 0x0304 = TLS 1.3.
public struct TLSProtocolVersion: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let ssl3 = TLSProtocolVersion(rawValue: 0x0300)
    public static let tls10 = TLSProtocolVersion(rawValue: 0x0301)
    public static let tls11 = TLSProtocolVersion(rawValue: 0x0302)
    public static let tls12 = TLSProtocolVersion(rawValue: 0x0303)
    public static let tls13 = TLSProtocolVersion(rawValue: 0x0304)

    /// A GREASE value (RFC 8701 §2: 0x0A0A, 0x1A1A, … 0xFAFA), which a client offers to keep
    /// servers tolerant and which never means a real version.
    public var isGREASE: Bool { rawValue & 0x0F0F == 0x0A0A && rawValue >> 8 == rawValue & 0xFF }

    /// `TLS 1.2`, `SSL 3.0`, or `0x7f1c` for anything else (drafts, GREASE).
    public var description: String {
        switch rawValue {
        case 0x0300: "SSL 3.0"
        case 0x0301: "TLS 1.0"
        case 0x0302: "TLS 1.1"
        case 0x0303: "TLS 1.2"
        case 0x0304: "TLS 1.3"
        default: "0x" + Hex.digits(rawValue)
        }
    }

    public static func < (lhs: TLSProtocolVersion, rhs: TLSProtocolVersion) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A plaintext alert (RFC 8446 §6, RFC 5246 §7.2): a level and a description, two bytes.
public struct TLSAlert: Sendable, Hashable, CustomStringConvertible {
    /// 1 = warning, 2 = fatal (TLS 1.3 ignores the level except for close_notify/user_canceled).
    public var level: UInt8
    public var code: UInt8

    public init(level: UInt8, code: UInt8) {
        self.level = level
        self.code = code
    }

    /// True for level fatal (2).
    public var isFatal: Bool { level == 2 }

    /// `warning`, `fatal`, or `level(N)`.
    public var levelName: String {
        switch level {
        case 1: "warning"
        case 2: "fatal"
        default: "level(\(level))"
        }
    }

    /// The `AlertDescription` name from RFC 8446 §6 (and RFC 5246 §7.2 for the ones TLS 1.3
    /// reserved), or `unknown(N)`.
    public var name: String { Self.names[code] ?? "unknown(\(code))" }

    /// `fatal unrecognized_name (112)`.
    public var description: String { "\(levelName) \(name) (\(code))" }

    static let names: [UInt8: String] = [
        0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
        22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
        42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
        46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca", 49: "access_denied", 50: "decode_error",
        51: "decrypt_error", 60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
        80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
        109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
        112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
        115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
    ]
}

/// The five-byte record header (RFC 8446 §5.1 `TLSPlaintext`, RFC 5246 §6.2.1).
public struct TLSRecordHeader: Sendable, Hashable {
    /// The raw content type byte (see ``TLSContentType``).
    public var type: UInt8
    public var version: TLSProtocolVersion
    public var length: Int

    /// The largest record length accepted: 2^14 + 2048, RFC 5246 §6.2.3's bound for a
    /// `TLSCiphertext` (RFC 8446 §5.2 lowers it to 2^14 + 256 for TLS 1.3; the older, larger
    /// bound is used so that no legal TLS 1.2 record is called malformed).
    public static let maxLength = (1 << 14) + 2048

    public var contentType: TLSContentType? { TLSContentType(rawValue: type) }

    /// Parses five bytes; nil when they cannot start a TLS record (unknown type, a major
    /// version other than 3, or a length over ``maxLength``).
    public init?<C: Collection<UInt8>>(_ bytes: C) {
        guard bytes.count >= 5 else { return nil }
        var i = bytes.startIndex
        func next() -> UInt8 {
            defer { i = bytes.index(after: i) }
            return bytes[i]
        }
        let type = next(), major = next(), minor = next(), high = next(), low = next()
        guard TLSContentType(rawValue: type) != nil, major == 3, minor <= 4 else { return nil }
        let length = Int(high) << 8 | Int(low)
        guard length <= Self.maxLength else { return nil }
        self.type = type
        self.version = TLSProtocolVersion(rawValue: UInt16(major) << 8 | UInt16(minor))
        self.length = length
    }

    /// True when `prefix` (the first bytes a client sent, possibly fewer than three) can be the
    /// start of a TLS handshake record: 0x16, 0x03, 0x00…0x04 (RFC 8446 §5.1; a ClientHello's
    /// record version is 0x0301 or 0x0303 in practice, SSL 3.0 clients send 0x0300).
    public static func startsHandshake<C: Collection<UInt8>>(_ prefix: C) -> Bool {
        var iterator = prefix.makeIterator()
        guard let type = iterator.next(), type == TLSContentType.handshake.rawValue else { return false }
        guard let major = iterator.next() else { return true }
        guard major == 3 else { return false }
        guard let minor = iterator.next() else { return true }
        return minor <= 4
    }
}
