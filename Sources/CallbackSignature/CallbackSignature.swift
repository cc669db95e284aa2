// CallbackSignature — verifies the RSA signature OSS puts on every upload callback
// (`../shared/reference/oss-callback-facts.md` §3): RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) with MD5
// over `url_decode(path) + ["?" + raw query] + "\n" + raw body`, base64 in `authorization`; the
// key URL, base64 in `x-oss-pub-key-url`, must be under `http(s)://gosspublic.alicdn.com/`.
//
// Why OpenSSL's libcrypto (Debian `libssl-dev`) and not swift-crypto: `_CryptoExtras`' RSA
// (swift-crypto 3.12.3 `Sources/_CryptoExtras/RSA/RSA.swift`, and `CryptoExtras` in 4.5.2)
// refuses public keys under 1024 bits — OSS's published key has 512 — and its `DigestType`
// (`Util/DigestType.swift`) knows only SHA-1 and SHA-2, so it cannot build an MD5 DigestInfo
// either. libcrypto does both, is maintained, and keeps the big-number arithmetic and the
// PKCS#1 block check out of this code. Like libpcap in PcapCapture, it is confined to this
// module: `Internals/LibcryptoCalls.swift` wraps each C call once.
//
// Streaming: MD5 is computed incrementally (``SignatureCheck``) as the request body goes by, and
// verified once at the end with `EVP_PKEY_verify` over that digest
// (`EVP_PKEY_CTX_set_signature_md(EVP_md5())`), so one pass over the body serves any number of
// keys — instead of one `EVP_DigestVerify` context per key.
