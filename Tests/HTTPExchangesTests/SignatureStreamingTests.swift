import CallbackSignature
import CaptureModel
import Foundation
import HTTP1
import TCPReassembly
import Testing

@testable import HTTPExchanges

/// The signature is checked while the request streams through the HTTP stage: over the bytes
/// captured, in any segmentation, and never over bytes that were not captured.
@Suite struct SignatureStreamingTests {
    /// The documented example (facts §3.1) as OSS would send it, OSS's key URL in base64.
    static let head =
        "POST /index.php?id=1&index=2 HTTP/1.1\r\nHost: 121.43.113.8\r\nConnection: close\r\n"
        + "authorization: kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA==\r\n"
        + "x-oss-pub-key-url: aHR0cDovL2dvc3NwdWJsaWMuYWxpY2RuLmNvbS9jYWxsYmFja19wdWJfa2V5X3YxLnBlbQ==\r\n"
        + "Content-Length: 18\r\n\r\n"
    static let body = "bucket=yonghu-test"
    static let response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"

    @Test(arguments: [1, 3, 17, 1000])
    func theDocumentedExampleIsValidInAnySegmentation(piece: Int) throws {
        var d = Driver()
        let bytes = Array((Self.head + Self.body).utf8)
        var i = 0
        while i < bytes.count {
            d.send(.clientToServer, Array(bytes[i..<min(i + piece, bytes.count)]), at: Double(i) * 1e-6)
            i += piece
        }
        d.send(.serverToClient, Self.response, at: 0.01)
        d.close(at: 0.02)
        let signature = try #require(d.exchanges.first?.request?.signature)
        #expect(signature.status == .valid, "\(signature.reason)")
        #expect(signature.keyURL?.url == "http://gosspublic.alicdn.com/callback_pub_key_v1.pem")
        #expect(signature.keyURL?.trusted == true)
    }

    @Test func oneChangedBodyByteIsInvalid() throws {
        var d = Driver()
        d.send(.clientToServer, Self.head + "bucket=yonghu-tesT", at: 0)
        d.send(.serverToClient, Self.response, at: 0.01)
        d.close(at: 0.02)
        #expect(d.exchanges.first?.request?.signature?.status == .invalid)
    }

    @Test func aBodyGapIsUnverifiable() throws {
        var d = Driver()
        d.send(.clientToServer, Self.head + "bucket=", at: 0)
        d.gap(.clientToServer, length: 4, at: 0.001)
        d.send(.clientToServer, "u-test", at: 0.002)
        d.send(.serverToClient, Self.response, at: 0.01)
        d.close(at: 0.02)
        let signature = try #require(d.exchanges.first?.request?.signature)
        #expect(signature.status == .unverifiable)
        #expect(signature.reason.contains("4 bytes the client sent are missing"), "\(signature.reason)")
    }

    @Test func aRequestCutShortIsUnverifiable() throws {
        var d = Driver()
        d.send(.clientToServer, Self.head + "bucket=yon", at: 0)
        d.close(at: 0.02)
        let signature = try #require(d.exchanges.first?.request?.signature)
        #expect(signature.status == .unverifiable, "\(signature.reason)")
    }

    @Test func callbacksWithoutTheSignedPairAreMissingAndOtherRequestsHaveNone() throws {
        var d = Driver()
        d.send(
            .clientToServer,
            "POST /cb HTTP/1.1\r\nHost: x\r\nUser-Agent: aliyun-oss-callback\r\nContent-Length: 2\r\n\r\nab", at: 0)
        d.send(.serverToClient, Self.response, at: 0.01)
        d.send(.clientToServer, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", at: 0.02)
        d.send(.serverToClient, Self.response, at: 0.03)
        d.close(at: 0.04)
        try #require(d.exchanges.count == 2)
        #expect(d.exchanges[0].request?.signature?.status == .missing)
        #expect(d.exchanges[1].request?.signature == nil)
    }

    /// The recorded good-json callback (samples/recording.json), signed with the samples' test
    /// key: valid only once that key is added, and then by that key.
    @Test func anAddedKeyIsUsedAndOSSsKeyStillComesFirst() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let recording = try JSONSerialization.jsonObject(
            with: Data(contentsOf: root.appendingPathComponent("samples/recording.json")))
        let scenarios = try #require((recording as? [String: Any])?["scenarios"] as? [[String: Any]])
        let good = try #require(scenarios.first { $0["name"] as? String == "good-json" })
        let request = try #require(((good["exchanges"] as? [[String: Any]])?.first)?["request"] as? [String: Any])
        let headers = try #require(request["headers"] as? [[String]])
        let bytes = Array(
            ("POST \(request["target"] as? String ?? "") HTTP/1.1\r\n"
                + headers.map { "\($0[0]): \($0[1])\r\n" }.joined() + "\r\n"
                + (request["bodyText"] as? String ?? "")).utf8)
        let pem = try String(
            contentsOf: root.appendingPathComponent("samples/keys/test-callback-public.pem"), encoding: .utf8)
        let testKey = try CallbackPublicKey(pem: pem, label: "test key")

        func verdict(_ keys: SignatureKeys) throws -> SignatureVerdict {
            var d = Driver(keys: keys)
            d.send(.clientToServer, Array(bytes[..<200]), at: 0)
            d.send(.clientToServer, Array(bytes[200...]), at: 0.001)
            d.send(.serverToClient, Self.response, at: 0.01)
            d.close(at: 0.02)
            return try #require(d.exchanges.first?.request?.signature)
        }
        let ossOnly = try verdict(.ossOnly)
        #expect(ossOnly.status == .invalid)
        let withTestKey = try verdict(SignatureKeys(extra: [testKey]))
        #expect(withTestKey.status == .valid, "\(withTestKey.reason)")
        #expect(withTestKey.verifiedWith == "test key")
        // OSS's own example still verifies with OSS's key when a key is added.
        var d = Driver(keys: SignatureKeys(extra: [testKey]))
        d.send(.clientToServer, Self.head + Self.body, at: 0)
        d.send(.serverToClient, Self.response, at: 0.01)
        d.close(at: 0.02)
        #expect(d.exchanges.first?.request?.signature?.verifiedWith == CallbackPublicKey.oss.label)
    }
}
