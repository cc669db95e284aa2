/// RFC 4648 §4 base64 (the standard alphabet, `=` padding), decoded strictly enough for a
/// verdict: the length is a multiple of 4, padding only at the end, no whitespace and no other
/// characters. Unused low bits of the last group are ignored, as by common decoders.
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
        // Every callback runs this twice (authorization, x-oss-pub-key-url): one pass over
        // contiguous bytes, a table lookup per byte, no intermediate arrays.
        if let result = text.withContiguousStorageIfAvailable({ decode(buffer: $0) }) { return result }
        return Array(text).withUnsafeBufferPointer { decode(buffer: $0) }
    }

    private static func decode(buffer input: UnsafeBufferPointer<UInt8>) -> Result<[UInt8], Problem> {
        guard !input.isEmpty else { return .failure(.empty) }
        guard input.count % 4 == 0 else { return .failure(.length(input.count)) }
        let equals = UInt8(ascii: "=")
        // `=` may only end the input: one or two of them, in the last group's last places.
        var padding = 0
        if input[input.count - 1] == equals { padding = input[input.count - 2] == equals ? 2 : 1 }
        // Every group but the last is four sextets → three bytes; the last may be padded.
        let last = input.count - 4
        return table.withUnsafeBufferPointer { table in
            var out = [UInt8](repeating: 0, count: input.count / 4 * 3 - padding)
            let failure: Problem? = out.withUnsafeMutableBufferPointer { out in
                var o = 0
                var i = 0
                while i <= last {
                    let usable = i == last ? 4 - padding : 4
                    var n: UInt32 = 0
                    for j in 0..<4 {
                        var value: UInt8 = 0
                        if j < usable {
                            value = table[Int(input[i &+ j])]
                            if value == invalid { return .character(offset: i &+ j, byte: input[i &+ j]) }
                        }
                        n = n << 6 | UInt32(value)
                    }
                    out[o] = UInt8(truncatingIfNeeded: n >> 16)
                    if usable > 2 { out[o &+ 1] = UInt8(truncatingIfNeeded: n >> 8) }
                    if usable > 3 { out[o &+ 2] = UInt8(truncatingIfNeeded: n) }
                    o &+= 3
                    i &+= 4
                }
                return nil
            }
            if let failure { return .failure(failure) }
            return .success(out)
        }
    }

    private static let invalid: UInt8 = 0xFF

    /// Byte → sextet value, ``invalid`` for bytes outside the alphabet (`=` included: padding is
    /// handled apart).
    private static let table: [UInt8] = {
        var t = [UInt8](repeating: invalid, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    static func describe(_ problem: Problem) -> String {
        switch problem {
        case .empty: "it is empty"
        case .length(let n): "its length (\(n)) is not a multiple of 4"
        case .character(let offset, let byte):
            "byte \(offset) (0x\(byte < 0x10 ? "0" : "")\(String(byte, radix: 16, uppercase: true))) is not in the base64 alphabet"
        }
    }
}
