import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `callback-doctor watch` end to end, on loopback, with the samples' real server and sender.
///
/// Needs root (capturing on `lo`), python3 and openssl (the sender signs like OSS): skipped with
/// a message otherwise. The traffic uses ports 19001+ (`--port-offset` 10000 plus 100 times this
/// process id modulo 50, so that test runs of two checkouts on one machine rarely share ports), so
/// it never mixes with a `samples/record.sh` run on 9001-9040 at the same time, and `watch`
/// filters on them.
private let canRunLive = getuid() == 0 && WatchHarness.hasCommand("python3") && WatchHarness.hasCommand("openssl")
private let liveComment: Comment = "watch tests need root (live capture on lo), python3 and openssl; skipped"

enum WatchHarness {
    static let portOffset = 10_000 + 100 * Int(getpid() % 50)
    static let filter = "tcp portrange \(port(9001))-\(port(9040))"

    /// A samples scenario's port (samples/scenarios.py) as the tests' server listens on it.
    static func port(_ samplesPort: Int) -> Int { samplesPort + portOffset }
    static let python = URL(fileURLWithPath: "/usr/bin/env")

    static func hasCommand(_ name: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
        }
    }

    /// Starts `callback_server.py` for `scenarios` on the offset ports and waits until it listens.
    static func startServer(_ scenarios: [String], in directory: URL) throws -> BackgroundProcess {
        let ready = directory.appendingPathComponent("server.ready").path
        let server = try CLIRunner.start(
            python,
            [
                "python3", "samples/callback_server.py", "--port-offset", "\(portOffset)", "--ready-file", ready,
                "--only",
            ] + scenarios)
        let listening = BackgroundProcess.poll(upTo: 60) { FileManager.default.fileExists(atPath: ready) }
        try #require(
            listening, "the samples' server did not start (ports \(9001 + portOffset)+ in use?): \(server.stderr)")
        return server
    }

    /// Starts `oss_sender.py` for `scenarios`.
    static func startSender(_ scenarios: [String], timeout: Double? = nil, in directory: URL) throws
        -> BackgroundProcess
    {
        var arguments = [
            "python3", "samples/oss_sender.py", "--port-offset", "\(portOffset)",
            "--out", directory.appendingPathComponent("recording-\(UUID().uuidString).json").path,
        ]
        if let timeout { arguments += ["--timeout", "\(timeout)"] }
        return try CLIRunner.start(python, arguments + ["--only"] + scenarios)
    }

    /// Starts `callback-doctor watch` and waits until it captures (its "watching" line).
    static func startWatch(_ arguments: [String], in directory: URL) throws -> BackgroundProcess {
        // The samples' sender signs with the test key (see CLIRunner.sampleKeyArguments).
        let key = SampleRecording.packageRoot.appendingPathComponent("samples/keys/test-callback-public.pem").path
        let watch = try CLIRunner.start(CLIRunner.binary, ["watch", "--public-key", key] + arguments)
        let watching = BackgroundProcess.poll(upTo: 60) {
            watch.stderr.contains("watching") || !watch.isRunning
        }
        try #require(watching && watch.isRunning, "watch did not start: \(watch.stderr)")
        return watch
    }

    /// (request target, rule ids) of every exchange of a JSON report, in report order.
    static func findings(ofJSONReport text: String) throws -> [String] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let report = try #require(object as? [String: Any])
        let exchanges = try #require(report["exchanges"] as? [[String: Any]])
        return exchanges.map { exchange in
            let target = (exchange["request"] as? [String: Any])?["target"] as? String ?? "-"
            let rules = (exchange["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
            return "\(target) \(rules.joined(separator: ","))"
        }.sorted()
    }
}

@Suite("watch (live capture)", .enabled(if: canRunLive, liveComment), .serialized, .tags(.endToEnd, .live))
struct WatchTests {
    @Test(
        "a good and a failing callback: live lines, SIGINT, the JSON report, and -w re-analysed gives the same findings"
    )
    func goodAndFailingCallback() throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try WatchHarness.startServer(["good-json", "status-500"], in: directory)
        defer { server.signal(SIGTERM) }
        let savefile = directory.appendingPathComponent("live.pcap").path
        let watch = try WatchHarness.startWatch(
            ["-i", "lo", "-f", WatchHarness.filter, "--format", "json", "-w", savefile], in: directory)
        #expect(watch.isRunning, "watch did not start: \(watch.stderr)")

        let sender = try WatchHarness.startSender(["good-json", "status-500"], in: directory)
        #expect(sender.wait(upTo: 60), "the sender did not finish")
        // Both callbacks are decided live, before the capture is stopped.
        BackgroundProcess.poll(upTo: 60) { watch.stderr.contains("\(WatchHarness.port(9007))") }
        let liveBeforeStop = watch.stderr

        // The limits below only catch a hang: a loaded machine is slow, never early.
        watch.signal(SIGINT)
        #expect(watch.wait(upTo: 60), "watch did not stop on SIGINT")
        #expect(watch.status == 1)  // a callback failed

        // Live lines: on stderr, because the JSON report owns stdout.
        let lines = liveBeforeStop.split(separator: "\n").map(String.init)
        let good = lines.first { $0.contains("→ 127.0.0.1:\(WatchHarness.port(9001))") }
        let failing = lines.first { $0.contains("→ 127.0.0.1:\(WatchHarness.port(9007))") }
        #expect(good?.contains("POST /oss/callback  200 OK") == true, "\(lines)")
        #expect(good?.hasSuffix("  ok") == true, "\(lines)")
        #expect(failing?.contains("500 Internal Server Error") == true, "\(lines)")
        #expect(failing?.contains("FAIL bad-status: The server answered 500") == true, "\(lines)")
        #expect(watch.stderr.contains("stopped by SIGINT; 2 callbacks, 1 failing"))

        // The report: valid JSON on stdout, both callbacks with their findings.
        let live = try WatchHarness.findings(ofJSONReport: watch.stdout)
        #expect(live == ["/oss/callback ", "/oss/callback?scenario=status-500 bad-status"])

        // The saved capture, analysed afterwards, says the same.
        let analysed = try CLIRunner.run(["analyze", "--format", "json", savefile])
        #expect(analysed.status == 1)
        #expect(try WatchHarness.findings(ofJSONReport: analysed.stdout) == live)
    }

    @Test("a callback still waiting is reported when OSS's 5 s pass; a late response adds an update line")
    func overdueCallbacks() throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try WatchHarness.startServer(["silent", "slow-6s"], in: directory)
        defer { server.signal(SIGTERM) }
        let watch = try WatchHarness.startWatch(["-i", "lo", "-f", WatchHarness.filter], in: directory)

        // The silent server never answers, and this sender waits 15 s (longer than OSS, with room
        // for a loaded machine); the slow-6s server answers at 6 s and its sender waits for it.
        // Order of events, not a window: the overdue line cannot come before OSS's 5 s have passed
        // since the sender started (a slow machine is late, never early), and it comes while the
        // silent connection is still open; the 60 s limits only catch a hang.
        let started = Date()
        let silent = try WatchHarness.startSender(["silent"], timeout: 15, in: directory)
        let slow = try WatchHarness.startSender(["slow-6s"], in: directory)
        let sawOverdue = BackgroundProcess.poll(upTo: 60) {
            watch.stdout.split(separator: "\n").contains {
                $0.contains(":\(WatchHarness.port(9019))") && $0.contains("waiting")
            }
        }
        let overdueAfter = Date().timeIntervalSince(started)
        try #require(sawOverdue, "no live line for the silent server: \(watch.stdout)")
        #expect(overdueAfter >= 5, "the overdue line came after \(overdueAfter) s, before OSS's timeout")
        #expect(
            silent.isRunning, "the line must come while the connection is still open (after \(overdueAfter) s)")
        #expect(silent.wait(upTo: 60) && slow.wait(upTo: 60))
        BackgroundProcess.poll(upTo: 60) { watch.stdout.contains("update:") }
        watch.signal(SIGINT)
        #expect(watch.wait(upTo: 60))
        #expect(watch.status == 1)

        // The live lines: everything before the text report's first line.
        let live = watch.stdout.components(separatedBy: "callback-doctor 0.1.0:").first ?? ""
        let lines = live.split(separator: "\n").map(String.init)
        let silentLines = lines.filter { $0.contains("→ 127.0.0.1:\(WatchHarness.port(9019))") }
        let slowLines = lines.filter { $0.contains("→ 127.0.0.1:\(WatchHarness.port(9012))") }
        // Silent: one line, at the timeout; the final verdict is the same rule, so no update.
        #expect(silentLines.count == 1, "\(lines)")
        #expect(silentLines.first?.contains("waiting  FAIL no-response: No response 5.") == true, "\(lines)")
        // Slow: the overdue line, then the final verdict once the 6 s response completed.
        #expect(slowLines.count == 2, "\(lines)")
        #expect(slowLines.first?.contains("waiting  FAIL no-response") == true, "\(lines)")
        #expect(slowLines.last?.contains("200 OK  6.0") == true, "\(lines)")
        #expect(slowLines.last?.contains("update: FAIL slow-response (was no-response)") == true, "\(lines)")
        // The text report follows the lines on stdout, with the final verdicts.
        #expect(watch.stdout.contains("no-response    1"))
        #expect(watch.stdout.contains("slow-response  1"))
    }

    @Test("--duration 1 stops by itself and writes the report")
    func durationStops() throws {
        let started = Date()
        let watch = try CLIRunner.start(
            CLIRunner.binary, ["watch", "-i", "lo", "-f", "tcp port 19999", "--duration", "1", "--format", "json"])
        // At least the duration (a slow machine is late, never early); the limit only catches a hang.
        #expect(watch.wait(upTo: 60))
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed >= 1, "stopped after \(elapsed) s, before --duration 1")
        #expect(watch.status == 0)
        #expect(watch.stderr.contains("--duration reached"))
        let report = try #require(try JSONSerialization.jsonObject(with: Data(watch.stdout.utf8)) as? [String: Any])
        let captures = try #require(report["captures"] as? [[String: Any]])
        #expect(captures.first?["path"] as? String == "lo")
    }

    @Test("--count 1 stops after the first callback")
    func countStops() throws {
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try WatchHarness.startServer(["good-json"], in: directory)
        defer { server.signal(SIGTERM) }
        let watch = try WatchHarness.startWatch(["-i", "lo", "-f", WatchHarness.filter, "--count", "1"], in: directory)
        let sender = try WatchHarness.startSender(["good-json"], in: directory)
        #expect(sender.wait(upTo: 60))
        #expect(watch.wait(upTo: 60), "watch did not stop after one callback")
        #expect(watch.status == 0)
        #expect(watch.stderr.contains("--count reached; 1 callback, 0 failing"))
        #expect(watch.stdout.contains("Callbacks: 1 seen, 1 passed, 0 failed"))
    }

    @Test("start-up errors: one line naming the problem, exit 2")
    func startupErrors() throws {
        let noSuch = try CLIRunner.run(["watch", "-i", "cdnosuch0"])
        #expect(noSuch.status == 2)
        #expect(noSuch.stderr.contains("cdnosuch0: no such interface"))
        #expect(noSuch.stdout.isEmpty)

        let badFilter = try CLIRunner.run(["watch", "-i", "lo", "-f", "tcp port"])
        #expect(badFilter.status == 2)
        #expect(badFilter.stderr.contains("invalid capture filter \"tcp port\""))
    }

    @Test("without permission to capture: a clear error and exit 2 (run as nobody)")
    func permissionDenied() throws {
        let setpriv = try #require(
            Subprocess.which("setpriv"), "setpriv is not installed: the permission path cannot be tested")
        // nobody runs its own copy: the build directory may sit in a directory only root enters.
        let directory = try CLIRunner.readableTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let binary = try CLIRunner.binaryCopy(in: directory)
        let r = try Subprocess.run(
            setpriv, ["--reuid=nobody", "--regid=nogroup", "--clear-groups", binary.path, "watch", "-i", "lo"],
            in: directory)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("lo: no permission to capture"), "\(r.stderr)")
        #expect(r.stderr.contains("CAP_NET_RAW"))
    }
}
