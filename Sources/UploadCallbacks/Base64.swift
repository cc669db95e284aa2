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

    /// Decodes `text` (at most `limit` bytes are looked at; a longer text fails with `.tooLong`).
    public static func decode<C: Collection<UInt8>>(_ text: C, limit: Int) -> Result<[UInt8], Failure> {
        let count = text.count
        if count == 0 { return .failure(.empty) }
        if count > limit { return .failure(.tooLong(length: count, limit: limit)) }
        let input = Array(text)
        // Characters first (a stray byte is the more useful message), then length and padding.
        var padStart: Int?
        for (offset, byte) in input.enumerated() {
            if byte == UInt8(ascii: "=") {
                if padStart == nil { padStart = offset }
                continue
            }
            if let pad = padStart { return .failure(.misplacedPadding(offset: pad)) }
            if value(of: byte) == nil {
                if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") { return .failure(.urlSafeAlphabet(offset: offset)) }
                return .failure(.invalidCharacter(byte: byte, offset: offset))
            }
        }
        if count % 4 != 0 { return .failure(.badLength(count)) }
        if let pad = padStart, count - pad > 2 { return .failure(.misplacedPadding(offset: pad)) }
        var out: [UInt8] = []
        out.reserveCapacity(count / 4 * 3)
        var i = 0
        while i < count {
            let a = value(of: input[i])!, b = value(of: input[i + 1])!
            out.append(a << 2 | b >> 4)
            if let c = value(of: input[i + 2]) {
                out.append((b & 0x0F) << 4 | c >> 2)
                if let d = value(of: input[i + 3]) { out.append((c & 0x03) << 6 | d) }
            }
            i += 4
        }
        return .success(out)
    }

    /// Standard Base64 of `bytes`, padded (for tests and fixtures).
    public static func encode(_ bytes: [UInt8]) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            let b0 = bytes[i], b1 = n > 1 ? bytes[i + 1] : 0, b2 = n > 2 ? bytes[i + 2] : 0
            out.append(table[Int(b0 >> 2)])
            out.append(table[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(n > 1 ? table[Int((b1 & 0x0F) << 2 | b2 >> 6)] : UInt8(ascii: "="))
            out.append(n > 2 ? table[Int(b2 & 0x3F)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }
}
