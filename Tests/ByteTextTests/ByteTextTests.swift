import ByteText
import TestSupport
import Testing

@Suite struct Base64Tests {
    /// RFC 4648 §10's test vectors.
    static let vectors: [(String, String)] = [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ]

    @Test func encodesTheRFCVectors() {
        for (plain, encoded) in Self.vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded, "\(plain)")
        }
    }

    @Test func decodesTheRFCVectors() throws {
        for (plain, encoded) in Self.vectors.dropFirst() {
            #expect(try Base64.decode(Array(encoded.utf8)).get() == Array(plain.utf8), "\(encoded)")
        }
        #expect(try Base64.decode(Array("+/+/".utf8)).get() == [0xFB, 0xFF, 0xBF])
    }

    @Test func rejectsWhatIsNotStrict() {
        #expect(Base64.decode([UInt8]()) == .failure(.empty))
        #expect(Base64.decode(Array("TWE".utf8)) == .failure(.badLength(3)))
        #expect(Base64.decode(Array("TW E".utf8)) == .failure(.invalidCharacter(byte: 0x20, offset: 2)))
        #expect(Base64.decode(Array("-_-_".utf8)) == .failure(.invalidCharacter(byte: UInt8(ascii: "-"), offset: 0)))
        #expect(Base64.decode(Array("T=Fu".utf8)) == .failure(.misplacedPadding(offset: 1)))
        #expect(Base64.decode(Array("T===".utf8)) == .failure(.misplacedPadding(offset: 1)))
        #expect(Base64.decode(Array("TQ===".utf8)) == .failure(.badLength(5)))
        // A byte outside the alphabet is named before a wrong length.
        #expect(Base64.decode(Array("TW E=".utf8)) == .failure(.invalidCharacter(byte: 0x20, offset: 2)))
    }

    /// Non-zero pad bits (RFC 4648 §3.5) are ignored, as by common decoders.
    @Test func ignoresNonZeroPadBits() throws {
        #expect(try Base64.decode(Array("Zh==".utf8)).get() == Array("f".utf8))
    }

    @Test func roundTripsRandomBytes() throws {
        var random = SplitMix64.forTest(seed: 0xB64)
        for length in 0..<200 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let text = Base64.encode(bytes)
            #expect(text.utf8.count == (length + 2) / 3 * 4, random.comment)
            if length > 0 {
                #expect(try Base64.decode(Array(text.utf8)).get() == bytes, "length \(length), \(random.replay)")
            }
        }
    }

    /// The decoder's one-pass fast path agrees with a plain reference (find the first defect in
    /// `Failure`'s order, then decode) on mutated valid texts: bytes swapped for `=`, junk, the
    /// URL-safe alphabet, and cut or lengthened texts.
    @Test func decodesLikeTheReferenceOnMutatedTexts() throws {
        var random = SplitMix64.forTest(seed: 0xB64D)
        let junk = Array("=-_ \n\r.!~A".utf8)
        for _ in 0..<5_000 {
            let length = Int.random(in: 0...24, using: &random)
            var text = Array(Base64.encode((0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }).utf8)
            for _ in 0..<Int.random(in: 0...2, using: &random) where !text.isEmpty {
                switch Int.random(in: 0..<3, using: &random) {
                case 0: text[Int.random(in: 0..<text.count, using: &random)] = junk.randomElement(using: &random)!
                case 1: text.removeLast()
                default: text.append(junk.randomElement(using: &random)!)
                }
            }
            #expect(
                Base64.decode(text) == Self.reference(text), "\(String(decoding: text, as: UTF8.self)) \(random.replay)"
            )
        }
    }

    /// Strict base64 by its definition, one rule at a time (the order ``Base64/Failure`` documents).
    static func reference(_ text: [UInt8]) -> Result<[UInt8], Base64.Failure> {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        if text.isEmpty { return .failure(.empty) }
        let padStart = text.firstIndex(of: UInt8(ascii: "="))
        for (offset, byte) in text.enumerated() where byte != UInt8(ascii: "=") {
            if let padStart, offset > padStart { return .failure(.misplacedPadding(offset: padStart)) }
            if !alphabet.contains(byte) { return .failure(.invalidCharacter(byte: byte, offset: offset)) }
        }
        if text.count % 4 != 0 { return .failure(.badLength(text.count)) }
        if let padStart, text.count - padStart > 2 { return .failure(.misplacedPadding(offset: padStart)) }
        var bits: UInt32 = 0, count = 0, out: [UInt8] = []
        for byte in text where byte != UInt8(ascii: "=") {
            bits = bits << 6 | UInt32(alphabet.firstIndex(of: byte)!)
            count += 6
            if count >= 8 {
                count -= 8
                out.append(UInt8(truncatingIfNeeded: bits >> UInt32(count)))
            }
        }
        return .success(out)
    }
}

@Suite struct HexTests {
    @Test func encodes() {
        #expect(Hex.encode(Array("foobar".utf8)) == "666f6f626172")
        #expect(Hex.encode([0xEF, 0xBB, 0xBF], separator: " ") == "ef bb bf")
        #expect(Hex.encode([0x0A], uppercase: true) == "0A")
        #expect(Hex.encode([UInt8]()) == "")
        #expect(Hex.digits(UInt16(0x301)) == "0301")
        #expect(Hex.digits(UInt8(0x7)) == "07")
    }

    @Test func decodes() {
        #expect(Hex.decode(Array("666F6f626172".utf8)) == Array("foobar".utf8))
        #expect(Hex.decode(Array("".utf8)) == [])
        #expect(Hex.decode(Array("abc".utf8)) == nil)
        #expect(Hex.decode(Array("zz".utf8)) == nil)
        #expect(Hex.decode(Array("+f".utf8)) == nil)
        let values = (0...255).map { UInt8($0) }.map(Hex.value(of:))
        #expect(values.compactMap { $0 }.count == 22)
        #expect(Hex.value(of: UInt8(ascii: "F")) == 15 && Hex.value(of: UInt8(ascii: "a")) == 10)
    }

    @Test func roundTripsEveryByte() {
        let all = (0...255).map { UInt8($0) }
        #expect(Hex.decode(Array(Hex.encode(all).utf8)) == all)
    }
}

@Suite struct PercentEncodingTests {
    @Test func decodesEscapes() {
        let text = Array("%E5%9B%9E/a%2fb".utf8)
        #expect(PercentEncoding.decode(text, plusAsSpace: false, invalidEscapes: .reject) == Array("回/a/b".utf8))
    }

    @Test func plusIsASpaceOnlyWhenAsked() {
        let text = Array("a+b%2B".utf8)
        #expect(PercentEncoding.decode(text, plusAsSpace: false, invalidEscapes: .keep) == Array("a+b+".utf8))
        #expect(PercentEncoding.decode(text, plusAsSpace: true, invalidEscapes: .keep) == Array("a b+".utf8))
    }

    @Test func malformedEscapesAreRejectedOrKept() {
        for bad in ["%", "%4", "%4g", "a%zz"] {
            #expect(
                PercentEncoding.decode(Array(bad.utf8), plusAsSpace: false, invalidEscapes: .reject) == nil, "\(bad)")
            #expect(
                PercentEncoding.decode(Array(bad.utf8), plusAsSpace: false, invalidEscapes: .keep) == Array(bad.utf8))
        }
        #expect(PercentEncoding.firstInvalidEscape(in: Array("ab%41%4".utf8)) == 5)
        #expect(PercentEncoding.firstInvalidEscape(in: Array("ab%41".utf8)) == nil)
    }
}

@Suite struct ASCIITextTests {
    @Test func trimsBytes() {
        #expect(ASCIIText.trimmingOWS(Array(" \t a b \t".utf8)[...]) == Array("a b".utf8)[...])
        #expect(
            ASCIIText.trimmingEnd(Array("v\r\n ".utf8)[...]) { $0 == 0x0D || $0 == 0x0A || $0 == 0x20 }
                == Array("v".utf8)[...])
        #expect(ASCIIText.trimmingOWS(Array("   ".utf8)[...]).isEmpty)
    }

    @Test func trimsCharactersMadeOfTheSet() {
        #expect(" \tvalue\t ".trimmingASCII(" \t") == "value")
        #expect("\r\nxml\r\n".trimmingASCII(" \t\n\r") == "xml")
        // A space carrying a combining mark is not a space.
        #expect(" \u{301}x".trimmingASCII(" ") == " \u{301}x")
        #expect("é ".trimmingASCII(" ") == "é")
    }

    @Test func foldsCase() {
        #expect(ASCIIText.lowercased(UInt8(ascii: "Q")) == UInt8(ascii: "q"))
        #expect(ASCIIText.lowercased(0xC9) == 0xC9)
        #expect(ASCIIText.equalsIgnoringCase(Array("Text/XML".utf8), "text/xml"))
        #expect(!ASCIIText.equalsIgnoringCase(Array("text/xm".utf8), "text/xml"))
        #expect(!ASCIIText.equalsIgnoringCase(Array("text/xmls".utf8), "text/xml"))
    }

    @Test func knowsUppercaseLetters() {
        let uppercase = (0...255).map { UInt8($0) }.filter(ASCIIText.isUppercase)
        #expect(uppercase == Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8))
    }

    @Test func matchesPrefixesIgnoringCase() {
        #expect(ASCIIText.hasPrefixIgnoringCase(Array("Aliyun-OSS-Callback/1.0".utf8), "aliyun-oss-callback"))
        #expect(ASCIIText.hasPrefixIgnoringCase(Array("CALLBACK".utf8), "callback"))
        #expect(!ASCIIText.hasPrefixIgnoringCase(Array("aliyun-oss".utf8), "aliyun-oss-callback"))
        #expect(!ASCIIText.hasPrefixIgnoringCase(Array("aliyun_oss-callback".utf8), "aliyun-oss-callback"))
        // Only ASCII letters fold: 0xC9 is not 0xE9.
        #expect(!ASCIIText.hasPrefixIgnoringCase([0xC9], "\u{E9}"))
    }
}

@Suite struct NumberTextTests {
    @Test func durationsReadWell() {
        #expect(DurationText.describe(0.0002) == "0.200 ms")
        #expect(DurationText.describe(0.0351) == "35.1 ms")
        #expect(DurationText.describe(5.0024) == "5.002 s")
    }

    @Test func fixedPoint() {
        #expect(String(fixedPoint: 2.0, decimals: 3) == "2.000")
        #expect(String(fixedPoint: -0.5, decimals: 1) == "-0.5")
        #expect(String(fixedPoint: -0.04, decimals: 1) == "0.0")
        #expect(String(fixedPoint: 1.23456, decimals: 3) == "1.235")
        #expect(String(fixedPoint: 7, decimals: 0) == "7")
        #expect(String(fixedPoint: .infinity, decimals: 2) == "inf")
    }
}
