import CallbackSignature
import Foundation
import Testing

@Suite struct KeyURLTests {
    @Test(arguments: [
        "http://gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com/",
    ])
    func ossURLsAreTrusted(url: String) {
        let k = KeyURL(headerValue: Vectors.base64(url))
        #expect(k.url == url)
        #expect(k.trusted)
        #expect(k.problem == nil)
    }

    @Test(arguments: [
        "https://gosspublic.alicdn.com.evil.com/callback_pub_key_v1.pem",
        "https://evil.com/gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com@evil.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com:8443/callback_pub_key_v1.pem",
        "https://GOSSPUBLIC.alicdn.com/callback_pub_key_v1.pem",
        "ftp://gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "//gosspublic.alicdn.com/callback_pub_key_v1.pem",
        " https://gosspublic.alicdn.com/callback_pub_key_v1.pem",
        "https://gosspublic.alicdn.com",
        "http://127.0.0.1:8080/key.pem",
        "http://169.254.169.254/latest/meta-data/",
    ])
    func otherHostsAreNot(url: String) {
        let k = KeyURL(headerValue: Vectors.base64(url))
        #expect(k.url == url)
        #expect(!k.trusted)
        #expect(k.problem?.contains("not under http(s)://gosspublic.alicdn.com/") == true, "\(k.problem ?? "")")
    }

    @Test(arguments: [
        "https://gosspublic.alicdn.com/\\@evil.com/key.pem",
        "https://gosspublic.alicdn.com/key.pem\r\nHost: evil.com",
        "https://gosspublic.alicdn.com/a b.pem",
        "https://gosspublic.alicdn.com/ключ.pem",
    ])
    func oddBytesAfterTheHostAreNotTrusted(url: String) {
        let k = KeyURL(headerValue: Vectors.base64(url))
        #expect(!k.trusted)
        #expect(k.problem?.contains("after the host") == true, "\(k.problem ?? "")")
    }

    @Test func aHeaderThatIsNotBase64OrNotTextIsNotTrusted() {
        let bad = KeyURL(headerValue: "aHR0cHM6Ly9nb3NzcHVi**********vY2FsbGJeV92MS5wZW0=")
        #expect(bad.url == nil && !bad.trusted)
        #expect(bad.problem?.contains("not base64") == true)
        let binary = KeyURL(headerValue: "/w==")  // 0xFF
        #expect(binary.url == nil && !binary.trusted)
        #expect(binary.problem?.contains("UTF-8") == true)
    }

    @Test func theKeyURLIsJudgedApartFromTheSignature() {
        // The documented signature still verifies when the key URL names another host: the
        // signature and the URL are two findings.
        let evil = Vectors.base64("https://evil.example/key.pem")
        let v = Vectors.verdict(
            target: Vectors.docTarget, body: Vectors.docBody, authorization: Vectors.docSignature, keyURL: evil)
        #expect(v.status == .valid)
        #expect(v.keyURL?.trusted == false)
    }
}

@Suite struct PublicKeyTests {
    static let samplesKey = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/keys/test-callback-public.pem")

    @Test func theBuiltInKeyIsOSSs512BitKey() {
        #expect(CallbackPublicKey.oss.bits == 512)
        #expect(SignatureKeys.ossOnly.keys.count == 1)
    }

    @Test func anAddedKeyVerifiesWhatItSigned() throws {
        // samples/oss_sender.py signed this exact string-to-sign with samples/keys/test-callback-private.pem
        // (`openssl dgst -md5 -sign`): good-json's request as recorded.
        let pem = try String(contentsOf: Self.samplesKey, encoding: .utf8)
        let key = try CallbackPublicKey(pem: pem, label: "samples/keys/test-callback-public.pem")
        #expect(key.bits == 1024)
        let keys = SignatureKeys(extra: [key])
        #expect(keys.keys.count == 2 && keys.extra.count == 1)
        // The documented example still verifies with OSS's key when another key is added.
        let doc = Vectors.verdict(
            target: Vectors.docTarget, body: Vectors.docBody, authorization: Vectors.docSignature, keys: keys)
        #expect(doc.status == .valid && doc.verifiedWith == CallbackPublicKey.oss.label)
        // Neither key verifies a signature made by neither.
        var changed = Vectors.docBody
        changed[0] = UInt8(ascii: "B")
        let bad = Vectors.verdict(
            target: Vectors.docTarget, body: changed, authorization: Vectors.docSignature, keys: keys)
        #expect(bad.status == .invalid)
        #expect(bad.reason.contains("samples/keys/test-callback-public.pem (RSA 1024)"), "\(bad.reason)")
    }

    @Test func filesThatAreNotRSAPublicKeysAreRefused() {
        #expect(throws: PublicKeyError.notAPublicKey("x")) { try CallbackPublicKey(pem: "hello", label: "x") }
        #expect(throws: PublicKeyError.notAPublicKey("x")) {
            try CallbackPublicKey(pem: "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", label: "x")
        }
        // An Ed25519 public key (RFC 8410 §10.1's example).
        let ed25519 =
            "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n"
        #expect(throws: PublicKeyError.notRSA("e")) { try CallbackPublicKey(pem: ed25519, label: "e") }
    }
}
