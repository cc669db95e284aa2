import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
import Rendering
import TCPReassembly
import Testing

/// A finished callback exchange built in code: request at `base`, response `latency` later.
private func callback(target: String, status: Int, reason: String, latency: Double = 0.002, response: Bool = true)
    -> HTTPExchange
{
    let base = Timestamp(seconds: 1_764_095_577, nanoseconds: 942_000_000)  // 2025-11-25T18:32:57.942Z
    let client = Endpoint(address: .v4(0x7f00_0001), port: 44_653)
    let server = Endpoint(address: .v4(0x7f00_0001), port: 9002)
    let info = ConnectionInfo(
        id: 0, client: client, server: server, roleEvidence: .syn, handshakeSeen: true,
        firstSeen: StreamOrigin(timestamp: base, frame: 1))
    var exchange = HTTPExchange(connection: info, index: 0)
    var request = CapturedRequest(
        head: HTTPRequestHead(
            method: "POST", target: target, version: .http11, headers: ["User-Agent": "aliyun-oss-callback"]),
        timing: MessageTiming(
            start: StreamOrigin(timestamp: base, frame: 4), end: StreamOrigin(timestamp: base, frame: 4)))
    request.end = .complete
    exchange.request = request
    if response {
        let end = StreamOrigin(timestamp: base.adding(seconds: latency), frame: 6)
        var captured = CapturedResponse(
            head: HTTPResponseHead(version: .http11, status: status, reason: reason, headers: ["Content-Length": "0"]),
            framing: .contentLength(0), timing: MessageTiming(start: end, end: end))
        captured.end = .complete
        exchange.response = captured
    }
    return exchange
}

@Suite("Live lines")
struct LiveLinesTests {
    let plain = TerminalStyle(enabled: false)

    @Test("a failing callback: time, client → server, request, status, latency, rules and message")
    func failingLine() {
        let d = Diagnoser().diagnose(callback(target: "/cb", status: 500, reason: "Internal Server Error"))
        let line = LiveLines.line(d, kind: .finished, style: plain)
        #expect(
            line
                == "18:32:57.942  127.0.0.1:44653 → 127.0.0.1:9002  POST /cb  500 Internal Server Error  2.0 ms  FAIL bad-status: The server answered 500 Internal Server Error; OSS accepts only 200."
        )
    }

    @Test("capture bytes cannot reach the terminal: controls in the target and reason are escaped, long targets cut")
    func hostileBytesAreEscaped() {
        let hostile = "/cb?\u{1B}]0;pwned\u{07}\r\u{1B}[2J" + String(repeating: "A", count: 500)
        let d = Diagnoser().diagnose(callback(target: hostile, status: 500, reason: "Oops\u{1B}[31m\u{202E}"))
        for style in [plain, TerminalStyle(enabled: true)] {
            let line = LiveLines.line(d, kind: .finished, style: style)
            #expect(!line.contains("\r") && !line.contains("\u{07}") && !line.contains("\u{202E}"))
            #expect(line.contains("\\x1b]0;pwned\\x07\\r\\x1b[2J"))
            #expect(line.contains("Oops\\x1b[31m\\u{202e}"))
            #expect(line.contains("A…"))
            #expect(!line.contains(String(repeating: "A", count: LiveLines.maxTargetCharacters)))
            // The only escape sequences are our own SGR colour codes.
            let escapes = line.unicodeScalars.filter { $0 == "\u{1B}" }.count
            #expect(escapes == (style.enabled ? 2 : 0))
        }
    }

    @Test("ok, overdue (waiting) and update lines")
    func kinds() {
        let diagnoser = Diagnoser()
        let ok = diagnoser.diagnose(callback(target: "/cb", status: 200, reason: "OK"))
        #expect(LiveLines.line(ok, kind: .finished, style: plain).hasSuffix("  200 OK  2.0 ms  ok"))

        let waiting = callback(target: "/cb", status: 0, reason: "", response: false)
        let now = waiting.request!.timing.end!.timestamp.adding(seconds: 5.05)
        let overdue = try! #require(diagnoser.diagnoseWaiting(waiting, at: now))
        let overdueLine = LiveLines.line(overdue, kind: .overdue, style: plain)
        #expect(
            overdueLine.hasSuffix(
                "POST /cb  —  waiting  FAIL no-response: No response 5.050 s after the request; OSS gives up after 5.000 s."
            ))

        let slow = diagnoser.diagnose(callback(target: "/cb", status: 200, reason: "OK", latency: 6))
        let update = LiveLines.line(slow, kind: .update(earlier: overdue), style: plain)
        #expect(
            update.contains(
                "  200 OK  6.000 s  update: FAIL slow-response (was no-response): The response completed 6.000 s"))
        #expect(!LiveLines.sameVerdict(overdue, slow))
        #expect(LiveLines.sameVerdict(overdue, overdue))
    }

    @Test("the status line counts callbacks, and an overdue verdict is replaced by the final one")
    func tally() {
        let diagnoser = Diagnoser()
        var tally = LiveTally()
        tally.add(diagnoser.diagnose(callback(target: "/a", status: 200, reason: "OK")))
        let waiting = callback(target: "/b", status: 0, reason: "", response: false)
        let overdue = try! #require(diagnoser.diagnoseWaiting(waiting, at: waiting.startTime.adding(seconds: 6)))
        tally.add(overdue)
        #expect(
            tally.statusLine(interface: "lo", packets: 12, elapsedSeconds: 75)
                == "watching lo · 2 callbacks: 1 ok, 1 failing (no-response 1) · 12 packets · 1:15")
        tally.remove(overdue)
        tally.add(diagnoser.diagnose(callback(target: "/b", status: 200, reason: "OK", latency: 6)))
        #expect(tally.callbacks == 2 && tally.failing == 1)
        #expect(tally.byRule == ["slow-response": 1])
    }
}
