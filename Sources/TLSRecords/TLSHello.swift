/// Handshake message types this module reads (RFC 8446 §4, RFC 5246 §7.4).
public enum TLSHandshakeType: UInt8, Sendable, Hashable {
    case clientHello = 1
    case serverHello = 2
}

/// What a ClientHello says about the client (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2).
public struct TLSClientHello: Sendable, Hashable {
    /// `legacy_version` (0x0303 from a TLS 1.3 client; the highest version for TLS ≤ 1.2).
    public var legacyVersion: TLSProtocolVersion
    /// The `host_name` of the `server_name` extension (RFC 6066 §3), or nil when the extension
    /// is absent — what OSS sends unless the callback sets `callbackSNI: true` (facts §2.6).
    /// Invalid UTF-8 is replaced; at most 255 bytes are kept.
    public var serverName: String?
    /// True when a `server_name` extension was present (even if it held no host_name).
    public var hasServerNameExtension: Bool
    /// The `supported_versions` extension (RFC 8446 §4.2.1), GREASE removed; empty when absent.
    public var supportedVersions: [TLSProtocolVersion]
    /// ALPN protocol names offered (RFC 7301 §3.1), at most 16, each at most 64 bytes.
    public var alpn: [String]
    /// Number of cipher suites offered.
    public var cipherSuiteCount: Int

    /// The highest version the client offers: from `supported_versions`, else `legacy_version`.
    public var highestVersion: TLSProtocolVersion {
        supportedVersions.max() ?? legacyVersion
    }

    public init(
        legacyVersion: TLSProtocolVersion, serverName: String?, hasServerNameExtension: Bool,
        supportedVersions: [TLSProtocolVersion], alpn: [String], cipherSuiteCount: Int
    ) {
        self.legacyVersion = legacyVersion
        self.serverName = serverName
        self.hasServerNameExtension = hasServerNameExtension
        self.supportedVersions = supportedVersions
        self.alpn = alpn
        self.cipherSuiteCount = cipherSuiteCount
    }
}

/// What a ServerHello says (RFC 8446 §4.1.3, RFC 5246 §7.4.1.3).
public struct TLSServerHello: Sendable, Hashable {
    public var legacyVersion: TLSProtocolVersion
    /// The `supported_versions` extension's `selected_version` (TLS 1.3), nil when absent.
    public var selectedVersion: TLSProtocolVersion?
    public var cipherSuite: UInt16
    /// The ALPN protocol the server selected, if any.
    public var alpn: String?
    /// True when the `random` is RFC 8446 §4.1.3's HelloRetryRequest value: the server asks
    /// for a second ClientHello; this is not the negotiated version yet.
    public var isHelloRetryRequest: Bool

    /// The negotiated version: `selected_version` when present (TLS 1.3), else `legacy_version`.
    public var negotiatedVersion: TLSProtocolVersion { selectedVersion ?? legacyVersion }

    public init(
        legacyVersion: TLSProtocolVersion, selectedVersion: TLSProtocolVersion?, cipherSuite: UInt16, alpn: String?,
        isHelloRetryRequest: Bool
    ) {
        self.legacyVersion = legacyVersion
        self.selectedVersion = selectedVersion
        self.cipherSuite = cipherSuite
        self.alpn = alpn
        self.isHelloRetryRequest = isHelloRetryRequest
    }
}

/// Why a hello message could not be read.
public struct TLSHelloError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// A bounds-checked reader over a handshake message body. Every read either succeeds inside
/// the buffer or throws; nothing is trusted.
struct HelloReader {
    let bytes: [UInt8]
    var position: Int
    let end: Int

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position >= end }

    mutating func u8(_ what: String) throws(TLSHelloError) -> Int {
        guard remaining >= 1 else { throw TLSHelloError("truncated \(what)") }
        defer { position += 1 }
        return Int(bytes[position])
    }

    mutating func u16(_ what: String) throws(TLSHelloError) -> Int {
        guard remaining >= 2 else { throw TLSHelloError("truncated \(what)") }
        defer { position += 2 }
        return Int(bytes[position]) << 8 | Int(bytes[position + 1])
    }

    mutating func skip(_ count: Int, _ what: String) throws(TLSHelloError) {
        guard count >= 0, remaining >= count else { throw TLSHelloError("truncated \(what)") }
        position += count
    }

    /// A sub-reader over the next `count` bytes, which are consumed.
    mutating func vector(_ count: Int, _ what: String) throws(TLSHelloError) -> HelloReader {
        guard count >= 0, remaining >= count else { throw TLSHelloError("\(what) overruns its container") }
        defer { position += count }
        return HelloReader(bytes, from: position, to: position + count)
    }

    /// Walks the extensions block that may end a hello (RFC 8446 §4.2; RFC 5246 §7.4.1.2: a
    /// hello may also end without one), calling `body` with each extension's type and data.
    mutating func forEachExtension(_ body: (Int, inout HelloReader) throws(TLSHelloError) -> Void) throws(TLSHelloError)
    {
        guard !isAtEnd else { return }
        var extensions = try vector(try u16("extensions length"), "extensions")
        while !extensions.isAtEnd {
            let type = try extensions.u16("extension type")
            var data = try extensions.vector(try extensions.u16("extension length"), "extension \(type)")
            try body(type, &data)
        }
    }

    func text(maxBytes: Int) -> String {
        String(decoding: bytes[position..<min(end, position + maxBytes)], as: UTF8.self)
    }
}

/// The extensions this module reads (IANA TLS ExtensionType values).
enum TLSExtension {
    static let serverName = 0
    static let alpn = 16
    static let supportedVersions = 43
}

extension TLSClientHello {
    /// Parses a ClientHello body (the handshake message without its 4-byte header).
    public init(body: [UInt8]) throws(TLSHelloError) {
        var r = HelloReader(body)
        let legacy = TLSProtocolVersion(rawValue: UInt16(try r.u16("legacy_version")))
        try r.skip(32, "random")
        try r.skip(try r.u8("legacy_session_id length"), "legacy_session_id")
        let suites = try r.u16("cipher_suites length")
        guard suites % 2 == 0 else { throw TLSHelloError("odd cipher_suites length \(suites)") }
        try r.skip(suites, "cipher_suites")
        try r.skip(try r.u8("compression_methods length"), "compression_methods")
        var serverName: String?
        var hasSNI = false
        var versions: [TLSProtocolVersion] = []
        var alpn: [String] = []
        // RFC 5246 §7.4.1.2: a ClientHello may end after the compression methods.
        try r.forEachExtension { (type, data) throws(TLSHelloError) in
            switch type {
            case TLSExtension.serverName:
                hasSNI = true
                // An empty extension_data is legal in a ServerHello only; tolerate it here too.
                guard !data.isAtEnd else { break }
                var list = try data.vector(try data.u16("server_name_list length"), "server_name_list")
                while !list.isAtEnd {
                    let nameType = try list.u8("name_type")
                    let name = try list.vector(try list.u16("server name length"), "server name")
                    if nameType == 0, serverName == nil { serverName = name.text(maxBytes: 255) }
                }
            case TLSExtension.alpn:
                var list = try data.vector(try data.u16("protocol_name_list length"), "protocol_name_list")
                while !list.isAtEnd {
                    let name = try list.vector(try list.u8("protocol name length"), "protocol name")
                    if alpn.count < 16 { alpn.append(name.text(maxBytes: 64)) }
                }
            case TLSExtension.supportedVersions:
                var list = try data.vector(try data.u8("supported_versions length"), "supported_versions")
                while !list.isAtEnd {
                    let version = TLSProtocolVersion(rawValue: UInt16(try list.u16("supported version")))
                    if !version.isGREASE && versions.count < 16 { versions.append(version) }
                }
            default:
                break
            }
        }
        self.init(
            legacyVersion: legacy, serverName: serverName, hasServerNameExtension: hasSNI, supportedVersions: versions,
            alpn: alpn, cipherSuiteCount: suites / 2)
    }
}

extension TLSServerHello {
    /// RFC 8446 §4.1.3: the `random` of a HelloRetryRequest, SHA-256("HelloRetryRequest").
    static let helloRetryRandom: [UInt8] = [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ]

    /// Parses a ServerHello body (the handshake message without its 4-byte header).
    public init(body: [UInt8]) throws(TLSHelloError) {
        var r = HelloReader(body)
        let legacy = TLSProtocolVersion(rawValue: UInt16(try r.u16("legacy_version")))
        let randomStart = r.position
        try r.skip(32, "random")
        let isRetry = Array(body[randomStart..<randomStart + 32]) == Self.helloRetryRandom
        try r.skip(try r.u8("legacy_session_id_echo length"), "legacy_session_id_echo")
        let suite = UInt16(try r.u16("cipher_suite"))
        try r.skip(1, "legacy_compression_method")
        var selected: TLSProtocolVersion?
        var alpn: String?
        try r.forEachExtension { (type, data) throws(TLSHelloError) in
            switch type {
            case TLSExtension.supportedVersions:
                selected = TLSProtocolVersion(rawValue: UInt16(try data.u16("selected_version")))
            case TLSExtension.alpn:
                var list = try data.vector(try data.u16("protocol_name_list length"), "protocol_name_list")
                if !list.isAtEnd {
                    alpn = try list.vector(try list.u8("protocol name length"), "protocol name").text(maxBytes: 64)
                }
            default:
                break
            }
        }
        self.init(
            legacyVersion: legacy, selectedVersion: selected, cipherSuite: suite, alpn: alpn,
            isHelloRetryRequest: isRetry)
    }
}
