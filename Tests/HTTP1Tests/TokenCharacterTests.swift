import Testing

@testable import HTTP1

/// `ASCII.isTokenCharacter` (a switch over ranges and single bytes) checked on every byte value
/// against RFC 9110 §5.6.2's own list of `tchar`.
@Suite struct TokenCharacterTests {
    static let rfc9110TokenCharacters = Set(
        "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)

    @Test func everyByteAgreesWithTheRFCList() {
        #expect(Self.rfc9110TokenCharacters.count == 77)
        for value in 0...255 {
            let byte = UInt8(value)
            #expect(
                ASCII.isTokenCharacter(byte) == Self.rfc9110TokenCharacters.contains(byte),
                "byte 0x\(String(value, radix: 16))")
        }
    }
}
