import ByteText

// Result and error types of the streaming JSON validator.
//
// Everything here is plain value types without Foundation, so the verdict can travel through
// the pipeline (HTTP exchanges → diagnosis → report) and be compared in tests.

/// The kind of the top-level value of a valid JSON text.
public enum JSONValueKind: String, Sendable, Hashable, CaseIterable {
    case object, array, string, number
    /// `true`, `false` or `null`.
    case literal
}

/// What the validator was looking for when it met an unexpected byte.
///
/// Carried by ``JSONSyntaxError/unexpectedByte(_:expecting:)`` so that the error's description can
/// say *where* the byte was wrong ("… where a value should start").
public enum JSONExpectation: String, Sendable, Hashable, CaseIterable {
    /// The start of a value: the top-level value, or a member value after `:`.
    case value
    /// An array element after `,` (a `]` here is a trailing comma).
    case arrayElement
    /// The first array element or `]`, right after `[`.
    case arrayElementOrEnd
    /// `,` or `]` after an array element.
    case commaOrArrayEnd
    /// A member name after `,` in an object (a `}` here is a trailing comma).
    case memberName
    /// The first member name or `}`, right after `{`.
    case memberNameOrEnd
    /// `:` after a member name.
    case colon
    /// `,` or `}` after an object member.
    case commaOrObjectEnd
}

/// Why a byte sequence is not a JSON text under RFC 8259.
///
/// Offsets live in ``JSONVerdict/invalid(_:offset:)``; the error says what is wrong.
public enum JSONSyntaxError: Sendable, Hashable, CustomStringConvertible {
    /// No value at all: the input is empty or only whitespace.
    case empty
    /// A byte that cannot appear here outside a string (structural mistakes, bare words, `'`,
    /// comments, trailing commas, a UTF-8 byte order mark, any non-ASCII byte outside a string).
    /// `expecting` says what would have been accepted at that point.
    case unexpectedByte(UInt8, expecting: JSONExpectation = .value)
    /// The input ended before the value was complete (open string, container, number or literal).
    case unexpectedEnd
    /// A string contains bytes that are not well-formed UTF-8: a stray continuation byte, a lead
    /// byte C0, C1 or F5–FF, an overlong form, an encoded surrogate (ED A0–BF), a code point above
    /// U+10FFFF, or a sequence cut short by another byte.
    case invalidUTF8
    /// A string contains an unescaped control character U+0000–U+001F (a raw tab or newline, say).
    case controlCharacterInString
    /// A backslash followed by something other than `" \ / b f n r t u`.
    case invalidEscape
    /// A `\u` escape without four hex digits, or a UTF-16 surrogate escape that is not part of a
    /// high-low pair (`"\uD800"`, `"\uDC00"`, `"\uD800\u0041"`). See ``JSONValidator`` for why
    /// lone surrogates are rejected.
    case invalidUnicodeEscape
    /// A malformed number: a leading zero (`01`), `-` without a digit, `.` or an exponent without
    /// digits, or letters and signs glued to a number (`0x1F`, `1.5.3`, `-Infinity`).
    case invalidNumber
    /// A bare word that starts like `true`, `false` or `null` but is not one of them (`tru e`,
    /// `nul1`, `trueish`).
    case invalidLiteral
    /// More after a complete top-level value (`{} x`, `{}{}`, `1 2`).
    case trailingContent
    /// Arrays and objects nested deeper than the validator's limit.
    case nestingTooDeep(limit: Int)

    public var description: String {
        switch self {
        case .empty:
            return "no JSON value: the input is empty or only whitespace"
        case .unexpectedByte(let byte, let expecting):
            return "unexpected byte \(Self.show(byte)) \(expecting.phrase)\(Self.hint(byte, expecting))"
        case .unexpectedEnd:
            return "unexpected end of input: the JSON value is incomplete"
        case .invalidUTF8:
            return "invalid UTF-8 in a string"
        case .controlCharacterInString:
            return "unescaped control character (U+0000–U+001F) in a string"
        case .invalidEscape:
            return #"invalid escape in a string (only \" \\ \/ \b \f \n \r \t \uXXXX are allowed)"#
        case .invalidUnicodeEscape:
            return #"invalid \u escape (needs 4 hex digits; UTF-16 surrogates must come as a high-low pair)"#
        case .invalidNumber:
            return "invalid number"
        case .invalidLiteral:
            return "invalid literal (only true, false and null are allowed)"
        case .trailingContent:
            return "unexpected content after the JSON value"
        case .nestingTooDeep(let limit):
            return "arrays and objects nested deeper than \(limit) levels"
        }
    }

    /// `0x4F ('O')` for printable ASCII, `0x0A` otherwise.
    static func show(_ byte: UInt8) -> String {
        let hex = "0x" + Hex.encode(CollectionOfOne(byte), uppercase: true)
        if byte > 0x20 && byte < 0x7F {
            return hex + " ('" + String(Character(Unicode.Scalar(byte))) + "')"
        }
        return hex
    }

    /// A short reason for the most common mistakes, or nothing.
    private static func hint(_ byte: UInt8, _ expecting: JSONExpectation) -> String {
        switch (byte, expecting) {
        case (UInt8(ascii: "]"), .arrayElement), (UInt8(ascii: "}"), .memberName):
            return " (trailing commas are not allowed)"
        case (UInt8(ascii: "'"), _):
            return " (strings need double quotes)"
        case (UInt8(ascii: "/"), _), (UInt8(ascii: "#"), _):
            return " (comments are not allowed)"
        default:
            return ""
        }
    }
}

extension JSONExpectation {
    /// The tail of an unexpected-byte description ("where a value should start").
    public var phrase: String {
        switch self {
        case .value: return "where a value should start"
        case .arrayElement: return "where an array element should follow ','"
        case .arrayElementOrEnd: return "where an array element or ']' should be"
        case .commaOrArrayEnd: return "where ',' or ']' should follow an array element"
        case .memberName: return "where a member name (a string) should follow ','"
        case .memberNameOrEnd: return "where a member name (a string) or '}' should be"
        case .colon: return "where ':' should follow a member name"
        case .commaOrObjectEnd: return "where ',' or '}' should follow an object member"
        }
    }
}

/// The outcome of validating one byte sequence.
public enum JSONVerdict: Sendable, Hashable, CustomStringConvertible {
    /// A JSON text whose top-level value has this kind.
    case valid(JSONValueKind)
    /// Not a JSON text. `offset` is the 0-based byte offset of the offending byte: the input up to
    /// it is still the start of some valid JSON text, the input through it is not. For
    /// ``JSONSyntaxError/unexpectedEnd`` and ``JSONSyntaxError/empty`` it is the input's length.
    case invalid(JSONSyntaxError, offset: Int64)

    public var isValid: Bool {
        if case .valid = self { return true }
        return false
    }

    public var description: String {
        switch self {
        case .valid(let kind): return "valid JSON (\(kind.rawValue))"
        case .invalid(let error, let offset): return "invalid JSON at byte \(offset): \(error)"
        }
    }
}
