#if os(Linux)
    import Foundation
    import Testing
    import TestSupport

    @testable import JSONValidation

    /// Differential test against Foundation's `JSONSerialization.jsonObject(with:options:
    /// [.fragmentsAllowed])` (swift-corelibs-foundation as shipped with Swift 6.3 on Linux).
    ///
    /// Accept/reject must agree on every input except for these intentional differences, each a
    /// place where Foundation is more lenient than RFC 8259, or stricter than the RFC requires:
    ///
    /// 1. ``Difference/byteOrderMark`` — a UTF-8 byte order mark before the text. Foundation skips
    ///    it (when the input has at least 4 bytes); the validator rejects it as
    ///    `unexpectedByte(0xEF)` at offset 0, because callers strip and report it themselves.
    /// 2. ``Difference/otherEncoding`` — Foundation guesses UTF-16 or UTF-32 from a UTF-16/32 byte
    ///    order mark or from NUL bytes among the first four bytes, transcodes, and may then accept
    ///    (even `1\0x`, read as UTF-16LE). RFC 8259 §8.1 requires UTF-8; the validator rejects the
    ///    NUL, 0xFE or 0xFF byte.
    /// 3. ``Difference/trailingComma`` — Foundation accepts one trailing comma before `]` or `}`
    ///    (`[1,]`, `{"a":1,}`); RFC 8259 does not, and neither does the validator.
    /// 4. ``Difference/nestingDeeperThan512`` — Foundation rejects arrays and objects nested deeper
    ///    than 512; the validator accepts up to its `maxDepth` (100,000 by default).
    /// 5. ``Difference/numberOutOfDoubleRange`` — Foundation converts numbers and rejects one whose
    ///    magnitude overflows a Double (`1e400`, 310 digits); RFC 8259 allows any number, and the
    ///    validator never converts.
    ///
    /// Not on the list, because they agree: lone surrogate escapes (`"\uD800"`, `"\uDC00"`) — this
    /// Foundation rejects them too; invalid UTF-8 in strings; unescaped control characters; leading
    /// zeros; NaN/Infinity; comments; single quotes; content after the value.
    @Suite("Differential against Foundation")
    struct FoundationDifferentialTests {
        enum Difference: String, CaseIterable, CustomStringConvertible {
            case byteOrderMark, otherEncoding, trailingComma, nestingDeeperThan512, numberOutOfDoubleRange
            var description: String { rawValue }
        }

        static func foundationAccepts(_ bytes: [UInt8]) -> Bool {
            (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
        }

        /// Why Foundation and the validator disagree on `bytes`, or nil when no listed difference
        /// explains it. Each explanation is checked, not assumed: the BOM and trailing commas are
        /// removed and the result must then validate; depth and number sizes are measured.
        static func explain(_ bytes: [UInt8], ours: JSONVerdict, foundation: Bool) -> Set<Difference>? {
            if foundation && !ours.isValid {
                if sniffsOtherEncoding(bytes) { return [.otherEncoding] }
                var differences: Set<Difference> = []
                var text = bytes
                if text.count >= 4 && text.starts(with: bom) {
                    text.removeFirst(3)
                    differences.insert(.byteOrderMark)
                }
                // Remove trailing commas one by one, where the validator reports them.
                while case .invalid(.unexpectedByte(let byte, let expecting), let offset) = JSONValidator.validate(text),
                    (byte == UInt8(ascii: "]") && expecting == .arrayElement)
                        || (byte == UInt8(ascii: "}") && expecting == .memberName)
                {
                    guard let comma = text[..<Int(offset)].lastIndex(where: { !isWhitespace($0) }),
                        text[comma] == UInt8(ascii: ",")
                    else { return nil }
                    text.remove(at: comma)
                    differences.insert(.trailingComma)
                }
                return JSONValidator.validate(text).isValid ? differences : nil
            }
            if !foundation && ours.isValid {
                var differences: Set<Difference> = []
                let (depth, numbers) = scan(bytes)
                if depth > 512 { differences.insert(.nestingDeeperThan512) }
                if numbers.contains(where: { Double(String(decoding: $0, as: UTF8.self))?.isInfinite ?? true }) {
                    differences.insert(.numberOutOfDoubleRange)
                }
                return differences.isEmpty ? nil : differences
            }
            return []
        }

        /// Foundation's encoding guess (`JSONSerialization.detectEncoding`): true when it would not
        /// read the input as UTF-8.
        static func sniffsOtherEncoding(_ b: [UInt8]) -> Bool {
            if b.count >= 4 {
                if b.starts(with: bom) { return false }
                if b.starts(with: [0xFF, 0xFE]) || b.starts(with: [0xFE, 0xFF])
                    || b.starts(with: [0x00, 0x00, 0xFE, 0xFF])
                {
                    return true
                }
                return (b[0] == 0 && b[1] == 0 && b[2] == 0) || (b[1] == 0 && b[2] == 0 && b[3] == 0)
                    || (b[0] == 0 && b[2] == 0) || (b[1] == 0 && b[3] == 0)
            }
            if b.count >= 2 { return b[0] == 0 || b[1] == 0 }
            return false
        }

        static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

        /// The deepest nesting and the number tokens of a valid JSON text.
        static func scan(_ bytes: [UInt8]) -> (depth: Int, numbers: [ArraySlice<UInt8>]) {
            var depth = 0
            var deepest = 0
            var numbers: [ArraySlice<UInt8>] = []
            var index = 0
            var inString = false
            while index < bytes.count {
                let byte = bytes[index]
                if inString {
                    if byte == UInt8(ascii: "\\") {
                        index += 1
                    } else if byte == quote {
                        inString = false
                    }
                } else {
                    switch byte {
                    case quote: inString = true
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        depth += 1
                        deepest = max(deepest, depth)
                    case UInt8(ascii: "]"), UInt8(ascii: "}"): depth -= 1
                    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                        let start = index
                        while index + 1 < bytes.count, Array("0123456789+-.eE".utf8).contains(bytes[index + 1]) {
                            index += 1
                        }
                        numbers.append(bytes[start...index])
                    default: break
                    }
                }
                index += 1
            }
            return (deepest, numbers)
        }

        /// Compares one input; returns the differences it showed, or records an issue.
        @discardableResult
        static func compare(_ bytes: [UInt8], splits: Int = 2, sourceLocation: SourceLocation = #_sourceLocation)
            -> Set<Difference>
        {
            let ours = streamingVerdict(bytes, splits: splits, sourceLocation: sourceLocation)
            let foundation = foundationAccepts(bytes)
            guard let differences = explain(bytes, ours: ours, foundation: foundation) else {
                Issue.record(
                    "unexplained disagreement: Foundation \(foundation ? "accepts" : "rejects"), validator says \(ours), input \(bytes.debugText)",
                    sourceLocation: sourceLocation)
                return []
            }
            return differences
        }

        @Test("the corpus", arguments: Corpus.all)
        func corpus(_ document: Case) {
            Self.compare(document.bytes)
        }

        @Test("each listed difference, on its own")
        func examples() {
            let examples: [(String, [UInt8], Set<Difference>)] = [
                ("BOM", bom + Array(utf8: "{}"), [.byteOrderMark]),
                ("UTF-16LE", [0x7B, 0x00, 0x7D, 0x00], [.otherEncoding]),
                ("NUL after number", Array(utf8: "1") + [0x00, UInt8(ascii: "x")], [.otherEncoding]),
                ("trailing comma in array", Array(utf8: "[1,]"), [.trailingComma]),
                ("trailing comma in object", Array(utf8: #"{"a":[1 , ] , }"#), [.trailingComma]),
                ("BOM and trailing comma", bom + Array(utf8: "[[],]"), [.byteOrderMark, .trailingComma]),
                ("513 levels", nestedArrays(513), [.nestingDeeperThan512]),
                ("1e400", Array(utf8: "[1e400]"), [.numberOutOfDoubleRange]),
                ("310 digits", Array(utf8: "1" + String(repeating: "0", count: 310)), [.numberOutOfDoubleRange]),
                (
                    "both",
                    Array(utf8: String(repeating: "[", count: 600) + "-1e999" + String(repeating: "]", count: 600)),
                    [.nestingDeeperThan512, .numberOutOfDoubleRange]
                ),
                // Agreements at the edges of the differences.
                ("512 levels", nestedArrays(512), []),
                ("1.7976931348623157e308", Array(utf8: "1.7976931348623157e308"), []),
                ("1e-400 underflows quietly", Array(utf8: "1e-400"), []),
                ("lone high surrogate", Array(utf8: #""\uD800""#), []),
                ("lone low surrogate", Array(utf8: #""\uDC00""#), []),
                ("BOM alone (3 bytes)", bom, []),
                ("BOM then one byte (4 bytes)", bom + Array(utf8: "1"), [.byteOrderMark]),
                ("double comma", Array(utf8: "[1,,]"), []),
            ]
            for (name, bytes, expected) in examples {
                #expect(Self.compare(bytes) == expected, "\(name)")
            }
        }

        @Test("generated and mutated documents; exactly the listed differences occur")
        func generated() {
            var rng = SplitMix64.forTest(seed: 0x0551_CA11_BAC4)
            var generator = DocumentGenerator()
            var seen: [Difference: Int] = [:]
            var agreements = (accepted: 0, rejected: 0)
            func note(_ bytes: [UInt8]) {
                let differences = Self.compare(bytes, splits: 1)
                for difference in differences { seen[difference, default: 0] += 1 }
                if differences.isEmpty {
                    if JSONValidator.validate(bytes).isValid {
                        agreements.accepted += 1
                    } else {
                        agreements.rejected += 1
                    }
                }
            }
            for document in Corpus.all { note(document.bytes) }
            for round in 0..<1_200 {
                let document = generator.document(depth: round % 5, using: &rng)
                #expect(JSONValidator.validate(document).isValid, "generated \(document.debugText), \(rng.replay)")
                note(document)
                note(Mutator.mutate(document, using: &rng))
                note(Mutator.mutate(document, using: &rng))
                if round % 20 == 0 {
                    // Steer some inputs into the lenient corners.
                    note(bom + document)
                    note(Array(utf8: "[") + document + Array(utf8: ",]"))
                    note(Array(utf8: #"{"k":"#) + document + Array(utf8: ", }"))
                }
            }
            for depth in [511, 512, 513, 1_000] {
                note(nestedArrays(depth))
            }
            // Every listed difference shows up, and no other (unexplained ones are issues above).
            #expect(Set(seen.keys) == Set(Difference.allCases), "seen: \(seen), \(rng.replay)")
            // And most inputs are plain agreements, both ways.
            #expect(agreements.accepted > 1_000)
            #expect(agreements.rejected > 1_000)
        }
    }

    extension Array where Element == UInt8 {
        /// Printable ASCII as is, other bytes as \xNN, cut to 200 characters.
        var debugText: String {
            var text = ""
            for byte in prefix(200) {
                if byte >= 0x20 && byte < 0x7F {
                    text.append(Character(Unicode.Scalar(byte)))
                } else {
                    text += "\\x" + String(byte, radix: 16, uppercase: true)
                }
            }
            return count > 200 ? text + "… (\(count) bytes)" : text
        }
    }
#endif
