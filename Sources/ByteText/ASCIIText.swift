/// ASCII-only text operations on bytes and strings: trimming and case folding that never touch
/// a non-ASCII byte (a header value or form field is bytes first; Foundation's Unicode-aware
/// versions would fold or trim characters HTTP does not).
public enum ASCIIText {
    /// SP and HTAB: HTTP's optional whitespace (RFC 9110 §5.6.3 OWS).
    @inlinable
    public static func isSpaceOrTab(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

    /// SP, HTAB, CR, LF, VT and FF.
    @inlinable
    public static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    /// Whether `byte` is an ASCII upper-case letter, `A–Z`.
    @inlinable
    public static func isUppercase(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) }

    /// `A–Z` folded to `a–z`; every other byte unchanged.
    @inlinable
    public static func lowercased(_ byte: UInt8) -> UInt8 { isUppercase(byte) ? byte | 0x20 : byte }

    /// `bytes` without the leading and trailing bytes `isTrimmed` accepts.
    @inlinable
    public static func trimming<C: BidirectionalCollection<UInt8>>(_ bytes: C, where isTrimmed: (UInt8) -> Bool)
        -> C.SubSequence
    {
        var lower = bytes.startIndex, upper = bytes.endIndex
        while lower != upper, isTrimmed(bytes[lower]) { bytes.formIndex(after: &lower) }
        while upper != lower, isTrimmed(bytes[bytes.index(before: upper)]) { bytes.formIndex(before: &upper) }
        return bytes[lower..<upper]
    }

    /// `bytes` without leading and trailing SP / HTAB (RFC 9110 §5.6.3 OWS).
    @inlinable
    public static func trimmingOWS<C: BidirectionalCollection<UInt8>>(_ bytes: C) -> C.SubSequence {
        trimming(bytes, where: isSpaceOrTab)
    }

    /// `bytes` without the trailing bytes `isTrimmed` accepts.
    @inlinable
    public static func trimmingEnd<C: BidirectionalCollection<UInt8>>(_ bytes: C, where isTrimmed: (UInt8) -> Bool)
        -> C.SubSequence
    {
        var upper = bytes.endIndex
        while upper != bytes.startIndex, isTrimmed(bytes[bytes.index(before: upper)]) {
            bytes.formIndex(before: &upper)
        }
        return bytes[bytes.startIndex..<upper]
    }

    /// Whether `bytes` equal `literal` with ASCII letters compared case-insensitively.
    @inlinable
    public static func equalsIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && hasPrefixIgnoringCase(bytes, literal)
    }

    /// Whether `bytes` start with `literal` with ASCII letters compared case-insensitively.
    /// (A `StaticString`: its bytes are read in place; iterating a `String`'s UTF-8 view cost
    /// ~1,500 instructions a call on the per-request callback recognition.)
    @inlinable
    public static func hasPrefixIgnoringCase<C: Collection<UInt8>>(_ bytes: C, _ literal: StaticString) -> Bool {
        literal.withUTF8Buffer { literal in
            guard bytes.count >= literal.count else { return false }
            var i = bytes.startIndex
            for expected in literal {
                if lowercased(bytes[i]) != lowercased(expected) { return false }
                bytes.formIndex(after: &i)
            }
            return true
        }
    }
}

extension StringProtocol {
    /// The text without the leading and trailing characters made only of ASCII scalars in `set`
    /// (so `"\r\n"`, one Character, goes when both CR and LF are in `set`). Characters are
    /// compared whole: a space that carries a combining mark is not a space, and stays.
    public func trimmingASCII(_ set: String) -> String {
        func isTrimmed(_ c: Character) -> Bool {
            c.unicodeScalars.allSatisfy { $0.isASCII && set.unicodeScalars.contains($0) }
        }
        var s = Substring(self)
        while let first = s.first, isTrimmed(first) { s.removeFirst() }
        while let last = s.last, isTrimmed(last) { s.removeLast() }
        return String(s)
    }
}
