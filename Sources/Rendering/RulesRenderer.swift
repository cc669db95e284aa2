public import Diagnosis
import ReportModel

/// `callback-doctor rules`: the rule catalogue — severity, when it fires, what OSS reports to the
/// uploader, why it happens, how to fix it — as text, Markdown or JSON.
public enum RulesRenderer {
    public static func text(_ rules: [Rule] = RuleCatalog.all) -> String {
        var out = ""
        for rule in rules {
            out += "\(rule.id.rawValue) (\(rule.severity.rawValue)): \(RuleCatalog.rule(rule.id).title)\n"
            out += "  fires when: \(rule.summary)\n"
            if let oss = ReportWording.ossSays(rule) { out += "  OSS says:   \(oss)\n" }
            out += "  why:        \(rule.why)\n"
            out += "  fix:        \(rule.fix)\n"
            out += "  not claimed: \(rule.notClaimed)\n\n"
        }
        return out
    }

    public static func markdown(_ rules: [Rule] = RuleCatalog.all) -> String {
        let md = MarkdownEscape.inline
        var out = "# callback-doctor rules\n\n| rule | severity | what OSS tells the uploader |\n|---|---|---|\n"
        for rule in rules {
            out +=
                "| [\(rule.id.rawValue)](#\(rule.id.rawValue)) | \(rule.severity.rawValue) | \(rule.ossError.map { md($0 + ReportWording.basisMark(rule.ossErrorSource)) } ?? "—") |\n"
        }
        for rule in rules {
            out +=
                "\n## \(rule.id.rawValue)\n\n**\(md(RuleCatalog.rule(rule.id).title))** · severity \(rule.severity.rawValue)\n\n"
            out += "- Fires when: \(md(rule.summary))\n"
            if let oss = ReportWording.ossSays(rule) { out += "- OSS tells the uploader: \(md(oss))\n" }
            out += "- Why it happens: \(md(rule.why))\n- How to fix it: \(md(rule.fix))\n"
            out += "- What it does not claim: \(md(rule.notClaimed))\n"
        }
        return out
    }

    public static func json(_ rules: [Rule] = RuleCatalog.all) -> String {
        JSONValue.array(
            rules.map { rule in
                .object([
                    ("rule", .string(rule.id.rawValue)), ("severity", .string(rule.severity.rawValue)),
                    ("title", .string(RuleCatalog.rule(rule.id).title)),
                    ("summary", .string(rule.summary)), ("ossError", .optional(rule.ossError)),
                    ("ossErrorSource", rule.ossErrorSource.map(\.json) ?? .null),
                    ("why", .string(rule.why)), ("fix", .string(rule.fix)), ("notClaimed", .string(rule.notClaimed)),
                ])
            }
        ).serialized(indent: 2) + "\n"
    }
}
