/// Percent-decoding (RFC 3986 §2.1): `%HH` becomes the byte it names.
public enum PercentEncoding {
    /// What to do with a `%` not followed by two hex digits.
    public enum InvalidEscapes: Sendable {
        /// The whole text is rejected (nil).
        case reject
        /// The `%` is kept as it is, with what follows it.
        case keep
    }

    /// `bytes` with every `%HH` replaced by the byte it names.
    ///
    /// - Parameters:
    ///   - plusAsSpace: `+` becomes a space, as in `application/x-www-form-urlencoded` (WHATWG URL
    ///     §5.1); false for URI components (RFC 3986), where `+` is itself.
    ///   - invalidEscapes: a malformed escape rejects the text or is kept literally.
    /// - Returns: nil only with `.reject` and a malformed escape.
    ///
    /// Inlinable, like the other generic helpers here, so that each caller's collection type
    /// (`ArraySlice<UInt8>` on the signature path) gets a specialised loop rather than the
    /// generic one that goes through the protocol's witness table for every byte.
    @inlinable
    public static func decode<C: Collection<UInt8>>(
        _ bytes: C, plusAsSpace: Bool, invalidEscapes: InvalidEscapes
    ) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = bytes.startIndex
        while i != bytes.endIndex {
            let byte = bytes[i]
            i = bytes.index(after: i)
            if byte == UInt8(ascii: "%") {
                if let (value, next) = escape(in: bytes, at: i) {
                    out.append(value)
                    i = next
                    continue
                }
                if case .reject = invalidEscapes { return nil }
            }
            out.append(plusAsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
        }
        return out
    }

    /// The offset (from the start) of the first `%` not followed by two hex digits; nil when none.
    @inlinable
    public static func firstInvalidEscape<C: Collection<UInt8>>(in bytes: C) -> Int? {
        var i = bytes.startIndex
        var offset = 0
        while i != bytes.endIndex {
            if bytes[i] == UInt8(ascii: "%") {
                guard let (_, next) = escape(in: bytes, at: bytes.index(after: i)) else { return offset }
                i = next
                offset += 3
            } else {
                i = bytes.index(after: i)
                offset += 1
            }
        }
        return nil
    }

    /// The byte two hex digits at `i` name, and the index after them.
    @inlinable
    static func escape<C: Collection<UInt8>>(in bytes: C, at i: C.Index) -> (UInt8, C.Index)? {
        guard i != bytes.endIndex, let high = Hex.value(of: bytes[i]) else { return nil }
        let j = bytes.index(after: i)
        guard j != bytes.endIndex, let low = Hex.value(of: bytes[j]) else { return nil }
        return (high << 4 | low, bytes.index(after: j))
    }
}
