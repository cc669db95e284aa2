import ReportModel
import TestSupport
import Testing

/// `JSONValue.parse` reads back what `JSONValue.serialized` writes: the report `callback-doctor
/// merge` reads is the report `analyze` wrote.
@Suite struct JSONParsingTests {
    /// A random value: integers over Int64's range, doubles that serialize as doubles (finite,
    /// not a whole number below 1e15, which is written as an integer and comes back `.int`),
    /// strings with quotes, backslashes, control characters, line separators and non-BMP scalars.
    static func value(depth: Int, using random: inout SplitMix64) -> JSONValue {
        switch Int.random(in: 0..<(depth > 0 ? 8 : 6), using: &random) {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &random))
        case 2: return .int(Int64(bitPattern: random.next()))
        case 3: return .double(double(using: &random))
        case 4, 5: return .string(string(using: &random))
        case 6:
            return .array(
                (0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1, using: &random) })
        default:
            return .object(
                (0..<Int.random(in: 0...4, using: &random)).map { _ in
                    (string(using: &random), value(depth: depth - 1, using: &random))
                })
        }
    }

    static func double(using random: inout SplitMix64) -> Double {
        while true {
            let d =
                Bool.random(using: &random)
                ? Double(bitPattern: random.next()) : Double.random(in: -1e6...1e6, using: &random)
            if d.isFinite && !(d == d.rounded() && abs(d) < 1e15) { return d }
        }
    }

    static func string(using random: inout SplitMix64) -> String {
        let pool: [Unicode.Scalar] = [
            "a", "Z", " ", "\"", "\\", "/", "\u{0}", "\u{1F}", "\n", "\u{7F}", "\u{85}", "é",
            "\u{2028}", "\u{2066}", "€", "\u{FFFF}", "😀", "\u{10FFFF}",
        ]
        var text = ""
        for _ in 0..<Int.random(in: 0...10, using: &random) {
            text.unicodeScalars.append(pool.randomElement(using: &random)!)
        }
        return text
    }

    @Test func whatIsSerializedParsesBackEqual() throws {
        var random = SplitMix64.forTest(seed: 0x5E_71A1)
        for round in 0..<2_000 {
            let value = Self.value(depth: Int.random(in: 0...5, using: &random), using: &random)
            let indent = Bool.random(using: &random) ? 0 : 2
            let text = value.serialized(indent: indent, newline: Bool.random(using: &random))
            let parsed = try JSONValue.parse(Array(text.utf8))
            #expect(parsed == value, "round \(round): \(text), \(random.replay)")
        }
    }

    @Test func errorsNameTheValidatorsReasonAndOffset() {
        #expect(throws: JSONParseError.self) { try JSONValue.parse(Array(#"{"schemaVersion": 1,"#.utf8)) }
        do {
            _ = try JSONValue.parse(Array(#"{"a": 01}"#.utf8))
            Issue.record("a leading zero parsed")
        } catch {
            #expect(error.description == "invalid number at byte 7")
        }
    }
}
