import CaptureModel
import Diagnosis
import Foundation
import HTTPExchanges
import ReportModel
import TCPReassembly
import Testing

@testable import Analysis

/// `LegPairing` on its own: the two legs of `samples/captures/stacks/nginx-read-timeout.pcap`
/// analysed apart (a BPF filter per leg, so each is a callback of its own), offered in either
/// order, from one part or two.
@Suite struct LegPairingTests {
    static let capture = Fixtures.packageRoot.appendingPathComponent("samples/captures/stacks/nginx-read-timeout.pcap")
        .path

    /// The exchange of the one connection `filter` keeps.
    static func alone(_ filter: String) throws -> DiagnosedExchange {
        var options = AnalysisOptions()
        options.filter = filter
        let exchanges = CaptureAnalyzer.analyze(path: capture, options: options).exchanges
        try #require(exchanges.count == 1)
        return exchanges[0].diagnosed
    }

    static func legs() throws -> (outer: DiagnosedExchange, inner: DiagnosedExchange) {
        (try alone("tcp port 9072"), try alone("tcp port 18072"))
    }

    @Test func eachLegAloneIsACallback() throws {
        let (outer, inner) = try Self.legs()
        #expect(outer.isCallback && inner.isCallback)
        #expect(LegPairing.isForwardedLeg(inner.exchange, of: outer.exchange))
        #expect(!LegPairing.isForwardedLeg(outer.exchange, of: inner.exchange))
    }

    /// Whichever leg finishes first and whichever part it comes from, one callback comes out,
    /// the outer one, with the inner leg attached (answered too late: after nginx's 504).
    @Test(arguments: [false, true], [1, 2])
    func pairsInEitherOrder(innerFirst: Bool, parts: Int) throws {
        let (outer, inner) = try Self.legs()
        var pairing = LegPairing(parts: parts)
        let first = innerFirst ? inner : outer, second = innerFirst ? outer : inner
        var out = pairing.take(first, part: 0, now: first.exchange.startTime.adding(seconds: 5))
        out += pairing.take(second, part: parts - 1, now: second.exchange.startTime.adding(seconds: 5))
        for part in 0..<parts { out += pairing.finish(part: part) }
        try #require(out.count == 1)
        #expect(out[0].exchange.connection.server.port == 9072)
        #expect(out[0].legs.count == 1)
        #expect(out[0].legs.first?.server.port == 18072)
        #expect(out[0].legs.first?.answeredTooLate == true)
    }

    /// Exchanges offered more than `holdSeconds` apart do not pair, held or not: the pairs never
    /// depend on when the slowest part releases them.
    @Test func legsOfferedBeyondTheWindowDoNotPair() throws {
        let (outer, inner) = try Self.legs()
        var pairing = LegPairing(parts: 2)
        let t = outer.exchange.startTime
        var out = pairing.take(outer, part: 0, now: t)
        out += pairing.take(inner, part: 0, now: t.adding(seconds: LegPairing.holdSeconds + 0.5))
        // Part 1 has not started: nothing is released yet, and still the two do not pair.
        #expect(out.isEmpty)
        out += pairing.finish(part: 0) + pairing.finish(part: 1)
        #expect(out.count == 2)
        #expect(out.allSatisfy { $0.legs.isEmpty })
    }

    /// Held exchanges are released once the slowest part's clock is past the window.
    @Test func releaseWaitsForTheSlowestPart() throws {
        let (outer, _) = try Self.legs()
        var pairing = LegPairing(parts: 2)
        let t = outer.exchange.startTime
        #expect(pairing.take(outer, part: 0, now: t).isEmpty)
        #expect(pairing.advance(part: 0, to: t.adding(seconds: 10)).isEmpty)
        #expect(pairing.advance(part: 1, to: t.adding(seconds: 1)).isEmpty)
        #expect(pairing.advance(part: 1, to: t.adding(seconds: LegPairing.holdSeconds + 0.1)).count == 1)
    }
}
