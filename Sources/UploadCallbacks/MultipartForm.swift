import ByteText

/// The text fields at the start of a `multipart/form-data` body (RFC 7578), read from a bounded
/// prefix: what a PostObject upload carries before its `file` part (OSS requires `file` to be
/// the last field, so `callback` and `x:` fields come before it).
public struct MultipartFormPrefix: Sendable, Hashable {
    public struct Field: Sendable, Hashable {
        public var name: String
        /// The value, at most ``MultipartFormPrefix/maxValueBytes`` bytes.
        public var value: [UInt8]
        /// Bytes of the value (counted in full when it ends inside the prefix).
        public var length: Int
        /// False when the value runs past the end of the prefix (or the value bound).
        public var complete: Bool
    }

    /// Fields in order; the `file` part (or any part with a filename) is listed with an empty value.
    public var fields: [Field] = []
    /// True when the prefix reached the `file` part or the closing delimiter: every field before
    /// it is known, so an absent `callback` field is really absent.
    public var reachedFileOrEnd = false

    public static let maxValueBytes = 8 * 1024
    public static let maxFields = 64

    /// The boundary parameter of a `multipart/form-data` Content-Type (RFC 2046 §5.1.1), or nil.
    public static func boundary(contentType: String) -> String? {
        let parts = contentType.split(separator: ";")
        guard let media = parts.first, media.trimmingASCII(" \t").lowercased() == "multipart/form-data" else {
            return nil
        }
        for parameter in parts.dropFirst() {
            let p = parameter.trimmingASCII(" \t")
            guard let eq = p.firstIndex(of: "="), p[..<eq].trimmingASCII(" \t").lowercased() == "boundary" else {
                continue
            }
            var value = p[p.index(after: eq)...].trimmingASCII(" \t")
            if value.count >= 2, value.first == "\"", value.last == "\"" {
                value = String(value.dropFirst().dropLast())
            }
            guard (1...70).contains(value.utf8.count) else { return nil }
            return value
        }
        return nil
    }

    /// Reads the fields of `body` (a prefix of the body, `boundary` from the Content-Type).
    public init(body: [UInt8], boundary: String) {
        let delimiter = Array("--\(boundary)".utf8)
        let crlfDelimiter = [0x0D, 0x0A] + delimiter
        guard var position = OSSErrorDocument.find(delimiter, in: body, from: 0) else { return }
        while fields.count < Self.maxFields {
            position += delimiter.count
            // `--` after the delimiter closes the body.
            if body.count - position >= 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-")
            {
                reachedFileOrEnd = true
                return
            }
            guard let headEnd = OSSErrorDocument.find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: position) else {
                return
            }
            let head = String(decoding: body[position..<headEnd], as: UTF8.self)
            let (name, isFile) = Self.disposition(head)
            let valueStart = headEnd + 4
            if isFile || name == "file" {
                fields.append(Field(name: name ?? "file", value: [], length: 0, complete: false))
                reachedFileOrEnd = true
                return
            }
            let next = OSSErrorDocument.find(crlfDelimiter, in: body, from: valueStart)
            let valueEnd = next ?? body.count
            let length = valueEnd - valueStart
            fields.append(
                Field(
                    name: name ?? "", value: Array(body[valueStart..<min(valueEnd, valueStart + Self.maxValueBytes)]),
                    length: length, complete: next != nil && length <= Self.maxValueBytes))
            guard let next else { return }
            position = next + 2
        }
    }

    /// The `name` parameter of `Content-Disposition: form-data; name="…"` and whether a
    /// `filename` is present.
    static func disposition(_ head: String) -> (name: String?, isFile: Bool) {
        for line in head.split(whereSeparator: { $0 == "\r\n" || $0 == "\n" || $0 == "\r" }) {
            guard let colon = line.firstIndex(of: ":"), line[..<colon].lowercased() == "content-disposition" else {
                continue
            }
            var name: String?
            var isFile = false
            for parameter in line[line.index(after: colon)...].split(separator: ";").dropFirst() {
                let p = parameter.trimmingASCII(" \t")
                guard let eq = p.firstIndex(of: "=") else { continue }
                let key = p[..<eq].lowercased()
                var value = String(p[p.index(after: eq)...])
                if value.count >= 2, value.first == "\"", value.last == "\"" {
                    value = String(value.dropFirst().dropLast())
                }
                if key == "name" { name = value }
                if key == "filename" || key == "filename*" { isFile = true }
            }
            return (name, isFile)
        }
        return (nil, false)
    }
}
