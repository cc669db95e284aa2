import Analysis
import ArgumentParser
import Diagnosis
import Foundation
import Rendering
import ReportModel

extension CallbackDoctor {
    /// `callback-doctor show CAPTURE N`: exchange `#N` of the report, in full.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one exchange in full: exchange #N of the report (like Wireshark's Follow HTTP stream).",
            discussion: """
                N is the number the analyze report gives the exchange (#N), for the same CAPTURE and the \
                same options (-f, --list-all, --since, --until, --rule, --failed): show them here too. \
                Prints the connection and its TCP events (SYN, FIN, RST with frame numbers, bytes missing \
                from the capture), both messages' heads with every field, each body as kept (after content \
                decoding, up to 64 KiB of a request's and 8 KiB of a response's; escaped text, or a hex dump \
                where it is not text), the \
                signature check, the latency, and every finding with its evidence and fix.

                Secrets are shown as captured unless --redact is given.

                Exit status: 0; 2 when the capture could not be read, was damaged, or has no exchange #N; 64 a \
                usage error (sysexits' EX_USAGE).
                """)

        @Argument(
            help: ArgumentHelp(
                "A capture file (or the directory / glob pattern given to analyze).", valueName: "CAPTURE"))
        var capture: String

        @Argument(help: ArgumentHelp("The exchange's number in the report (#N).", valueName: "N"))
        var number: Int

        @OptionGroup var filter: CaptureFilterOption

        @OptionGroup var judgement: JudgementOptions

        @OptionGroup var verification: VerificationOptions

        @OptionGroup var listing: ListAllOption

        @OptionGroup var narrowing: NarrowingOptions

        @Flag(
            name: .long,
            help:
                "Replace secrets (authorization, cookies, URL credentials, password/token/secret/key fields) with [redacted N chars]."
        )
        var redact = false

        @OptionGroup var color: ColorOption

        mutating func validate() throws {
            guard number >= 1 else { throw ValidationError("N must be a positive number (the report's #N).") }
        }

        func run() throws {
            var report = BatchAnalyzer.analyze(
                arguments: [capture], options: analysisOptions(), tool: ToolInfo(version: CallbackDoctor.version),
                jobs: BatchAnalyzer.defaultJobs)
            for summary in report.captures {
                if let error = summary.error ?? summary.damage { printError(TerminalSafety.escape(error)) }
            }
            guard number <= report.exchanges.count else {
                let listed = report.exchanges.count
                printError(
                    "\(TerminalSafety.escape(capture)): no exchange #\(number); the report lists "
                        + (listed == 0 ? "none" : "#1–#\(listed)") + " with these options.")
                throw ExitCode(2)
            }
            var chosen = report.exchanges[number - 1]
            if redact {
                report.exchanges = [chosen]
                chosen = report.redacted().exchanges[0]
            }
            let colored = color.enabled(isTerminal: standardOutputIsTerminal())
            try writeOutput(to: nil) { ExchangeDetail.render(chosen, number: number, color: colored, to: $0) }
            throw ExitCode(ExitStatus.of(report, failOn: .never))
        }

        /// The options `analyze` would use, with every quota cut to N: the first N exchanges of the
        /// listing are the same (an exchange among them is among the first N of its kind), and no
        /// more than N per kind are held.
        func analysisOptions() -> AnalysisOptions {
            var options = AnalysisOptions(
                filter: filter, judgement: judgement, verification: verification, servers: nil,
                listAll: listing.listAll, narrowing: narrowing)
            options.listAtMost(number)
            return options
        }
    }
}
