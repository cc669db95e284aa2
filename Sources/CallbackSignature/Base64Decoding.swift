import ByteText

/// Base64 values of a signed callback (`authorization`, `x-oss-pub-key-url`) read with ByteText's
/// strict RFC 4648 §4 decoder, and why a value is not base64 in the words a verdict uses. An
/// empty value and a wrong length are reported before a byte outside the alphabet.
enum Base64Decoding {
    /// Why a value is not base64.
    enum Problem: Error, Hashable {
        case empty
        /// The length is not a multiple of 4.
        case length(Int)
        /// A byte outside the alphabet at this offset (or `=` before the end).
        case character(offset: Int, byte: UInt8)
    }

    static func decode<C: Collection<UInt8>>(_ text: C) -> Result<[UInt8], Problem> {
        guard !text.isEmpty else { return .failure(.empty) }
        guard text.count % 4 == 0 else { return .failure(.length(text.count)) }
        return Base64.decode(text).mapError { failure in
            switch failure {
            case .empty: .empty
            case .badLength(let n): .length(n)
            case .invalidCharacter(let byte, let offset): .character(offset: offset, byte: byte)
            case .misplacedPadding(let offset): .character(offset: offset, byte: UInt8(ascii: "="))
            }
        }
    }

    static func describe(_ problem: Problem) -> String {
        switch problem {
        case .empty: "it is empty"
        case .length(let n): "its length (\(n)) is not a multiple of 4"
        case .character(let offset, let byte):
            "byte \(offset) (0x\(Hex.encode(CollectionOfOne(byte), uppercase: true))) is not in the base64 alphabet"
        }
    }
}
