internal import COpenSSL

/// Every libcrypto call of the module, each wrapped once (as `PcapCapture/Internals/LibpcapCalls`
/// wraps libpcap). Pointers are `EVP_MD_CTX *` and `EVP_PKEY *`, owned by the caller's class.
///
/// OpenSSL keeps a per-thread error queue; every failure path here clears it
/// (`ERR_clear_error`) so that hostile input cannot make it grow.
enum Libcrypto {
    // MARK: - Process lifetime (`OPENSSL_init_crypto(3)`)

    /// libcrypto initialised without its `atexit` clean-up (`OPENSSL_INIT_NO_ATEXIT`), true when
    /// that succeeded. By default OpenSSL frees its global state (providers, fetched algorithms)
    /// from an `atexit` handler. A worker thread that is still ending when the main thread
    /// returns from `main` releases its thread-local libcrypto state as it exits, and then reads
    /// what the handler freed: a crash at the very end of a run, seen once in CI (`show` on the
    /// hostile capture: main thread in `free`, a worker in libcrypto). The process's memory goes
    /// back to the system at exit anyway. Every entry that can be a process's first libcrypto call
    /// (``readPublicKey(pem:)``, ``md5``) reads this first, because the option only takes effect
    /// on the first initialisation.
    static let initializedWithoutAtexitCleanup: Bool = OPENSSL_init_crypto(UInt64(OPENSSL_INIT_NO_ATEXIT), nil) == 1

    // MARK: - MD5 (EVP_Digest*, OpenSSL 3 `EVP_DigestInit_ex(3)`)

    /// MD5, fetched from the default provider once (`EVP_MD_fetch(NULL, "MD5", NULL)`). Passing
    /// the legacy `EVP_md5()` instead makes libcrypto fetch the implementation again (a locked
    /// name lookup) on every `EVP_DigestInit_ex` and `EVP_PKEY_CTX_set_signature_md` — twice per
    /// callback ("Performance" in `crypto(7)`). A fetched `EVP_MD` is immutable and may be shared
    /// by threads (`EVP_MD_fetch(3)`); it lives as long as the process.
    nonisolated(unsafe) private static let md5: OpaquePointer? = {
        _ = initializedWithoutAtexitCleanup
        if let fetched = EVP_MD_fetch(nil, "MD5", nil) { return fetched }
        ERR_clear_error()
        return nil
    }()

    /// A new MD5 context, initialised (`EVP_MD_CTX_new` + `EVP_DigestInit_ex(ctx, md5, NULL)`);
    /// nil when libcrypto cannot make one.
    static func newMD5Context() -> OpaquePointer? {
        guard let md5, let context = EVP_MD_CTX_new() else { return nil }
        guard EVP_DigestInit_ex(context, md5, nil) == 1 else {
            EVP_MD_CTX_free(context)
            ERR_clear_error()
            return nil
        }
        return context
    }

    /// `EVP_DigestUpdate`: hashes `bytes`. False on failure.
    static func digestUpdate(_ context: OpaquePointer, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return true }
        if EVP_DigestUpdate(context, base, bytes.count) == 1 { return true }
        ERR_clear_error()
        return false
    }

    /// `EVP_DigestFinal_ex`: the 16-byte MD5 digest, or nil on failure.
    static func digestFinal(_ context: OpaquePointer) -> [UInt8]? {
        var ok: Int32 = 0
        // One allocation: libcrypto writes at most EVP_MAX_MD_SIZE bytes and says how many.
        let digest = [UInt8](unsafeUninitializedCapacity: Int(EVP_MAX_MD_SIZE)) { buffer, count in
            var length: UInt32 = 0
            ok = EVP_DigestFinal_ex(context, buffer.baseAddress, &length)
            count = ok == 1 ? min(Int(length), buffer.count) : 0
        }
        guard ok == 1 else {
            ERR_clear_error()
            return nil
        }
        return digest
    }

    /// `EVP_MD_CTX_free`.
    static func freeDigestContext(_ context: OpaquePointer) { EVP_MD_CTX_free(context) }

    // MARK: - Public keys (PEM_read_bio_PUBKEY, EVP_PKEY_*)

    /// Parses the first `-----BEGIN PUBLIC KEY-----` block (SubjectPublicKeyInfo, RFC 5280
    /// §4.1.2.7) of `pem` through a read-only memory BIO (`BIO_new_mem_buf`,
    /// `PEM_read_bio_PUBKEY`). Nil when there is none or it does not parse.
    static func readPublicKey(pem: [UInt8]) -> OpaquePointer? {
        _ = initializedWithoutAtexitCleanup
        guard !pem.isEmpty, pem.count < Int(Int32.max) else { return nil }
        return pem.withUnsafeBytes { raw -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            guard let key = PEM_read_bio_PUBKEY(bio, nil, nil, nil) else {
                ERR_clear_error()
                return nil
            }
            return key
        }
    }

    /// `EVP_PKEY_free`.
    static func freeKey(_ key: OpaquePointer) { EVP_PKEY_free(key) }

    /// `EVP_PKEY_get_bits`: the modulus size of an RSA key.
    static func keyBits(_ key: OpaquePointer) -> Int { Int(EVP_PKEY_get_bits(key)) }

    /// `EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA`.
    static func isRSA(_ key: OpaquePointer) -> Bool { EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA }

    /// A verification context for `key`, prepared once for RSASSA-PKCS1-v1_5 with MD5
    /// (RFC 8017 §8.2.2): `EVP_PKEY_CTX_new`, `EVP_PKEY_verify_init`,
    /// `EVP_PKEY_CTX_set_rsa_padding(RSA_PKCS1_PADDING)`, `EVP_PKEY_CTX_set_signature_md(md5)` —
    /// so libcrypto itself checks the `0001ff…ff00` block and the MD5 DigestInfo. Preparing is the
    /// expensive part (a locked algorithm fetch, parameter negotiation); `EVP_PKEY_verify(3)`:
    /// "EVP_PKEY_verify() can be called more than once on the same context if several operations
    /// are performed using the same parameters", so one prepared context serves every callback.
    /// Not thread-safe: one context per thread. Nil when libcrypto cannot make one.
    static func newVerifyContext(key: OpaquePointer) -> OpaquePointer? {
        guard let md5, let context = EVP_PKEY_CTX_new(key, nil) else {
            ERR_clear_error()
            return nil
        }
        guard EVP_PKEY_verify_init(context) == 1,
            EVP_PKEY_CTX_set_rsa_padding(context, RSA_PKCS1_PADDING) == 1,
            EVP_PKEY_CTX_set_signature_md(context, md5) == 1
        else {
            EVP_PKEY_CTX_free(context)
            ERR_clear_error()
            return nil
        }
        return context
    }

    /// `EVP_PKEY_CTX_free`.
    static func freeVerifyContext(_ context: OpaquePointer) { EVP_PKEY_CTX_free(context) }

    /// `EVP_PKEY_verify` with a context from ``newVerifyContext(key:)``: true only when libcrypto
    /// says `signature` is the key's signature of the 16-byte MD5 `digest`.
    static func verify(context: OpaquePointer, digest: [UInt8], signature: [UInt8]) -> Bool {
        guard digest.count == 16, !signature.isEmpty else { return false }
        let result = signature.withUnsafeBufferPointer { sig in
            digest.withUnsafeBufferPointer { tbs in
                EVP_PKEY_verify(context, sig.baseAddress, sig.count, tbs.baseAddress, tbs.count)
            }
        }
        if result != 1 { ERR_clear_error() }
        return result == 1
    }

    /// One-shot verification: prepares a context (``newVerifyContext(key:)``), verifies, frees it.
    static func verifyPKCS1MD5(key: OpaquePointer, digest: [UInt8], signature: [UInt8]) -> Bool {
        guard let context = newVerifyContext(key: key) else { return false }
        defer { EVP_PKEY_CTX_free(context) }
        return verify(context: context, digest: digest, signature: signature)
    }

    // MARK: - Version (OpenSSL_version(3))

    /// `OpenSSL_version(OPENSSL_VERSION)`: the version text of the libcrypto loaded at run time
    /// (not the headers built against), e.g. `"OpenSSL 3.0.17 1 Jul 2025"`.
    static func versionText() -> String {
        guard let text = OpenSSL_version(OPENSSL_VERSION) else { return "OpenSSL (unknown version)" }
        return String(cString: text)
    }
}

extension SignatureVerifier {
    /// The OpenSSL libcrypto in use, as `tcpdump --version` shows it, e.g.
    /// `"OpenSSL 3.0.17 1 Jul 2025"`. The corresponding C function is `OpenSSL_version`.
    public static var libcryptoVersion: String { Libcrypto.versionText() }
}

extension SignatureVerifier {
    /// True when libcrypto was initialised without its `atexit` clean-up, so that a thread still
    /// ending at process exit cannot touch freed libcrypto state
    /// (``Libcrypto/initializedWithoutAtexitCleanup``).
    public static var libcryptoSkipsAtexitCleanup: Bool { Libcrypto.initializedWithoutAtexitCleanup }
}
