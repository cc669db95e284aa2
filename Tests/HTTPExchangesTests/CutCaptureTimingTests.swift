import CaptureModel
import HTTP1
import TCPReassembly
import Testing

@testable import HTTPExchanges

extension Driver {
    /// One record whose payload a snaplen cut: `captured` bytes delivered, then `missing` more
    /// from the same record (same frame and time), as the reassembler reports a `tcpdump -s` cut.
    mutating func sendCut(_ direction: StreamDirection, captured: String, missing: Int64, at seconds: Double) {
        send(direction, captured, at: seconds)
        let offset = offsets[direction, default: 0]
        offsets[direction] = offset + missing
        assembler.receive(
            .gap(
                connection: 0, direction: direction, offset: offset, length: missing,
                origin: StreamOrigin(timestamp: Self.t0.adding(seconds: seconds), frame: frame)))
        exchanges += assembler.takeFinished()
    }
}

/// Issue #16 item 2: in a capture cut by a snaplen every record's time and original length are
/// known, so a message's end — and the latency — is that of the record whose sequence space ends it.
@Suite struct CutCaptureTimingTests {
    static let request = "POST /cb HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nbucket=demo"

    @Test func aBodyCutBySnaplenEndsAtItsRecord() throws {
        var d = Driver()
        d.send(.clientToServer, Self.request, at: 0)  // frame 1
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n", at: 0.003)  // frame 2
        d.sendCut(.serverToClient, captured: "{\"Status\":", missing: 20, at: 5.8)  // frame 3, 20 bytes cut
        d.close(at: 5.9)
        let e = try #require(d.exchanges.first)
        #expect(e.response?.end == .complete)
        #expect(e.response?.timing.end?.frame == 3)
        #expect(abs(try #require(e.latencySeconds) - 5.8) < 1e-9)
        #expect(e.response?.body.missingBytes == 20)
        #expect(e.holes.map(\.length) == [20])
    }

    @Test func bytesLostFromTheCaptureKeepALowerBound() throws {
        // The same body lost (no record of it): the reassembler declares the hole at the FIN with
        // the FIN's record (frame 3), as it does; that time is not the bytes', so the end is not
        // moved to it.
        var d = Driver()
        d.send(.clientToServer, Self.request, at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n", at: 0.003)
        let fin = StreamOrigin(timestamp: Driver.t0.adding(seconds: 5.9), frame: d.frame + 1)
        d.assembler.receive(
            .gap(
                connection: 0, direction: .serverToClient, offset: d.offsets[.serverToClient, default: 0], length: 30,
                origin: fin))
        d.close(at: 5.9)
        let e = try #require(d.exchanges.first)
        #expect(d.frame == fin.frame)
        #expect(e.response?.timing.end?.frame == 2)
        #expect(try #require(e.latencySeconds) < 0.01)
    }

    @Test func aRecordWhosePayloadWasCutWholeKeepsItsTime() throws {
        // tcpdump -s 54 (or -s 68 with options): the body's record kept only its headers. Its own
        // record (frame 3), followed by the FIN's (frame 4): the body ended at frame 3.
        var d = Driver()
        d.send(.clientToServer, Self.request, at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 30\r\n\r\n", at: 0.003)
        d.gap(.serverToClient, length: 30, at: 5.8)
        d.close(at: 5.9, client: false)
        let e = try #require(d.exchanges.first)
        #expect(e.response?.timing.end?.frame == 3)
        #expect(abs(try #require(e.latencySeconds) - 5.8) < 1e-9)
    }

    @Test func aRequestBodyRecordCutWholeEndsTheRequest() throws {
        // The request's body record (frame 2, 10 ms after its head) kept no payload byte.
        var d = Driver()
        d.send(.clientToServer, "POST /cb HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", at: 0)  // frame 1
        d.gap(.clientToServer, length: 11, at: 0.010)  // frame 2
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", at: 0.0105)  // frame 3
        d.close(at: 0.02)
        let e = try #require(d.exchanges.first)
        #expect(e.request?.timing.end?.frame == 2)
        #expect(abs(try #require(e.latencySeconds) - 0.0005) < 1e-9)
    }

    @Test func aLossDeclaredWithTheNextRecordKeepsALowerBound() throws {
        // A lost segment declared when the next one arrives carries that record's frame, and that
        // record's bytes follow at once: the lost bytes' time is unknown.
        var d = Driver()
        d.send(.clientToServer, Self.request, at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n", at: 0.003)
        let next = StreamOrigin(timestamp: Driver.t0.adding(seconds: 5.8), frame: d.frame + 1)
        d.assembler.receive(
            .gap(
                connection: 0, direction: .serverToClient, offset: d.offsets[.serverToClient, default: 0], length: 4,
                origin: next))
        d.offsets[.serverToClient, default: 0] += 4
        d.frame += 1
        d.assembler.receive(
            .data(
                connection: 0, direction: .serverToClient, offset: d.offsets[.serverToClient, default: 0],
                bytes: Array("HTTP/1.1 200 OK\r\n".utf8)[...], origin: next))
        d.close(at: 5.9)
        let e = try #require(d.exchanges.first { $0.index == 0 })
        #expect(e.response?.timing.end?.frame == 2)
    }

    @Test func aChunkedResponseWithACutHeadEndsWithItsLastRecord() throws {
        var d = Driver()
        d.send(.clientToServer, Self.request, at: 0)  // frame 1
        d.sendCut(
            .serverToClient, captured: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-", missing: 40,
            at: 0.001)  // frame 2
        d.send(.serverToClient, "5\r\n{\"a\":\r\n", at: 0.051)  // frame 3
        d.send(.serverToClient, "2\r\n1}\r\n", at: 0.101)  // frame 4
        d.send(.serverToClient, "0\r\n\r\n", at: 0.202)  // frame 5
        d.close(at: 0.3, client: false)
        let e = try #require(d.exchanges.first)
        let response = try #require(e.response)
        #expect(response.anomalies.contains(.headCutByGap))
        #expect(response.timing.end?.frame == 5)
        #expect(abs(try #require(e.latencySeconds) - 0.202) < 1e-9)
        #expect(response.trailingBytes == 0, "the rest of the same response is not trailing bytes")
    }

    @Test func aRequestWithACutHeadEndsWithItsBodyRecordButNotAfterTheResponseBegan() throws {
        var d = Driver()
        d.sendCut(.clientToServer, captured: "POST /cb HTTP/1.1\r\nHost: x\r\nauthor", missing: 60, at: 0)  // frame 1
        d.send(.clientToServer, "bucket=demo", at: 0.010)  // frame 2: the body, 10 ms later
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", at: 0.0105)  // frame 3
        d.send(.clientToServer, "junk after", at: 0.020)  // frame 4: after the response began
        d.close(at: 0.03)
        let e = try #require(d.exchanges.first)
        #expect(e.request?.timing.start.frame == 1)
        #expect(e.request?.timing.end?.frame == 2)
        #expect(abs(try #require(e.latencySeconds) - 0.0005) < 1e-9)
    }

    @Test func aKeptAliveResponseIsNotStretchedByTheNextOnesCutHead() throws {
        var d = Driver()
        d.send(.clientToServer, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n", at: 0)  // frame 1
        // frame 2
        d.sendCut(.serverToClient, captured: "HTTP/1.1 200 OK\r\nContent-Type: text/pl", missing: 30, at: 0.001)
        d.send(.clientToServer, "GET /b HTTP/1.1\r\nHost: x\r\n\r\n", at: 0.050)  // frame 3
        // frame 4
        d.sendCut(.serverToClient, captured: "HTTP/1.1 200 OK\r\nContent-Type: text/pl", missing: 30, at: 0.051)
        d.close(at: 0.1)
        #expect(d.exchanges.count == 2)
        let first = try #require(d.exchanges.first { $0.index == 0 })
        let second = try #require(d.exchanges.first { $0.index == 1 })
        #expect(first.response?.timing.end?.frame == 2)
        #expect(second.response?.timing.end?.frame == 4)
    }
}

/// Issue #16 item 6: a request whose client closed mid-header is reported with what was
/// captured of it and the time of its first byte — not as "request not captured".
@Suite struct UnfinishedRequestHeadTests {
    @Test func aClientThatClosedMidHeaderLeavesItsPartialHead() throws {
        var d = Driver()
        // frame 1
        d.send(.clientToServer, "POST /cb?x=1 HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nUser-Agent: aliyun-oss-", at: 0.5)
        // The client's FIN: the stream ends inside the header section.
        d.assembler.receive(
            .ended(
                connection: 0, direction: .clientToServer,
                how: .fin(StreamOrigin(timestamp: Driver.t0.adding(seconds: 0.6), frame: 2))))
        // frame 3
        d.send(.serverToClient, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", at: 0.7)
        d.close(at: 0.8, client: false)
        let e = try #require(d.exchanges.first)
        let request = try #require(e.request, "the captured part of the head is reported")
        #expect(request.head.method == "POST")
        #expect(request.head.target == "/cb?x=1")
        #expect(request.head.headers["host"] == "127.0.0.1:9000")
        #expect(request.head.headers.count == 1, "the unfinished field line is not a field")
        #expect(request.anomalies.contains(.headCutByEnd))
        #expect(request.timing.start.frame == 1)
        #expect(e.startTime == Driver.t0.adding(seconds: 0.5), "the time of the request's first byte")
        if case .truncated? = request.end {
        } else {
            Issue.record("expected a truncated request, got \(String(describing: request.end))")
        }
        #expect(e.response?.head.status == 400)
    }
}
