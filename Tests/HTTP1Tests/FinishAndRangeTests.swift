import HTTP1
import Testing

/// End of stream handling and exact byte ranges.
@Suite("finish() and event ranges")
struct FinishAndRangeTests {
    @Test("Close-delimited body ends complete at finish, at the stream end")
    func closeDelimited() {
        let input = crlf("HTTP/1.1 200 OK\n\n") + "partial json"
        let events = ChunkingVerifier.verify(input, .init(role: .response, requestMethods: ["POST"]))
        #expect(parts(events) == [.response(200, "OK", framing: .closeDelimited), .body("partial json"), .complete])
        #expect(events.map(\.range) == [0..<19, 19..<31, 31..<31])
    }

    @Test("Close-delimited body of zero bytes")
    func closeDelimitedEmpty() {
        #expect(
            parse(crlf("HTTP/1.1 500 Internal Server Error\n\n"), role: .response) == [
                .response(500, "Internal Server Error", framing: .closeDelimited), .complete,
            ]
        )
    }

    @Test("Truncated Content-Length body at finish")
    func truncatedContentLength() {
        let input = crlf("HTTP/1.1 200 OK\nContent-Length: 100\n\n") + "0123456789"
        let events = ChunkingVerifier.verify(input, .init(role: .response, requestMethods: ["POST"]))
        #expect(events.last?.part == .truncated(expected: 100, received: 10))
        #expect(events.last?.range == Int64(input.utf8.count)..<Int64(input.utf8.count))
    }

    @Test(
        "Unfinished head: end without head, received counts the head bytes",
        arguments: [
            ("HTTP/1.1 200 OK\r\nContent-", Int64(25)),
            ("HTTP/1.1 200 OK\r\n", Int64(17)),
            ("HTTP/1.1 200 OK", Int64(15)),
            ("HTT", Int64(3)),
            ("\r\n\r\nHTTP/1.", Int64(7)),
        ]
    )
    func unfinishedHead(input: String, received: Int64) {
        let events = ChunkingVerifier.verify(input, .init(role: .response, requestMethods: ["POST"]))
        #expect(parts(events) == [.truncated(expected: nil, received: received)])
    }

    @Test("Anomalies held for an unfinished head come out at finish")
    func unfinishedHeadAnomalies() {
        let events = ChunkingVerifier.verify("GET / HTTP/1.1\nX : 1\n", .init(role: .request))
        #expect(
            parts(events) == [
                .anomaly(.bareLF), .anomaly(.whitespaceBeforeColon), .truncated(expected: nil, received: 21),
            ]
        )
        #expect(events.map(\.range) == [0..<15, 15..<21, 21..<21])
    }

    @Test("Nothing to finish", arguments: ["", "\r\n", "\r", "\n\n\r\n", "GET / HTTP/1.1\r\n\r\n"])
    func nothingPending(input: String) {
        var parser = HTTPMessageParser(role: .request)
        _ = parser.feed(Array(input.utf8)[...])
        #expect(parser.isIdle)
        #expect(parser.finish().isEmpty)
    }

    @Test("finish twice, feed after finish: nothing more")
    func afterFinish() {
        var parser = HTTPMessageParser(role: .response)
        _ = parser.feed(Array("HTTP/1.1 200 OK\r\n\r\nabc".utf8)[...])
        #expect(parts(parser.finish()) == [.complete])
        #expect(parser.finish().isEmpty)
        #expect(parser.feed(Array("HTTP/1.1 200 OK\r\n\r\n".utf8)[...]).isEmpty)
    }

    @Test("Exact ranges of a pipelined request stream")
    func pipelinedRanges() {
        // "POST /a HTTP/1.1\r\n" 18 + "Content-Length: 3\r\n" 19 + "\r\n" 2 = 39, body 3, then 19-byte GET.
        let input = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\n"
        let events = ChunkingVerifier.verify(input, .init(role: .request))
        #expect(events.map(\.range) == [0..<39, 39..<42, 42..<42, 42..<61, 61..<61])
    }

    @Test("Leading empty lines are not part of the head range")
    func leadingEmptyLines() {
        let events = ChunkingVerifier.verify("\r\n\nGET / HTTP/1.1\r\n\r\n", .init(role: .request))
        #expect(events.map(\.range) == [3..<21, 21..<21])
    }

    @Test("Ranges in a chunked body: payload only; anomalies on their line; end from the last chunk")
    func chunkedRanges() {
        // Head 0..<47 ("HTTP/1.1 200 OK\r\n" 17 + "Transfer-Encoding: chunked\r\n" 28 + 2).
        let input = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + "3;ext\nabc\r\n" + "0\r\nT: v\r\n\r\n"
        let events = ChunkingVerifier.verify(input, .init(role: .response, requestMethods: ["GET"]))
        #expect(
            parts(events) == [
                .response(200, "OK", ["Transfer-Encoding": "chunked"], framing: .chunked), .anomaly(.bareLF),
                .body("abc"), .end(.complete, trailers: ["T": "v"]),
            ]
        )
        #expect(events.map(\.range) == [0..<47, 47..<53, 53..<56, 58..<69])
    }

    @Test("Interim and final response ranges")
    func interimRanges() {
        let input = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let events = ChunkingVerifier.verify(input, .init(role: .response, requestMethods: ["POST"]))
        #expect(events.map(\.range) == [0..<25, 25..<25, 25..<63, 63..<65, 65..<65])
    }

    @Test("consumedBytes counts everything fed")
    func consumedBytes() {
        var parser = HTTPMessageParser(role: .request)
        _ = parser.feed(Array("GET / HT".utf8)[...])
        #expect(parser.consumedBytes == 8)
        #expect(!parser.isIdle)
        _ = parser.feed(Array("TP/1.1\r\n\r\nxyz".utf8)[2...])
        #expect(parser.consumedBytes == 19)
    }
}
