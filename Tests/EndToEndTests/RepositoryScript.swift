import Foundation
import TestSupport
import Testing

/// The repository's Python checks under `scripts/` (a CI dependency: `.ci/run` installs python3),
/// run the way CI runs them.
enum RepositoryScript {
    /// Runs `scripts/name` with `arguments` through the first python3 on PATH.
    static func run(_ name: String, _ arguments: [String]) throws -> CLIRunner.Result {
        let script = SampleRecording.packageRoot.appendingPathComponent("scripts/\(name)")
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let python = try #require(
            path.split(separator: ":").map { "\($0)/python3" }.first {
                FileManager.default.isExecutableFile(atPath: $0)
            },
            "python3 is not on PATH")
        return try CLIRunner.execute(URL(fileURLWithPath: python), [script.path] + arguments)
    }
}
