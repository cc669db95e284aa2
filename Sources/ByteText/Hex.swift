/// Base 16 (RFC 4648 §8) as this tool writes and reads it: lower-case digits out, either case in.
public enum Hex {
    /// The value of one hex digit (`0–9 a–f A–F`); nil for any other byte.
    @inlinable
    public static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    /// Two digits per byte (lower-case unless `uppercase`), `separator` between bytes:
    /// `encode([0xEF, 0xBB], separator: " ")` is `"ef bb"`.
    public static func encode<C: Collection<UInt8>>(_ bytes: C, separator: String = "", uppercase: Bool = false)
        -> String
    {
        let digits = uppercase ? upperDigits : digits
        var out = ""
        out.reserveCapacity(bytes.count * (2 + separator.utf8.count))
        for (i, byte) in bytes.enumerated() {
            if i > 0 { out += separator }
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte >> 4)]))
            out.unicodeScalars.append(Unicode.Scalar(digits[Int(byte & 0x0F)]))
        }
        return out
    }

    /// `value` in lower-case digits, zero-padded to the type's width: `digits(UInt16(0x301))` is `"0301"`.
    public static func digits<T: FixedWidthInteger & UnsignedInteger>(_ value: T) -> String {
        var out = ""
        for shift in stride(from: T.bitWidth - 4, through: 0, by: -4) {
            out.unicodeScalars.append(Unicode.Scalar(digits[Int((value >> shift) & 0x0F)]))
        }
        return out
    }

    /// The bytes an even number of hex digits (either case, nothing else) spell; nil otherwise.
    public static func decode<C: Collection<UInt8>>(_ text: C) -> [UInt8]? {
        guard text.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 2)
        var i = text.startIndex
        while i != text.endIndex {
            let j = text.index(after: i)
            guard let high = value(of: text[i]), let low = value(of: text[j]) else { return nil }
            out.append(high << 4 | low)
            i = text.index(after: j)
        }
        return out
    }

    private static let digits = Array("0123456789abcdef".utf8)
    private static let upperDigits = Array("0123456789ABCDEF".utf8)
}
