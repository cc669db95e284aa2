import Foundation
import TestSupport
import Testing

/// No function in Sources is over 80 lines without saying why (issue #21): the check is
/// `scripts/function-lengths.py --check`, and these tests show it holds and that it can fail.
@Suite struct FunctionLengthTests {
    @Test func noFunctionInSourcesIsLongWithoutSayingWhy() throws {
        let run = try RepositoryScript.run("function-lengths.py", ["--check"])
        #expect(run.status == 0, "scripts/function-lengths.py --check:\n\(run.stderr)")
        #expect(run.stderr.isEmpty)
    }

    /// A function of `bodyLines` lines whose body holds braces inside strings, comments and an
    /// interpolation, which must not count.
    static func function(named name: String, bodyLines: Int, comment: String = "") -> String {
        var lines = [comment, "func \(name)() -> Int {", "    var n = 0"]
        lines.append(#"    let s = "}}} \("{")" // }"#)
        lines.append(##"    /* { { */ let r = #"{"#"##)
        for _ in 0..<bodyLines { lines.append("    n += 1") }
        lines.append("    return n + s.count + r.count")
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Runs the script on a Sources directory holding `file`.
    static func check(_ file: String, arguments: [String] = ["--check"]) throws -> CLIRunner.Result {
        let root = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let sources = root.appendingPathComponent("Sources/Module")
        try FileManager.default.createDirectory(at: sources, withIntermediateDirectories: true)
        try file.write(to: sources.appendingPathComponent("Long.swift"), atomically: true, encoding: .utf8)
        return try RepositoryScript.run(
            "function-lengths.py", arguments + ["--root", root.appendingPathComponent("Sources").path])
    }

    @Test func aLongFunctionIsNamedWithItsLength() throws {
        let run = try Self.check(Self.function(named: "tooLong", bodyLines: 90))
        #expect(run.status == 1)
        #expect(run.stderr.contains("Sources/Module/Long.swift:2: func tooLong is 96 lines (over 80)"))
    }

    @Test func aLongFunctionThatSaysWhyPasses() throws {
        let reason = "/// Long because: one switch is the hot loop."
        let run = try Self.check(Self.function(named: "explained", bodyLines: 90, comment: reason))
        #expect(run.status == 0, "\(run.stderr)")
    }

    @Test func bracesInStringsAndCommentsDoNotCount() throws {
        let run = try Self.check(Self.function(named: "short", bodyLines: 10), arguments: ["--over", "0"])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("16  Sources/Module/Long.swift:2  func short"))
    }
}
