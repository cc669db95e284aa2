import Foundation
import Testing

@testable import CallbackSignature

/// The hint on an invalid signature whose length matches no key tried (issue #18): a 128-byte
/// signature cannot be from OSS's 512-bit key.
@Suite struct KeySizeHintTests {
    static func samplesKey() throws -> CallbackPublicKey {
        let pem = try String(contentsOf: PublicKeyTests.samplesKey, encoding: .utf8)
        return try CallbackPublicKey(pem: pem, label: "samples/keys/test-callback-public.pem")
    }

    @Test func aSignatureNoKeyTriedCanHaveMadeGetsTheHint() throws {
        let hint = SignatureCheck.keySizeHint(signatureBytes: 128, keys: [.oss])
        #expect(hint.contains("128-byte signature comes from a 1024-bit key"))
        #expect(hint.contains("cannot be from OSS's 512-bit key (64-byte signatures)"))
        #expect(hint.contains("--public-key FILE.pem"))
    }

    @Test func noHintWhenAKeyOfThatSizeWasTried() throws {
        #expect(SignatureCheck.keySizeHint(signatureBytes: 64, keys: [.oss]).isEmpty)
        #expect(SignatureCheck.keySizeHint(signatureBytes: 128, keys: [.oss, try Self.samplesKey()]).isEmpty)
    }

    /// Through the check: the documented example's 64-byte signature over a changed body is
    /// invalid without the hint (OSS's key has that size).
    @Test func anInvalidOSSSizedSignatureHasNoHint() {
        var changed = Vectors.docBody
        changed[0] = UInt8(ascii: "B")
        let bad = Vectors.verdict(target: Vectors.docTarget, body: changed, authorization: Vectors.docSignature)
        #expect(bad.status == .invalid)
        #expect(!bad.reason.contains("--public-key"), "\(bad.reason)")
    }
}
