import CallbackSignature
import CaptureModel
import HTTP1
import JSONValidation
import TCPReassembly
import TLSRecords
import TestSupport
import Testing

@testable import HTTPExchanges

/// Drives the HTTP stage with stream events, as the reassembler would.
struct Driver {
    var assembler = ExchangeAssembler()
    var offsets: [StreamDirection: Int64] = [:]
    var frame = 0
    var exchanges: [HTTPExchange] = []
    let info: ConnectionInfo
    static let t0 = Timestamp(seconds: 1_795_627_201)

    init(keys: SignatureKeys = .ossOnly) {
        assembler = ExchangeAssembler(signatureKeys: keys)
        info = ConnectionInfo(
            id: 0, client: Endpoint(address: .v4(0x7F00_0001), port: 50_000),
            server: Endpoint(address: .v4(0x7F00_0001), port: 9000),
            roleEvidence: .syn, handshakeSeen: true, firstSeen: StreamOrigin(timestamp: Self.t0, frame: 1))
        assembler.receive(.opened(info))
    }

    mutating func send(_ direction: StreamDirection, _ bytes: [UInt8], at seconds: Double) {
        frame += 1
        let offset = offsets[direction, default: 0]
        offsets[direction] = offset + Int64(bytes.count)
        assembler.receive(
            .data(
                connection: 0, direction: direction, offset: offset, bytes: bytes[...],
                origin: StreamOrigin(timestamp: Self.t0.adding(seconds: seconds), frame: frame)))
        exchanges += assembler.takeFinished()
    }

    mutating func send(_ direction: StreamDirection, _ text: String, at seconds: Double) {
        send(direction, Array(text.utf8), at: seconds)
    }

    mutating func gap(_ direction: StreamDirection, length: Int64, at seconds: Double) {
        frame += 1
        let offset = offsets[direction, default: 0]
        offsets[direction] = offset + length
        assembler.receive(
            .gap(
                connection: 0, direction: direction, offset: offset, length: length,
                origin: StreamOrigin(timestamp: Self.t0.adding(seconds: seconds), frame: frame)))
    }

    mutating func close(at seconds: Double, client: Bool = true) {
        frame += 1
        let origin = StreamOrigin(timestamp: Self.t0.adding(seconds: seconds), frame: frame)
        assembler.receive(
            .ended(connection: 0, direction: client ? .clientToServer : .serverToClient, how: .fin(origin)))
        assembler.receive(
            .ended(connection: 0, direction: client ? .serverToClient : .clientToServer, how: .fin(origin)))
        assembler.receive(.closed(connection: 0, how: .fin(origin)))
        exchanges += assembler.takeFinished()
    }
}

let callbackRequest =
    "POST /cb HTTP/1.1\r\nHost: x\r\nauthorization: sig\r\nx-oss-pub-key-url: aHR0cA==\r\nContent-Length: 11\r\n\r\nbucket=demo"

@Suite struct ExchangeAssemblerTests {
    @Test func pairsRequestAndResponseWithCaptureTimes() throws {
        var d = Driver()
        d.send(.clientToServer, "POST /cb HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n", at: 0)
        d.send(.clientToServer, "bucket=demo", at: 0.010)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", at: 0.250)
        d.send(.serverToClient, "{}", at: 0.300)
        d.close(at: 0.4)
        let e = try #require(d.exchanges.first)
        #expect(d.exchanges.count == 1)
        #expect(e.request?.timing.start.frame == 1)
        #expect(e.request?.timing.end?.frame == 2)
        #expect(e.request?.body.preview == Array("bucket=demo".utf8))
        #expect(e.response?.timing.start.frame == 3)
        #expect(e.response?.timing.end?.frame == 4)
        #expect(abs((e.latencySeconds ?? 0) - 0.290) < 1e-9)
        #expect(e.response?.end == .complete)
    }

    @Test func keepAliveAndPipeliningPairInOrder() {
        var d = Driver()
        d.send(
            .clientToServer,
            "GET /a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\n\r\n",
            at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA", at: 0.1)
        // The HEAD response announces a length but carries no body (RFC 9112 §6.3).
        d.send(
            .serverToClient,
            "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nC", at: 0.2
        )
        d.close(at: 0.3)
        #expect(d.exchanges.map(\.index) == [0, 1, 2])
        #expect(d.exchanges.map { $0.request?.head.target } == ["/a", "/b", "/c"])
        #expect(d.exchanges.map { $0.response?.head.status } == [200, 200, 404])
        #expect(d.exchanges[1].response?.body.size == 0)
    }

    @Test func interimContinueIsKeptApartFromTheFinalResponse() throws {
        var d = Driver()
        d.send(.clientToServer, "POST /u HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", at: 0)
        d.send(.serverToClient, "HTTP/1.1 100 Continue\r\n\r\n", at: 0.01)
        d.send(.clientToServer, "hi", at: 0.02)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", at: 0.03)
        d.close(at: 0.1)
        let e = try #require(d.exchanges.first)
        #expect(d.exchanges.count == 1)
        #expect(e.interimResponses.map(\.status) == [100])
        #expect(e.response?.head.status == 200)
    }

    @Test func callbackBodyIsJudgedAcrossChunksWithBOMSplit() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 18\r\n\r\n", at: 0.1)
        d.send(.serverToClient, [0xEF], at: 0.11)
        d.send(.serverToClient, [0xBB, 0xBF, 0x7B], at: 0.12)
        d.send(.serverToClient, #""Status":"OK"}"#, at: 0.13)
        d.close(at: 0.2)
        let body = try #require(d.exchanges.first?.response?.body)
        #expect(body.byteOrderMark == .utf8)
        #expect(body.json == .valid(.object))
        #expect(body.size == 18)
    }

    @Test func nonCallbackBodiesAreNotJudged() throws {
        var d = Driver()
        d.send(.clientToServer, "GET / HTTP/1.1\r\n\r\n", at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK", at: 0.1)
        d.close(at: 0.2)
        #expect(d.exchanges.first?.response?.body.json == nil)
    }

    @Test func gzipCallbackBodyIsDecodedBeforeJudging() throws {
        // python3: c = zlib.compressobj(9, zlib.DEFLATED, 31); c.compress(b'{"Status":"OK"}') + c.flush()
        let gzip: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x0a, 0x2e, 0x49, 0x2c, 0x29, 0x2d,
            0x56, 0xb2, 0x52, 0xf2, 0xf7, 0x56, 0xaa, 0x05, 0x00, 0xf6, 0x4f, 0x12, 0x36, 0x0f, 0x00, 0x00, 0x00,
        ]
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(
            .serverToClient, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(gzip.count)\r\n\r\n",
            at: 0.1)
        d.send(.serverToClient, gzip, at: 0.1)
        d.close(at: 0.2)
        let body = try #require(d.exchanges.first?.response?.body)
        #expect(body.contentDecoding?.failure == nil)
        #expect(body.contentDecoding?.decodedSize == 15)
        #expect(body.preview == Array(#"{"Status":"OK"}"#.utf8))
        #expect(body.json == .valid(.object))
    }

    @Test func bytesAfterTheContentLengthBodyAreCounted() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}garbage", at: 0.1)
        d.send(.serverToClient, "more", at: 0.11)
        d.close(at: 0.2, client: false)
        #expect(d.exchanges.first?.response?.trailingBytes == 11)
    }

    @Test func bodyCutShortByTheServerIsTruncated() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(.serverToClient, "HTTP/1.0 200 OK\r\nContent-Length: 15\r\n\r\n", at: 0.1)
        d.close(at: 0.2, client: false)
        let response = try #require(d.exchanges.first?.response)
        #expect(response.end == .truncated(expected: 15, received: 0))
        #expect(response.timing.end?.frame == 2)
    }

    @Test func requestWithoutResponseIsReportedAtClose() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.close(at: 5)
        let e = try #require(d.exchanges.first)
        #expect(e.response == nil)
        guard case .fin = e.outcome.clientEnd else {
            Issue.record("client end \(String(describing: e.outcome.clientEnd))")
            return
        }
    }

    @Test func responseWithoutCapturedRequestIsReported() throws {
        var d = Driver()
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", at: 0)
        d.close(at: 0.1)
        let e = try #require(d.exchanges.first)
        #expect(e.request == nil)
        #expect(e.response?.head.status == 200)
    }

    @Test func gapMarksTheExchangeIncomplete() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 15\r\n\r\n{\"St", at: 0.1)
        d.gap(.serverToClient, length: 11, at: 0.1)
        d.close(at: 0.2)
        let e = try #require(d.exchanges.first)
        #expect(e.holes.map(\.length) == [11])
        #expect(e.holes.first?.direction == .serverToClient)
    }

    @Test func notHTTPConnectionsAreCountedAndDropped() {
        var d = Driver()
        d.send(
            .clientToServer, [0x00, 0x00, 0x00, 0x2C, 0x15, 1, 2, 3, 4, 5] + [UInt8](repeating: 0, count: 64), at: 0)
        d.close(at: 0.1)
        #expect(d.exchanges.isEmpty)
        #expect(d.assembler.statistics.otherConnections == 1)
    }

    /// A client that starts with a TLS handshake record is routed to the TLS analyzer: one
    /// exchange with `tls` set and no HTTP request or response.
    @Test func tlsClientHelloRoutesTheConnectionToTheTLSAnalyzer() throws {
        var d = Driver()
        var hello = TLSRecordBuilder.clientHelloRecord(sni: nil)
        d.send(.clientToServer, Array(hello.prefix(2)), at: 0)  // the routing needs only the first bytes
        hello.removeFirst(2)
        d.send(.clientToServer, hello, at: 0.0001)
        d.send(.serverToClient, [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x70], at: 0.001)
        d.close(at: 0.002, client: false)
        let e = try #require(d.exchanges.first)
        #expect(d.exchanges.count == 1)
        #expect(e.request == nil && e.response == nil)
        let tls = try #require(e.tls)
        #expect(tls.clientHello?.serverName == nil)
        guard case .failed(let failure) = tls.handshake else {
            Issue.record("handshake \(tls.handshake)")
            return
        }
        #expect(failure.kind == .alert(TLSAlert(level: 2, code: 112)))
        #expect(failure.origin.frame == 3)
        #expect(d.assembler.statistics.tlsConnections == 1)
        #expect(d.assembler.statistics.httpConnections == 0 && d.assembler.statistics.otherConnections == 0)
        #expect(e.outcome.serverEnd != nil)
    }

    /// Mid-stream TLS (no handshake record first) is not routed: counted as another protocol.
    @Test func tlsApplicationDataWithoutAHandshakeIsNotRouted() {
        var d = Driver()
        d.send(.clientToServer, [0x17, 0x03, 0x03, 0x00, 0x03, 1, 2, 3], at: 0)
        d.close(at: 0.1)
        #expect(d.exchanges.isEmpty)
        #expect(d.assembler.statistics.tlsConnections == 0)
    }

    @Test func refusedAttemptBecomesAnExchangeWithoutRequest() {
        var assembler = ExchangeAssembler()
        let d = Driver()
        let origin = StreamOrigin(timestamp: Driver.t0, frame: 1)
        assembler.receive(
            .refused(RefusedConnection(info: d.info, kind: .reset, synFrames: [1], firstSyn: origin, reset: origin)))
        let exchanges = assembler.takeFinished()
        #expect(exchanges.count == 1)
        #expect(exchanges.first?.request == nil && exchanges.first?.refusal?.kind == .reset)
    }
}

@Suite struct OriginMapTests {
    @Test func looksUpAndPrunes() {
        var map = OriginMap()
        for i in 0..<200 {
            map.append(
                offset: Int64(i * 10), length: 10,
                origin: StreamOrigin(timestamp: Timestamp(seconds: Int64(i)), frame: i + 1))
        }
        #expect(map.origin(at: 0)?.frame == 1)
        #expect(map.origin(at: 15)?.frame == 2)
        #expect(map.origin(at: 1999)?.frame == 200)
        map.prune(before: 1500)
        #expect(map.origin(at: 1500)?.frame == 151)
        map.prune(before: 100_000)
        #expect(map.last?.frame == 200)
        #expect(map.origin(at: 5)?.frame == 200)
    }
}
