import ByteText

/// A JSON value read by ``SmallJSON`` — just enough structure to read a callback configuration.
public indirect enum SmallJSONValue: Sendable, Hashable {
    case object([(key: String, value: SmallJSONValue)])
    case array([SmallJSONValue])
    case string(String)
    /// The number as written (RFC 8259 §6 grammar).
    case number(String)
    case bool(Bool)
    case null

    /// The first member called `key`, for an object.
    public subscript(key: String) -> SmallJSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// `string`, `number`, `boolean`, `object`, `array`, `null`.
    public var typeName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "boolean"
        case .null: "null"
        }
    }

    public static func == (a: SmallJSONValue, b: SmallJSONValue) -> Bool {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let x), .array(let y)): x == y
        case (.string(let x), .string(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        case (.bool(let x), .bool(let y)): x == y
        case (.null, .null): true
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(typeName) }
}

/// A small, strict RFC 8259 parser for short documents (the callback configuration is at most
/// 5 KB of Base64). Bounded: the caller limits the input size; nesting is limited to
/// ``maxDepth``. Invalid UTF-8 inside strings is rejected, as RFC 8259 §8.1 requires.
public enum SmallJSON {
    public static let maxDepth = 32

    /// The value of `bytes`, or a one-line reason with the byte offset.
    public static func parse(_ bytes: [UInt8]) -> Result<SmallJSONValue, ParseFailure> {
        var parser = Parser(bytes: bytes)
        do {
            parser.skipSpace()
            let value = try parser.value(depth: 0)
            parser.skipSpace()
            if parser.i != bytes.count {
                throw ParseFailure(offset: parser.i, reason: "unexpected data after the value")
            }
            return .success(value)
        } catch let failure as ParseFailure {
            return .failure(failure)
        } catch {
            return .failure(ParseFailure(offset: parser.i, reason: "\(error)"))
        }
    }

    public struct ParseFailure: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "at byte \(offset): \(reason)" }
    }

    struct Parser {
        let bytes: [UInt8]
        var i = 0

        mutating func skipSpace() {
            while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D {
                i += 1
            }
        }

        func fail(_ reason: String) -> ParseFailure { ParseFailure(offset: i, reason: reason) }

        mutating func value(depth: Int) throws(ParseFailure) -> SmallJSONValue {
            guard depth < SmallJSON.maxDepth else { throw fail("nested deeper than \(SmallJSON.maxDepth)") }
            guard i < bytes.count else { throw fail("the text ends where a value should start") }
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                var members: [(key: String, value: SmallJSONValue)] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                    i += 1
                    return .object(members)
                }
                while true {
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw fail("expected a member name") }
                    let key = try string()
                    skipSpace()
                    guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    members.append((key, try value(depth: depth + 1)))
                    skipSpace()
                    guard i < bytes.count else { throw fail("the object is not closed") }
                    if bytes[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    guard bytes[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}'") }
                    i += 1
                    return .object(members)
                }
            case UInt8(ascii: "["):
                i += 1
                var items: [SmallJSONValue] = []
                skipSpace()
                if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                    i += 1
                    return .array(items)
                }
                while true {
                    skipSpace()
                    items.append(try value(depth: depth + 1))
                    skipSpace()
                    guard i < bytes.count else { throw fail("the array is not closed") }
                    if bytes[i] == UInt8(ascii: ",") {
                        i += 1
                        continue
                    }
                    guard bytes[i] == UInt8(ascii: "]") else { throw fail("expected ',' or ']'") }
                    i += 1
                    return .array(items)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"):
                try literal("true")
                return .bool(true)
            case UInt8(ascii: "f"):
                try literal("false")
                return .bool(false)
            case UInt8(ascii: "n"):
                try literal("null")
                return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try number())
            default:
                throw fail(
                    "unexpected byte 0x\(String(bytes[i], radix: 16, uppercase: true)) where a value should start")
            }
        }

        mutating func literal(_ word: String) throws(ParseFailure) {
            let w = Array(word.utf8)
            guard bytes.count - i >= w.count, bytes[i..<(i + w.count)].elementsEqual(w) else {
                throw fail("invalid literal")
            }
            i += w.count
        }

        mutating func number() throws(ParseFailure) -> String {
            let start = i
            func digits() -> Int {
                let s = i
                while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
                return i - s
            }
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard i < bytes.count else { throw fail("a number ends after '-'") }
            if bytes[i] == UInt8(ascii: "0") {
                i += 1
            } else if digits() == 0 {
                throw fail("expected a digit")
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard digits() > 0 else { throw fail("expected a digit after '.'") }
            }
            if i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard digits() > 0 else { throw fail("expected a digit in the exponent") }
            }
            return String(decoding: bytes[start..<i], as: UTF8.self)
        }

        /// A string starting at the opening quote; escapes decoded, surrogate pairs joined.
        mutating func string() throws(ParseFailure) -> String {
            i += 1
            var out: [UInt8] = []
            while true {
                guard i < bytes.count else { throw fail("the string is not closed") }
                let c = bytes[i]
                if c == UInt8(ascii: "\"") {
                    i += 1
                    break
                }
                if c < 0x20 { throw fail("control character 0x\(String(c, radix: 16, uppercase: true)) in a string") }
                if c != UInt8(ascii: "\\") {
                    out.append(c)
                    i += 1
                    continue
                }
                i += 1
                guard i < bytes.count else { throw fail("the string is not closed") }
                let e = bytes[i]
                i += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try hex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard bytes.count - i >= 6, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u")
                        else {
                            throw fail("lone high surrogate")
                        }
                        i += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw fail("invalid low surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw fail("lone low surrogate")
                    }
                    out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                default: throw fail("invalid escape")
                }
            }
            guard let text = String(validating: out, as: UTF8.self) else { throw fail("a string is not valid UTF-8") }
            return text
        }

        mutating func hex4() throws(ParseFailure) -> UInt32 {
            guard bytes.count - i >= 4 else { throw fail("short \\u escape") }
            var v: UInt32 = 0
            for _ in 0..<4 {
                guard let d = Hex.value(of: bytes[i]) else { throw fail("invalid \\u escape") }
                v = v << 4 | UInt32(d)
                i += 1
            }
            return v
        }
    }
}
