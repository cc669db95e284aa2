import Analysis
import ArgumentParser
import Foundation
import Rendering
import ReportModel

/// `PATH ...` and `-r FILE`: the captures to read (`analyze`, `exchanges`, `stats`).
struct CaptureFileOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Capture files, directories or glob patterns; - for standard input (a pipe).", valueName: "PATH"))
    var paths: [String] = []

    // Inputs as tcpdump and tshark take them (issue #18).
    @Option(
        name: .customShort("r"),
        help: ArgumentHelp(
            "Read this capture, as tcpdump -r and tshark -r do; repeatable, - for standard input. Read before the PATHs.",
            valueName: "FILE"))
    var readFiles: [String] = []

    /// Every input, `-r` files first, then the positional paths.
    var inputs: [String] { readFiles + paths }
}

/// `-f EXPR`: the BPF capture filter (pcap-filter(7)), as tcpdump takes it (`analyze`, `exchanges`,
/// `stats`, `show`, `watch`). It has no check of its own: a filter compiles for a link type, so
/// ``FileAnalysisOptions`` checks it with the files it reads, and `watch` when the interface is
/// opened (`pcap_compile`).
struct CaptureFilterOption: ParsableArguments {
    @Option(
        name: [.customShort("f"), .customLong("filter")],
        help: ArgumentHelp(
            "BPF capture filter applied while reading, as in tcpdump (e.g. 'tcp port 9000').", valueName: "EXPR"))
    var expression: String?
}

/// `-j N`, `-q`: how capture files are read — threads, and the progress bar (`analyze`,
/// `exchanges`, `stats`).
struct ReadingOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "Threads: captures analysed at once; one capture is split by connection (default: the number of cores).",
            valueName: "N"))
    var jobs: Int?

    @Flag(name: [.short, .long], help: "No progress bar on standard error (it is only drawn on a terminal anyway).")
    var quiet = false

    mutating func validate() throws {
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be a positive number (got \(jobs)).") }
    }
}

/// Everything a subcommand that analyses capture files takes about what to read and how to judge
/// it (`analyze`, `exchanges`, `stats`), in the order `--help` lists it.
struct FileAnalysisOptions: ParsableArguments {
    @OptionGroup var files: CaptureFileOptions

    @OptionGroup var filter: CaptureFilterOption

    @OptionGroup var judgement: JudgementOptions

    @OptionGroup var reading: ReadingOptions

    @OptionGroup var verification: VerificationOptions

    @OptionGroup var servers: ServerOptions

    /// The inputs and the filter together (the groups check the rest): see
    /// ``CommandLineHabits/check(inputs:positional:filter:)``.
    mutating func validate() throws {
        try CommandLineHabits.check(inputs: files.inputs, positional: files.paths, filter: filter.expression)
    }

    /// The analysis settings these groups and the listing ones make, by the one function for every
    /// subcommand: ``AnalysisOptions/init(filter:judgement:verification:servers:listAll:narrowing:statisticsOnly:)``.
    func analysisOptions(listAll: Bool, narrowing: NarrowingOptions?, statisticsOnly: Bool = false) -> AnalysisOptions {
        AnalysisOptions(
            filter: filter, judgement: judgement, verification: verification, servers: servers, listAll: listAll,
            narrowing: narrowing, statisticsOnly: statisticsOnly)
    }

    /// Runs the pipeline with `options` over every input (only `shard`'s share, if given) and
    /// reports unreadable or damaged inputs on stderr, one line each, whatever the output format.
    func analyze(with options: AnalysisOptions, shard: InputShard? = nil) -> Report {
        let report = BatchAnalyzer.analyze(
            arguments: files.inputs, options: options, tool: ToolInfo(version: CallbackDoctor.version),
            jobs: reading.jobs ?? BatchAnalyzer.defaultJobs,
            shard: shard, progress: ProgressReporter.standardError(quiet: reading.quiet))
        for capture in report.captures {
            if let problem = capture.error ?? capture.damage { printError(TerminalSafety.escape(problem)) }
        }
        return report
    }
}
