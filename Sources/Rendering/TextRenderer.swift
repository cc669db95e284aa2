import CaptureModel
import Diagnosis
import HTTPExchanges
import ReportModel

/// `--format text`: a summary for a terminal, with one line per failing callback.
///
/// Every capture-derived string passes through ``TerminalSafety/escape(_:)``.
public enum TextRenderer {
    public struct Options: Sendable {
        /// Also list exchanges that passed and non-callback exchanges.
        public var verbose = false
        public init(verbose: Bool = false) { self.verbose = verbose }
    }

    public static func render(_ report: Report, options: Options = .init()) -> String {
        var out = ""
        let s = report.summary
        let safe = TerminalSafety.escape
        let readable = report.captures.filter { $0.error == nil }
        out += "\(report.tool.name) \(report.tool.version): \(plural(report.captures.count, "capture"))"
        if let first = readable.compactMap(\.firstPacketTime).min(), let last = readable.compactMap(\.lastPacketTime).max() {
            out += ", \(clock(first, date: true)) → \(clock(last, date: first.seconds / 86_400 != last.seconds / 86_400)) UTC"
            out += " (\(Diagnoser.duration(last.seconds(since: first))))"
        }
        out += "\n"
        for capture in report.captures {
            if let error = capture.error {
                out += "  ✗ \(safe(error))\n"
                continue
            }
            out += "  \(safe(capture.path)): \(capture.format ?? "?"), \(capture.linkTypes.joined(separator: ",")), "
            out += "\(plural(capture.packets, "packet")), \(plural(capture.http.httpConnections, "HTTP connection"))\n"
            for problem in capture.problems { out += "    ! \(safe(problem))\n" }
        }
        out += "\n"
        out += "Callbacks: \(s.callbacks) seen, \(s.callbacksPassed) passed, \(s.callbacksFailed) failed"
        if s.callbacksUnknown > 0 { out += ", \(s.callbacksUnknown) unknown (bytes missing from the capture)" }
        if s.refusedConnections > 0 { out += "; \(plural(s.refusedConnections, "refused connection attempt"))" }
        out += "\n"
        let width = s.findingsByRule.map(\.rule.rawValue.count).max() ?? 0
        for (rule, count) in s.findingsByRule {
            out += "  \(rule.rawValue.padding(width))  \(count)\n"
        }

        let failures = report.failures
        if !failures.isEmpty {
            out += "\nFailed:\n"
            for reported in failures { out += "  " + line(reported) + "\n" }
        }
        if options.verbose {
            let others = report.exchanges.filter { if case .failed = $0.diagnosed.outcome { false } else { true } }
            if !others.isEmpty {
                out += "\nOther exchanges:\n"
                for reported in others { out += "  " + line(reported) + "\n" }
            }
        } else {
            let nonCallbacks = report.exchanges.filter { !$0.diagnosed.isCallback && $0.diagnosed.exchange.refusal == nil }.count
            if nonCallbacks > 0 { out += "\n\(plural(nonCallbacks, "other HTTP exchange")) (not OSS callbacks); -v lists them.\n" }
        }
        return out
    }

    /// `17:20:01.123  127.0.0.1:50312 → 127.0.0.1:9002  POST /cb  200  1.2 ms  bom-prefix: …`
    static func line(_ reported: ReportedExchange) -> String {
        let d = reported.diagnosed, e = d.exchange
        var parts = [clock(e.startTime, date: false), "\(e.connection.client) → \(e.connection.server)"]
        if let request = e.request {
            parts.append(TerminalSafety.escape("\(request.head.method) \(request.head.target)"))
        } else if e.refusal != nil {
            parts.append("(connection attempt)")
        } else {
            parts.append("(request not captured)")
        }
        parts.append(e.response.map { String($0.head.status) } ?? "---")
        parts.append(e.latencySeconds.map(Diagnoser.duration) ?? "-")
        if let first = d.findings.first {
            let rules = d.findings.map(\.rule.rawValue).joined(separator: ",")
            parts.append("\(rules): \(TerminalSafety.escape(first.message))")
        } else {
            parts.append(d.outcome.label)
        }
        return parts.joined(separator: "  ")
    }

    static func clock(_ t: Timestamp, date: Bool) -> String {
        let full = t.rfc3339  // 2026-11-25T17:20:01.123456789Z
        let time = String(full.dropFirst(11).prefix(12))
        return date ? String(full.prefix(10)) + " " + time : time
    }

    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
