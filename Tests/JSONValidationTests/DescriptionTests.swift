import Testing

@testable import JSONValidation

@Suite("Descriptions")
struct DescriptionTests {
    @Test("errors read as short human text")
    func errors() {
        let expected: [(JSONSyntaxError, String)] = [
            (.unexpectedByte(0x4F), "unexpected byte 0x4F ('O') where a value should start"),
            (.unexpectedByte(0x0A, expecting: .colon), "unexpected byte 0x0A where ':' should follow a member name"),
            (.unexpectedByte(0xEF), "unexpected byte 0xEF where a value should start"),
            (
                .unexpectedByte(UInt8(ascii: "]"), expecting: .arrayElement),
                "unexpected byte 0x5D (']') where an array element should follow ',' (trailing commas are not allowed)"
            ),
            (
                .unexpectedByte(UInt8(ascii: "}"), expecting: .memberName),
                "unexpected byte 0x7D ('}') where a member name (a string) should follow ',' (trailing commas are not allowed)"
            ),
            (
                .unexpectedByte(0x27, expecting: .memberNameOrEnd),
                "unexpected byte 0x27 (''') where a member name (a string) or '}' should be (strings need double quotes)"
            ),
            (
                .unexpectedByte(UInt8(ascii: "/"), expecting: .commaOrArrayEnd),
                "unexpected byte 0x2F ('/') where ',' or ']' should follow an array element (comments are not allowed)"
            ),
            (.empty, "no JSON value: the input is empty or only whitespace"),
            (.unexpectedEnd, "unexpected end of input: the JSON value is incomplete"),
            (.invalidUTF8, "invalid UTF-8 in a string"),
            (.controlCharacterInString, "unescaped control character (U+0000–U+001F) in a string"),
            (.invalidNumber, "invalid number"),
            (.trailingContent, "unexpected content after the JSON value"),
            (.nestingTooDeep(limit: 100_000), "arrays and objects nested deeper than 100000 levels"),
        ]
        for (error, text) in expected {
            #expect(error.description == text)
        }
    }

    @Test("every expectation has its own phrase")
    func phrases() {
        let phrases = JSONExpectation.allCases.map(\.phrase)
        #expect(Set(phrases).count == JSONExpectation.allCases.count)
    }

    @Test("verdicts")
    func verdicts() {
        #expect(JSONVerdict.valid(.object).description == "valid JSON (object)")
        #expect(
            JSONValidator.validate(Array(utf8: "OK")).description
                == "invalid JSON at byte 0: unexpected byte 0x4F ('O') where a value should start")
        #expect(JSONVerdict.valid(.literal).isValid)
        #expect(!JSONVerdict.invalid(.empty, offset: 0).isValid)
    }
}
