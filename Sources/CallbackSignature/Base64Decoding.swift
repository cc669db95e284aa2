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
        let input = Array(text)
        guard !input.isEmpty else { return .failure(.empty) }
        guard input.count % 4 == 0 else { return .failure(.length(input.count)) }
        var out: [UInt8] = []
        out.reserveCapacity(input.count / 4 * 3)
        var i = 0
        while i < input.count {
            let isLast = i + 4 == input.count
            var values: [UInt32] = []
            var padding = 0
            for j in i..<(i + 4) {
                let byte = input[j]
                if byte == UInt8(ascii: "=") && isLast && j >= i + 2 {
                    padding += 1
                    continue
                }
                // Data after padding inside the last group (`ab=c`) is malformed.
                guard padding == 0, let value = sextet(byte) else { return .failure(.character(offset: j, byte: byte)) }
                values.append(value)
            }
            while values.count < 4 { values.append(0) }
            let n = values[0] << 18 | values[1] << 12 | values[2] << 6 | values[3]
            out.append(UInt8(truncatingIfNeeded: n >> 16))
            if padding < 2 { out.append(UInt8(truncatingIfNeeded: n >> 8)) }
            if padding < 1 { out.append(UInt8(truncatingIfNeeded: n)) }
            i += 4
        }
        return .success(out)
    }

    private static func sextet(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(byte - UInt8(ascii: "A"))
        case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(byte - UInt8(ascii: "a")) + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0")) + 52
        case UInt8(ascii: "+"): 62
        case UInt8(ascii: "/"): 63
        default: nil
        }
    }

    static func describe(_ problem: Problem) -> String {
        switch problem {
        case .empty: "it is empty"
        case .length(let n): "its length (\(n)) is not a multiple of 4"
        case .character(let offset, let byte):
            "byte \(offset) (0x\(String(byte, radix: 16, uppercase: true))) is not in the base64 alphabet"
        }
    }
}
