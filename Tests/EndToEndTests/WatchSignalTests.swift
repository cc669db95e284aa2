import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue #16 item 8: `watch` never loses its report to a copy of the stop signal.
///
/// Needs root (a live capture on `lo`); no traffic: the filter names a port nobody uses, and the
/// report (empty) is what is checked. Timing: only the order of events and generous upper
/// bounds, except the one documented 1 s window (see ``duplicateWithinASecondDuringTheReport()``).
private let canCapture = getuid() == 0
private let captureComment: Comment = "watch signal tests need root (live capture on lo); skipped"

/// `callback-doctor watch` arguments that capture nothing and write the JSON report on stdout.
private let quietWatch = ["watch", "-i", "lo", "-f", "tcp port 19999", "--format", "json"]

/// A pipe whose buffer the test filled with spaces before the child got its write end, so that
/// the child's first write blocks until the test reads. It holds `watch` inside its report phase
/// for as long as the test likes. The spaces are JSON whitespace (RFC 8259 §2) before the report.
final class StalledPipe {
    let readEnd: Int32
    /// The write end, for the child (close-on-exec here; the child's stdout is a dup2 of it).
    let writeHandle: FileHandle
    /// Bytes of filler written.
    let filler: Int

    init() throws {
        var ends: [Int32] = [-1, -1]
        try #require(pipe(&ends) == 0, "pipe: errno \(errno)")
        readEnd = ends[0]
        let writeEnd = ends[1]
        // Close-on-exec, so that no other child keeps the write end open (and EOF away).
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        let flags = fcntl(writeEnd, F_GETFL)
        _ = fcntl(writeEnd, F_SETFL, flags | O_NONBLOCK)
        var total = 0
        let space = [UInt8](repeating: 0x20, count: 1)
        while space.withUnsafeBytes({ write(writeEnd, $0.baseAddress, 1) }) == 1 { total += 1 }
        // The child must get a blocking descriptor (O_NONBLOCK belongs to the shared open file).
        _ = fcntl(writeEnd, F_SETFL, flags)
        filler = total
        writeHandle = FileHandle(fileDescriptor: writeEnd, closeOnDealloc: true)
    }

    /// Closes the test's copy of the write end (after the child started), so that EOF follows the
    /// child's exit.
    func closeWriteEnd() throws { try writeHandle.close() }

    /// Everything after the filler, read until EOF or until `seconds` pass.
    func readAfterFiller(upTo seconds: Double) -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var ready = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
            guard poll(&ready, 1, 100) >= 0 || errno == EINTR else { break }
            guard ready.revents != 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[..<n]
        }
        return Array(bytes.dropFirst(filler))
    }

    deinit { close(readEnd) }
}

/// The JSON report's `captures[0].path`, or nil when `bytes` is not a complete JSON report.
private func capturePath(ofReport bytes: [UInt8]) -> String? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any],
        let captures = object["captures"] as? [[String: Any]]
    else { return nil }
    return captures.first?["path"] as? String
}

@Suite(
    "watch: stop signals (issue #16 item 8)", .enabled(if: canCapture, captureComment), .serialized,
    .tags(.endToEnd, .live))
struct WatchSignalTests {
    /// Starts `watch` with its stdout on `pipe`, and waits for its "watching" line.
    private func startWatch(stdout pipe: StalledPipe) throws -> BackgroundProcess {
        let watch = try CLIRunner.start(CLIRunner.binary, quietWatch, standardOutput: pipe.writeHandle)
        try pipe.closeWriteEnd()
        let watching = BackgroundProcess.poll(upTo: 20) {
            watch.stderr.contains("watching") || !watch.isRunning
        }
        try #require(watching && watch.isRunning, "watch did not start: \(watch.stderr)")
        return watch
    }

    @Test("a copy of the same SIGINT that arrives while the report is written is ignored: the report is complete")
    func duplicateWithinASecondDuringTheReport() throws {
        // The one wall-clock condition: the copy must come within the 1 s window to be a copy. On
        // this path it takes one read timeout (100 ms) plus start-up of the report; a machine so
        // busy that the test could not send it in time gets another attempt (the window is the
        // test's precondition, not the product's result), and three misses fail the test.
        var gaps: [Double] = []
        var attempt: (pipe: StalledPipe, watch: BackgroundProcess)?
        while attempt == nil, gaps.count < 3 {
            let pipe = try StalledPipe()
            let watch = try startWatch(stdout: pipe)
            let first = Date()
            watch.signal(SIGINT)
            // "stopped by SIGINT" is printed after the capture loop ended, before the report is
            // written: from here `watch` is in its report phase, blocked on the stalled pipe.
            let stopped = BackgroundProcess.poll(upTo: 10) {
                watch.stderr.contains("stopped by SIGINT") || !watch.isRunning
            }
            try #require(stopped && watch.isRunning, "watch did not reach its report: \(watch.stderr)")
            watch.signal(SIGINT)
            gaps.append(Date().timeIntervalSince(first))
            if gaps.last! < 1.0 { attempt = (pipe, watch) }
        }
        let (pipe, watch) = try #require(
            attempt, "the second SIGINT came \(gaps) s after the first in 3 attempts: too late to count as a copy")

        // A copy that killed watch kills it now, while its report is still stuck in the pipe
        // (reading at once could let the blocked write finish before the signal is acted on).
        let died = watch.wait(upTo: 1)
        #expect(!died, "the copy of SIGINT ended watch during its report")
        let report = pipe.readAfterFiller(upTo: 30)
        #expect(watch.wait(upTo: 10), "watch did not exit after its report was read")
        #expect(
            watch.termination == .exit, "watch was killed by signal \(watch.status ?? -1)")
        #expect(watch.status == 0)
        #expect(capturePath(ofReport: report) == "lo", "incomplete report: \(String(decoding: report, as: UTF8.self))")
    }

    @Test("a deliberate second Ctrl-C more than 1 s later abandons the report and ends watch by SIGINT")
    func laterSecondInterruptAbandonsTheReport() throws {
        let pipe = try StalledPipe()
        let watch = try startWatch(stdout: pipe)

        watch.signal(SIGINT)
        let stopped = BackgroundProcess.poll(upTo: 10) {
            watch.stderr.contains("stopped by SIGINT") || !watch.isRunning
        }
        try #require(stopped && watch.isRunning, "watch did not reach its report: \(watch.stderr)")
        // Blocked on the stalled pipe, watch is still writing its report 1.5 s after the first
        // signal: the next SIGINT is a deliberate one.
        usleep(1_500_000)
        try #require(watch.isRunning)
        watch.signal(SIGINT)
        #expect(watch.wait(upTo: 10), "watch did not end on the second SIGINT")
        #expect(watch.termination == .uncaughtSignal)
        #expect(watch.status == SIGINT)
        #expect(capturePath(ofReport: pipe.readAfterFiller(upTo: 5)) == nil, "an abandoned report cannot be complete")
    }

    /// One Ctrl-C reaches `watch` twice: the terminal signals `watch`, and `timeout` forwards
    /// its own copy to `watch` again, directly and to its process group (coreutils timeout.c,
    /// `cleanup`). How late the forwarded copy comes depends on when `timeout` gets the CPU; the
    /// runs step that lateness from 0 to 270 ms, so that some copies land while `watch` still
    /// captures and some after the capture loop ended (20-50 ms after the first signal here),
    /// while it writes the report. The report goes to a stalled pipe, as to a reader that is slow
    /// to take it (`| less`, a big report): that keeps `watch` in its report phase as long as the
    /// test likes. Run 1 is the pure group case: one kill(2) to the whole group.
    @Test(
        "timeout 60 watch, Ctrl-C, and timeout's forwarded copy 0-270 ms later: the report is complete in 10 runs of 10"
    )
    func interruptForwardedByTimeout() throws {
        try #require(
            WatchHarness.hasCommand("timeout") && WatchHarness.hasCommand("python3"),
            "coreutils timeout and python3 are needed")
        var lost: [String] = []
        for run in 1...10 {
            // `timeout` (without --foreground) makes itself a process group leader; watch inherits the group.
            let pipe = try StalledPipe()
            let timeout = try CLIRunner.start(
                URL(fileURLWithPath: "/usr/bin/env"),
                Self.asFromAShell + ["timeout", "60", CLIRunner.binary.path] + quietWatch,
                standardOutput: pipe.writeHandle)
            try pipe.closeWriteEnd()
            let watching = BackgroundProcess.poll(upTo: 20) {
                timeout.stderr.contains("watching") || !timeout.isRunning
            }
            try #require(watching && timeout.isRunning, "watch did not start: \(timeout.stderr)")
            let timeoutID = timeout.processIdentifier
            if run == 1 {
                kill(-timeoutID, SIGINT)
            } else {
                let watchID = try #require(Self.onlyChild(of: timeoutID), "no watch process under timeout")
                kill(watchID, SIGINT)
                usleep(UInt32(run - 1) * 30_000)
                kill(timeoutID, SIGINT)
            }
            // A copy that kills watch does so now, before the test takes the report from the pipe.
            _ = timeout.wait(upTo: 1)
            let report = pipe.readAfterFiller(upTo: 30)
            #expect(timeout.wait(upTo: 20), "run \(run): watch did not stop")
            if capturePath(ofReport: report) != "lo" || timeout.termination != .exit
                || timeout.status != 0
            {
                let end = timeout.termination == .exit ? "exit" : "signal"
                lost.append("run \(run): \(end) \(timeout.status ?? -1), \(report.count) report bytes")
            }
        }
        #expect(lost.isEmpty, "the report was lost in \(lost.count) of 10 runs: \(lost)")
    }

    /// Runs the command that follows with no signal blocked and SIGPIPE at its default, as a
    /// shell starts it. The test runner's children inherit a mask that blocks SIGINT (seen in
    /// /proc/PID/status, SigBlk), and `timeout`, unlike `watch`, does not unblock it, so it would
    /// never forward a Ctrl-C.
    static let asFromAShell = [
        "python3", "-c",
        "import os, signal, sys; signal.signal(signal.SIGPIPE, signal.SIG_DFL); signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execvp(sys.argv[1], sys.argv[1:])",
    ]

    /// The one child process of `parent` (Linux /proc/PID/task/PID/children), if exactly one.
    static func onlyChild(of parent: Int32) -> Int32? {
        let path = "/proc/\(parent)/task/\(parent)/children"
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let children = text.split(separator: " ").compactMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return children.count == 1 ? children[0] : nil
    }
}
