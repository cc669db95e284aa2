/// Bytes from hex text as tcpdump `-XX` prints it: offsets (`0x0000:`) and the ASCII column are
/// not given; whitespace between digit groups is ignored. Traps on odd digits (tests only).
func hexBytes(_ text: String) -> [UInt8] {
    let digits = text.unicodeScalars.compactMap { scalar -> UInt8? in
        switch scalar {
        case "0"..."9": UInt8(scalar.value - 48)
        case "a"..."f": UInt8(scalar.value - 87)
        case "A"..."F": UInt8(scalar.value - 55)
        default: nil
        }
    }
    precondition(digits.count % 2 == 0, "odd number of hex digits")
    return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
}
