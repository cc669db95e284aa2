import ByteText

// Byte-level helpers shared by the parser, the header lookup and the framing rules.
// Everything here works on UTF-8/ASCII bytes; nothing allocates.

/// ASCII byte constants used on the parse path.
enum ASCII {
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let comma: UInt8 = 0x2C
    static let slash: UInt8 = 0x2F
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39

    /// `OWS` / `BWS` whitespace: SP or HTAB (RFC 9110 §5.6.3).
    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == space || byte == tab
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= zero && byte <= nine
    }

    /// `tchar` (RFC 9110 §5.6.2):
    /// `"!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA`.
    @inline(__always)
    static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: return true
        default: return false
        }
    }

    /// A control character other than HTAB (`CTL` in RFC 5234, minus HTAB).
    @inline(__always)
    static func isControlExceptTab(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != tab) || byte == 0x7F
    }

    /// Case-insensitive comparison of two strings, folding ASCII letters only (field names are
    /// case-insensitive tokens, RFC 9110 §5.1). Non-ASCII bytes must match exactly.
    ///
    /// Compares the UTF-8 bytes in place (native strings are contiguous), without iterating
    /// `String.UTF8View` element by element: header lookups run for every message.
    static func caseInsensitiveEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = lhs.utf8
        let b = rhs.utf8
        guard a.count == b.count else { return false }
        let fast = a.withContiguousStorageIfAvailable { x in
            b.withContiguousStorageIfAvailable { y in caseInsensitiveEquals(x, y) }
        }
        if let fast, let result = fast { return result }
        for (x, y) in zip(a, b) where x != y {
            if ASCIIText.lowercased(x) != ASCIIText.lowercased(y) { return false }
        }
        return true
    }

    /// Case-insensitive comparison of two byte buffers of any length.
    @inline(__always)
    static func caseInsensitiveEquals(_ x: UnsafeBufferPointer<UInt8>, _ y: UnsafeBufferPointer<UInt8>) -> Bool {
        guard x.count == y.count else { return false }
        var i = 0
        while i < x.count {
            let p = x[i], q = y[i]
            if p != q && ASCIIText.lowercased(p) != ASCIIText.lowercased(q) { return false }
            i &+= 1
        }
        return true
    }

    /// Case-insensitive comparison of bytes with a lowercase ASCII literal.
    static func caseInsensitiveEquals<C: Collection<UInt8>>(_ bytes: C, lowercaseLiteral: StaticString) -> Bool {
        guard bytes.count == lowercaseLiteral.utf8CodeUnitCount else { return false }
        return lowercaseLiteral.withUTF8Buffer { literal in
            if let fast = bytes.withContiguousStorageIfAvailable({ caseInsensitiveEquals($0, literal) }) {
                return fast
            }
            var index = literal.startIndex
            for byte in bytes {
                if ASCIIText.lowercased(byte) != literal[index] { return false }
                index += 1
            }
            return true
        }
    }

    /// Parses `1*DIGIT` as a non-negative Int64; nil when empty, not all digits, or above `Int64.max`.
    static func parseDecimal<C: Collection<UInt8>>(_ bytes: C) -> Int64? {
        guard !bytes.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard isDigit(byte) else { return nil }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times10.addingReportingOverflow(Int64(byte &- zero))
            if overflow1 || overflow2 { return nil }
            value = sum
        }
        return value
    }

    /// A field value that is one plain decimal number with optional surrounding SP / HTAB (the
    /// usual `Content-Length`), parsed without copying; nil for anything else (lists, junk, too big).
    static func plainDecimal(_ value: String) -> Int64? {
        let parsed = value.utf8.withContiguousStorageIfAvailable { buffer -> Int64? in
            parseDecimal(ASCIIText.trimmingOWS(buffer))
        }
        return parsed ?? nil
    }

    /// Text for a (field) value: UTF-8, with invalid sequences (e.g. Latin-1 obs-text) replaced by U+FFFD.
    @inline(__always)
    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// A short printable rendering of a byte, for human-readable reasons (`0x16`, `'G'`).
    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F {
            return "'" + String(UnicodeScalar(byte)) + "'"
        }
        return "0x" + Hex.encode(CollectionOfOne(byte), uppercase: true)
    }
}
