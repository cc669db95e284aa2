import Analysis
import ArgumentParser
import Diagnosis
import Foundation
import ReportModel
import Rendering

/// Output formats of `analyze`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

extension CallbackDoctor {
    struct Analyze: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Analyse capture files and report failed callbacks.",
            discussion: """
                PATH may be a capture file (pcap, pcapng), a directory (searched recursively for \
                .pcap/.pcapng/.cap/.dmp files) or a glob pattern.

                Exit status: 0 no callback failed; 1 a callback failed (or a connection attempt was refused); \
                2 an input could not be read, or was damaged (the report still covers what could be read).
                """)

        @Argument(help: ArgumentHelp("Capture files, directories or glob patterns.", valueName: "PATH"))
        var paths: [String]

        @Option(name: .long, help: "Output format.")
        var format: OutputFormat = .text

        @Option(name: [.short, .long], help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "FILE"))
        var output: String?

        @Option(
            name: [.short, .customLong("filter")],
            help: ArgumentHelp("BPF capture filter applied while reading, as in tcpdump (e.g. 'tcp port 9000').", valueName: "EXPR"))
        var filter: String?

        @Option(name: .long, help: ArgumentHelp("A response completing later than this fails (OSS waits 5 s).", valueName: "SECONDS"))
        var latencyThreshold: Double = 5.0

        @Flag(name: [.short, .long], help: "Also list exchanges that passed and non-callback exchanges (text format).")
        var verbose = false

        mutating func validate() throws {
            guard latencyThreshold > 0, latencyThreshold.isFinite else {
                throw ValidationError("--latency-threshold must be a positive number of seconds.")
            }
        }

        func run() throws {
            var options = AnalysisOptions()
            options.diagnosis.latencyThresholdSeconds = latencyThreshold
            options.filter = filter
            let report = BatchAnalyzer.analyze(
                arguments: paths, options: options, tool: ToolInfo(version: CallbackDoctor.version))

            // One line per unreadable or damaged input, on stderr, whatever the format.
            for capture in report.captures {
                if let error = capture.error {
                    printError(TerminalSafety.escape(error))
                } else {
                    for problem in capture.problems where !capture.complete { printError(TerminalSafety.escape(problem)) }
                }
            }

            let rendered: String
            switch format {
            case .text: rendered = TextRenderer.render(report, options: .init(verbose: verbose))
            case .json: rendered = JSONRenderer.render(report)
            }
            try write(rendered)
            throw ExitCode(ExitStatus.of(report))
        }

        private func write(_ text: String) throws {
            if let output {
                do {
                    try text.write(toFile: output, atomically: true, encoding: .utf8)
                } catch {
                    printError("\(output): cannot write the report: \(error.localizedDescription)")
                    throw ExitCode(2)
                }
            } else {
                FileHandle.standardOutput.write(Data(text.utf8))
            }
        }
    }
}

/// The process exit status for a report.
enum ExitStatus {
    /// 2 when an input could not be read or was damaged; else 1 when a callback failed or a
    /// connection attempt was refused; else 0.
    static func of(_ report: Report) -> Int32 {
        if report.captures.contains(where: { $0.error != nil || !$0.complete }) { return 2 }
        if !report.failures.isEmpty { return 1 }
        return 0
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data(("callback-doctor: " + line + "\n").utf8))
}
