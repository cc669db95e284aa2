import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How a child process ended, with its peak memory.
struct ChildResult: CustomStringConvertible {
    /// Exit status when the child exited, nil when a signal ended it.
    var exitStatus: Int32?
    /// The signal that ended the child, when one did (SIGKILL when the timeout fired).
    var signal: Int32?
    var timedOut: Bool
    var seconds: Double
    /// CPU time of the child (user + system, from `wait4`): what "linear time" is measured in,
    /// since wall time on a shared machine mostly measures the neighbours.
    var cpuSeconds: Double
    /// Peak resident set size of the child, from `wait4`'s `ru_maxrss` (KiB on Linux).
    var peakRSSBytes: Int
    var stdout: Data
    var stderr: String

    var stderrLines: [Substring] { stderr.split(separator: "\n", omittingEmptySubsequences: true) }

    var description: String {
        let how = exitStatus.map { "exit \($0)" } ?? "signal \(signal ?? -1)"
        return
            "\(how)\(timedOut ? " (timed out)" : ""), \(String(format: "%.2f", seconds)) s (CPU \(String(format: "%.2f", cpuSeconds)) s), peak RSS \(peakRSSBytes >> 20) MiB"
    }
}

/// The built `callback-doctor` executable: next to the test bundle (SwiftPM puts both in the same
/// build directory), else `<package root>/.build/debug/callback-doctor`.
enum Executable {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Tests/RobustnessTests/Support/Subprocess.swift
        return url
    }()

    static let path: String? = {
        var candidates: [String] = []
        if let first = CommandLine.arguments.first {
            var directory = URL(fileURLWithPath: first).resolvingSymlinksInPath().deletingLastPathComponent()
            // On macOS the bundle is <dir>/X.xctest/Contents/MacOS/X.
            for _ in 0..<4 {
                candidates.append(directory.appendingPathComponent("callback-doctor").path)
                directory.deleteLastPathComponent()
            }
        }
        candidates.append(packageRoot.appendingPathComponent(".build/debug/callback-doctor").path)
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    static let absentComment: Comment =
        "skipped: the callback-doctor executable was not found next to the tests or in .build/debug"
}

/// Runs `executable arguments…` with `posix_spawn`, stdout and stderr going to temporary files
/// (so a chatty child can never block on a full pipe), kills it with SIGKILL after `timeout`
/// seconds, and reaps it with `wait4` to read its peak RSS.
func runChild(_ executable: String, _ arguments: [String], timeout: Double, standardInput: String = "/dev/null") throws
    -> ChildResult
{
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("robustness-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let outPath = directory.appendingPathComponent("stdout").path
    let errPath = directory.appendingPathComponent("stderr").path

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    // Opened in the child: a FIFO's open waits there for its writer, not here.
    posix_spawn_file_actions_addopen(&actions, 0, standardInput, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

    let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let start = DispatchTime.now()
    let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }

    var status: Int32 = 0
    var usage = rusage()
    var timedOut = false
    var peakResident = 0
    let deadline = start.uptimeNanoseconds + UInt64(timeout * 1e9)
    let name = String(URL(fileURLWithPath: executable).lastPathComponent.prefix(15))
    while true {
        // The child's own high-water mark, from /proc once it runs the executable. (wait4's
        // ru_maxrss is no good here: Linux carries the spawning process's high-water mark
        // across a vfork + exec, so it would report this test process's peak.)
        if let hwm = residentHighWater(pid: pid, expectedName: name) { peakResident = max(peakResident, hwm) }
        let reaped = wait4(pid, &status, WNOHANG, &usage)
        if reaped == pid { break }
        if reaped == -1 && errno != EINTR { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECHILD) }
        if DispatchTime.now().uptimeNanoseconds > deadline, !timedOut {
            timedOut = true
            kill(pid, SIGKILL)
        }
        usleep(2_000)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    // WIFEXITED / WTERMSIG are macros; spelled out: low 7 bits are the signal, 0 means exited.
    let signal = status & 0x7f
    #if os(Linux)
        let rss = peakResident
    #else
        let rss = Int(usage.ru_maxrss)  // bytes on macOS
    #endif
    return ChildResult(
        exitStatus: signal == 0 ? (status >> 8) & 0xff : nil, signal: signal == 0 ? nil : signal,
        timedOut: timedOut, seconds: seconds,
        cpuSeconds: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6 + Double(usage.ru_stime.tv_sec)
            + Double(usage.ru_stime.tv_usec) / 1e6,
        peakRSSBytes: rss,
        stdout: readWhole(outPath),
        stderr: String(decoding: readWhole(errPath), as: UTF8.self))
}

/// The bytes of a file; an empty file is not read at all, because Foundation's file reading leaks
/// its 4 KiB buffer on a 0-byte file (LeakSanitizer, Swift 6.3.1), which fails the suite under
/// `-sanitize=address`.
/// `VmHWM` of `/proc/PID/status` in bytes, once the process runs `expectedName` (before the
/// exec a vforked child still shows its parent's memory).
private func residentHighWater(pid: pid_t, expectedName: String) -> Int? {
    guard let comm = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8),
        comm.trimmingCharacters(in: .whitespacesAndNewlines) == expectedName,
        let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
    else { return nil }
    let digits = line.filter(\.isNumber)
    return Int(digits).map { $0 * 1024 }
}

private func readWhole(_ path: String) -> Data {
    let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
    guard size > 0 else { return Data() }
    return (try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data()
}
