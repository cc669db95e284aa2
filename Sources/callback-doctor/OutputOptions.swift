public import ArgumentParser
import Foundation
import Rendering
import ReportModel

/// The formats one subcommand writes (its `--format` values).
protocol WrittenFormat: ExpressibleByArgument, CaseIterable {
    /// What is written, as `-o`'s help names it ("the report", "the table").
    static var product: String { get }
}

/// Formats with a default, for ``FormatOption``.
protocol DefaultedFormat: ExpressibleByArgument, CaseIterable {
    /// The format without `--format`.
    static var standard: Self { get }
}

/// `--format F` with a default (`exchanges`, `stats`, `rules`).
struct FormatOption<Format: DefaultedFormat>: ParsableArguments {
    @Option(name: .long, help: "Output format.")
    var format: Format = Format.standard
}

/// `-o FILE`: where the output goes instead of standard output (`analyze`, `watch`, `exchanges`,
/// `stats`, `merge`); written by ``writeOutput(to:_:)``.
struct OutputFileOption<Format: WrittenFormat>: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp("Write \(Format.product) to FILE instead of standard output.", valueName: "FILE"))
    var output: String?
}

/// `--redact` / `--no-redact`; the default depends on the format (`analyze`, `watch`, `exchanges`).
struct RedactionOptions: ParsableArguments {
    @Flag(
        inversion: .prefixedNo,
        help: ArgumentHelp(
            "Replace secrets (authorization, cookies, URL credentials, password/token/secret/key fields) with [redacted N chars]. Default: on for the markdown and html reports, off otherwise."
        ))
    var redact: Bool?

    /// Whether to redact, given the format's default.
    func enabled(defaultOn: Bool) -> Bool { redact ?? defaultOn }
}

/// `--color WHEN` (`analyze`, `watch`, `show`).
struct ColorOption: ParsableArguments {
    @Option(
        name: .customLong("color"),
        help: ArgumentHelp("Colour text output (auto: on a terminal, unless NO_COLOR is set).", valueName: "WHEN"))
    var choice: ColorChoice = .auto

    /// Whether to colour output going to a terminal or not (``ColorChoice/enabled(isTerminal:environment:)``).
    func enabled(isTerminal: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        choice.enabled(isTerminal: isTerminal, environment: environment)
    }
}

/// `--fail-on SEVERITY`: when the process fails (`analyze`, `watch`, `merge`).
struct FailOnOption: ParsableArguments {
    @Option(
        name: .customLong("fail-on"),
        help: ArgumentHelp(
            "Exit with status 1 when a finding at this severity or worse is present.", valueName: "SEVERITY"))
    var threshold: FailOn = .error
}

/// When the process fails (`--fail-on`).
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case error, warning, never
}

/// How `analyze` and `watch` write their report: `-o`, `--redact`, `--color`, `--fail-on`, `-v`.
struct ReportOutputOptions: ParsableArguments {
    @OptionGroup var file: OutputFileOption<OutputFormat>

    @OptionGroup var redaction: RedactionOptions

    @OptionGroup var color: ColorOption

    @OptionGroup var failOn: FailOnOption

    @Flag(name: [.short, .long], help: "Also list exchanges that passed and non-callback exchanges (text format).")
    var verbose = false

    /// `-o FILE`, or nil for standard output.
    var output: String? { file.output }

    /// Writes `report` in `format` to `-o` or standard output (redacted as `--redact` and the
    /// format say, coloured as `--color` says), then throws the exit status per `--fail-on`.
    func write(_ report: Report, format: OutputFormat, detail: ReportDetail = .brief) throws -> Never {
        let redact = redaction.enabled(defaultOn: format.redactsByDefault)
        let colored = color.enabled(isTerminal: output == nil && standardOutputIsTerminal())
        try writeOutput(to: output) {
            renderReport(
                report, format: format, redact: redact, color: colored, verbose: verbose, detail: detail, to: $0)
        }
        throw ExitCode(ExitStatus.of(report, failOn: failOn.threshold))
    }
}

extension ColorChoice: ExpressibleByArgument {}

/// `--detail brief|full` (the Markdown report).
extension ReportDetail: ExpressibleByArgument {}
