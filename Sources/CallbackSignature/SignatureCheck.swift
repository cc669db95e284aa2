/// Streaming MD5 through libcrypto's EVP interface (`EVP_DigestInit_ex`, `EVP_DigestUpdate`,
/// `EVP_DigestFinal_ex`): 16 bytes of state whatever the input's size.
///
/// A class because it owns an `EVP_MD_CTX`; used by one ``SignatureCheck`` at a time.
final class MD5Stream {
    private let context: OpaquePointer?
    private var failed = false

    init() { context = Libcrypto.newMD5Context() }
    deinit { if let context { Libcrypto.freeDigestContext(context) } }

    func update<C: Collection<UInt8>>(_ bytes: C) {
        guard let context, !failed else { return }
        let ok =
            bytes.withContiguousStorageIfAvailable { Libcrypto.digestUpdate(context, UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { Libcrypto.digestUpdate(context, $0) }
        if !ok { failed = true }
    }

    /// The digest; nil when libcrypto failed at any step.
    func finish() -> [UInt8]? {
        guard let context, !failed else { return nil }
        return Libcrypto.digestFinal(context)
    }
}

/// Checks one callback's signature while its request streams past
/// (`../shared/reference/oss-callback-facts.md` §3): RSASSA-PKCS1-v1_5 with MD5 over
/// `url_decode(path) + ["?" + query] + "\n" + body`, with the key URL checked apart.
///
/// Memory is bounded: the body is hashed as it arrives (``feed(_:)``) and never kept. Bytes that
/// were not captured are never judged — after ``markUnverifiable(_:)`` the verdict is
/// ``SignatureVerdict/Status/unverifiable``.
///
/// Usage: make it at the request head, feed every de-chunked body byte in order, call
/// ``finish()`` once at the end of the request. It holds a reference to its digest state, so a
/// copy must not be fed alongside the original.
public struct SignatureCheck {
    private enum State {
        case hashing(MD5Stream, signature: [UInt8])
        case settled(SignatureVerdict.Status, reason: String)
    }

    private var state: State
    private let keyURL: KeyURL?
    private let verifier: SignatureVerifier

    /// Starts the check for a request.
    ///
    /// - Parameters:
    ///   - target: the request-target as sent.
    ///   - authorization: the `authorization` header value (base64 of the signature), nil when absent.
    ///   - publicKeyURL: the `x-oss-pub-key-url` header value, nil when absent.
    ///   - verifier: the analysis's verifier, holding the keys a valid signature may verify with.
    public init(target: String, authorization: String?, publicKeyURL: String?, verifier: SignatureVerifier) {
        self.verifier = verifier
        self.keyURL = publicKeyURL.map(verifier.keyURL(headerValue:))
        guard let authorization, publicKeyURL != nil else {
            let absent = [
                authorization == nil ? "authorization" : nil, publicKeyURL == nil ? "x-oss-pub-key-url" : nil,
            ]
            .compactMap { $0 }.joined(separator: " and ")
            state = .settled(.missing, reason: "The request has no \(absent) header: it carries no OSS signature.")
            return
        }
        let signature: [UInt8]
        switch Base64Decoding.decode(authorization.utf8) {
        case .failure(let problem):
            state = .settled(
                .invalid,
                reason: "The authorization header is not a base64 signature: \(Base64Decoding.describe(problem)).")
            return
        case .success(let bytes):
            signature = bytes
        }
        switch StringToSign.prefix(forTarget: target) {
        case .failure(let problem):
            state = .settled(.unverifiable, reason: "Cannot rebuild the signed string: \(problem).")
        case .success(let prefix):
            let md5 = MD5Stream()
            md5.update(prefix)
            state = .hashing(md5, signature: signature)
        }
    }

    /// Starts the check with a verifier of its own for `keys` (one-off checks and tests; an
    /// analysis shares one ``SignatureVerifier`` between its checks).
    public init(target: String, authorization: String?, publicKeyURL: String?, keys: SignatureKeys) {
        self.init(
            target: target, authorization: authorization, publicKeyURL: publicKeyURL,
            verifier: SignatureVerifier(keys: keys))
    }

    /// Takes the next de-chunked body bytes.
    public mutating func feed(_ bytes: ArraySlice<UInt8>) {
        if case .hashing(let md5, _) = state { md5.update(bytes) }
    }

    /// Bytes of the signed string were not captured (a gap, a snaplen cut, a cut header section,
    /// a request that ends early): no verdict. The first reason given is kept.
    public mutating func markUnverifiable(_ reason: String) {
        switch state {
        case .hashing: state = .settled(.unverifiable, reason: reason)
        case .settled(.invalid, _), .settled(.missing, _), .settled(.unverifiable, _), .settled(.valid, _): break
        }
    }

    /// The verdict, once the request has ended.
    public func finish() -> SignatureVerdict {
        switch state {
        case .settled(let status, let reason):
            return SignatureVerdict(status: status, keyURL: keyURL, reason: reason)
        case .hashing(let md5, let signature):
            guard let digest = md5.finish() else {
                return SignatureVerdict(
                    status: .unverifiable, keyURL: keyURL, reason: "libcrypto could not compute the MD5 digest.")
            }
            if let key = verifier.verifyingKey(signature: signature, md5: digest) {
                return .verified(keyURL: keyURL, with: key.label)
            }
            let tried = verifier.keys.keys.map(\.description).joined(separator: "; ")
            return SignatureVerdict(
                status: .invalid, keyURL: keyURL,
                reason:
                    "The \(signature.count)-byte signature verifies with none of the keys (\(tried)) over the bytes captured."
                    + Self.keySizeHint(signatureBytes: signature.count, keys: verifier.keys.keys))
        }
    }

    /// An RSA signature is as long as its key's modulus (RFC 8017 §8.2.1: k octets). When no key
    /// tried has a modulus of `signatureBytes` bytes, the signature cannot be from any of them —
    /// not from OSS's 512-bit key (64-byte signatures) in particular — and a test setup that signs
    /// with its own key is the likely cause: say so (" …"), else "".
    static func keySizeHint(signatureBytes: Int, keys: [CallbackPublicKey]) -> String {
        guard !keys.contains(where: { ($0.bits + 7) / 8 == signatureBytes }) else { return "" }
        let oss = (CallbackPublicKey.oss.bits + 7) / 8
        return
            " A \(signatureBytes)-byte signature comes from a \(signatureBytes * 8)-bit key, so it cannot be from OSS's \(CallbackPublicKey.oss.bits)-bit key (\(oss)-byte signatures)"
            + " nor from any key tried: if a test setup signs callbacks with its own key, give its public key with --public-key FILE.pem."
    }
}
