public import JSONValidation

/// A JSON value of a callback configuration: JSONValidation's tree (members in order, numbers as
/// written).
public typealias SmallJSONValue = JSONTree

/// The callback configuration's JSON reader: JSONValidation's one grammar (``JSONTree``) with
/// the nesting limit of short documents (the configuration is at most 5 KB of Base64; the caller
/// limits the input size). Invalid UTF-8 inside strings is rejected, as RFC 8259 §8.1 requires.
public enum SmallJSON {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 32

    /// The value of `bytes`, or a one-line reason with the byte offset.
    public static func parse(_ bytes: [UInt8]) -> Result<SmallJSONValue, ParseFailure> {
        JSONTree.parse(bytes, maxDepth: maxDepth).mapError {
            ParseFailure(offset: Int($0.offset), reason: $0.error.description)
        }
    }

    /// Why the bytes are not one JSON value, and where: `at byte 0: unexpected byte 0x4F ('O')
    /// where a value should start`.
    public struct ParseFailure: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var reason: String
        public var description: String { "at byte \(offset): \(reason)" }
    }
}
