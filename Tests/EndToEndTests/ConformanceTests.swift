import Foundation
import TestSupport
import Testing

/// callback-doctor against tshark on the shared corpus (`conformance/compare_with_tshark.py`):
/// per connection, the ordered (method, target, final status) pairs must agree for at least 97 %
/// of tshark's pairs, and every difference must be explained in `conformance/differences.md`.
@Suite(.serialized, .tags(.endToEnd, .conformance)) struct ConformanceTests {
    static let script = SampleRecording.packageRoot.appendingPathComponent("conformance/compare_with_tshark.py")

    static var corpus: URL? {
        guard let shared = SharedCorpus.directory else { return nil }
        let http = shared.appendingPathComponent("http")
        return FileManager.default.fileExists(atPath: http.path) ? http : nil
    }

    /// The first executable called `name` on PATH.
    static func tool(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }

    static var skipReason: String? {
        if corpus == nil { return "../shared/corpus/http is absent: conformance against tshark skipped" }
        if tool("tshark") == nil { return "tshark is not installed (apt-get install -y tshark): conformance skipped" }
        if tool("python3") == nil { return "python3 is not installed: conformance skipped" }
        return nil
    }

    @Test(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")), .timeLimit(.minutes(30)))
    func agreesWithTsharkAndEveryDifferenceIsExplained() throws {
        let binary = CLIRunner.binary
        try #require(
            FileManager.default.isExecutableFile(atPath: binary.path), "no callback-doctor binary at \(binary.path)")
        let corpus = try #require(Self.corpus)
        let python = URL(fileURLWithPath: try #require(Self.tool("python3")))
        let run = try CLIRunner.execute(
            python, [Self.script.path, "--binary", binary.path, "--corpus", corpus.path, "--json"])
        let outData = Data(run.stdout.utf8), stderr = run.stderr
        try #require(run.status == 0, "compare_with_tshark.py exited \(run.status): \(stderr)")
        let root = try #require(
            try JSONSerialization.jsonObject(with: outData) as? [String: Any], "not JSON: \(stderr)")

        let errors = root["errors"] as? [[String: Any]] ?? []
        #expect(errors.isEmpty, "files that could not be compared: \(errors)")

        let total = try #require(root["total"] as? [String: Any])
        let agreement = try #require(total["agreement"] as? Double)
        let matched = total["matched"] as? Int ?? -1, theirs = total["tshark"] as? Int ?? -1
        #expect(theirs > 1000, "tshark found only \(theirs) pairs in the corpus")
        let files = root["files"] as? [[String: Any]] ?? []
        let below = files.filter { ($0["tshark"] as? Int ?? 0) > ($0["matched"] as? Int ?? 0) }
            .map { "\($0["file"] ?? "?"): \($0["matched"] ?? "?")/\($0["tshark"] ?? "?")" }
        #expect(
            agreement >= 0.97,
            "agreement \(matched)/\(theirs) = \(String(format: "%.2f", agreement * 100)) % is below 97 %; files: \(below)"
        )

        let unlisted = root["unlisted"] as? [[String: Any]] ?? []
        let described = unlisted.map {
            "\($0["file"] ?? "?") | \($0["connection"] ?? "?") | \($0["side"] ?? "?") | \($0["pair"] ?? "?") x\($0["count"] ?? "?")"
        }
        let listing = described.joined(separator: "\n")
        #expect(
            unlisted.isEmpty,
            "differences not explained in conformance/differences.md (run compare_with_tshark.py --write-table, then write the reasons):\n\(listing)"
        )
    }

    /// The SNI of every ClientHello we read agrees with tshark's (`compare_tls_with_tshark.py --check`).
    @Test(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")), .timeLimit(.minutes(30)))
    func tlsClientHellosAgreeWithTshark() throws {
        let binary = CLIRunner.binary
        let corpus = try #require(Self.corpus).deletingLastPathComponent()
        let run = try CLIRunner.execute(
            URL(fileURLWithPath: try #require(Self.tool("python3"))),
            [
                SampleRecording.packageRoot.appendingPathComponent("conformance/compare_tls_with_tshark.py").path,
                "--binary", binary.path,
                "--corpus", corpus.path, "--check",
            ])
        let text = run.stdout
        #expect(run.status == 0, "\(text)\n\(run.stderr)")
        let total = try #require(text.split(separator: "\n").last { $0.hasPrefix("total:") })
        #expect(total.contains("ours only 0"), "\(total)")
        // The corpus holds dozens of ClientHellos we read (ndpi__sites alone has 55).
        #expect(!total.contains("ours 0,"), "\(total)")
    }
}
