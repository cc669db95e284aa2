public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The one way the tests run another program. Standard error (and standard output, unless the
/// caller hands a file handle) go to files in a private temporary directory, never to a pipe, so a
/// child can write any amount without blocking on a pipe nobody drains (`pipe(7)`: a write to a
/// full pipe blocks).
public enum Subprocess {
    public struct Result: Sendable {
        /// The exit status, or the signal number when ``reason`` is `.uncaughtSignal`.
        public var status: Int32
        public var reason: Process.TerminationReason
        public var stdout: String
        public var stderr: String
    }

    /// Runs `executable arguments…` to its end, from `directory` (nil: this process's), with
    /// `environment` added to this process's environment.
    ///
    /// - Parameters:
    ///   - standardInput: the child's standard input; `/dev/null` when nil.
    ///   - standardOutput: where the child's standard output goes; when nil it is captured into
    ///     ``Result/stdout``.
    public static func run(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        standardInput: FileHandle? = nil, standardOutput: FileHandle? = nil
    ) throws -> Result {
        let child = try BackgroundProcess(
            executable, arguments, in: directory, environment: environment, standardInput: standardInput,
            standardOutput: standardOutput)
        child.waitUntilExit()
        return Result(
            status: child.process.terminationStatus, reason: child.process.terminationReason, stdout: child.stdout,
            stderr: child.stderr)
    }

    /// The full path of `name` on `PATH`, nil when it is not installed.
    public static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: "\($0)/\(name)") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}

/// A child process that runs while the test goes on; its standard output and standard error go to
/// files (read at any time, never a full pipe), removed when the value goes away. A child still
/// running then is killed (SIGKILL) and reaped.
public final class BackgroundProcess {
    public let process = Process()
    private let outputDirectory: URL
    public let stdoutPath: String
    public let stderrPath: String

    /// Starts `executable arguments…` from `directory` (nil: this process's) with `environment`
    /// added to this process's environment.
    ///
    /// - Parameters:
    ///   - standardInput: the child's standard input; `/dev/null` when nil.
    ///   - standardOutput: where the child's standard output goes; a fresh file (``stdout``) when nil.
    public init(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        standardInput: FileHandle? = nil, standardOutput: FileHandle? = nil
    ) throws {
        outputDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("cd-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        stdoutPath = outputDirectory.appendingPathComponent("stdout").path
        stderrPath = outputDirectory.appendingPathComponent("stderr").path
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        process.standardInput = standardInput ?? FileHandle.nullDevice
        process.standardOutput = try standardOutput ?? Self.fresh(stdoutPath)
        process.standardError = try Self.fresh(stderrPath)
        try process.run()
        // The child holds its own descriptors now; ours close when Process lets go of them.
    }

    private static func fresh(_ path: String) throws -> FileHandle {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        return try FileHandle(forWritingTo: URL(fileURLWithPath: path))
    }

    public var stdout: String { Self.text(of: stdoutPath) }
    public var stderr: String { Self.text(of: stderrPath) }

    /// The file's text; an empty file is never read through Foundation, whose file reading leaks
    /// its buffer for a 0-byte file (docs/robustness.md §4) — and these files start empty.
    private static func text(of path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else { return "" }
        return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    public func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// The exit status, or nil while the process runs.
    public var status: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// Waits for the process to exit, however long it takes.
    public func waitUntilExit() { process.waitUntilExit() }

    /// Waits up to `seconds` for the process to exit; true when it did. The limit only catches a
    /// hang: give it generously (a loaded machine is slow).
    @discardableResult
    public func wait(upTo seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { return false }
        process.waitUntilExit()
        return true
    }

    /// Waits up to `seconds` until `condition` holds; true when it did. The limit only catches a
    /// hang: give it generously (a loaded machine is slow).
    @discardableResult
    public static func poll(upTo seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: outputDirectory)
    }
}
