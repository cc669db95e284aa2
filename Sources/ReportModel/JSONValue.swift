import ByteText

/// A JSON value with ordered object keys — the report's machine form before serialisation.
///
/// Objects keep insertion order so that the output is stable and reads in the order the
/// contract documents (Foundation's encoder does not promise an order).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.double(let a), .double(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: false
        }
    }

    /// Member `key` of an object (first match), for tests and tools.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    /// Serialises as RFC 8259 JSON. `indent` > 0 pretty-prints with that many spaces per level.
    ///
    /// Strings are escaped for JSON: `"`, `\`, and every control character (U+0000–U+001F,
    /// U+007F–U+009F) as `\uXXXX`, plus U+2028/U+2029 so the output is also safe inside JavaScript,
    /// and the bidi overrides (U+202A–U+202E, U+2066–U+2069) so that JSON shown on a terminal
    /// cannot reorder what the reader sees. All of these are lossless JSON escapes.
    ///
    /// - Parameter newline: end the text with a line feed (a report file), without copying it to
    ///   append one.
    public func serialized(indent: Int = 0, newline: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(into: &out, indent: indent, level: 0)
        if newline { out.append(UInt8(ascii: "\n")) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes ``serialized(indent:newline:)``'s bytes into `sink` as one write.
    public func write(to sink: ByteSink, indent: Int = 0, newline: Bool = false) {
        sink.append { out in
            write(into: &out, indent: indent, level: 0)
            if newline { out.append(UInt8(ascii: "\n")) }
        }
    }

    /// A member of an object written by ``writeObject(_:indent:newline:to:)``: a value, or an
    /// array whose elements are made one at a time while it is written.
    public enum StreamedMember {
        case value(JSONValue)
        case array(count: Int, element: (Int) -> JSONValue)
    }

    /// Writes into `sink` the text of `JSONValue.object(members).serialized(indent:newline:)`, but
    /// an `.array` member's elements are made, written and dropped one by one, each element one
    /// write (so the sink can hand its buffer over between elements): a report with thousands of
    /// exchanges never holds all their JSON trees, nor all their text, at once (peak memory,
    /// issue #5). A `.value` member is one write.
    public static func writeObject(
        _ members: [(String, StreamedMember)], indent: Int, newline: Bool = false, to sink: ByteSink
    ) {
        guard !members.isEmpty else {
            sink.append { out in
                append("{}", to: &out)
                if newline { out.append(UInt8(ascii: "\n")) }
            }
            return
        }
        for (i, (key, member)) in members.enumerated() {
            switch member {
            case .value(let value):
                writeValueMember(key, value, first: i == 0, indent: indent, to: sink)
            case .array(let count, let element):
                writeStreamedArray(key, count: count, element: element, first: i == 0, indent: indent, to: sink)
            }
        }
        sink.append { out in
            lineBreak(&out, indent: indent, level: 0)
            out.append(UInt8(ascii: "}"))
            if newline { out.append(UInt8(ascii: "\n")) }
        }
    }

    /// What precedes a member of ``writeObject(_:indent:newline:to:)``'s object: `{` before the
    /// first, `,` before the others, then its `"key": ` one level in.
    private static func writeMemberStart(_ key: String, first: Bool, indent: Int, into out: inout [UInt8]) {
        out.append(UInt8(ascii: first ? "{" : ","))
        writeKey(key, indent: indent, level: 1, into: &out)
    }

    /// A `.value` member: one write with its key, except a non-empty object (the summary's
    /// aggregates), whose members follow its key in pieces (``write(to:indent:level:)``).
    private static func writeValueMember(
        _ key: String, _ value: JSONValue, first: Bool, indent: Int, to sink: ByteSink
    ) {
        if case .object(let members) = value, !members.isEmpty {
            sink.append { out in writeMemberStart(key, first: first, indent: indent, into: &out) }
            value.write(to: sink, indent: indent, level: 1)
        } else {
            sink.append { out in
                writeMemberStart(key, first: first, indent: indent, into: &out)
                value.write(into: &out, indent: indent, level: 1)
            }
        }
    }

    /// An `.array` member: its key and `[` as one write, then each of the `count` elements made
    /// by `element`, written as one write and dropped, then `]` (`[]` with the key when empty).
    private static func writeStreamedArray(
        _ key: String, count: Int, element: (Int) -> JSONValue, first: Bool, indent: Int, to sink: ByteSink
    ) {
        guard count > 0 else {
            sink.append { out in
                writeMemberStart(key, first: first, indent: indent, into: &out)
                append("[]", to: &out)
            }
            return
        }
        sink.append { out in
            writeMemberStart(key, first: first, indent: indent, into: &out)
            out.append(UInt8(ascii: "["))
        }
        for index in 0..<count {
            let value = element(index)
            sink.append { out in
                if index > 0 { out.append(UInt8(ascii: ",")) }
                lineBreak(&out, indent: indent, level: 2)
                value.write(into: &out, indent: indent, level: 2)
            }
        }
        sink.append { out in
            lineBreak(&out, indent: indent, level: 1)
            out.append(UInt8(ascii: "]"))
        }
    }

    /// ``writeObject(_:indent:newline:to:)``'s text as one `String`.
    public static func serializedObject(_ members: [(String, StreamedMember)], indent: Int, newline: Bool = false)
        -> String
    {
        ByteSink.collect { writeObject(members, indent: indent, newline: newline, to: $0) }
    }

    /// Writes the same bytes as ``write(into:indent:level:)`` into `sink`, an object member by
    /// member and an array element by element, so that a large value (the summary's aggregates)
    /// reaches the sink in pieces no larger than its largest scalar member or element: the sink's
    /// chunks stay bounded (``ByteSink``'s contract) whatever the value's size.
    private func write(to sink: ByteSink, indent: Int, level: Int) {
        switch self {
        case .array(let items) where !items.isEmpty:
            sink.append { $0.append(UInt8(ascii: "[")) }
            for (i, item) in items.enumerated() {
                sink.append { out in
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    Self.lineBreak(&out, indent: indent, level: level + 1)
                }
                item.write(to: sink, indent: indent, level: level + 1)
            }
            sink.append { out in
                Self.lineBreak(&out, indent: indent, level: level)
                out.append(UInt8(ascii: "]"))
            }
        case .object(let members) where !members.isEmpty:
            sink.append { $0.append(UInt8(ascii: "{")) }
            for (i, (key, value)) in members.enumerated() {
                sink.append { out in
                    if i > 0 { out.append(UInt8(ascii: ",")) }
                    Self.writeKey(key, indent: indent, level: level + 1, into: &out)
                }
                value.write(to: sink, indent: indent, level: level + 1)
            }
            sink.append { out in
                Self.lineBreak(&out, indent: indent, level: level)
                out.append(UInt8(ascii: "}"))
            }
        default:
            sink.append { out in write(into: &out, indent: indent, level: level) }
        }
    }

    /// Serialises into UTF-8 bytes (the whole writer works on bytes, never on `String`s).
    private func write(into out: inout [UInt8], indent: Int, level: Int) {
        switch self {
        case .null: Self.append("null", to: &out)
        case .bool(let b): Self.append(b ? "true" : "false", to: &out)
        case .int(let i): Self.append(String(i), to: &out)
        case .double(let d): Self.append(Self.format(d), to: &out)
        case .string(let s): Self.writeString(s, into: &out)
        case .array(let items):
            if items.isEmpty {
                Self.append("[]", to: &out)
                return
            }
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.lineBreak(&out, indent: indent, level: level + 1)
                item.write(into: &out, indent: indent, level: level + 1)
            }
            Self.lineBreak(&out, indent: indent, level: level)
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            if members.isEmpty {
                Self.append("{}", to: &out)
                return
            }
            out.append(UInt8(ascii: "{"))
            for (i, (key, value)) in members.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeKey(key, indent: indent, level: level + 1, into: &out)
                value.write(into: &out, indent: indent, level: level + 1)
            }
            Self.lineBreak(&out, indent: indent, level: level)
            out.append(UInt8(ascii: "}"))
        }
    }

    /// An object member's line break to `level` and its `"key":` (`"key": ` when pretty-printing).
    @inline(__always)
    private static func writeKey(_ key: String, indent: Int, level: Int, into out: inout [UInt8]) {
        lineBreak(&out, indent: indent, level: level)
        writeString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        if indent > 0 { out.append(UInt8(ascii: " ")) }
    }

    private static func lineBreak(_ out: inout [UInt8], indent: Int, level: Int) {
        guard indent > 0 else { return }
        out.append(UInt8(ascii: "\n"))
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * level))
    }

    private static func append(_ text: String, to out: inout [UInt8]) {
        var text = text
        text.withUTF8 { out.append(contentsOf: $0) }
    }

    /// Shortest round-tripping decimal for finite values; non-finite values become `null`.
    static func format(_ d: Double) -> String {
        guard d.isFinite else { return "null" }
        if d == d.rounded(), abs(d) < 1e15 { return String(Int64(d)) }
        return "\(d)"
    }

    /// Writes `s` as a JSON string (RFC 8259 §7) with the escapes listed at ``serialized(indent:)``.
    ///
    /// Works on the UTF-8 bytes in place: runs of bytes that need no escape are copied at once;
    /// only `"`, `\`, bytes below 0x20, 0x7F, and the lead bytes 0xC2 (U+0080–U+009F) and 0xE2
    /// (U+2028–U+202E, U+2066–U+2069) are looked at closer. `String` holds valid UTF-8, so a lead
    /// byte is followed by its continuation bytes.
    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            var runStart = 0
            var i = 0
            let n = bytes.count
            while i < n {
                let b = bytes[i]
                var escapedScalar: UInt32?
                var width = 1
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x00...0x1F, 0x7F:
                    escapedScalar = UInt32(b)
                case 0xC2 where i + 1 < n && (0x80...0x9F).contains(bytes[i + 1]):
                    escapedScalar = UInt32(bytes[i + 1])
                    width = 2
                case 0xE2 where i + 2 < n:
                    let scalar =
                        (UInt32(b & 0x0F) << 12) | (UInt32(bytes[i + 1] & 0x3F) << 6) | UInt32(bytes[i + 2] & 0x3F)
                    if (0x2028...0x202E).contains(scalar) || (0x2066...0x2069).contains(scalar) {
                        escapedScalar = scalar
                        width = 3
                    }
                default:
                    break
                }
                guard let scalar = escapedScalar else {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                appendEscape(scalar, to: &out)
                i += width
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<n]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `\"`, `\\`, `\n`, `\r`, `\t`, or `\u` and four lowercase hex digits.
    private static func appendEscape(_ scalar: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch scalar {
        case 0x22: out.append(UInt8(ascii: "\""))
        case 0x5C: out.append(UInt8(ascii: "\\"))
        case 0x0A: out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(UInt8(ascii: "r"))
        case 0x09: out.append(UInt8(ascii: "t"))
        default:
            out.append(UInt8(ascii: "u"))
            out.append(contentsOf: Hex.digits(UInt16(truncatingIfNeeded: scalar)).utf8)
        }
    }
}

extension JSONValue {
    /// `.string(s)` or `.null`.
    public static func optional(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
    public static func optional(_ i: Int?) -> JSONValue { i.map { .int(Int64($0)) } ?? .null }
    public static func optional(_ d: Double?) -> JSONValue { d.map(JSONValue.double) ?? .null }
    public static func optional(_ b: Bool?) -> JSONValue { b.map(JSONValue.bool) ?? .null }
}
