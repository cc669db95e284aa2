import Foundation
import TestSupport
import Testing

/// Every output format on the recorded samples, against reviewed golden files, through the
/// real binary (run from the package root with a relative capture path, so the goldens hold no
/// machine-specific path and no time of "now").
@Suite(.serialized, .tags(.endToEnd)) struct GoldenReportTests {
    static let capture = "samples/captures/all-lo.pcap"
    /// The samples' callback servers (HTTPS on 9030-9034 is judged only when named).
    static let servers = "--server=:9001-9040"

    struct Case: CustomTestStringConvertible, Sendable {
        var golden: String
        var arguments: [String]
        var status: Int32
        var testDescription: String { golden }
    }

    static let cases: [Case] = [
        Case(golden: "analyze-text.txt", arguments: ["analyze", "--color", "never", servers, capture], status: 1),
        Case(
            golden: "analyze-text-verbose.txt", arguments: ["analyze", "--color", "never", "-v", servers, capture],
            status: 1),
        Case(
            golden: "analyze-text-https-not-judged.txt", arguments: ["analyze", "--color", "never", "-v", capture],
            status: 1),
        Case(
            golden: "analyze-text-snaplen.txt",
            arguments: ["analyze", "--color", "never", "samples/derived/snaplen-200.pcap"], status: 1),
        Case(
            golden: "analyze-snaplen.md",
            arguments: ["analyze", "--format", "markdown", "samples/derived/snaplen-200.pcap"], status: 1),
        Case(
            golden: "analyze-text-color.txt",
            arguments: ["analyze", "--color", "always", "samples/captures/bom-json.pcap"], status: 1),
        Case(golden: "analyze.json", arguments: ["analyze", "--format", "json", servers, capture], status: 1),
        Case(
            golden: "analyze-redacted.json",
            arguments: ["analyze", "--format", "json", "--redact", "samples/captures/good-json.pcap"], status: 0),
        Case(golden: "analyze.jsonl", arguments: ["analyze", "--format", "jsonl", servers, capture], status: 1),
        Case(golden: "analyze.md", arguments: ["analyze", "--format", "markdown", servers, capture], status: 1),
        Case(golden: "analyze.html", arguments: ["analyze", "--format", "html", servers, capture], status: 1),
        // The uploader's side (issue #7).
        Case(
            golden: "analyze-upload-text.txt",
            arguments: ["analyze", "--color", "never", "samples/captures/upload-invalid-callback.pcap"], status: 1),
        Case(
            golden: "analyze-upload.json",
            arguments: ["analyze", "--format", "json", "samples/captures/upload-postobject.pcap"], status: 1),
        Case(
            golden: "analyze-upload.md",
            arguments: ["analyze", "--format", "markdown", "samples/captures/upload-postobject.pcap"], status: 1),
        Case(golden: "exchanges.tsv", arguments: ["exchanges", servers, capture], status: 0),
        Case(golden: "exchanges.jsonl", arguments: ["exchanges", "--format", "jsonl", servers, capture], status: 0),
        Case(golden: "rules.txt", arguments: ["rules"], status: 0),
        Case(golden: "rules.md", arguments: ["rules", "--format", "markdown"], status: 0),
        Case(golden: "rules.json", arguments: ["rules", "--format", "json"], status: 0),
        // The help is documentation too.
        Case(golden: "help-analyze.txt", arguments: ["analyze", "--help"], status: 0),
        Case(golden: "help-exchanges.txt", arguments: ["exchanges", "--help"], status: 0),
        Case(golden: "help-rules.txt", arguments: ["rules", "--help"], status: 0),
        Case(golden: "help-watch.txt", arguments: ["watch", "--help"], status: 0),
        // Issue #18's tools: show, stats, CSV, a narrowed listing, their help.
        Case(
            golden: "show-2.txt",
            arguments: ["show", "--color", "never"] + CLIRunner.sampleKeyArguments + [capture, "2"], status: 0),
        Case(golden: "stats.txt", arguments: ["stats"] + CLIRunner.sampleKeyArguments + [capture], status: 0),
        Case(
            golden: "stats.csv", arguments: ["stats", "--format", "csv"] + CLIRunner.sampleKeyArguments + [capture],
            status: 0),
        Case(
            golden: "stats.json", arguments: ["stats", "--format", "json"] + CLIRunner.sampleKeyArguments + [capture],
            status: 0),
        Case(golden: "exchanges.csv", arguments: ["exchanges", "--format", "csv", capture], status: 0),
        Case(
            golden: "analyze-rule-bad-status.txt",
            arguments: ["analyze", "--color", "never", "--rule", "bad-status", capture], status: 1),
        Case(golden: "help-show.txt", arguments: ["show", "--help"], status: 0),
        Case(golden: "help-stats.txt", arguments: ["stats", "--help"], status: 0),
        Case(golden: "help-merge.txt", arguments: ["merge", "--help"], status: 0),
    ]

    @Test(arguments: cases)
    func matchesGolden(_ c: Case) throws {
        let r = try CLIRunner.run(c.arguments, environment: ["COLUMNS": "100"])
        #expect(r.status == c.status, "exit status; stderr: \(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        Golden.check(r.stdout, name: c.golden)
    }

    /// `-o FILE` writes exactly what standard output would have carried.
    @Test func outputFileHoldsTheSameReport() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report.md")
        let r = try CLIRunner.run(["analyze", "--format", "markdown", "-o", file.path, Self.servers, Self.capture])
        #expect(r.status == 1)
        #expect(r.stdout.isEmpty)
        let written = try String(contentsOf: file, encoding: .utf8)
        Golden.check(written, name: "analyze.md")
    }
}

/// Exit statuses: 1 on a failing callback in every format; `--fail-on` moves the bar.
@Suite(.serialized, .tags(.endToEnd)) struct ExitStatusTests {
    static let formats = ["text", "json", "jsonl", "markdown", "html"]

    @Test(arguments: formats)
    func failingCallbackExitsOneInEveryFormat(format: String) throws {
        let r = try CLIRunner.run(["analyze", "--format", format, "samples/captures/status-500.pcap"])
        #expect(r.status == 1, "\(r.stderr)")
        #expect(!r.stdout.isEmpty)
    }

    @Test(arguments: formats)
    func passingCallbackExitsZeroInEveryFormat(format: String) throws {
        let r = try CLIRunner.run(["analyze", "--format", format, "samples/captures/good-json.pcap"])
        #expect(r.status == 0, "\(r.stderr)")
    }

    @Test func failOnDecidesTheStatus() throws {
        let never = try CLIRunner.run(["analyze", "--fail-on", "never", "samples/captures/status-500.pcap"])
        #expect(never.status == 0)
        let warning = try CLIRunner.run(["analyze", "--fail-on", "warning", "samples/captures/status-500.pcap"])
        #expect(warning.status == 1)
        let good = try CLIRunner.run(["analyze", "--fail-on", "warning", "samples/captures/good-json.pcap"])
        #expect(good.status == 0)
        // An unreadable input is status 2 whatever --fail-on says.
        let missing = try CLIRunner.run(["analyze", "--fail-on", "never", "no/such/file.pcap"])
        #expect(missing.status == 2)
        let bad = try CLIRunner.run(["analyze", "--fail-on", "sometimes", "samples/captures/good-json.pcap"])
        #expect(bad.status == 64)
    }

    @Test func exchangesExitsZeroEvenWhenCallbacksFail() throws {
        let r = try CLIRunner.run(["exchanges", "samples/captures/status-500.pcap"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("\t500\tInternal Server Error\t"))
    }
}
