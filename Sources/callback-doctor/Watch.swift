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
                second Ctrl-C later, while the report is written, abandons it and ends the process at once. --duration and --count stop on their own. -w saves \
                the packets, so `callback-doctor analyze FILE` gives the same report later.

                Exit status: 0 nothing failed; 1 a callback failed (per --fail-on); 2 the capture could not \
                start (no permission, no such interface, interface down, a filter that does not compile) or \
                was incomplete (packets dropped by the kernel, capture error); 64 a usage error (an unknown                 option, a bad value; sysexits' EX_USAGE).
                """)

        @Option(
            name: [.short, .customLong("interface")],
            help: ArgumentHelp("The interface to capture on (lo, eth0, any).", valueName: "IFACE"))
        var interface: String

        @Option(
            name: [.short, .customLong("filter")],
            help: ArgumentHelp("BPF capture filter, as in tcpdump (e.g. 'tcp port 9000').", valueName: "EXPR"))
        var filter: String?

        @Option(name: .long, help: "Format of the report written at the end.")
        var format: OutputFormat = .text

        @Option(
            name: [.short, .long],
            help: ArgumentHelp("Write the report to FILE instead of standard output.", valueName: "FILE"))
        var output: String?

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

        @Option(
            name: .long,
            help: ArgumentHelp("A response completing later than this fails (OSS waits 5 s).", valueName: "SECONDS"))
        var latencyThreshold: Double = 5.0

        @Option(
            name: .customLong("public-key"),
            help: ArgumentHelp(
                "Also verify callback signatures with this RSA public key (PEM), besides OSS's published one; repeatable.",
                valueName: "FILE.pem"))
        var publicKeyFiles: [String] = []

        @OptionGroup var servers: ServerOptions

        @OptionGroup var redaction: RedactionOptions

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Colour the lines and the text report (auto: on a terminal, unless NO_COLOR is set).", valueName: "WHEN"
            ))
        var color: ColorChoice = .auto

        @Option(
            name: .long,
            help: ArgumentHelp(
                "Exit with status 1 when a finding at this severity or worse is present.", valueName: "SEVERITY"))
        var failOn: FailOn = .error

        @Flag(name: [.short, .long], help: "No live lines and no status line: only the report at the end.")
        var quiet = false

        @Flag(name: [.short, .long], help: "Also list exchanges that passed and non-callback exchanges (text report).")
        var verbose = false

        @Flag(
            name: .long,
            help: "List every exchange in the report (default: 100 passing, 100 non-callback and 100 per failing rule)."
        )
        var listAll = false

        @OptionGroup var narrowing: NarrowingOptions

        mutating func validate() throws {
            guard latencyThreshold > 0, latencyThreshold.isFinite else {
                throw ValidationError("--latency-threshold must be a positive number of seconds.")
            }
            if let duration, !(duration > 0 && duration.isFinite) {
                throw ValidationError("--duration must be a positive number of seconds.")
            }
            if let count, count < 1 { throw ValidationError("--count must be at least 1.") }
            for file in publicKeyFiles { _ = try InputOptions.loadKey(file) }
        }

        /// Opens the capture, reports each callback as it is decided (``LiveLines``) with a status
        /// line, and writes the report when the capture stops.
        func run() throws {
            var options = AnalysisOptions(
                listEverything: listAll, latencyThreshold: latencyThreshold, filter: filter, servers: servers,
                publicKeys: try publicKeyFiles.map(InputOptions.loadKey))
            narrowing.apply(to: &options)

            // Handlers first, so that a signal during start-up is not lost.
            StopSignals.install()
            var capture = try openCapture()

            let environment = ProcessInfo.processInfo.environment
            let linesToStandardError = output == nil && format != .text
            let lineStream = linesToStandardError ? FileHandle.standardError : FileHandle.standardOutput
            let linesAreTerminal = isatty(linesToStandardError ? STDERR_FILENO : STDOUT_FILENO) == 1
            let style = TerminalStyle(enabled: color.enabled(isTerminal: linesAreTerminal, environment: environment))
            let status = StatusLine(enabled: !quiet && isatty(STDERR_FILENO) == 1)

            if !quiet { announce(capture) }

            var tally = LiveTally()
            var packets = 0
            var elapsed = 0
            let emit: (String) -> Void = { line in
                status.clear()
                lineStream.write(Data((line + "\n").utf8))
            }
            let observer: (PipelineEvent) -> Void = { event in
                switch event {
                case .overdue(let d):
                    tally.add(d)
                    if !quiet { emit(LiveLines.line(d, kind: .overdue, style: style)) }
                case .finished(let d, let earlier):
                    guard d.isCallback || d.exchange.refusal != nil else { return }
                    if let earlier {
                        tally.remove(earlier)
                        tally.add(d)
                        if !quiet && !LiveLines.sameVerdict(earlier, d) {
                            emit(LiveLines.line(d, kind: .update(earlier: earlier), style: style))
                        }
                    } else {
                        tally.add(d)
                        if !quiet { emit(LiveLines.line(d, kind: .finished, style: style)) }
                    }
                }
                status.draw(tally.statusLine(interface: interface, packets: packets, elapsedSeconds: elapsed))
            }

            let (liveReport, reason) = LiveAnalyzer.watch(
                &capture, options: options, limits: LiveLimits(durationSeconds: duration, callbacks: count),
                tool: ToolInfo(version: CallbackDoctor.version),
                shouldStop: { StopSignals.requested != nil },
                observer: observer,
                tick: { progress in
                    packets = progress.packets
                    elapsed = Int(progress.elapsedSeconds)
                    status.draw(tally.statusLine(interface: interface, packets: packets, elapsedSeconds: elapsed))
                })
            // From here a stop signal other than a copy of the first ends the process at once.
            StopSignals.enterReportPhase()
            status.clear()
            _ = consume capture  // closes the savefile before the report is written

            for summary in liveReport.captures {
                if let damage = summary.damage { printError(TerminalSafety.escape(damage)) }
            }
            if !quiet {
                printError(
                    "\(Self.describe(reason)); \(tally.callbacks) callback\(tally.callbacks == 1 ? "" : "s"), \(tally.failing) failing"
                )
            }
            try writeReport(liveReport, environment: environment)
        }

        /// The live capture on `--interface`; a capture that cannot start is one line on standard
        /// error and exit status 2.
        private func openCapture() throws -> LiveCapture {
            do {
                return try LiveCapture(interface: interface, filter: filter, savefile: savefile)
            } catch {
                printError(TerminalSafety.escape(error.description))
                throw ExitCode(2)
            }
        }

        /// The line on standard error that says what is watched.
        private func announce(_ capture: borrowing LiveCapture) {
            var what = "watching \(interface) (\(capture.linkLayer))"
            if let filter { what += ", filter '\(filter)'" }
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

        /// The report in `--format` (redacted as `--redact` says) to `-o` or standard output; the
        /// exit status per `--fail-on`.
        private func writeReport(_ liveReport: Report, environment: [String: String]) throws {
            let report = liveReport
            let redact = redaction.enabled(defaultOn: format.redactsByDefault)
            let colored = color.enabled(
                isTerminal: output == nil && standardOutputIsTerminal(), environment: environment)
            try writeOutput(to: output) {
                renderReport(report, format: format, redact: redact, color: colored, verbose: verbose, to: $0)
            }
            throw ExitCode(ExitStatus.of(report, failOn: failOn))
        }
    }
}

/// The rolling status line on standard error (only when it is a terminal): drawn in place with a
/// carriage return and erased (ECMA-48 EL, `ESC [ 2 K`) before any other line is printed.
final class StatusLine {
    let enabled: Bool
    private var shown = false
    private var last = ""

    init(enabled: Bool) { self.enabled = enabled }

    func draw(_ text: String) {
        guard enabled, text != last || !shown else { return }
        last = text
        shown = true
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
    }

    func clear() {
        guard enabled, shown else { return }
        shown = false
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
