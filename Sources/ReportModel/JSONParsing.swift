import JSONValidation

/// A JSON text that is not one ``JSONValue``: what is wrong, and the byte offset where.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let offset: Int
    public var description: String { "\(message) at byte \(offset)" }
}

extension JSONValue {
    /// The deepest nesting of arrays and objects ``parse(_:)`` accepts.
    public static let maxParseDepth = 512

    /// Parses one RFC 8259 JSON text (surrounding whitespace allowed) into a value, for reading a
    /// report back (`callback-doctor merge`), by JSONValidation's one grammar (``JSONTree``): the
    /// error is the validator's, at its offset. Object members keep their order; a number without
    /// fraction or exponent that fits in 64 bits is `.int`, any other number `.double` (what
    /// ``serialized(indent:newline:)`` writes comes back equal).
    public static func parse(_ bytes: [UInt8]) throws(JSONParseError) -> JSONValue {
        switch JSONTree.parse(bytes, maxDepth: maxParseDepth) {
        case .success(let tree): return JSONValue(tree)
        case .failure(let failure): throw JSONParseError(message: "\(failure.error)", offset: Int(failure.offset))
        }
    }

    /// The value of a parsed tree, numbers converted as ``parse(_:)`` says.
    init(_ tree: JSONTree) {
        switch tree {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .string(let text): self = .string(text)
        case .number(let text): self = Self.number(text)
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .object(let members): self = .object(members.map { ($0.key, JSONValue($0.value)) })
        }
    }

    /// `.int` for an integer (no `.`, `e` or `E`) within Int64, else `.double`. `Double(_:)` reads
    /// every RFC 8259 number (past its range it gives ±infinity or ±0), so `.nan` is not reached.
    private static func number(_ text: String) -> JSONValue {
        let integral = !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }
        if integral, let int = Int64(text) { return .int(int) }
        return .double(Double(text) ?? .nan)
    }
}
