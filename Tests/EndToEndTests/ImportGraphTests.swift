import Foundation
import TestSupport
import Testing

/// Package.swift against the sources (issue #21): its declared dependencies must be exactly the
/// modules each target imports, and its header must draw the graph `scripts/import-graph.py`
/// prints from the imports — so neither can drift from the code again.
@Suite struct ImportGraphTests {
    static let manifest = SampleRecording.packageRoot.appendingPathComponent("Package.swift")

    static func runScript(_ arguments: [String]) throws -> CLIRunner.Result {
        try RepositoryScript.run("import-graph.py", arguments)
    }

    /// Runs `--check` on a copy of Package.swift changed by `edit`.
    static func checkEdited(_ edit: (String) throws -> String) throws -> CLIRunner.Result {
        let original = try String(contentsOf: manifest, encoding: .utf8)
        let edited = try edit(original)
        try #require(edited != original, "the edit changed nothing")
        let directory = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("Package.swift")
        try edited.write(to: copy, atomically: true, encoding: .utf8)
        return try runScript(["--check", "--package", copy.path])
    }

    @Test func declaredDependenciesAndHeaderMatchTheImports() throws {
        let run = try Self.runScript(["--check"])
        #expect(run.status == 0, "scripts/import-graph.py --check: \(run.stderr)")
        #expect(run.stderr.isEmpty)
    }

    @Test func theHeaderIsThePrintedGraph() throws {
        let run = try Self.runScript([])
        try #require(run.status == 0, "\(run.stderr)")
        let printed = run.stdout.split(separator: "\n").map { "//   " + $0 }.joined(separator: "\n")
        #expect(printed.contains("Diagnosis"))
        let header = try String(contentsOf: Self.manifest, encoding: .utf8)
        #expect(header.contains(printed))
    }

    /// The check can fail: an import Package.swift stops declaring is named.
    @Test func anUndeclaredImportIsReported() throws {
        let run = try Self.checkEdited { manifest in
            manifest.replacingOccurrences(
                of: #""CaptureModel", "TCPReassembly", "HTTPExchanges", "HTTP1", "JSONValidation""#,
                with: #""CaptureModel", "HTTPExchanges", "HTTP1", "JSONValidation""#)
        }
        #expect(run.status == 1)
        #expect(run.stderr.contains("Diagnosis imports TCPReassembly but Package.swift does not declare it"))
    }

    /// The check can fail: a dependency nothing imports is named.
    @Test func aDependencyNeverImportedIsReported() throws {
        let run = try Self.checkEdited { manifest in
            manifest.replacingOccurrences(
                of: #".target(name: "JSONValidation", dependencies: ["ByteText"], swiftSettings: strict)"#,
                with:
                    #".target(name: "JSONValidation", dependencies: ["ByteText", "CaptureModel"], swiftSettings: strict)"#
            )
        }
        #expect(run.status == 1)
        #expect(run.stderr.contains("JSONValidation declares CaptureModel but never imports it"))
    }

    /// The check can fail: a drawing that differs from the printed graph is reported.
    @Test func aRedrawnHeaderIsReported() throws {
        let run = try Self.checkEdited { manifest in
            manifest.replacingOccurrences(of: "//   0  ByteText\n", with: "//   0  ByteText ─► CaptureModel\n")
        }
        #expect(run.status == 1)
        #expect(run.stderr.contains("header does not draw the real graph"))
    }
}
