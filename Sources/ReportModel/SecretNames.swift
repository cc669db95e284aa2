// The policy's name tests on bytes: ``RedactionPolicy/isSecretField(_:)`` and
// ``RedactionPolicy/isSecretHeader(_:)`` build a lower-cased `String` per name and search it by
// `Character`; the report-wide redaction asks for every `name=` and `name:` in every body, URL
// and header, so that cost was most of what redaction cost (issue #17: 9x on 10k exchanges).

/// ``RedactionPolicy``'s name lists as lower-case bytes, made once per redaction pass, answering
/// exactly what the policy's `String` tests answer without making a `String`.
///
/// Contract: for every name, ``isSecretField(_:)`` == `policy.isSecretField(name)` and
/// ``isSecretHeader(_:)`` == `policy.isSecretHeader(name)`. The byte path is taken only where it
/// provably agrees: the name (after percent-decoding) and every policy entry are ASCII, where
/// `String.lowercased()` is ASCII case folding and `Character` search is byte search (the only
/// multi-byte ASCII `Character`, CR LF, cannot meet an entry without CR or LF, which the byte
/// path also requires). Any other name goes to the policy's own `String` test.
struct SecretNames: Sendable {
    let policy: RedactionPolicy
    private let secretHeaders: [[UInt8]]
    private let headerParts: [[UInt8]]
    private let fieldParts: [[UInt8]]
    /// False when a policy entry is empty, not plain lower-case ASCII, or holds CR or LF: then
    /// every test goes to the policy.
    private let bytewise: Bool

    init(_ policy: RedactionPolicy) {
        self.policy = policy
        secretHeaders = policy.secretHeaders.map { Array($0.utf8) }
        headerParts = policy.secretHeaderNameParts.map { Array($0.utf8) }
        fieldParts = policy.secretFieldNameParts.map { Array($0.utf8) }
        bytewise = (secretHeaders + headerParts + fieldParts).allSatisfy { entry in
            !entry.isEmpty && entry.allSatisfy { $0 < 0x80 && $0 != 0x0A && $0 != 0x0D && !Self.isUpper($0) }
        }
    }

    /// `policy.isSecretField(name)`: the percent-decoded name, case-folded, contains a field part.
    func isSecretField(_ name: ArraySlice<UInt8>) -> Bool {
        guard bytewise else { return policy.isSecretField(name) }
        let needsDecoding = name.contains { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }
        if !needsDecoding, name.allSatisfy({ $0 < 0x80 }) { return Self.containsAny(fieldParts, in: name) }
        let decoded = Redactor.percentDecoded(name)
        guard decoded.allSatisfy({ $0 < 0x80 }) else { return policy.isSecretField(name) }
        return Self.containsAny(fieldParts, in: decoded[...])
    }

    /// `policy.isSecretHeader(name)`: the case-folded name is a secret header or contains a
    /// header part.
    func isSecretHeader(_ name: String) -> Bool {
        guard bytewise, name.utf8.allSatisfy({ $0 < 0x80 }) else { return policy.isSecretHeader(name) }
        let bytes = ArraySlice(name.utf8)
        return secretHeaders.contains { Self.equalFolded(bytes, $0) } || Self.containsAny(headerParts, in: bytes)
    }

    private static func isUpper(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") }

    private static func folded(_ byte: UInt8) -> UInt8 { isUpper(byte) ? byte | 0x20 : byte }

    private static func equalFolded(_ name: ArraySlice<UInt8>, _ entry: [UInt8]) -> Bool {
        name.count == entry.count && zip(name, entry).allSatisfy { folded($0) == $1 }
    }

    /// Whether case-folded `name` contains one of `parts` (non-empty; naive search: names and
    /// parts are short).
    private static func containsAny(_ parts: [[UInt8]], in name: ArraySlice<UInt8>) -> Bool {
        parts.contains { part in
            guard part.count <= name.count else { return false }
            var start = name.startIndex
            while start <= name.endIndex - part.count {
                var k = 0
                while k < part.count, folded(name[start + k]) == part[k] { k += 1 }
                if k == part.count { return true }
                start += 1
            }
            return false
        }
    }
}
