import Analysis
public import ArgumentParser
import CallbackSignature
import Diagnosis
import Foundation
import Rendering
import ReportModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What to read and how to diagnose it: shared by `analyze` and `exchanges`.
struct InputOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Capture files, directories or glob patterns; - for standard input (a pipe).", valueName: "PATH"))
    var paths: [String] = []

    // MARK: Inputs as tcpdump and tshark take them (issue #18)

    @Option(
        name: .customShort("r"),
        help: ArgumentHelp(
            "Read this capture, as tcpdump -r and tshark -r do; repeatable, - for standard input. Read before the PATHs.",
            valueName: "FILE"))
    var readFiles: [String] = []

    /// Every input, `-r` files first, then the positional paths.
    var inputs: [String] { readFiles + paths }

    // MARK: Analysis

    @Option(
        name: [.short, .customLong("filter")],
        help: ArgumentHelp(
            "BPF capture filter applied while reading, as in tcpdump (e.g. 'tcp port 9000').", valueName: "EXPR"))
    var filter: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A response completing later than this fails (OSS waits 5 s).", valueName: "SECONDS"))
    var latencyThreshold: Double = 5.0

    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Threads: captures analysed at once; one capture is split by connection (default: the number of cores).",
            valueName: "N"))
    var jobs: Int?

    @Flag(name: [.short, .long], help: "No progress bar on standard error (it is only drawn on a terminal anyway).")
    var quiet = false

    @Option(
        name: .customLong("public-key"),
        help: ArgumentHelp(
            "Also verify callback signatures with this RSA public key (PEM), besides OSS's published one; repeatable. For self-hosted tests that sign with their own key.",
            valueName: "FILE.pem"))
    var publicKeyFiles: [String] = []

    @OptionGroup var servers: ServerOptions

    mutating func validate() throws {
        guard latencyThreshold > 0, latencyThreshold.isFinite else {
            throw ValidationError("--latency-threshold must be a positive number of seconds (got \(latencyThreshold)).")
        }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be a positive number (got \(jobs)).") }
        try CommandLineHabits.check(inputs: inputs, positional: paths, filter: filter)
        for file in publicKeyFiles { _ = try Self.loadKey(file) }
    }

    /// Reads and parses one `--public-key` file; the error names the file.
    static func loadKey(_ path: String) throws -> CallbackPublicKey {
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ValidationError("--public-key \(path): cannot read the file.")
        }
        do {
            return try CallbackPublicKey(pem: pem, label: path)
        } catch {
            throw ValidationError("--public-key \(error.description)")
        }
    }

    /// Runs the pipeline over every input and reports unreadable or damaged inputs on stderr,
    /// one line each, whatever the output format.
    /// `configure` adjusts the options last (the listing, statistics: see NarrowingOptions.swift).
    func analyze(
        listEverything: Bool = false, shard: InputShard? = nil, configure: (inout AnalysisOptions) -> Void = { _ in }
    ) -> Report {
        // Checked by validate(); a file that changed since is left out (and named on stderr).
        let keys = publicKeyFiles.compactMap { file in
            do {
                return try Self.loadKey(file)
            } catch {
                printError(TerminalSafety.escape("\(error)"))
                return nil
            }
        }
        var options = AnalysisOptions(
            listEverything: listEverything, latencyThreshold: latencyThreshold, filter: filter, servers: servers,
            publicKeys: keys)
        configure(&options)
        let report = BatchAnalyzer.analyze(
            arguments: inputs, options: options, tool: ToolInfo(version: CallbackDoctor.version),
            jobs: jobs ?? BatchAnalyzer.defaultJobs,
            shard: shard, progress: ProgressReporter.standardError(quiet: quiet))
        for capture in report.captures {
            if let error = capture.error {
                printError(TerminalSafety.escape(error))
            } else {
                if let damage = capture.damage { printError(TerminalSafety.escape(damage)) }
            }
        }
        return report
    }
}

extension AnalysisOptions {
    /// The analysis settings `analyze`, `exchanges` and `watch` take from their options, built in
    /// one place: with `listEverything` (`--list-all`) no exchange is left unlisted.
    init(
        listEverything: Bool, latencyThreshold: Double, filter: String?, servers: ServerOptions,
        publicKeys: [CallbackPublicKey]
    ) {
        self.init()
        if listEverything {
            maxPassingExchangesKept = Int.max
            maxFailingExchangesKeptPerRule = Int.max
        }
        diagnosis.latencyThresholdSeconds = latencyThreshold
        self.filter = filter
        self.servers = servers.names
        self.publicKeys = publicKeys
    }
}

/// `--server HOST:PORT` (repeatable): the callback servers (`analyze`, `exchanges`, `watch`).
struct ServerOptions: ParsableArguments {
    @Option(
        name: .customLong("server"),
        help: ArgumentHelp(
            "A callback server: HOST:PORT, [IPV6]:PORT or :PORT (any host), PORT a number or a range FIRST-LAST; repeatable. HTTPS to it is judged as OSS callbacks (by default only HTTPS to a server:port that plaintext callbacks went to is), and only exchanges with the named servers are listed (the counts still cover the whole capture).",
            valueName: "HOST:PORT"))
    var serverTexts: [String] = []

    mutating func validate() throws {
        for text in serverTexts {
            do {
                _ = try ServerName(parsing: text)
            } catch {
                throw ValidationError("--server \(error.description)")
            }
        }
    }

    /// The parsed names (checked by ``validate()``).
    var names: [ServerName] { serverTexts.compactMap { try? ServerName(parsing: $0) } }
}

/// `--redact` / `--no-redact`; the default depends on the format.
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

extension ColorChoice: ExpressibleByArgument {}

/// `--detail brief|full` (the Markdown report).
extension ReportDetail: ExpressibleByArgument {}

/// When the process fails (`--fail-on`).
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case error, warning, never
}

/// Whether standard output is a terminal. The corresponding C function is `isatty`.
func standardOutputIsTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }

func printError(_ line: String) {
    FileHandle.standardError.write(Data(("callback-doctor: " + line + "\n").utf8))
}
