import TestSupport
import Testing

@testable import TLSRecords

@Suite struct TLSHelloTests {
    @Test func clientHelloWithSNIALPNAndSupportedVersions() throws {
        let body = TLSBytes.clientHelloBody(sni: "callback.example.com", alpn: ["h2", "http/1.1"])
        let hello = try TLSClientHello(body: body)
        #expect(hello.serverName == "callback.example.com")
        #expect(hello.hasServerNameExtension)
        #expect(hello.legacyVersion == .tls12)
        // GREASE (0x0A0A, RFC 8701) is dropped; the rest keeps its order.
        #expect(hello.supportedVersions == [.tls13, .tls12])
        #expect(hello.highestVersion == .tls13)
        #expect(hello.alpn == ["h2", "http/1.1"])
        #expect(hello.cipherSuiteCount == 3)
    }

    @Test func clientHelloWithoutSNILikeOSS() throws {
        let hello = try TLSClientHello(body: TLSBytes.clientHelloBody(sni: nil))
        #expect(hello.serverName == nil)
        #expect(!hello.hasServerNameExtension)
        #expect(hello.supportedVersions == [.tls13, .tls12])
    }

    @Test func legacyClientHelloWithoutExtensions() throws {
        let hello = try TLSClientHello(body: TLSBytes.clientHelloBody(sni: nil, legacy: 0x0301, withExtensions: false))
        #expect(hello.legacyVersion == .tls10)
        #expect(hello.supportedVersions.isEmpty)
        #expect(hello.highestVersion == .tls10)
    }

    @Test func everyTruncationOfAClientHelloThrowsOrParsesWithoutCrashing() {
        let body = TLSBytes.clientHelloBody(sni: "a.example", alpn: ["http/1.1"])
        var failures = 0
        for length in 0..<body.count {
            do { _ = try TLSClientHello(body: Array(body.prefix(length))) } catch { failures += 1 }
        }
        // Only the prefix that ends exactly after the compression methods is a legal (extension-less) hello.
        #expect(failures == body.count - 1)
    }

    @Test func extensionLengthsThatOverrunTheirContainerAreRejected() {
        var body = TLSBytes.clientHelloBody(sni: "a.example")
        // The server_name extension's length (after the 2-byte extensions length and 2-byte type).
        let extensionsStart = 2 + 32 + 1 + 32 + 2 + 6 + 2
        body[extensionsStart + 4] = 0xFF
        #expect(throws: TLSHelloError.self) { try TLSClientHello(body: body) }
    }

    @Test func serverHelloVersions() throws {
        let tls12 = try TLSServerHello(body: TLSBytes.serverHelloBody(selected: nil))
        #expect(tls12.negotiatedVersion == .tls12)
        #expect(!tls12.isHelloRetryRequest)
        let tls13 = try TLSServerHello(body: TLSBytes.serverHelloBody(selected: 0x0304, alpn: "http/1.1"))
        #expect(tls13.negotiatedVersion == .tls13)
        #expect(tls13.legacyVersion == .tls12)
        #expect(tls13.alpn == "http/1.1")
        #expect(tls13.cipherSuite == 0x1302)
        let retry = try TLSServerHello(body: TLSBytes.serverHelloBody(retry: true))
        #expect(retry.isHelloRetryRequest)
    }

    @Test func namesOfVersionsAndAlerts() {
        #expect(TLSProtocolVersion.tls13.description == "TLS 1.3")
        #expect(TLSProtocolVersion(rawValue: 0x7F1C).description == "0x7f1c")
        #expect(TLSProtocolVersion(rawValue: 0x1A1A).isGREASE)
        #expect(!TLSProtocolVersion.tls12.isGREASE)
        #expect(TLSAlert(level: 2, code: 112).description == "fatal unrecognized_name (112)")
        #expect(TLSAlert(level: 1, code: 0).name == "close_notify")
        #expect(TLSAlert(level: 2, code: 70).name == "protocol_version")
        #expect(TLSAlert(level: 9, code: 250).description == "level(9) unknown(250) (250)")
    }

    @Test func recordHeaderDetection() {
        #expect(TLSRecordHeader.startsHandshake([0x16, 0x03, 0x01]))
        #expect(TLSRecordHeader.startsHandshake([0x16]))
        #expect(!TLSRecordHeader.startsHandshake([0x16, 0x02]))
        #expect(!TLSRecordHeader.startsHandshake([0x16, 0x03, 0x05]))
        #expect(!TLSRecordHeader.startsHandshake(Array("POST".utf8)))
        #expect(!TLSRecordHeader.startsHandshake([0x17, 0x03, 0x03]))
        #expect(TLSRecordHeader([0x17, 0x03, 0x03, 0x48, 0x00]) != nil)  // 2^14 + 2048: the limit
        #expect(TLSRecordHeader([0x17, 0x03, 0x03, 0x48, 0x01]) == nil)
        #expect(TLSRecordHeader([0x19, 0x03, 0x03, 0x00, 0x01]) == nil)
    }
}
