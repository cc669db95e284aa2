import Analysis
import CallbackSignature
import CaptureModel
import Foundation
import Rendering
import ReportModel
import TestSupport
import Testing

/// Every report format is streamed through a `ByteSink`: the bytes do not depend on how they are
/// chunked, the CLI writes exactly the renderer's bytes to standard output and to `-o FILE`, no
/// chunk (so nothing buffered) grows with the report, and a failed `-o` write leaves nothing behind.
@Suite(.serialized, .tags(.endToEnd)) struct StreamedReportTests {
    /// The seven outputs: `analyze --format …` and `exchanges --format …`.
    enum Output: String, CaseIterable, CustomTestStringConvertible, Sendable {
        case text, json, jsonl, markdown, html, exchangesTSV, exchangesJSONL

        var testDescription: String { rawValue }

        /// The CLI arguments that produce this output.
        var arguments: [String] {
            switch self {
            case .exchangesTSV: ["exchanges"]
            case .exchangesJSONL: ["exchanges", "--format", "jsonl"]
            default: ["analyze", "--format", rawValue]
            }
        }

        /// The report the CLI renders: `exchanges` lists everything; html redacts the report,
        /// markdown as it writes (``render(_:to:)``).
        func report(_ paths: [String], version: String) throws -> Report {
            var options = AnalysisOptions()
            if self == .exchangesTSV || self == .exchangesJSONL {
                options.maxPassingExchangesKept = Int.max
                options.maxFailingExchangesKeptPerRule = Int.max
            }
            options.publicKeys = [try StreamedReportTests.sampleKey()]
            let report = BatchAnalyzer.analyze(arguments: paths, options: options, tool: ToolInfo(version: version))
            return self == .html ? report.redacted() : report
        }

        func render(_ report: Report, to sink: ByteSink) {
            switch self {
            case .text: TextRenderer.render(report, to: sink)
            case .json: JSONRenderer.render(report, to: sink)
            case .jsonl: JSONLRenderer.render(report, to: sink)
            case .markdown: MarkdownRenderer.render(report, redacting: .standard, to: sink)
            case .html: HTMLRenderer.render(report, to: sink)
            case .exchangesTSV: ExchangeTable.tsv(report, to: sink)
            case .exchangesJSONL: ExchangeTable.jsonl(report, to: sink)
            }
        }

        /// The `render(…) -> String` entry point of the format.
        func renderString(_ report: Report) -> String {
            switch self {
            case .text: TextRenderer.render(report)
            case .json: JSONRenderer.render(report)
            case .jsonl: JSONLRenderer.render(report)
            case .markdown: MarkdownRenderer.render(report, redacting: .standard)
            case .html: HTMLRenderer.render(report)
            case .exchangesTSV: ExchangeTable.tsv(report)
            case .exchangesJSONL: ExchangeTable.jsonl(report)
            }
        }
    }

    /// Every recorded and derived sample capture, by absolute path.
    static let samples: [String] = {
        let fm = FileManager.default
        return ["samples/captures", "samples/derived"].flatMap { directory -> [String] in
            let url = SampleRecording.packageRoot.appendingPathComponent(directory)
            // A listing that fails leaves the list short: everySampleIsThere() checks the count.
            let names = (try? fm.contentsOfDirectory(atPath: url.path)) ?? []
            return names.filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted().map {
                url.appendingPathComponent($0).path
            }
        }
    }()

    /// The samples' key, labelled as `CLIRunner` passes it (`--public-key samples/keys/…`).
    static func sampleKey() throws -> CallbackPublicKey {
        let label = CLIRunner.sampleKeyArguments[1]
        let pem = try String(contentsOf: SampleRecording.packageRoot.appendingPathComponent(label), encoding: .utf8)
        return try CallbackPublicKey(pem: pem, label: label)
    }

    /// The version the binary puts in its reports: the last word of `--version`'s first line
    /// (`callback-doctor VERSION`; the library versions follow on the next lines).
    static func toolVersion() throws -> String {
        let firstLine = try CLIRunner.run(["--version"]).stdout.split(separator: "\n").first ?? ""
        return String(firstLine.split(separator: " ").last ?? "")
    }

    /// A destination that keeps each chunk.
    final class Chunks {
        var all: [[UInt8]] = []
        func receive(_ chunk: [UInt8]) { all.append(chunk) }
        var text: String { String(decoding: Array(all.joined()), as: UTF8.self) }
    }

    @Test func everySampleIsThere() {
        #expect(Self.samples.count >= 50, "\(Self.samples.count) sample captures")
    }

    /// For every sample capture and every format: the bytes streamed in small chunks are the
    /// bytes of the `String` entry point.
    @Test(arguments: Output.allCases)
    func streamedBytesEqualTheStringRenderForEverySample(_ output: Output) throws {
        let version = try Self.toolVersion()
        for path in Self.samples {
            let report = try output.report([path], version: version)
            let chunks = Chunks()
            let sink = ByteSink(chunkSize: 256, destination: chunks.receive)
            output.render(report, to: sink)
            try sink.finish()
            let whole = output.renderString(report)
            #expect(!whole.isEmpty)
            #expect(chunks.text == whole, "\(output) of \(path)")
        }
    }

    /// The binary's standard output and its `-o FILE` carry exactly the renderer's bytes, for
    /// every format, on one batch of every sample.
    @Test(arguments: Output.allCases)
    func theCLIWritesTheRenderersBytes(_ output: Output) throws {
        let expected = output.renderString(try output.report(Self.samples, version: try Self.toolVersion()))
        let standardOutput = try CLIRunner.run(output.arguments + Self.samples)
        #expect(standardOutput.stdout == expected, "\(output) on standard output")

        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("report")
        let toFile = try CLIRunner.run(output.arguments + ["-o", file.path] + Self.samples)
        #expect(toFile.status == standardOutput.status)
        #expect(toFile.stdout.isEmpty)
        #expect(try Data(contentsOf: file) == Data(expected.utf8), "\(output) in -o FILE")
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["report"],
            "a temporary file was left behind")
    }

    /// A report with thousands of exchanges, every one listed, is handed over in chunks of 64 KiB
    /// plus at most one row, in every format: nothing the size of the document is ever built or
    /// buffered.
    @Test func noChunkGrowsWithTheReport() throws {
        let report = try Self.largeReport()
        try #require(report.exchanges.count == Self.largeExchangeCount)
        // One row — a table row, an exchange's text block, JSON element or HTML details, the
        // page's stylesheet — is far below this; each document is far above it.
        let oneRow = 16 << 10
        for output in Output.allCases {
            let chunks = Chunks()
            let sink = ByteSink(destination: chunks.receive)
            switch output {
            case .text: TextRenderer.render(report, options: .init(verbose: true), to: sink)
            // The brief Markdown is bounded (32,000 characters) whatever the report: stream the full one.
            case .markdown: MarkdownRenderer.render(report, detail: .full, redacting: .standard, to: sink)
            default: output.render(report, to: sink)
            }
            try sink.finish()
            let size = chunks.all.reduce(0) { $0 + $1.count }
            #expect(
                size > 8 * (ByteSink.defaultChunkSize + oneRow),
                "\(output): \(size) bytes is too small a document to show anything")
            #expect(
                chunks.all.dropLast().allSatisfy { $0.count >= ByteSink.defaultChunkSize },
                "\(output): a chunk below the chunk size")
            let largest = chunks.all.map(\.count).max() ?? 0
            #expect(largest <= ByteSink.defaultChunkSize + oneRow, "\(output): a chunk of \(largest) bytes")
            if output == .text {
                #expect(chunks.text == TextRenderer.render(report, options: .init(verbose: true)))
            } else if output == .markdown {
                #expect(chunks.text == MarkdownRenderer.render(report, detail: .full, redacting: .standard))
            } else {
                #expect(chunks.text == output.renderString(report), "\(output)")
            }
        }
    }

    static let largeExchangeCount = 3_000

    /// One keep-alive connection with ``largeExchangeCount`` OSS callbacks: two of three
    /// answered 500 (`bad-status`), the rest 200 with JSON; analysed with every exchange listed.
    static func largeReport() throws -> Report {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var conversation = ConversationWriter(step: 0.0002)
        let client = Endpoint(address: PacketBuilder.ipv4("192.0.2.10"), port: 41000)
        let server = Endpoint(address: PacketBuilder.ipv4("192.0.2.20"), port: 9000)
        conversation.addKeepAliveConnection(
            client, server,
            exchanges: (0..<largeExchangeCount).lazy.map { n in
                let body = "bucket=b&object=upload/\(n).jpg&size=\(1000 + n)"
                let request = Array(
                    ("POST /oss/callback?n=\(n) HTTP/1.1\r\nHost: cb.example\r\nx-oss-tag: CALLBACK\r\n"
                        + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
                        + body).utf8)
                let answer = n % 3 == 2 ? #"{"Status":"OK"}"# : "server error \(n)"
                let response = Array(
                    ("HTTP/1.1 \(n % 3 == 2 ? "200 OK" : "500 Internal Server Error")\r\nContent-Length: \(answer.utf8.count)\r\n\r\n"
                        + answer).utf8)
                return (request: request, response: response)
            })
        let path = dir.appendingPathComponent("many.pcap").path
        try conversation.write(to: path)
        var options = AnalysisOptions()
        options.maxPassingExchangesKept = Int.max
        options.maxFailingExchangesKeptPerRule = Int.max
        return BatchAnalyzer.analyze(arguments: [path], options: options, tool: ToolInfo(version: "test"))
    }

    // MARK: - Where the bytes go

    /// Runs `/bin/sh -c script` with the binary (or `binary`) as `$0` and `arguments` as `$@`, from
    /// the package root, standard output to `standardOutput`.
    static func shell(
        _ script: String, _ arguments: [String], binary: URL = CLIRunner.binary,
        standardOutput: FileHandle = .nullDevice
    ) throws -> Subprocess.Result {
        try CLIRunner.execute(
            URL(fileURLWithPath: "/bin/sh"), ["-c", script, binary.path] + arguments, standardOutput: standardOutput)
    }

    static let capture = "samples/captures/all-lo.pcap"

    /// `callback-doctor: PATH: cannot write the report: …`, one line.
    static func expectOneLineWriteError(
        _ stderr: String, path: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(
            stderr.hasPrefix("callback-doctor: \(path): cannot write the report: "), "\(stderr)",
            sourceLocation: sourceLocation)
        #expect(
            stderr.filter { $0 == "\n" }.count == 1 && stderr.hasSuffix("\n"), "\(stderr)",
            sourceLocation: sourceLocation)
    }

    @Test(arguments: ["json", "html"])
    func outputIntoAMissingDirectoryIsOneLineAndExitTwo(format: String) throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("missing/report").path
        let r = try CLIRunner.run(["analyze", "--format", format, "-o", path, Self.capture])
        #expect(r.status == 2)
        #expect(r.stdout.isEmpty)
        Self.expectOneLineWriteError(r.stderr, path: path)
        #expect(r.stderr.hasSuffix("The file doesn’t exist.\n"), "Foundation's words, as before streaming: \(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// A directory the process may not write to: run as `nobody` when we are root (root writes
    /// anywhere), else with the directory made read-only. `nobody` runs a copy of the binary on a
    /// copy of the capture, both in a directory every user may read: the checkout may sit in a
    /// directory only root enters (a clone in `mktemp -d`, mode 0700).
    @Test func outputIntoAnUnwritableDirectoryIsOneLineAndExitTwo() throws {
        let dir = try CLIRunner.temporaryDirectory()
        let inputs = try CLIRunner.readableTemporaryDirectory()
        defer {
            chmod(dir.path, 0o755)
            try? FileManager.default.removeItem(at: dir)
            try? FileManager.default.removeItem(at: inputs)
        }
        let path = dir.appendingPathComponent("report.html").path
        let capture = inputs.appendingPathComponent("all-lo.pcap")
        try FileManager.default.copyItem(
            at: SampleRecording.packageRoot.appendingPathComponent(Self.capture), to: capture)
        let arguments = ["analyze", "--format", "html", "-o", path, capture.path]
        let r: Subprocess.Result
        if getuid() == 0 {
            try #require(
                Subprocess.which("setpriv") != nil,
                "setpriv is not installed: the unwritable directory cannot be tested as root")
            let binary = try CLIRunner.binaryCopy(in: inputs)
            r = try Self.shell(
                #"exec setpriv --reuid=nobody --regid=nogroup --clear-groups "$0" "$@""#, arguments, binary: binary)
        } else {
            chmod(dir.path, 0o555)
            r = try Self.shell(#"exec "$0" "$@""#, arguments)
        }
        #expect(r.reason == .exit && r.status == 2, "\(r.stderr)")
        Self.expectOneLineWriteError(r.stderr, path: path)
        #expect(r.stderr.hasSuffix("You don’t have permission.\n"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// The write itself fails part-way (a file size limit: `ulimit -f`, SIGXFSZ ignored so that
    /// write(2) returns EFBIG): one line, exit 2, no partial report, an earlier report untouched,
    /// no temporary file left.
    @Test func aWriteThatFailsPartWayLeavesNoPartialFile() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fresh = dir.appendingPathComponent("fresh.json").path
        let existing = dir.appendingPathComponent("existing.json")
        try Data("the previous report\n".utf8).write(to: existing)
        for path in [fresh, existing.path] {
            let r = try Self.shell(
                #"trap '' XFSZ; ulimit -f 1 && exec "$0" "$@""#,
                ["analyze"] + CLIRunner.sampleKeyArguments + ["--format", "json", "-o", path, Self.capture])
            #expect(r.reason == .exit && r.status == 2, "\(r.stderr)")
            Self.expectOneLineWriteError(r.stderr, path: path)
        }
        #expect(!FileManager.default.fileExists(atPath: fresh))
        #expect(try String(contentsOf: existing, encoding: .utf8) == "the previous report\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["existing.json"])
    }

    /// Standard output is a pipe nobody reads (closed before the first write) and SIGPIPE is
    /// ignored: write(2) fails with EPIPE, the rest is dropped, and the process ends normally
    /// with the report's own status — no crash, no message.
    @Test(arguments: ["text", "html"])
    func aClosedPipeDoesNotCrash(format: String) throws {
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        close(fds[0])
        let writeEnd = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        let r = try Self.shell(
            #"trap '' PIPE; exec "$0" "$@""#,
            ["analyze"] + CLIRunner.sampleKeyArguments + ["--format", format, Self.capture],
            standardOutput: writeEnd)
        #expect(r.reason == .exit && r.status == 1, "\(r.reason) \(r.status): \(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
    }
}
