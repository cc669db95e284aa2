import ReportModel

/// `--format json`: the report contract, pretty-printed with two-space indentation.
public enum JSONRenderer {
    public static func render(_ report: Report) -> String {
        report.json.serialized(indent: 2) + "\n"
    }
}
