import ByteText

/// `hexdump -C`-style dumps of body bytes, for the HTML report.
public enum HexDump {
    /// One line per 16 bytes: an 8-digit hex offset, the bytes in hex in two groups of eight, and
    /// the bytes as ASCII between bars (`.` for anything outside 0x20–0x7E):
    ///
    ///     00000000  7b 22 53 74 61 74 75 73  22 3a 22 4f 4b 22 7d     |{"Status":"OK"}|
    ///
    /// The result is plain text: it still holds `<`, `&` and friends from the data, so the
    /// caller escapes it for its context.
    public static func lines<C: Collection<UInt8>>(_ bytes: C) -> [String] {
        let all = Array(bytes)
        var lines: [String] = []
        lines.reserveCapacity(all.count / 16 + 1)
        var offset = 0
        while offset < all.count {
            let row = all[offset..<min(offset + 16, all.count)]
            var hexOffset = String(offset, radix: 16)
            hexOffset = String(repeating: "0", count: max(0, 8 - hexOffset.count)) + hexOffset
            var hex = ""
            for i in 0..<16 {
                if i == 8 { hex += " " }
                if offset + i < all.count {
                    let b = all[offset + i]
                    hex += Hex.encode(CollectionOfOne(b)) + " "
                } else {
                    hex += "   "
                }
            }
            let ascii = String(row.map { $0 >= 0x20 && $0 < 0x7F ? Character(UnicodeScalar($0)) : "." })
            lines.append("\(hexOffset)  \(hex) |\(ascii)|")
            offset += 16
        }
        return lines
    }
}
