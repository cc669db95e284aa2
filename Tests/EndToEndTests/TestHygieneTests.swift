import Foundation
import TestSupport
import Testing

/// Issue #21, "tests that can pass by accident", kept from coming back: every @Test asserts
/// something, one subprocess runner, one seeded generator.
@Suite struct TestHygieneTests {
    /// Every Swift file under Tests/, with its path relative to the package root.
    static func testSources() throws -> [(path: String, text: String)] {
        let root = SampleRecording.packageRoot
        let tests = root.appendingPathComponent("Tests")
        let enumerator = try #require(FileManager.default.enumerator(atPath: tests.path), "cannot list \(tests.path)")
        return try enumerator.compactMap { $0 as? String }.filter { $0.hasSuffix(".swift") }.sorted().map {
            ("Tests/" + $0, try String(contentsOf: tests.appendingPathComponent($0), encoding: .utf8))
        }
    }

    /// `scripts/list-unasserted-tests.py` lists @Test functions with no #expect, #require or
    /// Issue.record and no call to a function that has one.
    @Test func everyTestAssertsSomething() throws {
        let python = try #require(Subprocess.which("python3"), "python3 is needed")
        let run = try CLIRunner.execute(python, ["scripts/list-unasserted-tests.py"])
        #expect(run.status == 0 && run.reason == .exit, "tests that assert nothing:\n\(run.stdout)\(run.stderr)")
        #expect(run.stdout.isEmpty, "\(run.stdout)")
    }

    /// Other programs run only through TestSupport's Subprocess (files for output, a timeout).
    @Test func childrenAreStartedOnlyByTheOneRunner() throws {
        let sources = try Self.testSources()
        #expect(sources.count > 100, "\(sources.count) test sources")
        let others = sources.filter {
            !["Tests/TestSupport/Subprocess.swift", "Tests/EndToEndTests/TestHygieneTests.swift"].contains($0.path)
        }
        let spawning = others.filter { source in
            ["Process()", "posix_spawn(", "fork()", "popen("].contains { source.text.contains($0) }
        }
        #expect(spawning.map(\.path) == [], "start a child themselves")
    }

    /// Random numbers come from SplitMix64.forTest, which CALLBACK_DOCTOR_TEST_SEED overrides.
    @Test func everyGeneratorIsSeededForTests() throws {
        let sources = try Self.testSources().filter {
            !["Tests/TestSupport/SplitMix64.swift", "Tests/EndToEndTests/TestHygieneTests.swift"].contains($0.path)
        }
        let unseeded = sources.filter { source in
            ["SplitMix64(seed:", "SystemRandomNumberGenerator", "arc4random", "drand48"].contains {
                source.text.contains($0)
            }
        }
        #expect(unseeded.isEmpty, "a generator not from SplitMix64.forTest: \(unseeded.map(\.path))")
        // Every draw names its generator (`using:`): `.random(in:)`, `.shuffled()` and
        // `.randomElement()` without one use the system's.
        let draws = sources.flatMap { source in
            Self.calls(
                in: source.text, after: [".random(in:", ".shuffled(", ".shuffle(", ".randomElement(", "Bool.random("]
            )
            .filter { !$0.arguments.contains("using:") }.map { "\(source.path):\($0.line)" }
        }
        #expect(draws.isEmpty, "draws without `using:`: \(draws)")
    }

    /// Each call that starts with one of `openings` (which end in its "("), outside comments: its
    /// line number and its argument text up to the balancing ")".
    static func calls(in text: String, after openings: [String]) -> [(line: Int, arguments: String)] {
        var found: [(line: Int, arguments: String)] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") {
            for opening in openings {
                var searchFrom = line.startIndex
                while let range = line[searchFrom...].range(of: opening) {
                    // The arguments may run onto the following lines.
                    let rest =
                        line[range.upperBound...] + "\n" + lines.dropFirst(number + 1).prefix(3).joined(separator: "\n")
                    var depth = 1
                    var end = rest.startIndex
                    while end < rest.endIndex, depth > 0 {
                        if rest[end] == "(" { depth += 1 } else if rest[end] == ")" { depth -= 1 }
                        end = rest.index(after: end)
                    }
                    found.append((number + 1, String(rest[..<end])))
                    searchFrom = range.upperBound
                }
            }
        }
        return found
    }
}
