/// RFC 4648 §4 base64: the standard alphabet (`A–Z a–z 0–9 + /`) with `=` padding.
///
/// Decoding is strict: the length is a multiple of 4, `=` only as the last one or two characters
/// of the last quantum, no whitespace and no other characters. Non-zero pad bits (RFC 4648 §3.5:
/// decoders "MAY" reject them) are ignored, as by common decoders.
public enum Base64 {
    /// Why a text is not strict base64. The first defect found in this order is reported: a byte
    /// outside the alphabet (or `=` followed by something else), then the length, then `=` in
    /// the wrong place.
    public enum Failure: Error, Sendable, Hashable {
        case empty
        /// A byte outside the alphabet (not `=`) at `offset`.
        case invalidCharacter(byte: UInt8, offset: Int)
        /// The length is not a multiple of 4.
        case badLength(Int)
        /// `=` at `offset` where only the end of the last quantum may have it.
        case misplacedPadding(offset: Int)
    }

    /// The bytes `text` encodes, or why it is not strict base64.
    public static func decode<C: Collection<UInt8>>(_ text: C) -> Result<[UInt8], Failure> {
        // Callers run this on every callback (authorization, x-oss-pub-key-url): one pass over
        // contiguous bytes, a table lookup per byte, no intermediate arrays.
        if let result = text.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return result }
        return Array(text).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    /// Standard base64 of `bytes`, padded.
    public static func encode<C: Collection<UInt8>>(_ bytes: C) -> String {
        let input = Array(bytes)
        var out: [UInt8] = []
        out.reserveCapacity((input.count + 2) / 3 * 4)
        var i = 0
        while i < input.count {
            let n = min(3, input.count - i)
            let b0 = input[i], b1 = n > 1 ? input[i + 1] : 0, b2 = n > 2 ? input[i + 2] : 0
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(n > 1 ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : equals)
            out.append(n > 2 ? alphabet[Int(b2 & 0x3F)] : equals)
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// One pass over a text that is usually valid: each quantum's sextets are looked up and
    /// written out; at the first byte that is not a sextet where one must be, ``validate(_:table:)``
    /// names the first defect in ``Failure``'s order (a second pass only for invalid texts).
    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], Failure> {
        // One access to the lazily initialised table for the whole text: a `table[…]` per byte
        // would run the global's `swift_once` check and a bounds check each time.
        table.withUnsafeBufferPointer { table in
            guard !input.isEmpty, input.count % 4 == 0 else { return .failure(validate(input, table: table)!) }
            // `=` may only end the text: one or two of them, in the last quantum's last places.
            var padding = 0
            if input[input.count - 1] == equals { padding = input[input.count - 2] == equals ? 2 : 1 }
            let last = input.count - 4
            var out = [UInt8](repeating: 0, count: input.count / 4 * 3 - padding)
            let valid = out.withUnsafeMutableBufferPointer { out in
                var o = 0
                var i = 0
                while i <= last {
                    let usable = i == last ? 4 - padding : 4
                    var n: UInt32 = 0
                    var seen: UInt8 = 0  // any sextet lookup that gave `invalid` sets its high bits
                    for j in 0..<4 {
                        let value = j < usable ? table[Int(input[i &+ j])] : 0
                        seen |= value
                        n = n << 6 | UInt32(value & 0x3F)
                    }
                    if seen & 0xC0 != 0 { return false }
                    out[o] = UInt8(truncatingIfNeeded: n >> 16)
                    if usable > 2 { out[o &+ 1] = UInt8(truncatingIfNeeded: n >> 8) }
                    if usable > 3 { out[o &+ 2] = UInt8(truncatingIfNeeded: n) }
                    o &+= 3
                    i &+= 4
                }
                return true
            }
            guard valid else { return .failure(validate(input, table: table)!) }
            return .success(out)
        }
    }

    /// The first defect of `input`, in ``Failure``'s order; nil when it is strict base64.
    private static func validate(_ input: UnsafeBufferPointer<UInt8>, table: UnsafeBufferPointer<UInt8>) -> Failure? {
        guard !input.isEmpty else { return .empty }
        var padStart: Int?
        for offset in input.indices {
            let byte = input[offset]
            if byte == equals {
                if padStart == nil { padStart = offset }
                continue
            }
            if let padStart { return .misplacedPadding(offset: padStart) }
            if table[Int(byte)] == invalid { return .invalidCharacter(byte: byte, offset: offset) }
        }
        if input.count % 4 != 0 { return .badLength(input.count) }
        if let padStart, input.count - padStart > 2 { return .misplacedPadding(offset: padStart) }
        return nil
    }

    private static let equals = UInt8(ascii: "=")
    private static let invalid: UInt8 = 0xFF
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// Byte → sextet value, ``invalid`` for bytes outside the alphabet (`=` included: padding is
    /// handled apart).
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: invalid, count: 256)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()
}
