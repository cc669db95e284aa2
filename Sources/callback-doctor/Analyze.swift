import Analysis
import ArgumentParser
import Diagnosis
import Foundation
import Rendering
import ReportModel

/// Output formats of `analyze`.
enum OutputFormat: String, WrittenFormat {
    case text, json, jsonl, markdown, html

    static let product = "the report"

    /// Ticket formats redact by default.
    var redactsByDefault: Bool { self == .markdown || self == .html }

    /// The format a report file's name asks for (`-o report.html`): `.html`/`.htm`, `.md`/`.markdown`,
    /// `.json`, `.jsonl`/`.ndjson`, `.txt`; nil for any other name.
    init?(fileName: String) {
        guard let dot = fileName.lastIndex(of: "."), !fileName[dot...].contains("/") else { return nil }
        switch fileName[fileName.index(after: dot)...].lowercased() {
        case "html", "htm": self = .html
        case "md", "markdown": self = .markdown
        case "json": self = .json
        case "jsonl", "ndjson": self = .jsonl
        case "txt", "text": self = .text
        default: return nil
        }
    }
}

/// The exit-status scheme, the same in every subcommand's help, README.md and docs (issue #18).
let exitStatusHelp = """
    Exit status: 0 nothing failed; 1 a callback failed (or a connection attempt was refused), \
    per --fail-on; 2 an input could not be read or was damaged (the report still covers what could \
    be read), or the report could not be written; 64 a usage error (an unknown option, a bad value, \
    no input, a filter that does not compile; sysexits' EX_USAGE), before anything is read.
    """

extension CallbackDoctor {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse capture files and report failed callbacks.",
            discussion: """
                PATH may be a capture file (pcap, pcapng, either gzip-compressed), a directory (searched \
                recursively for .pcap/.pcapng/.cap/.dmp files), a glob pattern, a FIFO or /dev/stdin, or - \
                for standard input: tcpdump -i any -w - port 9000 | callback-doctor analyze -. A pipe is \
                read once, in order. -r FILE names a capture too, as in tcpdump and tshark. A pcapng file \
                may have interfaces of different link types (dumpcap -i eth0 -i lo, mergecap).

                Formats: text (a terminal; colour with --color), json (the report contract, \
                docs/report-schema.md), jsonl (one exchange per line, and one line per capture that \
                could not be read), markdown (a support ticket), html (one self-contained page with \
                charts). Without --format, -o FILE picks the format from FILE's extension (.html, .md, \
                .json, .jsonl, .txt). See docs/output-formats.md.

                \(exitStatusHelp)
                """)

        @OptionGroup var input: FileAnalysisOptions

        @OptionGroup var listing: ListAllOption

        @OptionGroup var narrowing: NarrowingOptions

        @Option(name: .long, help: "Output format (default: from -o FILE's extension, else text).")
        var format: OutputFormat?

        @OptionGroup var writing: ReportOutputOptions

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Markdown: brief fits a ticket comment (at most 32,000 characters, lists cut with \"N more\"); full lists everything the report lists.",
                valueName: "LEVEL"))
        var detail: ReportDetail = .brief

        @Flag(
            name: .long,
            help: "Write the statistics instead of the report, as `callback-doctor stats` does (text or json).")
        var stats = false

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Analyse only shard K of N of the inputs (K counts from 0, like Kubernetes' JOB_COMPLETION_INDEX): the expanded inputs sorted by path, the one at position i in shard i mod N. Merge the shards' JSON reports with `callback-doctor merge` (docs/fleet.md).",
                valueName: "K/N"))
        var shard: String?

        /// The parsed `--shard` (checked by ``validate()``).
        var inputShard: InputShard? { shard.flatMap { try? InputShard(parsing: $0) } }

        /// `--format`, else the format `-o FILE`'s extension names, else text.
        var effectiveFormat: OutputFormat {
            format ?? writing.output.flatMap { OutputFormat(fileName: $0) } ?? .text
        }

        func validate() throws {
            if let shard {
                do { _ = try InputShard(parsing: shard) } catch {
                    throw ValidationError("--shard \(error.description).")
                }
            }
            if stats, effectiveFormat != .text, effectiveFormat != .json {
                throw ValidationError("--stats writes text or json; for CSV: callback-doctor stats --format csv.")
            }
        }

        func run() throws {
            let format = effectiveFormat
            let options = input.analysisOptions(listAll: listing.listAll, narrowing: narrowing, statisticsOnly: stats)
            let report = input.analyze(with: options, shard: inputShard)
            if stats {
                try writeOutput(to: writing.output) {
                    Stats.render(report, format: format == .json ? .json : .text, to: $0)
                }
                throw ExitCode(ExitStatus.of(report, failOn: writing.failOn.threshold))
            }
            try writing.write(report, format: format, detail: detail)
        }
    }
}

/// Writes the report in `format` into `sink`, by the one renderer of each format (`analyze` and
/// `watch`), with secrets redacted when `redact` is set: Markdown redacts the exchanges it writes
/// as it writes them (``MarkdownRenderer/render(_:detail:redacting:to:)``); the other formats
/// render ``Report/redacted(policy:)``.
func renderReport(
    _ report: Report, format: OutputFormat, redact: Bool, color: Bool, verbose: Bool, detail: ReportDetail = .brief,
    to sink: ByteSink
) {
    if redact && format == .markdown {
        MarkdownRenderer.render(report, detail: detail, redacting: .standard, to: sink)
        return
    }
    let report = redact ? report.redacted() : report
    switch format {
    case .text: TextRenderer.render(report, options: .init(verbose: verbose, color: color), to: sink)
    case .json: JSONRenderer.render(report, to: sink)
    case .jsonl: JSONLRenderer.render(report, to: sink)
    case .markdown: MarkdownRenderer.render(report, detail: detail, to: sink)
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
