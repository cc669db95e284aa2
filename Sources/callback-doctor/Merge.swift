import Analysis
import ArgumentParser
import Diagnosis
import Foundation
import Rendering
import ReportModel

extension CallbackDoctor {
    /// `callback-doctor merge`: JSON reports of separate runs as the report of one run (issue #17).
    struct Merge: ParsableCommand {
        enum Format: String, WrittenFormat {
            case json, jsonl

            static let product = "the merged report"
        }

        static let configuration = CommandConfiguration(
            abstract: "Merge JSON reports of separate runs into the report of one run over all their captures.",
            discussion: """
                For fleets: analyse a share of the captures on each machine (analyze --shard K/N --format \
                json), then merge the parts. The result is the report one run over every capture gives — \
                the same summary, aggregates and latency histograms, each capture's listed exchanges \
                (bounded per capture, as one run lists them) — with captures in path order, as a directory \
                is expanded. The reports must come from one configuration (same tool version, settings and \
                redaction); each capture may be in one report only. See docs/fleet.md.

                Formats: json (the report contract, docs/report-schema.md), jsonl (one exchange per line, \
                and one line per capture that could not be read). Other formats need the exchanges' bytes, \
                which a JSON report does not keep whole: analyse again for text, Markdown or HTML.

                Exit status: 0 nothing failed; 1 a callback failed (or a connection attempt was refused), \
                per --fail-on; 2 a report could not be read or merged (named on standard error; the rest \
                are merged), a capture in them could not be read or was damaged, or the output could not \
                be written; 64 a usage error (sysexits' EX_USAGE).
                """)

        @Argument(
            help: ArgumentHelp("JSON reports (analyze --format json); - for standard input.", valueName: "REPORT.json"))
        var reports: [String]

        @Option(name: .long, help: "Output format (default: from -o FILE's extension, else json).")
        var format: Format?

        @OptionGroup var file: OutputFileOption<Format>

        @OptionGroup var failOn: FailOnOption

        func validate() throws {
            guard !reports.isEmpty else { throw ValidationError("Name at least one JSON report to merge.") }
        }

        /// `--format`, else `.jsonl`/`.ndjson` for such an `-o FILE`, else json.
        var effectiveFormat: Format {
            if let format { return format }
            if let output = file.output, let named = OutputFormat(fileName: output), named == .jsonl { return .jsonl }
            return .json
        }

        func run() throws {
            var merging = ReportMerging()
            var unreadable = false
            for path in reports {
                do {
                    try merging.add(try Self.read(path), source: path)
                } catch {
                    printError(TerminalSafety.escape(error.description))
                    unreadable = true
                }
            }
            let format = effectiveFormat
            try writeOutput(to: file.output) { sink in
                switch format {
                case .json: JSONValue.writeObject(merging.jsonMembers, indent: 2, newline: true, to: sink)
                case .jsonl: for line in merging.jsonLines { line.write(to: sink, newline: true) }
                }
            }
            throw ExitCode(
                unreadable || merging.hasCaptureProblems ? 2 : Self.status(merging.summary, failOn: failOn.threshold))
        }

        /// 1 when a finding at `failOn` or worse is present, else 0 (as ``ExitStatus/of(_:failOn:)``).
        static func status(_ summary: ReportSummary, failOn: FailOn) -> Int32 {
            switch failOn {
            case .never: return 0
            case .error: return (summary.worstSeverity ?? .info) >= .error ? 1 : 0
            case .warning: return (summary.worstSeverity ?? .info) >= .warning ? 1 : 0
            }
        }

        /// The report at `path` (`-`: standard input), parsed.
        static func read(_ path: String) throws(ReportMergeError) -> JSONValue {
            // FileHandle rather than Data(contentsOf:): a pipe or FIFO (`<(ssh host cat part.json)`) reads too.
            guard let handle = path == "-" ? FileHandle.standardInput : FileHandle(forReadingAtPath: path) else {
                throw ReportMergeError("\(path): cannot open the report")
            }
            let data: Data
            do {
                data = try handle.readToEnd() ?? Data()
            } catch {
                throw ReportMergeError("\(path): cannot read the report: \(error.localizedDescription)")
            }
            do {
                return try JSONValue.parse([UInt8](data))
            } catch {
                throw ReportMergeError("\(path): not a JSON report: \(error.description)")
            }
        }
    }
}
