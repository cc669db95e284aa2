import Analysis
import ArgumentParser
import Rendering
import ReportModel

extension CallbackDoctor {
    /// `callback-doctor stats`: per callback server and per minute, after `tshark -z`.
    struct Stats: ParsableCommand {
        enum Format: String, WrittenFormat, DefaultedFormat {
            case text, csv, json

            static let product = "the statistics"
            static let standard = Format.text
        }

        static let configuration = CommandConfiguration(
            abstract: "Statistics per callback server and per minute (after tshark -z).",
            discussion: """
                For each callback server, all its callbacks and then each minute (UTC) in which one started: \
                callbacks, passed, failed, unknown (bytes missing), refused connection attempts, latency \
                (response end minus request end) p50, p90, p99 and max, and findings by rule. Exact over \
                every exchange of every capture, not the bounded listing of `analyze`: percentiles are \
                nearest-rank, exact up to 1000 latencies in a row, beyond that the upper bound of a bucket \
                0.1 % wide (3 significant digits, as HdrHistogram). HTTPS latencies are estimates and are \
                left out of the percentiles.

                Formats: text (a table per server), csv (RFC 4180, one record per row, one column per rule \
                that fired), json. `analyze --stats` writes the same in text or json.

                Exit status: 0; 2 when an input could not be read or was damaged; 64 a usage error \
                (sysexits' EX_USAGE), before anything is read.
                """)

        @OptionGroup var input: FileAnalysisOptions

        @OptionGroup var formatting: FormatOption<Format>

        @OptionGroup var file: OutputFileOption<Format>

        func run() throws {
            let report = input.analyze(
                with: input.analysisOptions(listAll: false, narrowing: nil, statisticsOnly: true))
            try writeOutput(to: file.output) { Self.render(report, format: formatting.format, to: $0) }
            throw ExitCode(ExitStatus.of(report, failOn: .never))
        }

        static func render(_ report: Report, format: Format, to sink: ByteSink) {
            switch format {
            case .text: StatsRenderer.text(report, to: sink)
            case .csv: StatsRenderer.csv(report, to: sink)
            case .json: StatsRenderer.json(report, to: sink)
            }
        }
    }
}
