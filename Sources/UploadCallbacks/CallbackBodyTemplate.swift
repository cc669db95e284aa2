import ByteText
public import JSONValidation

/// A `callbackBody` template checked against `callbackBodyType: application/json`: can OSS's
/// substitution of its `${…}` variables turn it into a JSON text?
///
/// What OSS puts in place of a variable (facts §2.4: "for the JSON type, JSON-escaped"; OSS's
/// troubleshooting page "The callback configuration is not json format", and its pages
/// 0007-00000011 and 0007-00000012): with `application/json` "variables are replaced based on the
/// JSON format", and every OSS example writes them bare, `{"mimeType":${mimeType},"size":${size}}`.
/// So OSS puts a complete JSON value there (a string, quotes included), and quoting is not the
/// uploader's job. Whether `${size}` becomes a number or a string is not documented; a string
/// stands wherever a number can, so the check substitutes strings. Many uploaders nevertheless
/// write `"${object}"`, and what OSS makes of a variable inside quotes is not documented either.
///
/// So the check is lenient, to claim only what holds for every reading: a `${name}` outside a JSON
/// string becomes the JSON string `"v"`, one inside a string literal becomes the plain text `v`.
/// A template that is still not JSON has its structure wrong (a missing brace, a stray comma, a
/// bare word): no value of its variables, however OSS writes them, gives the callback server a
/// JSON body. ``firstError(_:)`` then names the template's byte where the JSON breaks.
public enum CallbackBodyTemplate {
    /// Where and why a template cannot become JSON.
    public struct JSONError: Sendable, Hashable, CustomStringConvertible {
        /// 0-based byte offset in the template's UTF-8 (the template's length when it ends too early).
        public var offset: Int
        /// What stands there: `'}'`, `0x0A`, `the variable ${size}`, or nil at the end of the template.
        public var found: String?
        /// The JSON validator's error (RFC 8259 grammar) at that byte.
        public var error: JSONSyntaxError

        /// `byte 35 (',') is unexpected where a member name (a string) should follow ','`, or
        /// `the template ends at byte 35 before the JSON value is complete`.
        public var description: String {
            guard let found else { return "the template ends at byte \(offset) before the JSON value is complete" }
            switch error {
            case .unexpectedByte(_, let expecting): return "byte \(offset) (\(found)) is unexpected \(expecting.phrase)"
            case .trailingContent: return "byte \(offset) (\(found)) follows the complete JSON value"
            default: return "byte \(offset) (\(found)): \(error)"
            }
        }
    }

    /// Nil when the template can become JSON; otherwise the first byte where it cannot.
    public static func firstError(_ template: String) -> JSONError? {
        let bytes = Array(template.utf8)
        let substituted = substitute(bytes)
        guard case .invalid(let error, let at) = JSONValidator.validate(substituted.bytes) else { return nil }
        guard Int(at) < substituted.origin.count else {
            return JSONError(offset: bytes.count, found: nil, error: error)
        }
        let origin = substituted.origin[Int(at)]
        let found = substituted.variables[origin].map { "the variable \($0)" } ?? show(bytes[origin])
        return JSONError(offset: origin, found: found, error: error)
    }

    /// The offset of the `}` that closes the variable whose `$` is at `start`, or nil when no
    /// variable starts there. A name is one or more bytes other than space, control characters,
    /// `"`, `\`, `$`, `{` and `}` (OSS's names: `object`, `imageInfo.height`, `x:my_var`).
    static func variableEnd(_ template: [UInt8], at start: Int) -> Int? {
        guard start + 2 < template.count, template[start + 1] == UInt8(ascii: "{") else { return nil }
        var end = start + 2
        while end < template.count, isNameByte(template[end]) { end += 1 }
        guard end > start + 2, end < template.count, template[end] == UInt8(ascii: "}") else { return nil }
        return end
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        byte > 0x20 && byte != 0x7F && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\")
            && byte != UInt8(ascii: "$")
            && byte != UInt8(ascii: "{") && byte != UInt8(ascii: "}")
    }

    /// The template with every `${name}` replaced as described above, with, for each output byte,
    /// the template offset it came from (a variable's bytes all map to its `$`), and the variables
    /// by the offset of their `$`. A `${` that does not start a variable is kept as text.
    static func substitute(_ template: [UInt8]) -> (bytes: [UInt8], origin: [Int], variables: [Int: String]) {
        var bytes: [UInt8] = []
        var origin: [Int] = []
        var variables: [Int: String] = [:]
        bytes.reserveCapacity(template.count)
        origin.reserveCapacity(template.count)
        var inString = false
        var escaped = false
        var i = 0
        while i < template.count {
            let byte = template[i]
            if byte == UInt8(ascii: "$"), let close = variableEnd(template, at: i) {
                variables[i] = String(decoding: template[i...close], as: UTF8.self)
                let value: [UInt8] = inString ? [UInt8(ascii: "v")] : Array(#""v""#.utf8)
                bytes += value
                origin += Array(repeating: i, count: value.count)
                escaped = false
                i = close + 1
                continue
            }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
            bytes.append(byte)
            origin.append(i)
            i += 1
        }
        return (bytes, origin, variables)
    }

    /// `'}'` for printable ASCII, `0x0A` otherwise.
    static func show(_ byte: UInt8) -> String {
        if byte > 0x20 && byte < 0x7F { return "'" + String(Character(Unicode.Scalar(byte))) + "'" }
        return "0x" + Hex.encode(CollectionOfOne(byte), uppercase: true)
    }
}
