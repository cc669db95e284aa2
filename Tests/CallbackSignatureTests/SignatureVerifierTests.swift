import CallbackSignature
import Foundation
import Testing

/// ``SignatureVerifier``: one prepared libcrypto context per key, reused for every callback, and
/// the key that verified last tried first. Reuse must never change a verdict.
@Suite struct SignatureVerifierTests {
    /// The documented example's string-to-sign signed with samples/keys/test-callback-private.pem
    /// (`printf '/index.php?id=1&index=2\nbucket=yonghu-test' | openssl dgst -md5 -sign
    /// samples/keys/test-callback-private.pem | base64 -w0`; PKCS#1 v1.5 is deterministic).
    static let docSignedWithTestKey =
        "VnF+LsZ1D25YqyKl/dpWihhXl4tt9pum3Nkk5eKGXCOKYOsPNXYBeYEc3pvNvnwKaMheEbU1txgzfY3Fv6YfkIzqpFfDqsdV9ay9bq5BI80qTCiRnnJIvpirEp/U4223XXYlZ2IiQebxMuZNvKAU0jSupxQhrufEbmO6hVeQqOA="

    static func keys() throws -> SignatureKeys {
        let pem = try String(contentsOf: PublicKeyTests.samplesKey, encoding: .utf8)
        return SignatureKeys(extra: [try CallbackPublicKey(pem: pem, label: "test key")])
    }

    static func verdict(_ verifier: SignatureVerifier, signature: String, body: [UInt8] = Vectors.docBody)
        -> SignatureVerdict
    {
        var check = SignatureCheck(
            target: Vectors.docTarget, authorization: signature, publicKeyURL: Vectors.ossKeyURL, verifier: verifier)
        check.feed(body[...])
        return check.finish()
    }

    @Test func reusedContextsGiveTheSameVerdictsInAnyOrder() throws {
        let verifier = SignatureVerifier(keys: try Self.keys())
        var tampered = Vectors.docBody
        tampered[3] ^= 0x20
        // Alternate keys, and put failures between successes: a context that failed must still
        // verify the next good signature, and the preference must follow the last success.
        let sequence: [(signature: String, body: [UInt8], status: SignatureVerdict.Status, key: String?)] = [
            (Vectors.docSignature, Vectors.docBody, .valid, CallbackPublicKey.oss.label),
            (Self.docSignedWithTestKey, Vectors.docBody, .valid, "test key"),
            (Self.docSignedWithTestKey, tampered, .invalid, nil),
            (Self.docSignedWithTestKey, Vectors.docBody, .valid, "test key"),
            (Vectors.docSignature, Vectors.docBody, .valid, CallbackPublicKey.oss.label),
            (Vectors.docSignature, tampered, .invalid, nil),
            ("AAAA", Vectors.docBody, .invalid, nil),  // 3 bytes: not even the modulus size
            (Vectors.docSignature, Vectors.docBody, .valid, CallbackPublicKey.oss.label),
            (Self.docSignedWithTestKey, Vectors.docBody, .valid, "test key"),
        ]
        for (i, step) in sequence.enumerated() {
            let v = Self.verdict(verifier, signature: step.signature, body: step.body)
            #expect(v.status == step.status, "step \(i): \(v.reason)")
            #expect(v.verifiedWith == step.key, "step \(i)")
            // The same verdict as a fresh, one-off check.
            let fresh = Vectors.verdict(
                target: Vectors.docTarget, body: step.body, authorization: step.signature, keys: verifier.keys)
            #expect(fresh.status == v.status && fresh.verifiedWith == v.verifiedWith, "step \(i)")
        }
    }

    @Test func theKeyURLIsJudgedOnceAndRejudgedWhenItChanges() {
        let verifier = SignatureVerifier(keys: .ossOnly)
        let oss = verifier.keyURL(headerValue: Vectors.ossKeyURL)
        #expect(oss.trusted)
        #expect(verifier.keyURL(headerValue: Vectors.ossKeyURL) == oss)
        let evil = verifier.keyURL(headerValue: Vectors.base64("https://gosspublic.alicdn.com.evil.com/k.pem"))
        #expect(!evil.trusted)
        #expect(verifier.keyURL(headerValue: Vectors.ossKeyURL).trusted)
    }
}

/// libcrypto's `atexit` clean-up raced worker threads ending at process exit (a crash seen once in
/// CI: the main thread freeing libcrypto's state while a worker released its thread state). The
/// module initialises libcrypto with `OPENSSL_INIT_NO_ATEXIT` before its first call.
@Suite struct LibcryptoLifetimeTests {
    @Test func libcryptoIsInitialisedWithoutAtexitCleanup() {
        #expect(SignatureVerifier.libcryptoSkipsAtexitCleanup)
    }
}
