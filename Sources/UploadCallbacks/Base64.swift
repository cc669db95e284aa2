import ByteText

/// Strict Base64 decoding with the standard alphabet (RFC 4648 §4), as OSS expects for the
/// `callback` and `callback-var` parameters (facts §7.1).
///
/// Strict means: only `A–Z a–z 0–9 + /`, the length a multiple of 4, `=` padding only as the last
/// one or two characters of the last quantum, and no whitespace. The URL-safe alphabet (RFC 4648
/// §5, `-` and `_`) is recognised only to say so in the error. Non-zero pad bits (RFC 4648 §3.5)
/// are tolerated — decoders "MAY" reject them, and OSS's behaviour is not documented.
public enum StrictBase64 {
    /// Why a text is not strict standard Base64.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        case empty
        /// Longer than the caller's bound; nothing was decoded.
        case tooLong(length: Int, limit: Int)
        /// A byte outside the alphabet, at `offset`.
        case invalidCharacter(byte: UInt8, offset: Int)
        /// `-` or `_` at `offset`: the URL-safe alphabet.
        case urlSafeAlphabet(offset: Int)
        /// The length is not a multiple of 4 (padding missing or extra characters).
        case badLength(Int)
        /// `=` somewhere other than the end of the last quantum.
        case misplacedPadding(offset: Int)

        public var description: String {
            switch self {
            case .empty: "the value is empty"
            case .tooLong(let length, let limit): "\(length) characters, over the \(limit)-character bound"
            case .invalidCharacter(let byte, let offset):
                "byte 0x\(String(byte, radix: 16, uppercase: true)) at offset \(offset) is not in the Base64 alphabet"
            case .urlSafeAlphabet(let offset):
                "'-' or '_' at offset \(offset): the URL-safe alphabet, but OSS expects the standard one (+ and /)"
            case .badLength(let n): "length \(n) is not a multiple of 4 (missing '=' padding?)"
            case .misplacedPadding(let offset): "'=' at offset \(offset) before the end"
            }
        }
    }

    /// Decodes `text` (at most `limit` bytes are looked at; a longer text fails with `.tooLong`),
    /// with ByteText's strict decoder.
    public static func decode<C: Collection<UInt8>>(_ text: C, limit: Int) -> Result<[UInt8], Failure> {
        let count = text.count
        if count == 0 { return .failure(.empty) }
        if count > limit { return .failure(.tooLong(length: count, limit: limit)) }
        return Base64.decode(text).mapError { failure in
            switch failure {
            case .empty: .empty
            case .invalidCharacter(let byte, let offset) where byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_"):
                .urlSafeAlphabet(offset: offset)
            case .invalidCharacter(let byte, let offset): .invalidCharacter(byte: byte, offset: offset)
            case .badLength(let n): .badLength(n)
            case .misplacedPadding(let offset): .misplacedPadding(offset: offset)
            }
        }
    }

    /// Standard Base64 of `bytes`, padded (for tests and fixtures).
    public static func encode(_ bytes: [UInt8]) -> String { Base64.encode(bytes) }
}
