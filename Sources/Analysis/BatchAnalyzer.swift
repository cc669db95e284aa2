import CallbackSignature
import Foundation
public import ReportModel
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Analyses several inputs, in parallel, and merges them into one report.
public enum BatchAnalyzer {
    /// The default for `jobs`: the number of processors online.
    public static var defaultJobs: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Resolves `arguments` (files, directories, globs), analyses every capture, and returns the
    /// merged report. Unusable inputs appear as captures with `error` set; the rest go on.
    ///
    /// - Parameters:
    ///   - jobs: threads to analyse with. Captures are analysed at the same time, each by its own
    ///     pipeline on its own thread; with fewer captures than jobs, each capture's connections
    ///     are split across `jobs / captures` threads (``ShardedPipeline``), so one large capture
    ///     uses every core too. The report does not depend on it: captures are listed in input
    ///     order (directories expanded in path order) whatever finishes first, and a split
    ///     capture gives the report it gives on one thread.
    ///   - shard: when given, only that share of the expanded inputs is analysed (``InputShard``).
    ///   - progress: told about files and bytes as they are read (see ``ProgressReporter``).
    public static func analyze(
        arguments: [String], options: AnalysisOptions, tool: ToolInfo, jobs: Int = defaultJobs,
        shard: InputShard? = nil,
        progress: ProgressReporter = .disabled
    ) -> Report {
        let expanded = InputExpansion.resolve(arguments)
        let inputs = shard.map { $0.share(of: expanded) } ?? expanded
        let sizes = inputs.map { input -> Int64 in
            if case .file(let path) = input { return fileSize(path) }
            return 0
        }
        progress.start(files: inputs.count, bytes: sizes.reduce(0, +))

        let results = Results(count: inputs.count)
        let parts = max(1, jobs / max(1, inputs.count))
        forEachConcurrently(count: inputs.count, jobs: jobs) { i in
            let analysis: CaptureAnalysis
            switch inputs[i] {
            case .file(let path):
                var reported: Int64 = 0
                analysis = CaptureAnalyzer.analyze(path: path, options: options, parts: parts) { delta in
                    reported += delta
                    progress.advance(bytes: delta)
                }
                // The rest of the file (stdio's and zlib's read-ahead, or an unreadable file).
                if sizes[i] > reported { progress.advance(bytes: sizes[i] - reported) }
            case .unusable(let path, let message):
                var summary = CaptureSummary(path: path)
                summary.error = message
                summary.complete = false
                analysis = CaptureAnalysis(summary: summary, exchanges: [])
            }
            results.store(analysis, at: i)
            progress.finishFile()
        }
        progress.finish()

        var captures: [CaptureSummary] = []
        var exchanges: [ReportedExchange] = []
        captures.reserveCapacity(inputs.count)
        for analysis in results.take() {
            captures.append(analysis.summary)
            exchanges += analysis.exchanges
        }
        return Report(
            tool: tool,
            settings: ReportSettings(
                diagnosis: options.diagnosis, filter: options.filter, publicKeys: options.publicKeys.map(\.label),
                servers: options.servers.map(\.description), listing: options.listing),
            captures: captures,
            exchanges: exchanges)
    }

    /// The size of a regular file, or 0.
    /// The corresponding C function is `stat`.
    static func fileSize(_ path: String) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return 0 }
        return Int64(info.st_size)
    }

    /// Calls `body` for every index in `0..<count`, on up to `jobs` threads (the calling thread
    /// is one of them), and returns when all calls have returned. Indices are handed out in
    /// order, one at a time, so a long capture does not hold up the short ones behind it.
    static func forEachConcurrently(count: Int, jobs: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let workers = max(1, min(jobs, count))
        if workers == 1 {
            for i in 0..<count { body(i) }
            return
        }
        let counter = Counter()
        let done = DispatchGroup()
        let loop: @Sendable () -> Void = {
            while true {
                let i = counter.next()
                guard i < count else { return }
                body(i)
            }
        }
        for _ in 1..<workers {
            done.enter()
            let thread = Thread {
                loop()
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        loop()
        done.wait()
    }

    /// The next index to hand out, shared by the worker threads.
    private final class Counter: Sendable {
        private let value = Atomic<Int>(0)
        func next() -> Int { value.wrappingAdd(1, ordering: .relaxed).oldValue }
    }

    /// One slot per input, filled by whichever worker analysed it.
    private final class Results: Sendable {
        private let slots: Locked<[CaptureAnalysis?]>
        init(count: Int) { slots = Locked(Array(repeating: nil, count: count)) }
        func store(_ analysis: CaptureAnalysis, at index: Int) {
            slots.withLock { $0[index] = analysis }
        }
        func take() -> [CaptureAnalysis] {
            slots.withLock { slots in slots.map { $0! } }
        }
    }
}
