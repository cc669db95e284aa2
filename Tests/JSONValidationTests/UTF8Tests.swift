import Testing

@testable import JSONValidation

/// UTF-8 inside strings, checked against the standard library's strict decoder.
@Suite("UTF-8 in strings")
struct UTF8Tests {
    /// All non-ASCII lead bytes × all non-ASCII second bytes × tails of up to two more bytes.
    @Test("agrees with String(validating:) on every lead and second byte", arguments: Array(UInt8(0x80)...UInt8(0xFF)))
    func leadAndSecondByte(_ lead: UInt8) {
        let tails: [[UInt8]] = [[], [0x80], [0xBF], [0x80, 0x80], [0xBF, 0xBF], [0x41], [0x80, 0x41]]
        for second in UInt8(0x80)...UInt8(0xFF) {
            for tail in tails {
                let content = [lead, second] + tail
                let expectedValid = String(validating: content, as: UTF8.self) != nil
                let verdict = JSONValidator.validate(quoted(content))
                #expect(verdict.isValid == expectedValid, "\(content)")
                if !expectedValid {
                    #expect(verdict.errorKind == .invalidUTF8, "\(content)")
                }
            }
        }
    }

    /// Third bytes after the boundary leads, where the allowed range of the second byte is narrow.
    @Test(
        "agrees with String(validating:) on third bytes after narrow leads",
        arguments: [UInt8(0xE0), 0xED, 0xEF, 0xF0, 0xF4])
    func thirdByte(_ lead: UInt8) {
        for second in UInt8(0x80)...UInt8(0xBF) {
            for third in UInt8(0x00)...UInt8(0xFF) where third >= 0x20 && third != quote && third != UInt8(ascii: "\\")
            {
                let content = [lead, second, third, 0x80]
                let expectedValid = String(validating: content, as: UTF8.self) != nil
                #expect(JSONValidator.validate(quoted(content)).isValid == expectedValid, "\(content)")
            }
        }
    }

    @Test("every scalar class round-trips, whole and split")
    func scalars() {
        var content: [UInt8] = []
        for value in stride(from: UInt32(0x20), through: 0x10FFFF, by: 0x3F1) {
            guard let scalar = Unicode.Scalar(value), scalar != "\"", scalar != "\\" else { continue }
            content += Array(String(Character(scalar)).utf8)
        }
        #expect(streamingVerdict(quoted(content), splits: 16) == .valid(.string))
    }
}

extension JSONVerdict {
    /// The error, without its offset.
    var errorKind: JSONSyntaxError? {
        if case .invalid(let error, _) = self { return error }
        return nil
    }
}
