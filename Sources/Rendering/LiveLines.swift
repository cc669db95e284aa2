import CaptureModel
public import Diagnosis
import HTTPExchanges
import TCPReassembly

/// The lines of `callback-doctor watch`: one per callback as it is decided (see
/// docs/output-formats.md, "Live lines").
///
/// ```
/// 18:32:57.942  127.0.0.1:44653 → 127.0.0.1:9001  POST /oss/callback  200 OK  0.412 ms  ok
/// 18:32:58.184  127.0.0.1:55879 → 127.0.0.1:9007  POST /oss/callback  500 Internal Server Error  0.390 ms  FAIL bad-status: The server answered 500 …
/// 18:33:03.201  127.0.0.1:40211 → 127.0.0.1:9012  POST /oss/callback  —  waiting  FAIL no-response: No response 5.000 s after the request; …
/// 18:33:03.201  127.0.0.1:40211 → 127.0.0.1:9012  POST /oss/callback  200 OK  6.002 s  update: FAIL slow-response (was no-response): …
/// ```
///
/// Fields, separated by two spaces: the time of the request (UTC, capture clock), client →
/// server, method and target, the final status, the latency (response end minus request end),
/// and the verdict: `ok`, or `FAIL` / `UNKNOWN` with the rules that fired and the first finding's
/// message. Every capture-derived piece passes through ``TerminalSafety/escape(_:)`` and the
/// target is cut to ``maxTargetCharacters``; colour (failures red, `ok` green) wraps only our words.
public enum LiveLines {
    /// What a line says about its callback.
    public enum Kind: Sendable {
        /// The callback's final verdict (as in the report).
        case finished
        /// The callback has waited longer than OSS's timeout and is still open: OSS has given up.
        case overdue
        /// The final verdict of a callback that already had an `overdue` line, when it differs
        /// from it (`earlier` is that line's verdict).
        case update(earlier: DiagnosedExchange)
    }

    /// Longest request target shown (characters, after escaping); longer ones end with `…`.
    public static let maxTargetCharacters = 160

    /// One line, without the newline.
    public static func line(_ d: DiagnosedExchange, kind: Kind, style: TerminalStyle) -> String {
        let e = d.exchange
        let safe = TerminalSafety.escape
        var target = safe(ReportWording.requestLine(e, withVersion: false))
        if target.count > maxTargetCharacters { target = String(target.prefix(maxTargetCharacters)) + "…" }
        let latency: String
        switch kind {
        case .overdue: latency = "waiting"
        case .finished, .update: latency = ReportWording.latency(e)
        }
        var fields = [
            ReportWording.clock(e.startTime, date: false),
            "\(e.connection.client) → \(e.connection.server)",
            target,
            safe(ReportWording.status(e)),
            latency,
        ]
        if case .update(let earlier) = kind {
            let was = ReportWording.primaryRule(earlier)?.rawValue ?? ReportWording.badge(earlier.outcome).lowercased()
            fields.append(style.bold("update:") + " " + verdict(d, style: style, note: "(was \(was))"))
        } else {
            fields.append(verdict(d, style: style, note: nil))
        }
        return fields.joined(separator: "  ")
    }

    /// `ok`, `FAIL rule, rule: message`, `UNKNOWN incomplete: message`; `note` follows the rules.
    private static func verdict(_ d: DiagnosedExchange, style: TerminalStyle, note: String?) -> String {
        switch d.outcome {
        case .passed:
            return style.green("ok") + (note.map { " " + $0 } ?? "")
        case .notACallback:
            return "not a callback"
        case .failed, .unknown:
            let badge = ReportWording.badge(d.outcome)
            let rules = distinct(d.findings.map(\.rule.rawValue))
            let message = d.findings.first.map { ": " + TerminalSafety.escape($0.message) } ?? ""
            let head = "\(badge) \(rules.joined(separator: ", "))"
            return (badge == "FAIL" ? style.boldRed(head) : style.yellow(head)) + (note.map { " " + $0 } ?? "")
                + message
        }
    }

    /// True for a verdict an `overdue` line does not need repeating: the same first rule.
    public static func sameVerdict(_ a: DiagnosedExchange, _ b: DiagnosedExchange) -> Bool {
        ReportWording.primaryRule(a) == ReportWording.primaryRule(b)
            && ReportWording.badge(a.outcome) == ReportWording.badge(b.outcome)
    }
}

/// Rule names in first-seen order without repeats (a rule can fire twice on one exchange).
private func distinct(_ names: [String]) -> [String] {
    var seen: Set<String> = []
    return names.filter { seen.insert($0).inserted }
}

/// The rolling counts behind `watch`'s status line.
public struct LiveTally: Sendable {
    public private(set) var callbacks = 0
    public private(set) var passed = 0
    public private(set) var failing = 0
    /// Failing callbacks by their first rule.
    public private(set) var byRule: [String: Int] = [:]

    public init() {}

    /// Counts a callback's verdict (a finished one, or an overdue one until it is finished).
    public mutating func add(_ d: DiagnosedExchange) { apply(d, +1) }
    /// Takes back a verdict counted earlier (an overdue verdict replaced by the final one).
    public mutating func remove(_ d: DiagnosedExchange) { apply(d, -1) }

    private mutating func apply(_ d: DiagnosedExchange, _ sign: Int) {
        guard d.isCallback || d.exchange.refusal != nil else { return }
        callbacks += sign
        switch d.outcome {
        case .passed: passed += sign
        case .failed:
            failing += sign
            if let rule = ReportWording.primaryRule(d)?.rawValue {
                byRule[rule, default: 0] += sign
                if byRule[rule] == 0 { byRule[rule] = nil }
            }
        case .unknown, .notACallback: break
        }
    }

    /// `watching lo · 12 callbacks: 9 ok, 3 failing (bad-status 2, no-response 1) · 340 packets · 0:42`.
    public func statusLine(interface: String, packets: Int, elapsedSeconds: Int) -> String {
        var text =
            "watching \(TerminalSafety.escape(interface)) · \(callbacks) callback\(callbacks == 1 ? "" : "s"): \(passed) ok, \(failing) failing"
        if !byRule.isEmpty {
            let rules = byRule.sorted { ($0.value, $1.key) > ($1.value, $0.key) }.map { "\($0.key) \($0.value)" }
            text += " (" + rules.joined(separator: ", ") + ")"
        }
        let minutes = elapsedSeconds / 60, seconds = elapsedSeconds % 60
        text += " · \(packets) packet\(packets == 1 ? "" : "s") · \(minutes):\(seconds < 10 ? "0" : "")\(seconds)"
        return text
    }
}
