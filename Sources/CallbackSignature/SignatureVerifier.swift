/// The signature-checking state of one analysis: the keys, a libcrypto verification context
/// prepared once per key, and the key URL judged last.
///
/// Preparing an `EVP_PKEY_CTX` (`EVP_PKEY_CTX_new` + `EVP_PKEY_verify_init` + padding + digest)
/// costs more than the 512-bit RSA verification itself — a locked algorithm fetch and parameter
/// negotiation per call — so the verifier prepares each key's context on first use and reuses it
/// for every callback (`EVP_PKEY_verify(3)` allows calling `EVP_PKEY_verify` repeatedly on one
/// context). It tries the key that verified last first: a capture's callbacks are nearly always
/// signed by one key, so a valid signature costs one RSA operation, not one per key tried
/// before it, and no error is pushed on libcrypto's queue by the keys that fail.
///
/// Not thread-safe — libcrypto contexts may not be shared by threads — so each analysis
/// (``SignatureCheck`` users on one thread: one capture's pipeline) makes its own. The keys
/// themselves (``SignatureKeys``) are immutable and shared.
public final class SignatureVerifier {
    /// The keys, in the order reported when none verifies.
    public let keys: SignatureKeys
    /// The prepared context per key, made on first use; `.unavailable` when libcrypto refused.
    private var contexts: [PreparedContext]
    /// The index of the key that verified last, tried first.
    private var preferred = 0
    /// The last `x-oss-pub-key-url` value judged and its verdict: callbacks repeat the same header.
    private var lastKeyURL: (headerValue: String, keyURL: KeyURL)?

    private enum PreparedContext {
        case notYet
        case ready(OpaquePointer)
        case unavailable
    }

    public init(keys: SignatureKeys) {
        self.keys = keys
        self.contexts = Array(repeating: .notYet, count: keys.keys.count)
    }

    deinit {
        for case .ready(let context) in contexts { Libcrypto.freeVerifyContext(context) }
    }

    /// The first key that verifies `signature` over the MD5 `digest`, trying the key that
    /// verified last first; nil when none does.
    public func verifyingKey(signature: [UInt8], md5 digest: [UInt8]) -> CallbackPublicKey? {
        let count = keys.keys.count
        guard count > 0 else { return nil }
        for step in 0..<count {
            let index = (preferred + step) % count
            if verifies(keyAt: index, signature: signature, digest: digest) {
                preferred = index
                return keys.keys[index]
            }
        }
        return nil
    }

    /// ``KeyURL/init(headerValue:)``, remembering the last header value judged.
    public func keyURL(headerValue: String) -> KeyURL {
        if let lastKeyURL, lastKeyURL.headerValue == headerValue { return lastKeyURL.keyURL }
        let judged = KeyURL(headerValue: headerValue)
        lastKeyURL = (headerValue, judged)
        return judged
    }

    private func verifies(keyAt index: Int, signature: [UInt8], digest: [UInt8]) -> Bool {
        switch contexts[index] {
        case .ready(let context):
            return Libcrypto.verify(context: context, digest: digest, signature: signature)
        case .unavailable:
            return keys.keys[index].verifies(signature: signature, md5: digest)
        case .notYet:
            if let context = keys.keys[index].makeVerifyContext() {
                contexts[index] = .ready(context)
                return Libcrypto.verify(context: context, digest: digest, signature: signature)
            }
            contexts[index] = .unavailable
            return keys.keys[index].verifies(signature: signature, md5: digest)
        }
    }
}
