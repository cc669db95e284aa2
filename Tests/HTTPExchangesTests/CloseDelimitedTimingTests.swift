import CaptureModel
import HTTP1
import HTTPExchanges
import TCPReassembly
import Testing

/// RFC 9112 §6.3 rule 8: a body without Content-Length or chunked framing ends when the server
/// closes the connection, so the response ends at that FIN, not at its last data byte.
@Suite struct CloseDelimitedTimingTests {
    @Test func aCloseDelimitedResponseEndsAtTheServersFIN() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(
            .serverToClient, "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{\"Status\":\"OK\"}", at: 0.010)
        d.close(at: 5.5, client: false)
        let e = try #require(d.exchanges.first)
        let response = try #require(e.response)
        #expect(response.framing == .closeDelimited)
        #expect(response.end == .complete)
        #expect(response.timing.end?.frame == 3)
        let latency = try #require(e.latencySeconds)
        #expect(abs(latency - 5.5) < 1e-6, "\(latency)")
    }

    /// A Content-Length body ends with its last byte, whenever the FIN follows.
    @Test func aContentLengthResponseStillEndsAtItsLastByte() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(.serverToClient, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", at: 0.010)
        d.close(at: 5.5, client: false)
        let e = try #require(d.exchanges.first)
        #expect(e.response?.timing.end?.frame == 2)
        let latency = try #require(e.latencySeconds)
        #expect(abs(latency - 0.010) < 1e-6, "\(latency)")
    }

    /// A capture that ends (no FIN) does not say when the body ended: its last byte's record stays.
    @Test func withoutAFINTheLastByteStays() throws {
        var d = Driver()
        d.send(.clientToServer, callbackRequest, at: 0)
        d.send(.serverToClient, "HTTP/1.0 200 OK\r\n\r\n{}", at: 0.010)
        d.assembler.receive(.ended(connection: 0, direction: .serverToClient, how: .endOfCapture))
        d.assembler.receive(.closed(connection: 0, how: .endOfCapture))
        d.exchanges += d.assembler.takeFinished()
        let e = try #require(d.exchanges.first)
        #expect(e.response?.timing.end?.frame == 2)
    }
}
