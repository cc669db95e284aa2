public import ReportModel

/// `--format json`: the report contract, pretty-printed with two-space indentation.
public enum JSONRenderer {
    /// Writes the report into `sink`, one capture and one exchange at a time
    /// (``ReportModel/Report/writeJSON(indent:newline:to:)``).
    public static func render(_ report: Report, to sink: ByteSink) {
        report.writeJSON(indent: 2, newline: true, to: sink)
    }

    /// ``render(_:to:)``'s text as one `String`.
    public static func render(_ report: Report) -> String {
        ByteSink.collect { render(report, to: $0) }
    }
}

/// `--format jsonl`: one exchange per line — each element of the JSON report's `exchanges`,
/// serialised compactly with the same fields — for `jq`, log stores and spreadsheets.
///
/// JSON string escaping (``JSONValue/serialized(indent:newline:)``) turns every control character,
/// including newlines, into `\uXXXX` / `\n`, so one exchange is always exactly one line.
///
/// A capture that could not be read, or was read only up to damage, gets a line of its own first
/// (``captureProblem(_:)``), so that a consumer tells "no callbacks" from "could not read".
public enum JSONLRenderer {
    /// Writes one line per unreadable or damaged capture, then one line per exchange into `sink`,
    /// each exchange's tree made and dropped in turn.
    public static func render(_ report: Report, to sink: ByteSink) {
        for capture in report.captures { captureProblem(capture)?.write(to: sink, newline: true) }
        for reported in report.exchanges { reported.json.write(to: sink, newline: true) }
    }

    /// The line for a capture that could not be read (`readable: false`, `error`) or was read
    /// only up to damage (`complete: false`, `problems`); nil for a capture read whole.
    /// `{"record":"capture-problem","capture":"x.pcap","readable":false,"complete":false,"error":"…","problems":[]}`.
    public static func captureProblem(_ capture: CaptureSummary) -> JSONValue? {
        guard capture.error != nil || !capture.complete else { return nil }
        return .object([
            ("record", .string("capture-problem")),
            ("capture", .string(capture.path)),
            ("readable", .bool(capture.error == nil)),
            ("complete", .bool(capture.complete)),
            ("error", .optional(capture.error)),
            ("problems", .array(capture.problems.map(JSONValue.string))),
        ])
    }

    /// ``render(_:to:)``'s text as one `String`.
    public static func render(_ report: Report) -> String {
        ByteSink.collect { render(report, to: $0) }
    }
}
