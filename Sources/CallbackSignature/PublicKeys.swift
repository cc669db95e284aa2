/// An RSA public key that callback signatures are checked against.
///
/// Wraps libcrypto's `EVP_PKEY`; immutable once made, so one key is shared by every thread
/// (OpenSSL 3 allows concurrent verification with one `EVP_PKEY`, each call making its own
/// `EVP_PKEY_CTX`).
public final class CallbackPublicKey: @unchecked Sendable, CustomStringConvertible {
    /// Where the key came from, for reports: `OSS's published key` or the `--public-key` path.
    public let label: String
    /// Modulus size in bits (OSS's published key: 512).
    public let bits: Int
    private let key: OpaquePointer

    /// Parses the first PEM `PUBLIC KEY` block (SubjectPublicKeyInfo) of `pem`.
    ///
    /// - Throws: ``PublicKeyError`` when there is no such block, it does not parse, or the key is not RSA.
    public init(pem: String, label: String) throws(PublicKeyError) {
        guard let key = Libcrypto.readPublicKey(pem: Array(pem.utf8)) else { throw .notAPublicKey(label) }
        guard Libcrypto.isRSA(key) else {
            Libcrypto.freeKey(key)
            throw .notRSA(label)
        }
        self.key = key
        self.label = label
        self.bits = Libcrypto.keyBits(key)
    }

    deinit { Libcrypto.freeKey(key) }

    /// Whether `signature` is this key's RSASSA-PKCS1-v1_5 signature of the MD5 `digest`
    /// (one-shot: prepares a libcrypto context for this call alone; ``SignatureVerifier`` keeps
    /// one per key instead).
    public func verifies(signature: [UInt8], md5 digest: [UInt8]) -> Bool {
        Libcrypto.verifyPKCS1MD5(key: key, digest: digest, signature: signature)
    }

    /// A prepared `EVP_PKEY_CTX` for verifying with this key (``Libcrypto/newVerifyContext(key:)``),
    /// owned by the caller; nil when libcrypto cannot make one.
    func makeVerifyContext() -> OpaquePointer? { Libcrypto.newVerifyContext(key: key) }

    public var description: String { "\(label) (RSA \(bits))" }

    /// OSS's published callback key, `callback_pub_key_v1.pem`: 512-bit RSA, e = 65537
    /// (`../shared/reference/oss-callback-facts.md` §3.3). The docs say its content never changes.
    public static let oss: CallbackPublicKey = {
        do {
            return try CallbackPublicKey(pem: ossPEM, label: "OSS's published key (callback_pub_key_v1.pem)")
        } catch {
            preconditionFailure("the built-in OSS key does not parse: \(error)")
        }
    }()

    /// The PEM text of ``oss``.
    public static let ossPEM = """
        -----BEGIN PUBLIC KEY-----
        MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKs/JBGzwUB2aVht4crBx3oIPBLNsjGs
        C0fTXv+nvlmklvkcolvpvXLTjaxUHR3W9LXxQ2EHXAJfCB+6H2YF1k8CAwEAAQ==
        -----END PUBLIC KEY-----

        """
}

/// Why a `--public-key` file was refused.
public enum PublicKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case notAPublicKey(String)
    case notRSA(String)

    public var description: String {
        switch self {
        case .notAPublicKey(let label): "\(label): no PEM public key (-----BEGIN PUBLIC KEY-----) that parses"
        case .notRSA(let label): "\(label): not an RSA public key (OSS signs callbacks with RSA)"
        }
    }
}

/// The keys a signature may verify with: OSS's published key, then any added ones (`--public-key`,
/// for self-hosted tests that sign with their own key). A signature is valid when any of them verifies it.
public struct SignatureKeys: Sendable {
    public private(set) var keys: [CallbackPublicKey]

    /// OSS's key followed by `extra`.
    public init(extra: [CallbackPublicKey] = []) {
        keys = [CallbackPublicKey.oss] + extra
    }

    /// OSS's key only.
    public static var ossOnly: SignatureKeys { SignatureKeys() }

    /// The keys added to OSS's.
    public var extra: [CallbackPublicKey] { Array(keys.dropFirst()) }
}
