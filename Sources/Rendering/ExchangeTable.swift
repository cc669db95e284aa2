import ByteText
import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
public import ReportModel
import TCPReassembly

/// `callback-doctor exchanges`: every HTTP exchange as a row, after Zeek's `http.log`, plus
/// latency, the callback flag, the outcome and the findings.
public enum ExchangeTable {
    /// Column names, as in Zeek's http.log where a column exists there.
    public static let fields = [
        "ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "trans_depth", "method", "host", "uri",
        "referrer",
        "version", "user_agent", "request_body_len", "response_body_len", "status_code", "status_msg", "latency",
        "is_callback", "outcome", "findings", "capture",
    ]
    /// Zeek types of ``fields``.
    public static let types = [
        "time", "string", "addr", "port", "addr", "port", "count", "string", "string", "string", "string", "string",
        "string",
        "count", "count", "count", "string", "interval", "bool", "string", "set[string]", "string",
    ]

    /// One cell: a string, a number, a boolean, a set, or unset.
    public enum Cell: Equatable, Sendable {
        case string(String)
        case number(String)
        case bool(Bool)
        case set([String])
        case unset
    }

    /// The rows of `report`, in report order (see ``row(_:captureIndex:)``).
    public static func rows(_ report: Report) -> [[Cell]] {
        let captureIndex = captureIndexes(report)
        return report.exchanges.map { row($0, captureIndex: captureIndex) }
    }

    /// Each capture path's 0-based position in the report (the first, for a path given twice).
    static func captureIndexes(_ report: Report) -> [String: Int] {
        Dictionary(report.captures.enumerated().map { ($1.path, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// One exchange's row:
    ///
    /// - `ts`: the exchange's first packet time, epoch seconds with nine decimals;
    /// - `uid`: `C<capture>.<connection>` (0-based capture position in the report, connection id);
    /// - `trans_depth`: 1-based position on the connection, as Zeek;
    /// - `request_body_len` / `response_body_len`: body bytes as sent (after de-chunking);
    /// - `latency`: response end minus request end, seconds.
    static func row(_ reported: ReportedExchange, captureIndex: [String: Int]) -> [Cell] {
        let d = reported.diagnosed, e = d.exchange
        let request = e.request, response = e.response
        func header(_ name: String) -> Cell { request?.head.headers[name].map(Cell.string) ?? .unset }
        return [
            .number(epoch(e.startTime)),
            .string("C\(captureIndex[reported.capture] ?? 0).\(e.connection.id)"),
            .string(e.connection.client.address.description), .number(String(e.connection.client.port)),
            .string(e.connection.server.address.description), .number(String(e.connection.server.port)),
            .number(String(e.index + 1)),
            request.map { .string($0.head.method) } ?? .unset,
            header("host"),
            request.map { .string($0.head.target) } ?? .unset,
            header("referer"),
            request.map { .string(version($0.head.version)) } ?? response.map { .string(version($0.head.version)) }
                ?? .unset,
            header("user-agent"),
            request.map { .number(String($0.body.size)) } ?? .unset,
            response.map { .number(String($0.body.size)) } ?? .unset,
            response.map { .number(String($0.head.status)) } ?? .unset,
            response.map { .string($0.head.reason) } ?? .unset,
            e.latencySeconds.map { .number(String(fixedPoint: $0, decimals: 6)) } ?? .unset,
            .bool(d.isCallback),
            .string(d.outcome.label),
            .set(d.findings.map(\.rule.rawValue)),
            .string(reported.capture),
        ]
    }

    /// `1.1` from `HTTP/1.1`, as Zeek writes it.
    static func version(_ v: HTTPVersion) -> String { "\(v.major).\(v.minor)" }

    /// `1764095577.723565000`
    static func epoch(_ t: Timestamp) -> String {
        let n = String(t.nanoseconds)
        return "\(t.seconds)." + String(repeating: "0", count: 9 - n.count) + n
    }

    /// Zeek-style TSV: `#separator`, `#set_separator`, `#empty_field`, `#unset_field`, `#path`,
    /// `#fields` and `#types` header lines, then one row per exchange. Every value is escaped
    /// with ``TSVEscape/field(_:)``, so each row has exactly one field per column. Written into
    /// `sink` a row (one line) at a time.
    public static func tsv(_ report: Report, to sink: ByteSink) {
        var header = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\thttp\n"
        header += "#fields\t" + fields.joined(separator: "\t") + "\n"
        header += "#types\t" + types.joined(separator: "\t") + "\n"
        sink.write(header)
        let captureIndex = captureIndexes(report)
        for reported in report.exchanges {
            let line = row(reported, captureIndex: captureIndex).map { cell -> String in
                switch cell {
                case .string(let s): TSVEscape.field(s)
                case .number(let n): n
                case .bool(let b): b ? "T" : "F"
                case .set(let items):
                    items.isEmpty
                        ? "(empty)" : items.map { TSVEscape.field($0).replacingComma() }.joined(separator: ",")
                case .unset: "-"
                }
            }.joined(separator: "\t")
            sink.write(line + "\n")
        }
    }

    /// ``tsv(_:to:)``'s text as one `String`.
    public static func tsv(_ report: Report) -> String {
        ByteSink.collect { tsv(report, to: $0) }
    }

    /// CSV (RFC 4180): a header record with the column names, then one record per exchange, each
    /// ended by CRLF. Strings as captured (quoted by ``CSVEscape``: commas, quotes, CR and LF
    /// cannot split a field), booleans `true` / `false`, sets their elements joined by `,`, unset
    /// cells empty. Written into `sink` a record at a time.
    public static func csv(_ report: Report, to sink: ByteSink) {
        sink.write(CSVEscape.record(fields))
        let captureIndex = captureIndexes(report)
        for reported in report.exchanges {
            let cells = row(reported, captureIndex: captureIndex).map { cell -> String in
                switch cell {
                case .string(let s), .number(let s): s
                case .bool(let b): b ? "true" : "false"
                case .set(let items): items.joined(separator: ",")
                case .unset: ""
                }
            }
            sink.write(CSVEscape.record(cells))
        }
    }

    /// ``csv(_:to:)``'s text as one `String`.
    public static func csv(_ report: Report) -> String {
        ByteSink.collect { csv(report, to: $0) }
    }

    /// One JSON object per row with the same column names (as Zeek's JSON logs); unset
    /// columns are omitted, sets are arrays. Written into `sink` a row (one line) at a time.
    public static func jsonl(_ report: Report, to sink: ByteSink) {
        let captureIndex = captureIndexes(report)
        // A capture that could not be read (or only up to damage) gets its own line first.
        for capture in report.captures { JSONLRenderer.captureProblem(capture)?.write(to: sink, newline: true) }
        for reported in report.exchanges {
            var members: [(String, JSONValue)] = []
            for (name, cell) in zip(fields, row(reported, captureIndex: captureIndex)) {
                switch cell {
                case .string(let s): members.append((name, .string(s)))
                case .number(let n):
                    members.append(
                        (name, Double(n).map { n.contains(".") ? .double($0) : .int(Int64($0)) } ?? .string(n)))
                case .bool(let b): members.append((name, .bool(b)))
                case .set(let items): members.append((name, .array(items.map(JSONValue.string))))
                case .unset: break
                }
            }
            JSONValue.object(members).write(to: sink, newline: true)
        }
    }

    /// ``jsonl(_:to:)``'s text as one `String`.
    public static func jsonl(_ report: Report) -> String {
        ByteSink.collect { jsonl(report, to: $0) }
    }
}

extension String {
    /// `,` (Zeek's set separator) as `\x2c` inside a set element.
    fileprivate func replacingComma() -> String {
        contains(",") ? split(separator: ",", omittingEmptySubsequences: false).joined(separator: "\\x2c") : self
    }
}
