import Analysis
import CallbackSignature
import CaptureModel
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import ReportModel
import TCPReassembly
import TestSupport
import Testing

/// The captures `samples/derive.py` makes from the real recordings (re-split, reordered,
/// retransmitted, VLAN/QinQ/raw/NULL, segments dropped, snaplen 200; `field-*` from the field
/// servers' recording) plus a real `tcpdump -s 200` recording, analysed end to end against the
/// truth file each `MANIFEST.tsv` row names (`truth`: `recording.json`, `recording-field.json`,
/// `derived/recorded-snaplen200.json`).
///
/// - `expect == same` (nothing lost): every exchange gives exactly the original scenario's
///   findings, request line, status and latency, and the capture reports no gap.
/// - `expect == gaps`: exchanges that `GAPS.tsv` says lost bytes must say `incomplete` when a
///   response lost bytes, and never claim what the missing bytes could contradict
///   (`content-length-mismatch` at all; `non-json-body`, `bom-prefix`, `missing-content-length`
///   unless the original had it and the bytes deciding it were captured). Untouched exchanges
///   are exactly the original.
@Suite(.tags(.endToEnd)) struct DerivedSampleTests {
    static let derived = try! DerivedSamples.load()
    /// `recording.json`, the truth of the rows made from `captures/all-lo.pcap` (for suites that
    /// look up one of its scenarios by name).
    static let recording = try! SampleRecording.load()
    /// Each truth file a `MANIFEST.tsv` row names, read once; a failure to read one fails every
    /// test that needs it (never an empty list of scenarios).
    static let truths: [String: Result<SampleRecording, any Error>] = {
        var out: [String: Result<SampleRecording, any Error>] = [:]
        for truth in Set(derived.entries.map(\.truth)) {
            out[truth] = Result {
                guard !truth.isEmpty else { throw DerivedSamples.DerivedSamplesError.noTruth }
                return try SampleRecording.load(from: SampleRecording.samplesDirectory.appendingPathComponent(truth))
            }
        }
        return out
    }()

    /// Each capture analysed once, on first use (Swift Testing runs cases in parallel; a static
    /// `let` is initialised once).
    static let analyses: [String: CaptureAnalysis] = {
        var out: [String: CaptureAnalysis] = [:]
        for entry in derived.entries {
            // Without the samples' key there is no analysis; ``analysis(of:)`` fails naming the key.
            guard let options = try? SampleRecording.analysisOptions() else { break }
            out[entry.file] = CaptureAnalyzer.analyze(path: DerivedSamples.path(entry.file), options: options)
        }
        return out
    }()

    /// The analysis of the derived capture `file`; the test fails when the samples' key cannot
    /// be read or `file` is no row of `MANIFEST.tsv`.
    static func analysis(of file: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> CaptureAnalysis {
        _ = try SampleRecording.analysisOptions(sourceLocation: sourceLocation)
        return try #require(analyses[file], "\(file) is not a row of MANIFEST.tsv", sourceLocation: sourceLocation)
    }

    /// "file|scenario" for every scenario every capture holds.
    static var cases: [String] {
        derived.entries.flatMap { entry in
            switch Result(catching: { try scenarios(of: entry) }) {
            case .success(let scenarios): scenarios.map { "\(entry.file)|\($0.name)" }
            // One case that fails on the missing ground truth (scenarioInDerivedCapture throws it).
            case .failure: ["\(entry.file)|(ground truth unreadable)"]
            }
        }
    }

    static var files: [String] { derived.entries.map(\.file) }

    /// The scenarios of `entry`'s truth file that its capture holds.
    static func scenarios(of entry: DerivedSamples.Entry) throws -> [SampleRecording.Scenario] {
        let recording = try (truths[entry.truth] ?? .failure(DerivedSamples.DerivedSamplesError.noTruth)).get()
        switch entry.scenarios {
        // derive.py leaves the HTTPS scenarios out (their streams are TLS, not HTTP).
        case ["all"]: return recording.scenarios.filter { $0.tls == nil }
        default: return recording.scenarios.filter { entry.scenarios.contains($0.name) }
        }
    }

    // MARK: - Per capture

    @Test(arguments: files)
    func captureLevelFacts(file: String) throws {
        let entry = try #require(Self.derived.entries.first { $0.file == file })
        let analysis = try Self.analysis(of: file)
        let summary = analysis.summary
        #expect(summary.error == nil, "\(summary.error ?? "")")
        #expect(summary.complete, "\(summary.problems)")
        #expect(summary.packets == entry.packets)
        // Every exchange belongs to a recorded connection: a retransmission or a reordered FIN
        // must not make a phantom exchange or connection.
        let scenarios = try Self.scenarios(of: entry)
        try #require(!scenarios.isEmpty, "no ground truth for \(file)")
        let known = Set(scenarios.map { "\($0.client) \($0.server)" })
        let seen = analysis.exchanges.map {
            "\($0.diagnosed.exchange.connection.client) \($0.diagnosed.exchange.connection.server)"
        }
        #expect(
            Set(seen).subtracting(known).isEmpty, "exchanges on unknown connections: \(Set(seen).subtracting(known))")
        #expect(seen.count == scenarios.reduce(0) { $0 + $1.exchanges.count }, "exchange count")
        #expect(summary.tcpPackets == entry.packets, "every record is TCP: \(summary.skipped.map(\.reason))")

        let stats = summary.reassembly
        if entry.expect == "same" {
            #expect(
                stats.gaps == 0 && stats.gapBytes == 0,
                "\(file) lost nothing, yet \(stats.gaps) gaps / \(stats.gapBytes) bytes")
            #expect(summary.snaplenTruncatedPackets == 0)
        } else {
            let lost = Self.derived.gaps.filter { $0.file == file }
            #expect(!lost.isEmpty)
            if entry.variant.contains("snaplen") {
                #expect(summary.snaplenTruncatedPackets > 0)
            } else {
                #expect(stats.gaps > 0 && stats.gapBytes > 0, "\(file): dropped segments but no gap counted")
            }
        }
        switch entry.variant {
        case "reorder": #expect(stats.outOfOrderSegments > 0)
        case "capture-order":
            // Data written after the ACK that acknowledges it fills its hole: data, not a retransmission.
            #expect(stats.outOfOrderSegments > 0)
            #expect(stats.retransmittedSegments == 0, "late bytes counted as retransmissions")
        case "dup-exact", "dup-overlap": #expect(stats.retransmittedSegments > 0)
        default: break
        }
    }

    // MARK: - Per scenario

    @Test(arguments: cases)
    func scenarioInDerivedCapture(_ testCase: String) throws {
        let parts = testCase.split(separator: "|").map(String.init)
        let file = parts[0], name = parts[1]
        let entry = try #require(Self.derived.entries.first { $0.file == file })
        let scenario = try #require(try Self.scenarios(of: entry).first { $0.name == name })
        let analysis = try Self.analysis(of: file)
        let exchanges = analysis.exchanges.map(\.diagnosed).filter {
            $0.exchange.connection.client.description == scenario.client
                && $0.exchange.connection.server.description == scenario.server
        }.sorted { $0.exchange.index < $1.exchange.index }
        try #require(
            exchanges.map(\.exchange.index) == Array(0..<scenario.exchanges.count),
            "\(file) \(name): exchanges \(exchanges.map(\.exchange.index)), recorded \(scenario.exchanges.count)")
        let lost = Self.derived.gaps.filter {
            $0.file == file && $0.client == scenario.client && $0.server == scenario.server
        }
        for (d, truth) in zip(exchanges, scenario.exchanges) {
            let gaps = lost.filter { $0.exchange == d.exchange.index }
            if gaps.isEmpty {
                Self.expectAsRecorded(d, truth, scenario, "\(file) \(name) #\(d.exchange.index)")
            } else {
                Self.expectHonestAboutGaps(d, truth, scenario, gaps, "\(file) \(name) #\(d.exchange.index)")
            }
        }
    }

    /// Nothing of this exchange is missing: the findings, request line, status and latency of
    /// the original recording.
    static func expectAsRecorded(
        _ d: DiagnosedExchange, _ truth: SampleRecording.Exchange, _ scenario: SampleRecording.Scenario, _ label: String
    ) {
        let e = d.exchange
        #expect(d.isCallback == (scenario.isCallback && e.refusal == nil), "\(label)")
        #expect(e.request?.head.method == truth.method, "\(label)")
        #expect(e.request?.head.target == truth.target, "\(label)")
        if scenario.outcome != "timeout-gave-up" {
            #expect(e.response?.head.status == truth.status, "\(label)")
        }
        if let expected = truth.latencySeconds {
            if let latency = e.latencySeconds {
                #expect(abs(latency - expected) < 0.010, "\(label): latency \(latency) vs sender \(expected)")
            } else {
                Issue.record("\(label): no latency (sender measured \(expected) s)")
            }
        }
        let expect = truth.expect ?? scenario.expect
        #expect(
            d.findings.map(\.rule.rawValue) == expect,
            "\(label): findings \(d.findings.map(\.rule.rawValue)) vs recorded \(expect): \(d.findings.map(\.message))")
        let delivery = expect.filter { RuleCatalog.rule(RuleID(rawValue: $0)).concern == .delivery }
        switch d.outcome {
        case .failed: #expect(!delivery.isEmpty, "\(label)")
        case .passed: #expect(delivery.isEmpty && scenario.isCallback, "\(label)")
        case .notACallback: #expect(!scenario.isCallback || e.refusal != nil, "\(label)")
        case .unknown(let reason): Issue.record("\(label): unknown (\(reason)) although nothing is missing")
        }
    }

    /// Bytes of this exchange are missing from the capture.
    static func expectHonestAboutGaps(
        _ d: DiagnosedExchange, _ truth: SampleRecording.Exchange, _ scenario: SampleRecording.Scenario,
        _ gaps: [DerivedSamples.Gap], _ label: String
    ) {
        let rules = d.findings.map(\.rule.rawValue)
        let found = "\(rules): \(d.findings.map(\.message))"
        let e = d.exchange
        // The request line is known when the gap starts after it (a snaplen can cut a pipelined
        // request's own start line: "GET /second HTT…" says nothing for sure).
        let requestLineLength =
            (truth.method ?? "").utf8.count + (truth.target ?? "").utf8.count + " HTTP/1.1\r\n".utf8.count + 1
        if !gaps.contains(where: {
            $0.direction == "request" && $0.part == "headers" && $0.partOffset < requestLineLength
        }) {
            #expect(e.request?.head.method == truth.method, "\(label)")
            #expect(e.request?.head.target == truth.target, "\(label)")
        }
        if scenario.outcome != "timeout-gave-up",
            !gaps.contains(where: { $0.direction == "response" && $0.part == "headers" && $0.partOffset == 0 })
        {
            #expect(e.response?.head.status == truth.status, "\(label)")
        }
        if scenario.name.hasPrefix("upload-") {
            // The uploader's side: what the captured bytes show (the request's callback
            // parameter, OSS's answer) may be reported; nothing else.
            let allowed = Set(truth.expect ?? scenario.expect).union(["incomplete", "callback-config-unverifiable"])
            #expect(!d.isCallback && Set(rules).isSubset(of: allowed), "\(label): \(found)")
            return
        }
        guard scenario.isCallback else {
            #expect(!d.isCallback && d.findings.isEmpty, "\(label): not a callback, yet \(found)")
            return
        }
        let response = gaps.filter { $0.direction == "response" }
        let headGap = response.contains { $0.part == "headers" }
        /// A body verdict stands only if the whole head and at least `n` body bytes were captured.
        func bodySeen(_ n: Int) -> Bool { !headGap && response.allSatisfy { $0.partOffset >= n } }
        var allowed: Set<String> = ["incomplete"]
        let requestLost = gaps.contains { $0.direction == "request" }
        if requestLost, let signature = e.request?.signature {
            // Bytes of the signed string are missing: never a verdict on them.
            #expect(
                signature.status == .unverifiable, "\(label): signature \(signature.status) with request bytes missing")
        }
        let expect = truth.expect ?? scenario.expect
        for rule in expect {
            switch rule {
            case "signature-invalid", "forged-callback-accepted", "genuine-callback-rejected":
                if !requestLost { allowed.insert(rule) }
            case "content-length-mismatch": break  // with bytes missing, the capture may have lost them
            case "non-json-body": if bodySeen(1) { allowed.insert(rule) }
            case "bom-prefix": if bodySeen(3) { allowed.insert(rule) }
            case "missing-content-length": if !headGap { allowed.insert(rule) }
            default: allowed.insert(rule)  // bad-status, slow-response, no-response: seen on the wire
            }
        }
        let unjustified = Set(rules).subtracting(allowed)
        #expect(
            unjustified.isEmpty,
            "\(label): \(unjustified.sorted()) claimed with bytes missing (\(gaps)); findings \(found)")
        if scenario.outcome == "timeout-gave-up" {
            // The lost bytes are in a response OSS had stopped waiting for: its verdict stands.
            #expect(rules.contains("no-response"), "\(label): \(found)")
        } else if !response.isEmpty {
            #expect(
                rules.contains("incomplete"),
                "\(label): response bytes missing (\(response)) but no incomplete; \(found)")
        }
        if case .passed = d.outcome { Issue.record("\(label): passed although bytes are missing; \(found)") }
    }
}

/// `samples/derived/MANIFEST.tsv` and `GAPS.tsv`, written by `samples/derive.py`.
struct DerivedSamples {
    enum DerivedSamplesError: Error {
        case empty(String)
        /// A `MANIFEST.tsv` row without a `truth` file.
        case noTruth
    }

    struct Entry {
        var file: String
        var variant: String
        /// `same` or `gaps`.
        var expect: String
        /// `["all"]` (every scenario of ``truth`` but the HTTPS ones) or scenario names.
        var scenarios: [String]
        /// The ground truth the scenarios come from, relative to `samples/`.
        var truth: String
        var packets: Int
    }

    struct Gap: CustomStringConvertible {
        var file: String
        var client: String
        var server: String
        var direction: String
        var exchange: Int
        var offset: Int
        var length: Int
        var part: String
        var partOffset: Int
        var description: String { "\(direction) \(part)+\(partOffset) \(length) bytes at \(offset)" }
    }

    var entries: [Entry]
    var gaps: [Gap]

    static let directory = SampleRecording.samplesDirectory.appendingPathComponent("derived")
    static func path(_ file: String) -> String { directory.appendingPathComponent(file).path }

    static func load() throws -> DerivedSamples {
        func rows(_ name: String) throws -> [[String: String]] {
            let text = try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)
            let lines = text.split(separator: "\n").map {
                $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            }
            guard let header = lines.first else { throw DerivedSamplesError.empty(name) }
            return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        }
        let entries = try rows("MANIFEST.tsv").map { r in
            Entry(
                file: r["file"] ?? "", variant: r["variant"] ?? "", expect: r["expect"] ?? "",
                scenarios: (r["scenarios"] ?? "").split(separator: ",").map(String.init), truth: r["truth"] ?? "",
                packets: Int(r["packets"] ?? "") ?? -1)
        }
        guard !entries.isEmpty else { throw DerivedSamplesError.empty("MANIFEST.tsv") }
        let gaps = try rows("GAPS.tsv").map { r in
            Gap(
                file: r["file"] ?? "", client: r["client"] ?? "", server: r["server"] ?? "",
                direction: r["direction"] ?? "",
                exchange: Int(r["exchange"] ?? "") ?? -1, offset: Int(r["offset"] ?? "") ?? -1,
                length: Int(r["length"] ?? "") ?? -1, part: r["part"] ?? "",
                partOffset: Int(r["part_offset"] ?? "") ?? -1)
        }
        return DerivedSamples(entries: entries, gaps: gaps)
    }
}
