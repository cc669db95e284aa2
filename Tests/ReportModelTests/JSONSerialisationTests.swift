import Foundation
import ReportModel
import TestSupport
import Testing

/// `JSONValue.serialized` writes bytes directly (runs of safe UTF-8 copied at once); these pin its
/// escapes and check every output parses back to the same value.
@Suite struct JSONSerialisationTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        ("q\"b\\s/", #""q\"b\\s/""#),
        ("a\nb\rc\td", #""a\nb\rc\td""#),
        ("\u{00}\u{01}\u{1F}\u{7F}", #""\u0000\u0001\u001f\u007f""#),
        ("\u{80}x\u{9F}\u{A0}", "\"\\u0080x\\u009f\u{A0}\""),
        ("\u{2027}\u{2028}\u{2029}\u{202A}\u{202E}\u{202F}", "\"\u{2027}\\u2028\\u2029\\u202a\\u202e\u{202F}\""),
        ("\u{2065}\u{2066}\u{2069}\u{206A}", "\"\u{2065}\\u2066\\u2069\u{206A}\""),
        ("é中😀€", "\"é中😀€\""),
        ("", #""""#),
    ])
    func escapes(_ input: String, _ expected: String) {
        #expect(JSONValue.string(input).serialized() == expected)
    }

    @Test func randomStringsRoundTripThroughFoundation() throws {
        var generator = SplitMix64.forTest(seed: 0x0515_0A11)
        let interesting: [Unicode.Scalar] = [
            "a", "\"", "\\", "/", "\n", "\u{00}", "\u{1F}", "\u{7F}", "\u{80}", "\u{9F}", "\u{A0}", "é", "\u{2028}",
            "\u{202C}",
            "\u{2066}", "\u{E2}", "\u{FFFF}", "😀",
        ]
        for _ in 0..<500 {
            var s = String.UnicodeScalarView()
            for _ in 0..<Int.random(in: 0...24, using: &generator) {
                s.append(interesting.randomElement(using: &generator)!)
            }
            let text = String(s)
            let json = JSONValue.object([("k", .string(text)), ("a", .array([.string(text), .int(-3), .null]))])
                .serialized(indent: 2)
            let parsed = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
            #expect(parsed?["k"] as? String == text, "\(json), \(generator.replay)")
            #expect((parsed?["a"] as? [Any])?.first as? String == text, generator.comment)
        }
    }

    /// The streamed writer (`--format json` of a whole report) gives exactly the text of the tree.
    @Test(arguments: [0, 2])
    func streamedObjectEqualsTheTree(indent: Int) {
        let items: [JSONValue] = (0..<5).map {
            .object([("i", .int(Int64($0))), ("s", .string("x\u{2028}\($0)")), ("a", .array([]))])
        }
        let members: [(String, JSONValue)] = [
            ("first", .string("a\"b")), ("items", .array(items)), ("none", .array([])), ("last", .object([])),
        ]
        let streamed = JSONValue.serializedObject(
            [
                ("first", .value(members[0].1)), ("items", .array(count: items.count, element: { items[$0] })),
                ("none", .array(count: 0, element: { _ in .null })), ("last", .value(.object([]))),
            ], indent: indent, newline: true)
        #expect(streamed == JSONValue.object(members).serialized(indent: indent, newline: true))
        #expect(JSONValue.serializedObject([], indent: indent) == JSONValue.object([]).serialized(indent: indent))
    }

    @Test func prettyPrintingIndentsByLevel() {
        let value = JSONValue.object([("a", .array([.int(1), .bool(true)])), ("b", .object([])), ("c", .double(0.5))])
        #expect(value.serialized(indent: 2) == "{\n  \"a\": [\n    1,\n    true\n  ],\n  \"b\": {},\n  \"c\": 0.5\n}")
        #expect(value.serialized() == #"{"a":[1,true],"b":{},"c":0.5}"#)
    }
}
