import ReportModel

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
public enum JSONLRenderer {
    /// Writes one line per exchange into `sink`, each exchange's tree made and dropped in turn.
    public static func render(_ report: Report, to sink: ByteSink) {
        for reported in report.exchanges { reported.json.write(to: sink, newline: true) }
    }

    /// ``render(_:to:)``'s text as one `String`.
    public static func render(_ report: Report) -> String {
        ByteSink.collect { render(report, to: $0) }
    }
}
