/// Builds TLS records and hello messages byte by byte from their fields (RFC 8446 §4.1.2-§4.1.3,
/// §5.1; RFC 6066 §3; RFC 7301 §3.1), for tests.
/// Public so that every stage's tests (record layer, exchanges, diagnosis) build the same bytes.
public enum TLSRecordBuilder {
    public static func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    public static func u24(_ v: Int) -> [UInt8] { [UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    /// A record: type, version, 16-bit length, fragment.
    public static func record(_ type: UInt8, _ fragment: [UInt8], version: UInt16 = 0x0303) -> [UInt8] {
        [type] + u16(Int(version)) + u16(fragment.count) + fragment
    }

    /// A handshake message: msg_type, 24-bit length, body.
    public static func handshake(_ type: UInt8, _ body: [UInt8]) -> [UInt8] { [type] + u24(body.count) + body }

    public static func extensionBlock(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + u16(data.count) + data }

    public static func clientHelloBody(
        sni: String?, versions: [UInt16] = [0x0A0A, 0x0304, 0x0303], alpn: [String] = [], legacy: UInt16 = 0x0303,
        withExtensions: Bool = true, paddingExtensionBytes: Int = 0
    ) -> [UInt8] {
        var body = u16(Int(legacy)) + [UInt8](repeating: 0xAB, count: 32)
        body += [32] + [UInt8](repeating: 0x11, count: 32)  // legacy_session_id
        body += u16(6) + [0x13, 0x01, 0x13, 0x02, 0xC0, 0x2F]  // three cipher suites
        body += [1, 0]  // null compression
        guard withExtensions else { return body }
        var extensions: [UInt8] = []
        if let sni {
            let name = Array(sni.utf8)
            let entry = [0] + u16(name.count) + name
            extensions += extensionBlock(0, u16(entry.count) + entry)
        }
        if !versions.isEmpty {
            let list = versions.flatMap { u16(Int($0)) }
            extensions += extensionBlock(43, [UInt8(list.count)] + list)
        }
        if !alpn.isEmpty {
            let list = alpn.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            extensions += extensionBlock(16, u16(list.count) + list)
        }
        if paddingExtensionBytes > 0 {
            extensions += extensionBlock(21, [UInt8](repeating: 0, count: paddingExtensionBytes))
        }
        return body + u16(extensions.count) + extensions
    }

    public static func serverHelloBody(
        legacy: UInt16 = 0x0303, selected: UInt16? = 0x0304, retry: Bool = false, alpn: String? = nil
    ) -> [UInt8] {
        let random: [UInt8] =
            retry
            ? [
                0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
                0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
            ] : [UInt8](repeating: 0x42, count: 32)
        var body = u16(Int(legacy)) + random + [32] + [UInt8](repeating: 0x11, count: 32) + [0x13, 0x02] + [0]
        var extensions: [UInt8] = []
        if let selected { extensions += extensionBlock(43, u16(Int(selected))) }
        if let alpn {
            let entry = [UInt8(alpn.utf8.count)] + Array(alpn.utf8)
            extensions += extensionBlock(16, u16(entry.count) + entry)
        }
        if !extensions.isEmpty || selected != nil { body += u16(extensions.count) + extensions }
        return body
    }

    public static func clientHelloRecord(sni: String?, versions: [UInt16] = [0x0A0A, 0x0304, 0x0303]) -> [UInt8] {
        record(22, handshake(1, clientHelloBody(sni: sni, versions: versions)), version: 0x0301)
    }

    public static func serverHelloRecord(selected: UInt16? = 0x0304, legacy: UInt16 = 0x0303) -> [UInt8] {
        record(22, handshake(2, serverHelloBody(legacy: legacy, selected: selected)))
    }

    public static func alert(level: UInt8, code: UInt8) -> [UInt8] { record(21, [level, code]) }
    public static let changeCipherSpec = record(20, [1])
    public static func applicationData(_ length: Int) -> [UInt8] { record(23, [UInt8](repeating: 0x5A, count: length)) }
}
