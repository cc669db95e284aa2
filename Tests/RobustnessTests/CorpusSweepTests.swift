import Foundation
import TestSupport
import Testing

/// Issue #6, "Build and show": the built binary on every file of `../shared/corpus/robustness` and
/// `../shared/corpus/http`, one process per file, as a user would run it.
///
/// For each file: the process ends by itself (no signal, within ``timeout``) with 0, 1 or 2;
/// exit 2 comes with exactly one stderr line, which names the file; exit 0 or 1 with none; the
/// JSON report on stdout parses; a file that breaks partway is reported as incomplete with what
/// was read before the break; unsupported link types are named with their packet count; peak
/// RSS stays under 256 MB.
@Suite(
    "Corpus sweep through the binary",
    .enabled(if: Corpus.isAvailable, Corpus.absentComment),
    .enabled(if: Subprocess.callbackDoctor != nil, Subprocess.callbackDoctorAbsent),
    .serialized, .tags(.endToEnd, .conformance))
struct CorpusSweepTests {
    static let timeout = 120.0  // only catches a hang: a debug build on a busy machine is slow
    static let memoryLimit = 256 << 20

    static var files: [String] { Corpus.files(in: "robustness") + Corpus.files(in: "http") }

    @Test("every corpus file: exit 0/1/2, no signal, one clear line per bad input, bounded memory", arguments: files)
    func sweep(_ path: String) throws {
        let result = try Subprocess.run(
            Subprocess.callbackDoctor!, ["analyze", "--format", "json", path], timeout: Self.timeout)
        let label = Corpus.name(path)
        #expect(!result.timedOut, "\(label): \(result)")
        #expect(result.signal == nil, "\(label): \(result)")
        #expect([0, 1, 2].contains(result.exitStatus), "\(label): \(result)")
        Sanitizer.measure("peak RSS") { #expect(result.peakRSSBytes < Self.memoryLimit, "\(label): \(result)") }

        if result.exitStatus == 2 {
            Self.knownExtraLines(in: result) {
                #expect(
                    result.stderrLines.count == 1,
                    "\(label): exit 2 must give exactly one stderr line, got:\n\(result.stderr)")
                for line in result.stderrLines {
                    #expect(line.hasPrefix("callback-doctor: "), "\(label): \(line)")
                    #expect(line.contains(path), "\(label): the error line must name the file: \(line)")
                }
            }
        } else {
            #expect(result.stderr.isEmpty, "\(label): exit \(result.exitStatus ?? -1) with stderr:\n\(result.stderr)")
        }

        // The report is valid JSON and covers this one capture.
        let json = try #require(
            try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any],
            "\(label): stdout is not a JSON report")
        let captures = try #require(json["captures"] as? [[String: Any]])
        let capture = try #require(captures.first)
        #expect(captures.count == 1)
        let complete = capture["complete"] as? Bool
        let error = capture["error"] as? String
        let problems = capture["problems"] as? [String] ?? []
        let packets = capture["packets"] as? Int ?? -1
        if result.exitStatus == 2 {
            // Either unreadable (error) or damaged partway (incomplete, the damage named, what was read kept).
            #expect(
                error != nil || (complete == false && !problems.isEmpty),
                "\(label): exit 2 but the report says neither error nor incomplete")
        } else {
            #expect(
                complete == true && error == nil,
                "\(label): exit \(result.exitStatus ?? -1) but the report is not complete")
        }

        // Unsupported link types are counted and named, never dropped silently.
        let decoding = capture["decoding"] as? [String: Any]
        for skip in decoding?["skipped"] as? [[String: Any]] ?? [] {
            guard let reason = skip["reason"] as? String, reason.hasPrefix("link-type:"),
                let count = skip["packets"] as? Int, let text = skip["description"] as? String
            else { continue }
            let number = reason.dropFirst("link-type:".count)
            #expect(text.hasPrefix(number + " ") || text == number, "\(label): link type description \(text)")
            #expect(
                problems.contains("\(count) packet\(count == 1 ? "" : "s") of link type \(text) not analysed"),
                "\(label): problems \(problems)")
        }
        if packets > 0 { #expect(capture["format"] is String) }
    }

    /// Known bug, outside this target's ownership (reported to the owner of
    /// Sources/callback-doctor): for a capture that is cut partway AND has packets of an
    /// unsupported link type, `Analyze.run()` prints every entry of `capture.problems` to stderr
    /// (`for problem in capture.problems where !capture.complete`), so the input gets a second
    /// line, "callback-doctor: 1 packets of link type 127 (IEEE802_11_RADIO) not analysed", which
    /// does not name the file. Reproducer: robustness/scapy__bad_rsn_parsing_overrides_ssid.pcap.
    /// Scoped to exactly that symptom: when the bug is fixed, `withKnownIssue` fails ("known issue
    /// was not recorded") and this wrapper must go.
    static func knownExtraLines(in result: Subprocess.Result, _ body: () -> Void) {
        let hasBug = result.stderrLines.contains { $0.contains("packets of link type") }
        if hasBug {
            withKnownIssue(
                "callback-doctor prints the link-type problem of a damaged capture as a second, unnamed stderr line"
            ) {
                body()
            }
        } else {
            body()
        }
    }

    /// A file cut partway keeps what was read: these are cut after whole HTTP exchanges.
    @Test(
        "a capture cut partway reports the exchanges before the cut, marked incomplete",
        arguments: [
            ("robustness/CUT__zeek__pipelined-requests__half.pcap", 24, 25),
            ("robustness/suricata__http-mime-truncated.pcap", 2696, 2697),
            ("robustness/CUT__zeek__get__mid-packet-data.pcap", 6, 7),
        ])
    func partial(_ relative: String, packetsBeforeCut: Int, record: Int) throws {
        let path = try #require(Corpus.path(relative))
        let result = try Subprocess.run(
            Subprocess.callbackDoctor!, ["analyze", "--format", "json", path], timeout: Self.timeout)
        #expect(result.exitStatus == 2)
        #expect(result.stderrLines.count == 1)
        #expect(result.stderr.contains("at record \(record)"), "the line says where: \(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let capture = try #require((json["captures"] as? [[String: Any]])?.first)
        #expect(capture["complete"] as? Bool == false)
        #expect(capture["packets"] as? Int == packetsBeforeCut)
        let exchanges = json["exchanges"] as? [[String: Any]] ?? []
        #expect(!exchanges.isEmpty, "the exchanges read before the cut are reported")
    }

    /// One batch over the whole robustness directory: every bad file gets its own line, and the
    /// batch goes on to the end.
    @Test("the whole robustness directory in one batch: one line per bad file, every file reported")
    func batch() throws {
        let directory = try #require(Corpus.root) + "/robustness"
        let result = try Subprocess.run(
            Subprocess.callbackDoctor!, ["analyze", "--format", "json", directory], timeout: 120)
        #expect(result.exitStatus == 2, "\(result)")
        Sanitizer.measure("peak RSS") { #expect(result.peakRSSBytes < Self.memoryLimit, "\(result)") }
        let json = try #require(try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any])
        let captures = try #require(json["captures"] as? [[String: Any]])
        // Every file of the directory has a capture extension (.pcap, .pcapng, .pcapng.gz…), so
        // every file is in the report, in one piece each.
        #expect(captures.count == Corpus.files(in: "robustness").count)
        let bad = captures.filter { $0["error"] is String || $0["complete"] as? Bool == false }
        Self.knownExtraLines(in: result) {
            #expect(result.stderrLines.count == bad.count, "stderr:\n\(result.stderr)")
        }
        for capture in bad {
            let path = try #require(capture["path"] as? String)
            #expect(result.stderrLines.filter { $0.contains(path) }.count == 1, "\(path) named once")
        }
    }
}
