import Foundation
import TestSupport
import Testing

@testable import JSONValidation

/// `JSONTree.parse`: the validator's grammar, the validator's errors, and a faithful decoding.
@Suite("Tree parser")
struct TreeTests {
    /// The validator's verdict on `bytes` with a nesting limit.
    static func verdict(_ bytes: [UInt8], maxDepth: Int) -> JSONVerdict {
        var validator = JSONValidator(maxDepth: maxDepth)
        validator.feed(bytes)
        return validator.finish()
    }

    /// Checks that the tree parser accepts exactly when the validator does, and fails with the
    /// validator's error at its offset.
    static func expectAgreement(_ bytes: [UInt8], maxDepth: Int, _ comment: Comment) {
        let verdict = verdict(bytes, maxDepth: maxDepth)
        switch (verdict, JSONTree.parse(bytes, maxDepth: maxDepth)) {
        case (.valid, .success):
            break
        case (.invalid(let error, let offset), .failure(let failure)):
            #expect(failure == JSONTreeError(error: error, offset: offset), comment)
        case (_, let parsed):
            Issue.record("validator: \(verdict), tree parser: \(parsed); \(comment)")
        }
    }

    @Test func generatedAndMutatedTextsGetTheValidatorsVerdict() {
        var random = SplitMix64.forTest(seed: 0x7EE5)
        var generator = DocumentGenerator()
        var accepted = 0
        var rejected = 0
        for round in 0..<4_000 {
            var bytes = generator.document(depth: Int.random(in: 0...6, using: &random), using: &random)
            if round % 3 != 0 { bytes = Mutator.mutate(bytes, using: &random) }
            // Sometimes a small nesting limit, so the depth bound is compared too.
            let maxDepth = Bool.random(using: &random) ? Int.random(in: 0...4, using: &random) : 100_000
            Self.expectAgreement(bytes, maxDepth: maxDepth, "round \(round), \(random.replay)")
            if Self.verdict(bytes, maxDepth: maxDepth).isValid { accepted += 1 } else { rejected += 1 }
        }
        // Both sides of the grammar were exercised.
        #expect(accepted > 1_000 && rejected > 1_000, "accepted \(accepted), rejected \(rejected)")
    }

    @Test func validTextsDecodeAsFoundationDecodesThem() throws {
        var random = SplitMix64.forTest(seed: 0xF0_0D)
        var generator = DocumentGenerator()
        generator.hugeNumbers = false  // Foundation rejects numbers past a Double's range
        for round in 0..<1_500 {
            let bytes = generator.document(depth: Int.random(in: 0...5, using: &random), using: &random)
            let tree = try JSONTree.parse(bytes, maxDepth: 64).get()
            let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            #expect(Self.sameValue(tree, object), "round \(round): \(String(decoding: bytes, as: UTF8.self))")
        }
    }

    /// Whether `tree` holds what Foundation decoded: equal strings, numbers equal as Doubles,
    /// the same items, and for objects with distinct names the same members.
    static func sameValue(_ tree: JSONTree, _ object: Any) -> Bool {
        switch tree {
        case .string(let text): return (object as? String) == text
        case .number(let text):
            // Foundation converts on its own; allow it a rounding difference in the last place.
            guard let theirs = (object as? NSNumber)?.doubleValue, let ours = Double(text) else { return false }
            return abs(theirs - ours) <= 1e-12 * max(abs(theirs), abs(ours))
        case .bool(let value): return (object as? NSNumber)?.boolValue == value
        case .null: return object is NSNull
        case .array(let items):
            guard let others = object as? [Any], others.count == items.count else { return false }
            return zip(items, others).allSatisfy { sameValue($0, $1) }
        case .object(let members):
            guard let others = object as? [String: Any] else { return false }
            guard Set(members.map(\.key)).count == members.count else {
                return others.count <= members.count  // a repeated name: Foundation keeps one
            }
            return others.count == members.count
                && members.allSatisfy { member in others[member.key].map { sameValue(member.value, $0) } ?? false }
        }
    }

    @Test func stringsAreUnescaped() throws {
        let text = #""a\"b\\c\/d\b\f\n\r\t\u00e9\u20AC\ud83d\ude00 é€😀""#
        let tree = try JSONTree.parse(Array(text.utf8), maxDepth: 4).get()
        #expect(tree == .string("a\"b\\c/d\u{08}\u{0C}\n\r\té€😀 é€😀"))
    }

    @Test func membersKeepOrderAndDuplicatesAndNumbersKeepTheirText() throws {
        let text = #" {"b": [1, -0, 2.50, 1E+2], "a": true, "b": null, "": {}} "#
        let tree = try JSONTree.parse(Array(text.utf8), maxDepth: 4).get()
        let expected: JSONTree = .object([
            (key: "b", value: .array([.number("1"), .number("-0"), .number("2.50"), .number("1E+2")])),
            (key: "a", value: .bool(true)),
            (key: "b", value: .null),
            (key: "", value: .object([])),
        ])
        #expect(tree == expected)
        #expect(tree["b"] == .array([.number("1"), .number("-0"), .number("2.50"), .number("1E+2")]))
        #expect(tree["missing"] == nil)
        #expect(tree.typeName == "object")
    }

    @Test func errorsAreTheValidatorsWithTheirOffsets() {
        let cases: [(String, JSONTreeError)] = [
            ("", JSONTreeError(error: .empty, offset: 0)),
            ("\u{FEFF}{}", JSONTreeError(error: .unexpectedByte(0xEF, expecting: .value), offset: 0)),
            (#"{"a":1,}"#, JSONTreeError(error: .unexpectedByte(UInt8(ascii: "}"), expecting: .memberName), offset: 7)),
            (#"["\uDC00"]"#, JSONTreeError(error: .invalidUnicodeEscape, offset: 5)),
            ("[01]", JSONTreeError(error: .invalidNumber, offset: 2)),
            ("[[[1]]]", JSONTreeError(error: .nestingTooDeep(limit: 2), offset: 2)),
            ("{} x", JSONTreeError(error: .trailingContent, offset: 3)),
        ]
        for (text, expected) in cases {
            #expect(JSONTree.parse(Array(text.utf8), maxDepth: 2) == .failure(expected), "\(text)")
        }
        #expect(
            "\(JSONTreeError(error: .invalidNumber, offset: 2))" == "at byte 2: invalid number")
    }

    @Test func nestingUpToTheLimitIsBuiltAndOneMoreIsNot() throws {
        let depth = 1_000  // levels of `{"k":[`, two containers each
        let text = String(repeating: #"{"k":["#, count: depth) + "1" + String(repeating: "]}", count: depth)
        var tree = try JSONTree.parse(Array(text.utf8), maxDepth: 2 * depth).get()
        var levels = 0
        while case .object(let members) = tree, case .array(let items) = members[0].value {
            tree = items[0]
            levels += 1
        }
        #expect(levels == depth)
        #expect(tree == .number("1"))
        #expect(
            JSONTree.parse(Array(text.utf8), maxDepth: 2 * depth - 1)
                == .failure(JSONTreeError(error: .nestingTooDeep(limit: 2 * depth - 1), offset: Int64(6 * depth - 1))))
    }
}
