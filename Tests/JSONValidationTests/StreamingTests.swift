import Foundation
import TestSupport
import Testing

@testable import JSONValidation

@Suite("Streaming")
struct StreamingTests {
    @Test("a multi-byte character split at every possible point")
    func utf8SplitEverywhere() {
        // Every UTF-8 length and every boundary scalar, plus escapes, in one string.
        let text =
            #"["a\u00e9\uD83D\uDE00\n", ""# + "é€😀 \u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}"
            + #"", -12.5e+3, true]"#
        let bytes = Array(utf8: text)
        for cut in 1..<bytes.count {
            #expect(run(bytes, cuts: [cut]).verdict == .valid(.array), "cut at \(cut)")
        }
        // And every pair of cuts: three chunks.
        for first in stride(from: 1, to: bytes.count, by: 3) {
            for second in (first + 1)..<bytes.count {
                #expect(run(bytes, cuts: [first, second]).verdict == .valid(.array))
            }
        }
    }

    @Test("an invalid sequence split across chunks fails on the right byte")
    func invalidUTF8AcrossChunks() {
        let bytes = quoted([0xE2, 0x82, 0xAC, 0xED, 0xA0, 0x80])  // "€" then an encoded surrogate
        for cut in 1..<bytes.count {
            let result = run(bytes, cuts: [cut])
            #expect(result.verdict == .invalid(.invalidUTF8, offset: 5), "cut at \(cut)")
        }
    }

    @Test("failure is set on the offending byte and later chunks are ignored")
    func earlyExit() {
        var validator = JSONValidator()
        validator.feed(Array(utf8: "{\"a\": [1, 2")[...])
        #expect(validator.failure == nil)
        #expect(validator.bytesConsumed == 11)
        validator.feed(Array(utf8: " x, 3]}")[...])
        let expected = JSONVerdict.invalid(.unexpectedByte(UInt8(ascii: "x"), expecting: .commaOrArrayEnd), offset: 12)
        #expect(validator.failure == expected)
        #expect(validator.bytesConsumed == 12)
        validator.feed(Array(utf8: "garbage that is never looked at")[...])
        #expect(validator.bytesConsumed == 12)
        #expect(validator.finish() == expected)
    }

    @Test("finish is idempotent and records end-of-input failures")
    func finishTwice() {
        var validator = JSONValidator()
        validator.feed(Array(utf8: "[1, 2")[...])
        #expect(validator.failure == nil)
        #expect(validator.finish() == .invalid(.unexpectedEnd, offset: 5))
        #expect(validator.failure == .invalid(.unexpectedEnd, offset: 5))
        #expect(validator.finish() == .invalid(.unexpectedEnd, offset: 5))

        var valid = JSONValidator()
        valid.feed(Array(utf8: "123")[...])
        #expect(valid.finish() == .valid(.number))
        #expect(valid.finish() == .valid(.number))
        #expect(valid.failure == nil)
    }

    @Test("empty chunks change nothing")
    func emptyChunks() {
        var validator = JSONValidator()
        for piece in ["", "[", "", "tr", "", "ue", "", "]", ""] {
            validator.feed(Array(utf8: piece)[...])
        }
        #expect(validator.bytesConsumed == 6)
        #expect(validator.finish() == .valid(.array))
    }

    @Test("top-level kind and depth as bytes arrive")
    func progress() {
        var validator = JSONValidator()
        #expect(validator.topLevelKind == nil)
        validator.feed(Array(utf8: "  ")[...])
        #expect(validator.topLevelKind == nil)
        validator.feed(Array(utf8: "{\"a\":[{")[...])
        #expect(validator.topLevelKind == .object)
        #expect(validator.depth == 3)
        validator.feed(Array(utf8: "}],\"b\":\"[[[\"")[...])
        #expect(validator.depth == 1)
        validator.feed(Array(utf8: "}")[...])
        #expect(validator.depth == 0)
        #expect(validator.finish() == .valid(.object))

        var scalar = JSONValidator()
        scalar.feed(Array(utf8: "-")[...])
        #expect(scalar.topLevelKind == .number)
    }

    @Test("a number or literal at the end is complete only at the top level")
    func scalarsAtEnd() {
        #expect(JSONValidator.validate(Array(utf8: "12")) == .valid(.number))
        #expect(JSONValidator.validate(Array(utf8: "[12")) == .invalid(.unexpectedEnd, offset: 3))
        #expect(JSONValidator.validate(Array(utf8: "null")) == .valid(.literal))
        #expect(JSONValidator.validate(Array(utf8: "[null")) == .invalid(.unexpectedEnd, offset: 5))
        #expect(JSONValidator.validate(Array(utf8: #"{"a":0"#)) == .invalid(.unexpectedEnd, offset: 6))
    }

    @Test("every way of feeding bytes agrees")
    func feedOverloads() {
        let text = #"{"k": ["v", 1, "é"]}"#
        let bytes = Array(utf8: text)
        var fromArray = JSONValidator()
        fromArray.feed(bytes)
        #expect(fromArray.finish() == .valid(.object))
        var fromData = JSONValidator()
        fromData.feed(Data(bytes))
        #expect(fromData.finish() == .valid(.object))
        var fromBuffer = JSONValidator()
        bytes.withUnsafeBufferPointer { fromBuffer.feed($0) }
        #expect(fromBuffer.finish() == .valid(.object))
        #expect(JSONValidator.validate(text.utf8) == .valid(.object))
        #expect(JSONValidator.validate(Data(bytes)) == .valid(.object))
        #expect(JSONValidator.validate(bytes[...]) == .valid(.object))
    }

    @Test("non-contiguous collections are copied in chunks with the right offsets")
    func nonContiguous() {
        // 10,000 spaces, then an array with an error after the first 4096-byte chunk.
        let bytes = Array(repeating: UInt8(ascii: " "), count: 10_000) + Array(utf8: "[1,]")
        let lazy = (0..<bytes.count).lazy.map { bytes[$0] }
        #expect(lazy.withContiguousStorageIfAvailable { _ in true } == nil)
        #expect(
            JSONValidator.validate(lazy)
                == .invalid(.unexpectedByte(UInt8(ascii: "]"), expecting: .arrayElement), offset: 10_003))
        let valid = Array(repeating: UInt8(ascii: "\t"), count: 9_000) + Array(utf8: "true")
        #expect(JSONValidator.validate((0..<valid.count).lazy.map { valid[$0] }) == .valid(.literal))
    }

    @Test("large documents fed in TCP-sized segments")
    func segments() {
        var rng = SplitMix64.forTest(seed: 7)
        var generator = DocumentGenerator()
        var body: [UInt8] = Array(utf8: "[")
        for index in 0..<5_000 {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += generator.document(depth: 3, using: &rng)
        }
        body += Array(utf8: "]")
        #expect(body.count > 100_000)
        var validator = JSONValidator()
        var start = 0
        while start < body.count {
            let end = min(body.count, start + 1_448)
            validator.feed(body[start..<end])
            start = end
        }
        #expect(validator.finish() == .valid(.array), rng.comment)
    }

    @Test("feeding after a valid finish is a programming error")
    func feedAfterFinish() async {
        await #expect(processExitsWith: .failure) {
            var validator = JSONValidator()
            validator.feed(Array("1".utf8)[...])
            _ = validator.finish()
            validator.feed(Array(" ".utf8)[...])
        }
    }

    @Test("the validator itself is small")
    func layout() {
        #expect(MemoryLayout<JSONValidator>.size <= 128)
        #expect(JSONValidator().stackCapacityInBytes == 0)
    }
}
