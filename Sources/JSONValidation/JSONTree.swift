import ByteText

/// A JSON value as ``JSONTree/parse(_:maxDepth:)`` reads it: the one tree parser of the package,
/// behind the callback configuration (UploadCallbacks' `SmallJSON`) and the reports that
/// `callback-doctor merge` reads back (ReportModel's `JSONValue.parse`).
///
/// Object members keep their document order, duplicates included (``subscript(_:)`` finds the
/// first); numbers keep their text as written (RFC 8259 §6 grammar), so converting them — and
/// deciding what an out-of-range number means — is the caller's choice.
public indirect enum JSONTree: Sendable, Hashable {
    case object([(key: String, value: JSONTree)])
    case array([JSONTree])
    case string(String)
    /// The number's text as written, for example `-0`, `1.50`, `2E+10`.
    case number(String)
    case bool(Bool)
    case null

    /// The first member called `key`, for an object; nil otherwise.
    public subscript(key: String) -> JSONTree? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// `object`, `array`, `string`, `number`, `boolean` or `null`.
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

    /// Equal when of the same type with equal contents: members in the same order, numbers
    /// spelled the same (`1.0` and `1` differ).
    public static func == (a: JSONTree, b: JSONTree) -> Bool {
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

    public func hash(into hasher: inout Hasher) {
        hasher.combine(typeName)
        switch self {
        case .object(let members):
            hasher.combine(members.count)
            for member in members {
                hasher.combine(member.key)
                hasher.combine(member.value)
            }
        case .array(let items): hasher.combine(items)
        case .string(let text), .number(let text): hasher.combine(text)
        case .bool(let value): hasher.combine(value)
        case .null: break
        }
    }
}

/// Why a byte sequence is not one JSON value: the validator's error, and the byte offset where
/// it stands (see ``JSONVerdict/invalid(_:offset:)``).
public struct JSONTreeError: Error, Sendable, Hashable, CustomStringConvertible {
    public let error: JSONSyntaxError
    public let offset: Int64

    /// `at byte 12: invalid escape in a string (…)`.
    public var description: String { "at byte \(offset): \(error)" }
}

extension JSONTree {
    /// Parses one JSON text into a tree.
    ///
    /// The grammar is ``JSONValidator``'s and nothing else: the bytes are validated first, with
    /// `maxDepth` as the nesting limit, so this parser accepts exactly the texts the validator
    /// accepts and fails with the validator's error at the validator's offset (a UTF-8 byte order
    /// mark, for one, is `unexpectedByte(0xEF)` at 0). Only a valid text is then decoded (strings
    /// unescaped, RFC 8259 §7; surrogate pairs joined), without a second set of grammar rules.
    ///
    /// Cost: two linear passes. The tree is built with an explicit stack, without recursion;
    /// comparing and freeing a tree recurse level by level, as for any nested Swift value, so
    /// `maxDepth` should stay what the caller's documents need (the callers use 32 and 512).
    public static func parse(_ bytes: [UInt8], maxDepth: Int) -> Result<JSONTree, JSONTreeError> {
        var validator = JSONValidator(maxDepth: maxDepth)
        validator.feed(bytes)
        switch validator.finish() {
        case .invalid(let error, let offset):
            return .failure(JSONTreeError(error: error, offset: offset))
        case .valid:
            var builder = ValidTextDecoder(bytes: bytes)
            return .success(builder.tree())
        }
    }
}

/// Decodes a text ``JSONValidator`` has accepted into a ``JSONTree``.
///
/// It decides nothing about the grammar: it relies on the text being valid (a value starts with
/// `{ [ " t f n - 0-9`; after a value inside a container comes `,` or the closing bracket; a
/// string's escapes are complete, its surrogate escapes paired) and only finds where each token
/// ends, with the validator's own byte classes.
private struct ValidTextDecoder {
    let bytes: [UInt8]
    var i = 0
    let classes = JSONValidator.ByteClasses.shared

    /// A container being read: its items so far, and for an object the name of the member whose
    /// value is being read.
    private enum Open {
        case array([JSONTree])
        case object([(key: String, value: JSONTree)], name: String)
    }

    /// The whole text's value.
    mutating func tree() -> JSONTree {
        var open: [Open] = []
        while true {
            skipWhitespace()
            var value: JSONTree
            switch bytes[i] {
            case UInt8(ascii: "{"):
                i += 1
                skipWhitespace()
                guard bytes[i] == UInt8(ascii: "}") else {
                    open.append(.object([], name: memberName()))
                    continue
                }
                i += 1
                value = .object([])
            case UInt8(ascii: "["):
                i += 1
                skipWhitespace()
                guard bytes[i] == UInt8(ascii: "]") else {
                    open.append(.array([]))
                    continue
                }
                i += 1
                value = .array([])
            default:
                value = scalar()
            }
            // Hand the value to its container; close every container that ends here.
            while let container = open.popLast() {
                skipWhitespace()
                let another = bytes[i] == UInt8(ascii: ",")
                i += 1  // the `,` or the closing bracket
                switch container {
                case .array(var items):
                    items.append(value)
                    if another { open.append(.array(items)) } else { value = .array(items) }
                case .object(var members, let name):
                    members.append((name, value))
                    if another { open.append(.object(members, name: memberName())) } else { value = .object(members) }
                }
                if another { break }
            }
            if open.isEmpty { return value }
        }
    }

    /// A member's name and the `:` after it (whitespace around both skipped).
    private mutating func memberName() -> String {
        skipWhitespace()
        let name = string()
        skipWhitespace()
        i += 1  // `:`
        return name
    }

    /// A string, number or literal.
    private mutating func scalar() -> JSONTree {
        switch bytes[i] {
        case UInt8(ascii: "\""):
            return .string(string())
        case UInt8(ascii: "t"):
            i += 4
            return .bool(true)
        case UInt8(ascii: "f"):
            i += 5
            return .bool(false)
        case UInt8(ascii: "n"):
            i += 4
            return .null
        default:
            // A number ends at the first byte that could not be glued to it (RFC 8259 §6).
            let start = i
            while i < bytes.count && classes.isGluedToNumber(bytes[i]) { i += 1 }
            return .number(String(decoding: bytes[start..<i], as: UTF8.self))
        }
    }

    /// The string whose opening quote is at `i`, unescaped; `i` ends after its closing quote.
    private mutating func string() -> String {
        i += 1
        let start = i
        while bytes[i] != UInt8(ascii: "\"") && bytes[i] != UInt8(ascii: "\\") { i += 1 }
        var text = Array(bytes[start..<i])
        while bytes[i] != UInt8(ascii: "\"") {
            if bytes[i] == UInt8(ascii: "\\") {
                unescape(into: &text)
            } else {
                text.append(bytes[i])
                i += 1
            }
        }
        i += 1
        // Valid UTF-8: the validator checked the raw bytes (RFC 3629), and escapes encode scalars.
        return String(decoding: text, as: UTF8.self)
    }

    /// The escape at `i` (RFC 8259 §7), appended as UTF-8; a high surrogate escape and the low
    /// one that follows it become one scalar.
    private mutating func unescape(into text: inout [UInt8]) {
        let letter = bytes[i + 1]
        i += 2
        switch letter {
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = codeUnit()
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                i += 2  // `\u` of the low surrogate
                scalar = 0x10000 + (scalar - 0xD800) << 10 + (codeUnit() - 0xDC00)
            }
            // Never the replacement: the validator lets no lone surrogate through.
            UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { text.append($0) }
        default:
            text.append(letter)  // `"`, `\` or `/`
        }
    }

    /// The four hex digits at `i`, as a UTF-16 code unit.
    private mutating func codeUnit() -> UInt32 {
        var unit: UInt32 = 0
        for _ in 0..<4 {
            unit = unit << 4 | UInt32(Hex.value(of: bytes[i]) ?? 0)
            i += 1
        }
        return unit
    }

    private mutating func skipWhitespace() {
        while i < bytes.count && classes.isWhitespace(bytes[i]) { i += 1 }
    }
}
