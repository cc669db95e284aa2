import ArgumentParser
import Foundation
import Rendering
import ReportModel

extension CallbackDoctor {
    struct Exchanges: ParsableCommand {
        enum Format: String, WrittenFormat, DefaultedFormat {
            case tsv, csv, jsonl

            static let product = "the table"
            static let standard = Format.tsv
        }

        static let configuration = CommandConfiguration(
            abstract: "List every HTTP exchange as a table (after Zeek's http.log).",
            discussion: """
                One row per exchange: ts, uid, id.orig_h, id.orig_p, id.resp_h, id.resp_p, trans_depth, method, host, \
                uri, referrer, version, user_agent, request_body_len, response_body_len, status_code, status_msg — as \
                Zeek's http.log — plus latency, is_callback, outcome, findings and capture. TSV (with Zeek's #fields \
                header), CSV (RFC 4180, a header record) or JSONL with the same names.

                Exit status: 0; 2 when an input could not be read or was damaged, or the table could not be \
                written; 64 a usage error (sysexits' EX_USAGE), before anything is read.
                """)

        @OptionGroup var input: FileAnalysisOptions

        @OptionGroup var narrowing: NarrowingOptions

        @OptionGroup var formatting: FormatOption<Format>

        @OptionGroup var file: OutputFileOption<Format>

        @OptionGroup var redaction: RedactionOptions

        func run() throws {
            var report = input.analyze(with: input.analysisOptions(listAll: true, narrowing: narrowing))
            if redaction.enabled(defaultOn: false) { report = report.redacted() }
            try writeOutput(to: file.output) { sink in
                switch formatting.format {
                case .tsv: ExchangeTable.tsv(report, to: sink)
                case .csv: ExchangeTable.csv(report, to: sink)
                case .jsonl: ExchangeTable.jsonl(report, to: sink)
                }
            }
            throw ExitCode(ExitStatus.of(report, failOn: .never))
        }
    }
}
