import CaptureModel
import Diagnosis
public import ReportModel

/// `callback-doctor stats` (and `analyze --stats`): per callback server and per minute — callbacks,
/// passed, failed, unknown, refused connection attempts, findings by rule, latency p50 / p90 /
/// p99 / max — as text, CSV (RFC 4180) or JSON, after `tshark -z`.
///
/// The numbers are ``CallbackStatistics``, exact over every exchange of every readable capture
/// (not the bounded listing); latency percentiles are nearest-rank, exact up to
/// ``LatencyDistribution/exactLimit`` latencies in a row and within 0.1 % (an upper bound) beyond.
/// Each server has an `all` row (its whole capture span), then one row per minute (UTC) in which
/// one of its callbacks started.
public enum StatsRenderer {
    /// The statistics of every exchange of every capture of `report` (its aggregates).
    public static func statistics(_ report: Report) -> CallbackStatistics {
        report.summary.aggregates.callbacksByServerMinute
    }

    /// The rows in output order: per server, `all` (minute nil), then its minutes.
    static func rows(_ stats: CallbackStatistics) -> [(server: Endpoint, minute: Int64?, row: CallbackStatistics.Row)] {
        stats.servers.flatMap { server in
            [(server.server, nil as Int64?, server.total)]
                + server.minutes.map { (server.server, $0.minute as Int64?, $0.row) }
        }
    }

    // MARK: Text

    /// A table per server, for a terminal.
    public static func text(_ report: Report, to sink: ByteSink) {
        var header =
            "\(report.tool.name) \(report.tool.version) stats: \(ReportWording.plural(report.captures.count, "capture"))"
        if let span = ReportWording.span(report) { header += ", " + span }
        sink.write(header + "\n")
        for capture in report.captures where capture.error != nil {
            sink.write("  ✗ " + TerminalSafety.escape(capture.error ?? "") + "\n")
        }
        let stats = statistics(report)
        guard !stats.rows.isEmpty else {
            sink.write("\nNo OSS callback or connection attempt to a callback server in the capture.\n")
            return
        }
        let inexact = stats.rows.values.contains { !$0.latency.isExact }
        sink.write(
            "Latency: response end minus request end, ms (HTTPS estimates left out); percentiles by nearest rank, "
                + (inexact
                    ? "exact, except those marked ≤: over \(LatencyDistribution.exactLimit) latencies, an upper bound within 0.1 %.\n"
                    : "exact.\n"))
        let columns = [
            "minute (UTC)", "callbacks", "passed", "failed", "unknown", "refused", "latencies", "p50", "p90", "p99",
            "max",
        ]
        for server in stats.servers {
            sink.write("\n\(server.server)\n")
            var table: [[String]] = [columns]
            table.append(textCells(minute: nil, server.total))
            for minute in server.minutes { table.append(textCells(minute: minute.minute, minute.row)) }
            let widths = columns.indices.map { c in table.map { $0[c].count }.max() ?? 0 }
            for (r, cells) in table.enumerated() {
                var line = "  " + cells[0].padded(widths[0])
                for c in 1..<cells.count {
                    line += "  " + String(repeating: " ", count: widths[c] - cells[c].count) + cells[c]
                }
                if r > 0 { line += "  " + findingsText(r == 1 ? server.total : server.minutes[r - 2].row) }
                sink.write(line + (r == 0 ? "  findings" : "") + "\n")
            }
        }
    }

    /// ``text(_:to:)``'s text as one `String`.
    public static func text(_ report: Report) -> String { ByteSink.collect { text(report, to: $0) } }

    private static func textCells(minute: Int64?, _ row: CallbackStatistics.Row) -> [String] {
        let l = row.latency
        func ms(_ value: Int64?, exactValue: Bool) -> String {
            guard let value else { return "—" }
            return (exactValue ? "" : "≤") + milliseconds(value)
        }
        return [
            minute.map { minuteText($0, separator: " ") } ?? "all", String(row.callbacks), String(row.passed),
            String(row.failed),
            String(row.unknown), String(row.refusedConnections), String(l.count),
            ms(l.percentile(50), exactValue: l.isExact),
            ms(l.percentile(90), exactValue: l.isExact), ms(l.percentile(99), exactValue: l.isExact),
            ms(l.maximum, exactValue: true),
        ]
    }

    /// `bad-status 2, no-response 1` in catalogue order, or `—`.
    private static func findingsText(_ row: CallbackStatistics.Row) -> String {
        let parts = RuleCatalog.all.compactMap { rule in row.findingsByRule[rule.id].map { "\(rule.id.rawValue) \($0)" }
        }
        return parts.isEmpty ? "—" : parts.joined(separator: ", ")
    }

    // MARK: CSV

    /// RFC 4180: a header record, then one record per row: `server,minute,callbacks,passed,failed,
    /// unknown,refused,latencies,p50_ms,p90_ms,p99_ms,max_ms,latency_exact`, then one column per
    /// rule that fired anywhere (catalogue order, its findings in the row). `minute` is `all` or
    /// the minute's start, RFC 3339 (`2026-11-26T00:58:00Z`); latencies in ms with 6 decimals
    /// (nanoseconds), empty when there is none.
    public static func csv(_ report: Report, to sink: ByteSink) {
        let stats = statistics(report)
        let rules = stats.rules
        let columns = [
            "server", "minute", "callbacks", "passed", "failed", "unknown", "refused", "latencies", "p50_ms", "p90_ms",
            "p99_ms",
            "max_ms", "latency_exact",
        ]
        sink.write(CSVEscape.record(columns + rules.map(\.rawValue)))
        for (server, minute, row) in rows(stats) {
            let l = row.latency
            var cells = [
                server.description, minute.map { minuteText($0, separator: "T") + ":00Z" } ?? "all",
                String(row.callbacks),
                String(row.passed), String(row.failed), String(row.unknown), String(row.refusedConnections),
                String(l.count),
            ]
            cells += [l.percentile(50), l.percentile(90), l.percentile(99), l.maximum].map {
                $0.map { milliseconds($0, decimals: 6) } ?? ""
            }
            cells.append(l.isExact ? "true" : "false")
            cells += rules.map { String(row.findingsByRule[$0] ?? 0) }
            sink.write(CSVEscape.record(cells))
        }
    }

    /// ``csv(_:to:)``'s text as one `String`.
    public static func csv(_ report: Report) -> String { ByteSink.collect { csv(report, to: $0) } }

    // MARK: JSON

    /// `{"schemaVersion": 1, "tool", "captures": [{path, error}], "latency": {method, exactLimit, precision}, "servers":
    /// [{"server", "total": ROW, "minutes": [{"minute", ...ROW}]}]}` with ROW = `callbacks, passed,
    /// failed, unknown, refusedConnections, findingsByRule {rule: n}, latency {count, p50, p90, p99,
    /// max (seconds), exact}`.
    public static func json(_ report: Report, to sink: ByteSink) {
        let stats = statistics(report)
        let servers: [JSONValue] = stats.servers.map { server in
            .object([
                ("server", .string(server.server.description)),
                ("total", .object(rowMembers(server.total))),
                (
                    "minutes",
                    .array(
                        server.minutes.map {
                            .object(
                                [("minute", .string(minuteText($0.minute, separator: "T") + ":00Z"))]
                                    + rowMembers($0.row))
                        })
                ),
            ])
        }
        let document = JSONValue.object([
            ("schemaVersion", .int(1)),
            ("tool", .object([("name", .string(report.tool.name)), ("version", .string(report.tool.version))])),
            (
                "captures",
                .array(report.captures.map { .object([("path", .string($0.path)), ("error", .optional($0.error))]) })
            ),
            (
                "latency",
                .object([
                    ("measure", .string("response end minus request end, seconds; HTTPS estimates left out")),
                    ("percentiles", .string("nearest rank")),
                    ("exactLimit", .int(Int64(LatencyDistribution.exactLimit))),
                    ("precision", .string("exact when exact is true; else the upper bound of a bucket 0.1 % wide")),
                ])
            ),
            ("servers", .array(servers)),
        ])
        document.write(to: sink, indent: 2, newline: true)
    }

    /// ``json(_:to:)``'s text as one `String`.
    public static func json(_ report: Report) -> String { ByteSink.collect { json(report, to: $0) } }

    private static func rowMembers(_ row: CallbackStatistics.Row) -> [(String, JSONValue)] {
        let l = row.latency
        func seconds(_ ns: Int64?) -> JSONValue { ns.map { .double(Double($0) / 1e9) } ?? .null }
        return [
            ("callbacks", .int(Int64(row.callbacks))), ("passed", .int(Int64(row.passed))),
            ("failed", .int(Int64(row.failed))),
            ("unknown", .int(Int64(row.unknown))), ("refusedConnections", .int(Int64(row.refusedConnections))),
            (
                "findingsByRule",
                .object(
                    RuleCatalog.all.compactMap { rule in
                        row.findingsByRule[rule.id].map { (rule.id.rawValue, .int(Int64($0))) }
                    })
            ),
            (
                "latency",
                .object([
                    ("count", .int(Int64(l.count))), ("p50", seconds(l.percentile(50))),
                    ("p90", seconds(l.percentile(90))),
                    ("p99", seconds(l.percentile(99))), ("max", seconds(l.maximum)), ("exact", .bool(l.isExact)),
                ])
            ),
        ]
    }

    // MARK: Numbers

    /// `2026-11-26 00:58` (or with `T`) for Unix minute `minute`.
    static func minuteText(_ minute: Int64, separator: Character) -> String {
        let stamp = Timestamp(seconds: minute * 60).rfc3339  // 2026-11-26T00:58:00.000000000Z
        return String(stamp.prefix(10)) + String(separator) + String(stamp.dropFirst(11).prefix(5))
    }

    /// Nanoseconds as milliseconds with `decimals` (3 or 6) decimals, exactly (integer arithmetic).
    static func milliseconds(_ nanoseconds: Int64, decimals: Int = 3) -> String {
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        let whole = magnitude / 1_000_000
        var fraction = String(magnitude % 1_000_000)
        fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
        return sign + String(whole) + "." + fraction.prefix(decimals)
    }
}
