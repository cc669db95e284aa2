import HTTP1
import Testing

/// The parser keeps a status line's wire bytes when they differ from what it parsed
/// (``HTTPResponseHead/wireStatusLine``), so evidence can quote what the server sent; it stays
/// tolerant of the difference.
@Suite struct WireStatusLineParsingTests {
    static func head(_ input: String) throws -> HTTPResponseHead {
        var parser = HTTPMessageParser(role: .response)
        parser.enqueueRequestMethod("POST")
        let events = parser.feed(Array(input.utf8)[...]) + parser.finish()
        for event in events {
            if case .responseHead(let head, _) = event.part { return head }
        }
        Issue.record("no response head in \(events.map(\.part))")
        throw CancellationError()
    }

    @Test(
        arguments: [
            ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", nil),
            ("HTTP/1.1 204 \r\n\r\n", nil),
            ("http/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "http/1.1 403 Forbidden"),
            ("HTTP/1.1 204\r\n\r\n", "HTTP/1.1 204"),
            ("HTTP/1.1 200  OK \r\nContent-Length: 0\r\n\r\n", "HTTP/1.1 200  OK "),
        ] as [(String, String?)])
    func wireBytesAreKeptOnlyWhenTheyDiffer(input: String, wire: String?) throws {
        let head = try Self.head(input)
        #expect(head.wireStatusLine.map { String(decoding: $0, as: UTF8.self) } == wire)
    }

    @Test func theTolerantParseIsUnchanged() throws {
        let head = try Self.head("http/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        #expect(head.version == .http11)
        #expect(head.status == 403)
        #expect(head.reason == "Forbidden")
        #expect(head.canonicalStatusLine == "HTTP/1.1 403 Forbidden")
    }
}
