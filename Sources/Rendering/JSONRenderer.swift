import ReportModel

/// `--format json`: the report contract, pretty-printed with two-space indentation.
public enum JSONRenderer {
    public static func render(_ report: Report) -> String {
        report.serializedJSON(indent: 2, newline: true)
    }
}

/// `--format jsonl`: one exchange per line — each element of the JSON report's `exchanges`,
/// serialised compactly with the same fields — for `jq`, log stores and spreadsheets.
///
/// JSON string escaping (``JSONValue/serialized(indent:)``) turns every control character,
/// including newlines, into `\uXXXX` / `\n`, so one exchange is always exactly one line.
public enum JSONLRenderer {
    public static func render(_ report: Report) -> String {
        report.exchanges.map { $0.json.serialized(newline: true) }.joined()
    }
}
