// The policy's name tests on bytes: ``RedactionPolicy/isSecretField(_:)`` and
// ``RedactionPolicy/isSecretHeader(_:)`` build a lower-cased `String` per name and search it by
// `Character`; the report-wide redaction asks for every `name=` and `name:` in every body, URL
// and header, so that cost was most of what redaction cost (issue #17: 9x on 10k exchanges).

import ByteText

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
    private let headerParts: NameParts
    private let fieldParts: NameParts
    /// False when a policy entry is empty, not plain lower-case ASCII, or holds CR or LF: then
    /// every test goes to the policy.
    private let bytewise: Bool

    init(_ policy: RedactionPolicy) {
        self.policy = policy
        secretHeaders = policy.secretHeaders.map { Array($0.utf8) }
        headerParts = NameParts(policy.secretHeaderNameParts)
        fieldParts = NameParts(policy.secretFieldNameParts)
        bytewise = (secretHeaders + headerParts.all + fieldParts.all).allSatisfy { entry in
            !entry.isEmpty && entry.allSatisfy { $0 < 0x80 && $0 != 0x0A && $0 != 0x0D && !ASCIIText.isUppercase($0) }
        }
    }

    /// `policy.isSecretField(name)`: the percent-decoded name, case-folded, contains a field part.
    func isSecretField(_ name: ArraySlice<UInt8>) -> Bool {
        guard bytewise, !name.isEmpty else { return policy.isSecretField(name) }
        let answer: Bool? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.count) { folded in
            // `Redactor.percentDecoded`, case-folded, into `folded` (never longer than `name`).
            var n = 0
            var present = ByteSet()
            var i = name.startIndex
            while i < name.endIndex {
                var c = name[i]
                if c == UInt8(ascii: "%"), i + 2 < name.endIndex, let hi = Hex.value(of: name[i + 1]),
                    let lo = Hex.value(of: name[i + 2])
                {
                    c = hi << 4 | lo
                    i += 3
                } else {
                    if c == UInt8(ascii: "+") { c = 0x20 }
                    i += 1
                }
                guard c < 0x80 else { return nil }
                folded[n] = ASCIIText.lowercased(c)
                present.insert(folded[n])
                n += 1
            }
            return fieldParts.contains(in: UnsafeBufferPointer(rebasing: folded[..<n]), present: present)
        }
        return answer ?? policy.isSecretField(name)
    }

    /// `policy.isSecretHeader(name)`: the case-folded name is a secret header or contains a
    /// header part.
    func isSecretHeader(_ name: String) -> Bool {
        guard bytewise, !name.isEmpty else { return policy.isSecretHeader(name) }
        let answer: Bool? = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: name.utf8.count) { folded in
            var n = 0
            var present = ByteSet()
            for c in name.utf8 {
                guard c < 0x80 else { return nil }
                folded[n] = ASCIIText.lowercased(c)
                present.insert(folded[n])
                n += 1
            }
            let lower = UnsafeBufferPointer(rebasing: folded[..<n])
            return secretHeaders.contains { $0.elementsEqual(lower) }
                || headerParts.contains(in: lower, present: present)
        }
        return answer ?? policy.isSecretHeader(name)
    }

}

/// Which ASCII bytes occur in a name or a part: a part can only be in a name whose set holds the
/// part's set, which rules out most names (`x:var12` holds no part's letters) before any search.
struct ByteSet: Sendable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    /// Adds `byte` (ASCII, < 0x80).
    mutating func insert(_ byte: UInt8) {
        if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte & 63) }
    }

    func isSuperset(of other: ByteSet) -> Bool { other.low & ~low == 0 && other.high & ~high == 0 }
}

/// Lower-case ASCII name parts, indexed by their first byte, so a search costs one table look-up
/// per byte of the name and a comparison only where a part could start.
struct NameParts: Sendable {
    private let parts: [[UInt8]]
    /// The bytes of each part.
    private let byteSets: [ByteSet]
    /// `starts[b]`: some part begins with byte `b`.
    private let starts: [Bool]

    init(_ parts: [String]) {
        self.parts = parts.map { Array($0.utf8) }
        byteSets = self.parts.map { part in
            var set = ByteSet()
            for byte in part where byte < 0x80 { set.insert(byte) }
            return set
        }
        var starts = [Bool](repeating: false, count: 256)
        for part in self.parts where !part.isEmpty { starts[Int(part[0])] = true }
        self.starts = starts
    }

    var all: [[UInt8]] { parts }

    /// Whether `name` (already case-folded, its bytes in `present`) contains one of the parts
    /// (all non-empty ASCII).
    func contains(in name: UnsafeBufferPointer<UInt8>, present: ByteSet) -> Bool {
        guard byteSets.contains(where: { present.isSuperset(of: $0) }) else { return false }
        for start in name.indices where starts[Int(name[start])] {
            for part in parts where part[0] == name[start] && part.count <= name.count - start {
                var k = 1
                while k < part.count, name[start + k] == part[k] { k += 1 }
                if k == part.count { return true }
            }
        }
        return false
    }
}
