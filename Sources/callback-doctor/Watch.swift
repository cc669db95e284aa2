import Analysis
import ArgumentParser
import Diagnosis
import Foundation
import HTTPExchanges
import PcapCapture
import Rendering
import ReportModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension CallbackDoctor {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Capture live on an interface and report callbacks as they happen.",
            discussion: """
                Captures through libpcap (immediate mode, snaplen 262144, the -f filter installed in the \
                kernel) and runs the same analysis as `analyze`. Each callback gets one line when it is \
                decided: time, client → server, request, status, latency, verdict (ok, or FAIL with its \
                rules). A callback still waiting when OSS's 5 s timeout (--latency-threshold) passes gets its \
                line then (no-response, or slow-response while a response is still arriving); if its final \
                verdict turns out different (a late response), an "update:" line follows. See \
                docs/output-formats.md.

                Lines go to standard output, except with a machine format (json, jsonl) on standard output: \
                then they go to standard error and standard output holds only the report. On a terminal a \
                status line on standard error keeps the counts.

                Stop with Ctrl-C (SIGINT) or SIGTERM: the capture ends within 100 ms, every open connection is \
                finished and the full report is written in --format (standard output or -o). A copy of the same \
                signal within 1 s (a terminal and a parent such as timeout(1) both sending it) is ignored; a \
                second Ctrl-C later, while the report is written, abandons it and ends the process at once. \
                --duration and --count stop on their own. -w saves \
                the packets, so `callback-doctor analyze FILE` gives the same report later.

                Exit status: 0 nothing failed; 1 a callback failed (per --fail-on); 2 the capture could not \
                start (no permission, no such interface, interface down, a filter that does not compile) or \
                was incomplete (packets dropped by the kernel, capture error); 64 a usage error (an unknown \
                option, a bad value; sysexits' EX_USAGE).
                """)

        @Option(
            name: [.short, .customLong("interface")],
            help: ArgumentHelp("The interface to capture on (lo, eth0, any).", valueName: "IFACE"))
        var interface: String

        @OptionGroup var filter: CaptureFilterOption

        @Option(
            name: [.customShort("w"), .customLong("write")],
            help: ArgumentHelp("Also save the captured packets to FILE (pcap).", valueName: "FILE"))
        var savefile: String?

        @Option(name: .long, help: ArgumentHelp("Stop after this many seconds.", valueName: "SECONDS"))
        var duration: Double?

        @Option(
            name: [.short, .long],
            help: ArgumentHelp(
                "Stop after N callbacks have been decided (OSS callbacks and refused connection attempts; not packets).",
                valueName: "N"))
        var count: Int?

        @Flag(name: [.short, .long], help: "No live lines and no status line: only the report at the end.")
        var quiet = false

        @OptionGroup var judgement: JudgementOptions

        @OptionGroup var verification: VerificationOptions

        @OptionGroup var servers: ServerOptions

        @OptionGroup var listing: ListAllOption

        @OptionGroup var narrowing: NarrowingOptions

        @Option(name: .long, help: "Format of the report written at the end.")
        var format: OutputFormat = .text

        @OptionGroup var writing: ReportOutputOptions

        mutating func validate() throws {
            if let duration, !(duration > 0 && duration.isFinite) {
                throw ValidationError("--duration must be a positive number of seconds.")
            }
            if let count, count < 1 { throw ValidationError("--count must be at least 1.") }
        }

        /// Opens the capture, reports each callback as it is decided (``LiveOutput``), and writes
        /// the report when the capture stops.
        func run() throws {
            let options = analysisOptions()
            // Handlers first, so that a signal during start-up is not lost.
            StopSignals.install()
            var capture = try openCapture()
            let live = LiveOutput(
                interface: interface, quiet: quiet, linesToStandardError: writing.output == nil && format != .text,
                color: writing.color)
            if !quiet { announce(capture) }

            let (report, reason) = LiveAnalyzer.watch(
                &capture, options: options, limits: LiveLimits(durationSeconds: duration, callbacks: count),
                tool: ToolInfo(version: CallbackDoctor.version), shouldStop: { StopSignals.requested != nil },
                observer: live.observe, tick: live.tick)
            // From here a stop signal other than a copy of the first ends the process at once.
            StopSignals.enterReportPhase()
            live.finish()
            _ = consume capture  // closes the savefile before the report is written

            for summary in report.captures {
                if let damage = summary.damage { printError(TerminalSafety.escape(damage)) }
            }
            if !quiet { printError("\(Self.describe(reason)); \(live.counts)") }
            try writing.write(report, format: format)
        }

        /// The analysis settings, from the groups `analyze` has too.
        func analysisOptions() -> AnalysisOptions {
            AnalysisOptions(
                filter: filter, judgement: judgement, verification: verification, servers: servers,
                listAll: listing.listAll, narrowing: narrowing)
        }

        /// The live capture on `--interface`; a capture that cannot start is one line on standard
        /// error and exit status 2.
        private func openCapture() throws -> LiveCapture {
            do {
                return try LiveCapture(interface: interface, filter: filter.expression, savefile: savefile)
            } catch {
                printError(TerminalSafety.escape(error.description))
                throw ExitCode(2)
            }
        }

        /// The line on standard error that says what is watched.
        private func announce(_ capture: borrowing LiveCapture) {
            var what = "watching \(interface) (\(capture.linkLayer))"
            if let filter = filter.expression { what += ", filter '\(filter)'" }
            if let savefile { what += ", saving packets to \(savefile)" }
            printError(TerminalSafety.escape(what) + "; Ctrl-C stops and writes the report")
        }

        /// Why the capture stopped, as the closing line says it.
        private static func describe(_ reason: LiveStopReason) -> String {
            switch reason {
            case .requested: "stopped by \(StopSignals.requested == SIGTERM ? "SIGTERM" : "SIGINT")"
            case .duration: "--duration reached"
            case .count: "--count reached"
            case .failed: "the capture failed"
            }
        }
    }
}
