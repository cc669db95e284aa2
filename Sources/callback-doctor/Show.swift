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

                Exit status: 0; 2 when the capture could not be read, was damaged, or has no exchange #N; 64 a                 usage error (sysexits' EX_USAGE).
                """)

        @Argument(
            help: ArgumentHelp(
                "A capture file (or the directory / glob pattern given to analyze).", valueName: "CAPTURE"))
        var capture: String

        @Argument(help: ArgumentHelp("The exchange's number in the report (#N).", valueName: "N"))
        var number: Int

        @Option(
            name: [.short, .customLong("filter")],
            help: ArgumentHelp("BPF capture filter, as given to analyze.", valueName: "EXPR"))
        var filter: String?

        @Option(
            name: .long,
            help: ArgumentHelp("A response completing later than this fails (OSS waits 5 s).", valueName: "SECONDS"))
        var latencyThreshold: Double = 5.0

        @Option(
            name: .customLong("public-key"),
            help: ArgumentHelp(
                "Also verify callback signatures with this RSA public key (PEM); repeatable.", valueName: "FILE.pem"))
        var publicKeyFiles: [String] = []

        @OptionGroup var listing: ListAllOption

        @OptionGroup var narrowing: NarrowingOptions

        @Flag(
            name: .long,
            help:
                "Replace secrets (authorization, cookies, URL credentials, password/token/secret/key fields) with [redacted N chars]."
        )
        var redact = false

        @Option(
            name: .long,
            help: ArgumentHelp("Colour the headings (auto: on a terminal, unless NO_COLOR is set).", valueName: "WHEN"))
        var color: ColorChoice = .auto

        mutating func validate() throws {
            guard number >= 1 else { throw ValidationError("N must be a positive number (the report's #N).") }
            guard latencyThreshold > 0, latencyThreshold.isFinite else {
                throw ValidationError("--latency-threshold must be a positive number of seconds.")
            }
            for file in publicKeyFiles { _ = try InputOptions.loadKey(file) }
        }

        func run() throws {
            var report = BatchAnalyzer.analyze(
                arguments: [capture], options: try analysisOptions(), tool: ToolInfo(version: CallbackDoctor.version),
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
            let colored = color.enabled(
                isTerminal: standardOutputIsTerminal(), environment: ProcessInfo.processInfo.environment)
            try writeOutput(to: nil) { ExchangeDetail.render(chosen, number: number, color: colored, to: $0) }
            throw ExitCode(ExitStatus.of(report, failOn: .never))
        }

        /// The options `analyze` would use, with every quota cut to N: the first N exchanges of the
        /// listing are the same (an exchange among them is among the first N of its kind), and no
        /// more than N per kind are held.
        func analysisOptions() throws -> AnalysisOptions {
            var options = AnalysisOptions()
            let quota = listing.listAll ? number : min(number, options.maxPassingExchangesKept)
            options.maxPassingExchangesKept = quota
            options.maxFailingExchangesKeptPerRule =
                listing.listAll ? number : min(number, options.maxFailingExchangesKeptPerRule)
            options.diagnosis.latencyThresholdSeconds = latencyThreshold
            options.filter = filter
            options.publicKeys = try publicKeyFiles.map(InputOptions.loadKey)
            narrowing.apply(to: &options)
            return options
        }
    }
}
