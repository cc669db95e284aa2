import TestSupport
import Testing

@testable import ReportModel

/// `SecretNames` (the byte path behind the report-wide redaction) must answer exactly what
/// `RedactionPolicy`'s `String` tests answer, for any name.
@Suite struct SecretNamesTests {
    /// Names where case folding, percent-decoding or Unicode could make the two paths differ.
    static let trickyNames: [String] = [
        "", "%", "%4", "%41", "PASSWORD", "SeCrEt", "x%3Atoken", "pass%77ord", "pass%57ORD", "to+ken", "tok%65n",
        "x:apiKey", "ke\u{301}y", "\u{212A}ey", "%E2%84%AAey", "%C4%B0token", "\r\nkey", "k\r\ney", "api-key",
        "ACCESS-KEY", "x-oss-security-token", "Set-Cookie", "sessionid", "bucket", "mimeType", "%ZZkey",
    ]

    @Test func fieldAndHeaderTestsAgreeWithThePolicy() {
        let policy = RedactionPolicy.standard
        let names = SecretNames(policy)
        var generator = SplitMix64.forTest(seed: 0x5EC2E7)
        let fragments = [
            "key", "KEY", "tok", "en", "pass", "word", "%77", "%2B", "%3a", "+", "%", "-", "_", ".", "x", "Sess", "ion",
            "\u{212A}", "\u{301}", "é", "cookie", "api", "secret", "auth", "orization", "\r", "\n", "%C3%A9", "%FF",
        ]
        var cases = Self.trickyNames
        for _ in 0..<3000 {
            let count = Int(generator.next() % 6) + 1
            cases.append((0..<count).map { _ in fragments[Int(generator.next() % UInt64(fragments.count))] }.joined())
        }
        for name in cases {
            let bytes = ArraySlice(name.utf8)
            #expect(names.isSecretField(bytes) == policy.isSecretField(bytes), "field \(name.debugDescription)")
            #expect(names.isSecretHeader(name) == policy.isSecretHeader(name), "header \(name.debugDescription)")
        }
    }

    @Test func entriesTheBytePathCannotMirrorAreMatchedAsThePolicyMatches() {
        let policy = RedactionPolicy(
            secretHeaders: ["X-Upper"], secretHeaderNameParts: ["ключ"], secretFieldNameParts: ["Token", "пароль"])
        let names = SecretNames(policy)
        // The policy lower-cases names, so an upper-case entry never matches...
        #expect(!names.isSecretField(ArraySlice("Token".utf8)))
        #expect(!names.isSecretHeader("X-Upper"))
        // ...and non-ASCII entries match whatever the case, as `String.lowercased()` folds them.
        #expect(names.isSecretField(ArraySlice("x-ПАРОЛЬ".utf8)))
        #expect(names.isSecretHeader("X-КЛЮЧ-1"))
    }
}
