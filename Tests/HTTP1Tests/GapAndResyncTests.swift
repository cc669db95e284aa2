import Testing

@testable import HTTP1

/// Gaps (bytes missing from the capture) and resynchronisation at the next start line.
@Suite struct GapAndResyncTests {
    /// Feeds `before`, declares `gap` bytes missing, feeds `after`, finishes; returns the parts.
    static func parts(
        _ role: HTTPMessageParser.Role, _ before: String, gap: Int64, _ after: String, methods: [String] = []
    ) -> [HTTPPart] {
        var parser = HTTPMessageParser(role: role)
        for m in methods { parser.enqueueRequestMethod(m) }
        var events = parser.feed(ArraySlice(Array(before.utf8)))
        events += parser.skip(gap)
        events += parser.feed(ArraySlice(Array(after.utf8)))
        events += parser.finish()
        return events.map(\.part).filter { if case .anomaly = $0 { false } else { true } }
    }

    static func status(_ parts: [HTTPPart]) -> [Int] {
        parts.compactMap { if case .responseHead(let h, _) = $0 { h.status } else { nil } }
    }

    @Test func contentLengthSpanningTheGapStillFramesTheMessage() {
        let p = Self.parts(
            .response, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n{\"a\"", gap: 4,
            "\"b\"}HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", methods: ["POST", "GET"])
        #expect(Self.status(p) == [200, 404])
        #expect(p.contains(.missingBody(length: 4)))
        #expect(p.filter { $0 == .end(.complete, trailers: nil) }.count == 2)
    }

    @Test func gapPastTheBodyEndResynchronisesAtTheNextStatusLine() {
        // 3 body bytes remain, the gap is 20: the rest of the gap is the start of the next response.
        let p = Self.parts(
            .response, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}", gap: 20,
            "ength: 0\r\n\r\nHTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n", methods: ["GET", "GET", "GET"])
        #expect(Self.status(p) == [200, 500])
        #expect(p.contains(.missingBody(length: 3)))
        #expect(!p.contains { if case .notHTTP = $0 { true } else { false } })
    }

    /// The start line and the fields before the gap are reported as a head marked cut, so the
    /// message is not silently lost; parsing resumes at the next request.
    @Test func gapInHeadersReportsAPartialHeadAndFindsTheNextRequest() {
        var parser = HTTPMessageParser(role: .request)
        var events = parser.feed(ArraySlice(Array("GET /a HTTP/1.1\r\nHost: x\r\nUser-Ag".utf8)))
        events += parser.skip(30)
        events += parser.feed(ArraySlice(Array("tail of a header\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n".utf8)))
        events += parser.finish()
        let parts = events.map(\.part)
        let heads = parts.compactMap { if case .requestHead(let h) = $0 { h } else { nil } }
        #expect(heads.map(\.target) == ["/a", "/b"])
        #expect(heads.first?.headers.fields.map(\.name) == ["Host"])
        #expect(parts.contains(.anomaly(.headCutByGap)))
        #expect(parts.contains(.end(.truncated(expected: nil, received: 0), trailers: nil)))
    }

    @Test func gapInChunkDataKeepsTheChunkFraming() {
        let p = Self.parts(
            .response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nab", gap: 4, "cd\r\n0\r\n\r\n",
            methods: ["GET"])
        #expect(p.contains(.missingBody(length: 4)))
        #expect(p.last == .end(.complete, trailers: nil))
    }

    @Test func gapInAChunkSizeLineLosesTheFramingAndTruncates() {
        let p = Self.parts(
            .response, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8", gap: 2, "\r\nabcdefgh\r\n0\r\n\r\n",
            methods: ["GET"])
        #expect(p.contains(.end(.truncated(expected: nil, received: 0), trailers: nil)))
        #expect(!p.contains { if case .notHTTP = $0 { true } else { false } })
    }

    @Test func closeDelimitedBodyCountsTheGap() {
        let p = Self.parts(.response, "HTTP/1.0 200 OK\r\n\r\nabc", gap: 7, "def", methods: ["GET"])
        #expect(p.contains(.missingBody(length: 7)))
        #expect(p.last == .end(.complete, trailers: nil))
    }

    @Test func offsetsStayStreamOffsetsAcrossAGap() {
        var parser = HTTPMessageParser(role: .request)
        _ = parser.feed(ArraySlice(Array("GET /a HTTP/1.1\r\n\r\n".utf8)))
        _ = parser.skip(100)
        let events = parser.feed(ArraySlice(Array("xx\r\nGET /b HTTP/1.1\r\n\r\n".utf8)))
        let head = events.first { if case .requestHead = $0.part { true } else { false } }
        #expect(head?.range == Int64(19 + 100 + 4)..<Int64(19 + 100 + 4 + 19))
        #expect(parser.consumedBytes == 19 + 100 + 23)
        #expect(parser.skippedBytes == 4)
        #expect(parser.missingBytes == 100)
    }

    /// Mid-stream pickup: the first bytes are the middle of a body.
    @Test func resynchroniseFromTheMiddleOfAStream() {
        var parser = HTTPMessageParser(role: .response)
        parser.resynchronize(budget: 1 << 20)
        var events = parser.feed(ArraySlice(Array("tus\":\"OK\"}\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n".utf8)))
        events += parser.finish()
        #expect(Self.status(events.map(\.part)) == [204])
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13])
    func resynchronisationIsSplitIndependent(chunk: Int) {
        let input = Array("garbage line\r\nHTTP/1.x nope\r\nmore\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
        func run(_ chunk: Int) -> [HTTPPart] {
            var parser = HTTPMessageParser(role: .response)
            parser.resynchronize(budget: nil)
            var events: [HTTPEvent] = []
            var i = 0
            while i < input.count {
                events += parser.feed(input[i..<min(input.count, i + chunk)])
                i += chunk
            }
            events += parser.finish()
            // Merge body pieces for comparison.
            var parts: [HTTPPart] = []
            for e in events {
                if case .body(let b) = e.part, case .body(let prev)? = parts.last {
                    parts[parts.count - 1] = .body(ArraySlice(Array(prev) + Array(b)))
                } else {
                    parts.append(e.part)
                }
            }
            return parts
        }
        let whole = run(input.count)
        #expect(Self.status(whole) == [200])
        #expect(run(chunk) == whole)
    }

    @Test func resynchronisationGivesUpAfterItsBudget() {
        var parser = HTTPMessageParser(role: .request)
        parser.resynchronize(budget: 100)
        let events = parser.feed(ArraySlice([UInt8](repeating: 0x16, count: 500)))
        #expect(events.contains { if case .notHTTP = $0.part { true } else { false } })
        #expect(parser.hasStopped)
    }
}
