public import Foundation
public import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The one way the tests run another program (`posix_spawn(3)`, reaped with `wait4(2)`).
///
/// - Output: standard output (unless the caller hands a file handle) and standard error go to
///   files in a private temporary directory, never to a pipe, so a child can write any amount
///   without blocking on a pipe nobody drains (`pipe(7)`: a write to a full pipe blocks).
/// - Time: ``run(_:_:in:environment:standardInput:standardOutput:timeout:)`` kills the child
///   (SIGKILL) when it outlives its timeout, records an issue naming the command, and returns
///   with ``Result/timedOut`` set; a hang fails the test instead of the suite.
/// - Start state: the child gets no descriptor of this process but 0, 1 and 2
///   (`posix_spawn_file_actions_addclosefrom_np`), every signal at its default disposition and an
///   empty signal mask (`POSIX_SPAWN_SETSIGDEF`, `POSIX_SPAWN_SETSIGMASK`), as a shell starts it.
public enum Subprocess {
    /// How a child ended.
    public enum Termination: Sendable, Equatable {
        /// It called `exit` (``Result/status`` is the exit status).
        case exit
        /// A signal ended it (``Result/status`` is the signal number).
        case uncaughtSignal
    }

    /// A finished child.
    public struct Result: Sendable, CustomStringConvertible {
        /// The exit status, or the signal number when ``reason`` is `.uncaughtSignal`.
        public var status: Int32
        public var reason: Termination
        /// True when the runner killed the child because it outlived its timeout.
        public var timedOut: Bool
        /// Wall time from the spawn to the reaping.
        public var seconds: Double
        /// CPU time of the child (user + system, `wait4`'s `rusage`): what "linear time" is
        /// measured in, since wall time on a shared machine mostly measures the neighbours.
        public var cpuSeconds: Double
        /// The child's peak resident set size in bytes, the largest `VmHWM` of
        /// `/proc/PID/status` sampled every 2 ms while it ran (a lower bound: growth in its last
        /// 2 ms may be missed). Not `wait4`'s `ru_maxrss`: Linux carries the spawning process's
        /// high-water mark across the spawn's vfork + exec, so that would be this test process's.
        public var peakRSSBytes: Int
        /// Standard output's bytes (empty when the caller handed its own handle).
        public var stdoutData: Data
        public var stderr: String

        /// Standard output as UTF-8 (invalid bytes become U+FFFD, they never empty the text).
        public var stdout: String { String(decoding: stdoutData, as: UTF8.self) }
        /// The exit status, nil when a signal ended the child.
        public var exitStatus: Int32? { reason == .exit ? status : nil }
        /// The signal that ended the child (SIGKILL when the timeout fired), nil when it exited.
        public var signal: Int32? { reason == .uncaughtSignal ? status : nil }
        public var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }

        public var description: String {
            let how = reason == .exit ? "exit \(status)" : "signal \(status)"
            let times = String(format: "%.2f s (CPU %.2f s)", seconds, cpuSeconds)
            return "\(how)\(timedOut ? " (timed out)" : ""), \(times), peak RSS \(peakRSSBytes >> 20) MiB"
        }
    }

    /// The timeout of a run that names none: far above any test's child on a loaded machine, so
    /// it only turns a hang into a failure.
    public static let defaultTimeout: Double = 600

    /// Runs `executable arguments…` to its end, from `directory` (nil: this process's), with
    /// `environment` added to this process's environment.
    ///
    /// - Parameters:
    ///   - standardInput: a path the child opens for reading as its standard input (in the child,
    ///     so a FIFO's open waits there for its writer, not here).
    ///   - standardOutput: where the child's standard output goes; when nil it is captured into
    ///     ``Result/stdoutData``.
    ///   - timeout: seconds after which the child is killed with SIGKILL; only catches a hang,
    ///     give it generously (a loaded machine is slow).
    public static func run(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        standardInput: String = "/dev/null", standardOutput: FileHandle? = nil, timeout: Double = defaultTimeout,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> Result {
        let child = try BackgroundProcess(
            executable, arguments, in: directory, environment: environment, standardInput: standardInput,
            standardOutput: standardOutput)
        let result = child.finish(within: timeout)
        if result.timedOut {
            Issue.record(
                "\(executable.path) \(arguments.joined(separator: " ")) outlived its \(timeout) s timeout and was killed",
                sourceLocation: sourceLocation)
        }
        return result
    }

    /// The full path of `name` on `PATH`, nil when it is not installed.
    public static func which(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: "\($0)/\(name)") }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// The built `callback-doctor` executable: beside the test bundle (SwiftPM builds both into
    /// `.build/<triple>/<configuration>/`), else `<package root>/.build/debug/callback-doctor`;
    /// nil when neither exists.
    public static let callbackDoctor: URL? = {
        var candidates: [URL] = []
        if let first = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent()
            // On macOS the bundle is <dir>/X.xctest/Contents/MacOS/X.
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("callback-doctor"))
                directory.deleteLastPathComponent()
            }
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/callback-doctor"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }()

    /// The comment of a test skipped because ``callbackDoctor`` is nil.
    public static let callbackDoctorAbsent: Comment =
        "skipped: the callback-doctor executable was not found next to the tests or in .build/debug"

    /// The package root (`<root>/Tests/TestSupport/Subprocess.swift`, symlinks resolved).
    public static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()
}

/// A child process that runs while the test goes on (``Subprocess``'s spawn and start state);
/// its standard output and standard error go to files (read at any time, never a full pipe),
/// removed when the value goes away. A child still running then is killed (SIGKILL) and reaped.
public final class BackgroundProcess {
    public let processIdentifier: pid_t
    public let stdoutPath: String
    public let stderrPath: String
    private let outputDirectory: URL
    private let capturesStdout: Bool
    private let started = DispatchTime.now()
    /// `comm` of the executed program (15 bytes at most, `proc(5)`), to tell the exec'd child
    /// from the vforked copy of this process in `/proc`.
    private let commandName: String
    private var ending: (status: Int32, usage: rusage, at: DispatchTime)?
    private var peakResident = 0
    private var killedAfterTimeout = false

    /// Starts `executable arguments…` from `directory` (nil: this process's) with `environment`
    /// added to this process's environment.
    ///
    /// - Parameters:
    ///   - standardInput: a path the child opens for reading as its standard input.
    ///   - standardOutput: where the child's standard output goes; a fresh file (``stdout``) when nil.
    public init(
        _ executable: URL, _ arguments: [String], in directory: URL? = nil, environment: [String: String] = [:],
        standardInput: String = "/dev/null", standardOutput: FileHandle? = nil
    ) throws {
        outputDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("cd-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: outputDirectory, withIntermediateDirectories: true)
        stdoutPath = outputDirectory.appendingPathComponent("stdout").path
        stderrPath = outputDirectory.appendingPathComponent("stderr").path
        capturesStdout = standardOutput == nil
        commandName = String(executable.lastPathComponent.prefix(15))
        var streams = SpawnStreams()
        defer { streams.destroy() }
        try streams.open(standardInput, as: 0, flags: O_RDONLY)
        if let standardOutput, standardOutput === FileHandle.nullDevice || standardOutput.fileDescriptor < 0 {
            // Foundation's null device has no descriptor of its own (-1 on Linux): open /dev/null.
            try streams.open("/dev/null", as: 1, flags: O_WRONLY)
        } else if let standardOutput {
            try streams.duplicate(standardOutput.fileDescriptor, as: 1)
        } else {
            try streams.open(stdoutPath, as: 1, flags: O_WRONLY | O_CREAT | O_TRUNC)
        }
        try streams.open(stderrPath, as: 2, flags: O_WRONLY | O_CREAT | O_TRUNC)
        try streams.closeTheRest()
        if let directory { try streams.changeDirectory(to: directory.path) }
        processIdentifier = try Self.spawn(executable.path, arguments, environment: environment, streams: &streams)
    }

    /// `posix_spawn(3)` with every signal at its default and none blocked.
    private static func spawn(
        _ path: String, _ arguments: [String], environment: [String: String], streams: inout SpawnStreams
    ) throws -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in argv + envp { free(pointer) } }
        var pid: pid_t = 0
        let failure = posix_spawn(&pid, path, &streams.actions, &attributes, argv, envp)
        guard failure == 0 else { throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO) }
        return pid
    }

    public var stdout: String { String(decoding: Self.contents(of: stdoutPath), as: UTF8.self) }
    public var stderr: String { String(decoding: Self.contents(of: stderrPath), as: UTF8.self) }

    /// The file's bytes; an empty file is never read through Foundation, whose file reading leaks
    /// its buffer for a 0-byte file (docs/robustness.md §4) — and these files start empty.
    private static func contents(of path: String) -> Data {
        var info = stat()
        guard stat(path, &info) == 0, info.st_size > 0 else { return Data() }
        return FileManager.default.contents(atPath: path) ?? Data()
    }

    public func signal(_ number: Int32) {
        if ending == nil { kill(processIdentifier, number) }
    }

    /// True until the child has exited (and is reaped here).
    public var isRunning: Bool {
        reap(blocking: false)
        return ending == nil
    }

    /// The exit status, or the signal number when ``termination`` is `.uncaughtSignal`; nil while
    /// the process runs.
    public var status: Int32? {
        guard !isRunning, let ending else { return nil }
        return Self.decode(ending.status).status
    }

    /// How the child ended; nil while it runs.
    public var termination: Subprocess.Termination? {
        guard !isRunning, let ending else { return nil }
        return Self.decode(ending.status).reason
    }

    /// Waits for the process to exit, however long it takes.
    public func waitUntilExit() { reap(blocking: true) }

    /// Waits up to `seconds` for the process to exit; true when it did. The limit only catches a
    /// hang: give it generously (a loaded machine is slow).
    @discardableResult
    public func wait(upTo seconds: Double) -> Bool {
        Self.poll(upTo: seconds) { !self.isRunning }
    }

    /// Waits until the child exits, killing it (SIGKILL) once `timeout` seconds have passed since
    /// the spawn, sampling its peak memory meanwhile; then its result.
    func finish(within timeout: Double) -> Subprocess.Result {
        let deadline = started.uptimeNanoseconds + UInt64(max(0, timeout) * 1e9)
        while isRunning {
            if !killedAfterTimeout, DispatchTime.now().uptimeNanoseconds > deadline {
                killedAfterTimeout = true
                kill(processIdentifier, SIGKILL)
            }
            usleep(2_000)
        }
        return result
    }

    /// The finished child's result (it waits for the end first).
    public var result: Subprocess.Result {
        waitUntilExit()
        let ending = ending!
        let (status, reason) = Self.decode(ending.status)
        let usage = ending.usage
        let cpu =
            Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6
        return Subprocess.Result(
            status: status, reason: reason, timedOut: killedAfterTimeout,
            seconds: Double(ending.at.uptimeNanoseconds - started.uptimeNanoseconds) / 1e9, cpuSeconds: cpu,
            peakRSSBytes: peakResident, stdoutData: capturesStdout ? Self.contents(of: stdoutPath) : Data(),
            stderr: stderr)
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

    /// `wait4(2)` once (or until the end, `blocking`), sampling the peak memory first.
    private func reap(blocking: Bool) {
        guard ending == nil else { return }
        if let highWater = residentHighWater() { peakResident = max(peakResident, highWater) }
        var status: Int32 = 0
        var usage = rusage()
        while true {
            let reaped = wait4(processIdentifier, &status, blocking ? 0 : WNOHANG, &usage)
            if reaped == processIdentifier {
                ending = (status, usage, DispatchTime.now())
                return
            }
            if reaped == -1 && errno == EINTR { continue }
            precondition(reaped == 0, "wait4(\(processIdentifier)): errno \(errno)")
            return
        }
    }

    /// `WIFEXITED` / `WEXITSTATUS` / `WTERMSIG` (macros, spelled out): the low 7 bits are the
    /// signal, 0 when the child exited; the exit status is the next byte.
    private static func decode(_ status: Int32) -> (status: Int32, reason: Subprocess.Termination) {
        let signal = status & 0x7f
        return signal == 0 ? ((status >> 8) & 0xff, .exit) : (signal, .uncaughtSignal)
    }

    /// `VmHWM` of `/proc/PID/status` in bytes, once the child runs the executable (before the
    /// exec a vforked child still shows this process's memory).
    private func residentHighWater() -> Int? {
        guard
            let comm = FileManager.default.contents(atPath: "/proc/\(processIdentifier)/comm"),
            String(decoding: comm, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == commandName,
            let status = FileManager.default.contents(atPath: "/proc/\(processIdentifier)/status"),
            let line = String(decoding: status, as: UTF8.self).split(separator: "\n").first(where: {
                $0.hasPrefix("VmHWM:")
            })
        else { return nil }
        return Int(line.filter(\.isNumber)).map { $0 * 1024 }
    }

    deinit {
        if ending == nil {
            kill(processIdentifier, SIGKILL)
            reap(blocking: true)
        }
        try? FileManager.default.removeItem(at: outputDirectory)
    }
}

/// The file actions of a spawn: the child's 0, 1 and 2, its directory, and nothing else open.
private struct SpawnStreams {
    var actions = posix_spawn_file_actions_t()

    init() { posix_spawn_file_actions_init(&actions) }

    mutating func destroy() { posix_spawn_file_actions_destroy(&actions) }

    mutating func open(_ path: String, as descriptor: Int32, flags: Int32) throws {
        try check(posix_spawn_file_actions_addopen(&actions, descriptor, path, flags, 0o600))
    }

    mutating func duplicate(_ source: Int32, as descriptor: Int32) throws {
        try check(posix_spawn_file_actions_adddup2(&actions, source, descriptor))
    }

    /// Closes every descriptor from 3 up in the child, so that no descriptor of this process
    /// (another test's pipe end, a file open for writing) lives on in it.
    mutating func closeTheRest() throws {
        try check(Self.addCloseFrom(&actions, 3))
    }

    mutating func changeDirectory(to path: String) throws {
        try check(Self.addChangeDirectory(&actions, path))
    }

    private func check(_ result: Int32) throws {
        guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
    }

    // glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34) and `…_addchdir_np` (2.29) are
    // declared only under _GNU_SOURCE, which Swift's Glibc module does not see; they are looked up
    // by name.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias AddChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static let addCloseFrom: AddCloseFrom = glibcFunction("posix_spawn_file_actions_addclosefrom_np")
    private static let addChangeDirectory: AddChangeDirectory = glibcFunction("posix_spawn_file_actions_addchdir_np")

    private static func glibcFunction<Function>(_ name: String) -> Function {
        guard let symbol = dlsym(dlopen(nil, RTLD_NOW), name) else {
            preconditionFailure("\(name) is missing: the test runner needs glibc 2.34 or later")
        }
        return unsafeBitCast(symbol, to: Function.self)
    }
}
