import Foundation
import TestSupport
import Testing

/// Golden files: exact expected outputs under `Tests/EndToEndTests/Goldens/`.
///
/// A missing golden, or `RECORD_GOLDENS=1` in the environment, writes the file **and fails the
/// test**, so recording is a deliberate act that never passes by itself: record, review the
/// diff, commit, run again.
enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")

    static var recording: Bool {
        guard let value = ProcessInfo.processInfo.environment["RECORD_GOLDENS"] else { return false }
        return !value.isEmpty && value != "0"
    }

    /// Compares `actual` with the golden `name` byte for byte.
    static func check(_ actual: String, name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name)
        let existing = try? Data(contentsOf: url)
        if recording || existing == nil {
            do {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
                try Data(actual.utf8).write(to: url)
                Issue.record(
                    "Recorded golden \(name) (\(existing == nil ? "it was missing" : "RECORD_GOLDENS is set")); review it and run the tests again without RECORD_GOLDENS.",
                    sourceLocation: sourceLocation)
            } catch {
                Issue.record("Cannot write golden \(url.path): \(error)", sourceLocation: sourceLocation)
            }
            return
        }
        guard let existing, existing != Data(actual.utf8) else { return }
        let expected = String(decoding: existing, as: UTF8.self)
        let a = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let b = actual.split(separator: "\n", omittingEmptySubsequences: false)
        let line = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
        let actualFile = FileManager.default.temporaryDirectory.appendingPathComponent("golden-actual-" + name)
        try? Data(actual.utf8).write(to: actualFile)
        Issue.record(
            """
            Output differs from golden \(name) at line \(line + 1):
              golden: \(line < a.count ? String(a[line]) : "<end of file>")
              actual: \(line < b.count ? String(b[line]) : "<end of file>")
            Full output: \(actualFile.path) (diff it against \(url.path); re-record only on purpose with RECORD_GOLDENS=1).
            """, sourceLocation: sourceLocation)
    }
}
