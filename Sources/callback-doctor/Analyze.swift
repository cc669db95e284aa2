import ArgumentParser
import Diagnosis
import Foundation
import ReportModel
import Rendering

/// Output formats of `analyze`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json, jsonl, markdown, html

    /// Ticket formats redact by default.
    var redactsByDefault: Bool { self == .markdown || self == .html }
}

extension CallbackDoctor {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse capture files and report failed callbacks.",
            discussion: """
                PATH may be a capture file (pcap, pcapng), a directory (searched recursively for \
                .pcap/.pcapng/.cap/.dmp files) or a glob pattern.

                Formats: text (a terminal; colour with --color), json (the report contract, \
                docs/report-schema.md), jsonl (one exchange per line), markdown (a support ticket), \
                html (one self-contained page with charts). See docs/output-formats.md.

                Exit status: 0 nothing failed; 1 a callback failed (or a connection attempt was refused), \
                per --fail-on; 2 an input could not be read, or was damaged (the report still covers what \
                could be read).
                """)

        @OptionGroup var input: InputOptions

        @OptionGroup var listing: ListAllOption

        @OptionGroup var narrowing: NarrowingOptions

        @Option(name: .long, help: "Output format.")
        var format: OutputFormat = .text

        @Option(name: [.short, .long], help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "FILE"))
        var output: String?

        @OptionGroup var redaction: RedactionOptions

        @Option(name: .long, help: ArgumentHelp("Colour the text format (auto: on a terminal, unless NO_COLOR is set).", valueName: "WHEN"))
        var color: ColorChoice = .auto

        @Option(name: .long, help: ArgumentHelp("Exit with status 1 when a finding at this severity or worse is present.", valueName: "SEVERITY"))
        var failOn: FailOn = .error

        @Flag(name: [.short, .long], help: "Also list exchanges that passed and non-callback exchanges (text format).")
        var verbose = false

        @Flag(name: .long, help: "Write the statistics instead of the report, as `callback-doctor stats` does (text or json).")
        var stats = false

        func validate() throws {
            if stats, format != .text, format != .json { throw ValidationError("--stats writes text or json; for CSV: callback-doctor stats --format csv.") }
        }

        func run() throws {
            var report = input.analyze(listEverything: listing.listAll) { narrowing.apply(to: &$0, statistics: stats) }
            if stats {
                try writeOutput(to: output) { Stats.render(report, format: format == .json ? .json : .text, to: $0) }
                throw ExitCode(ExitStatus.of(report, failOn: failOn))
            }
            if redaction.enabled(defaultOn: format.redactsByDefault) { report = report.redacted() }

            let colored = color.enabled(
                isTerminal: output == nil && standardOutputIsTerminal(), environment: ProcessInfo.processInfo.environment)
            try writeOutput(to: output) { renderReport(report, format: format, color: colored, verbose: verbose, to: $0) }
            throw ExitCode(ExitStatus.of(report, failOn: failOn))
        }
    }
}

/// Writes the report in `format` into `sink`, by the one renderer of each format (`analyze` and
/// `watch`).
func renderReport(_ report: Report, format: OutputFormat, color: Bool, verbose: Bool, to sink: ByteSink) {
    switch format {
    case .text: TextRenderer.render(report, options: .init(verbose: verbose, color: color), to: sink)
    case .json: JSONRenderer.render(report, to: sink)
    case .jsonl: JSONLRenderer.render(report, to: sink)
    case .markdown: MarkdownRenderer.render(report, to: sink)
    case .html: HTMLRenderer.render(report, to: sink)
    }
}

/// The process exit status for a report.
enum ExitStatus {
    /// 2 when an input could not be read or was damaged; else 1 when a finding at `failOn` or
    /// worse is present (`error`: a callback failed or a connection attempt was refused); else 0.
    static func of(_ report: Report, failOn: FailOn = .error) -> Int32 {
        if report.captures.contains(where: { $0.error != nil || !$0.complete }) { return 2 }
        let threshold: Severity
        switch failOn {
        case .never: return 0
        case .error: threshold = .error
        case .warning: threshold = .warning
        }
        if let worst = report.summary.worstSeverity, worst >= threshold { return 1 }
        return 0
    }
}
