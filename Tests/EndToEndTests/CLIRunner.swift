import Foundation

/// Runs the built `callback-doctor` binary as a subprocess, the way a user does.
enum CLIRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The binary beside the test bundle (`.build/<config>/callback-doctor`).
    static var binary: URL {
        let candidates = [
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("callback-doctor"),
            Bundle.main.bundleURL.appendingPathComponent("callback-doctor"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("callback-doctor"),
            SampleRecording.packageRoot.appendingPathComponent(".build/debug/callback-doctor"),
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[candidates.count - 1]
    }

    /// `--public-key` for the samples' test key: every sample callback is signed with
    /// `samples/keys/test-callback-private.pem`, not OSS's key (samples/README.md).
    static let sampleKeyArguments = ["--public-key", "samples/keys/test-callback-public.pem"]

    /// Runs the binary with `arguments`. With `sampleKey` (the default) and an `analyze` or
    /// `exchanges` command, ``sampleKeyArguments`` follow the command name, so that the samples'
    /// signatures verify as they would with OSS's key; `sampleKey: false` runs exactly `arguments`.
    static func run(_ arguments: [String], environment: [String: String] = [:], sampleKey: Bool = true) throws -> Result {
        var arguments = arguments
        if sampleKey, let command = arguments.first, ["analyze", "exchanges"].contains(command), !arguments.contains("--help") {
            arguments.insert(contentsOf: sampleKeyArguments, at: 1)
        }
        return try execute(binary, arguments, environment: environment)
    }

    /// Runs `executable` with `arguments` in the package root, with `NO_COLOR=1` and `environment`
    /// added to this process's environment. Standard error goes to a temporary file and standard
    /// output is read to its end before waiting, so neither stream can fill a pipe and block the
    /// child, whatever it writes.
    static func execute(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = SampleRecording.packageRoot
        var env = ProcessInfo.processInfo.environment
        env["NO_COLOR"] = "1"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("cd-stderr-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: errURL.path])
        }
        defer { try? FileManager.default.removeItem(at: errURL) }
        let errFile = try FileHandle(forWritingTo: errURL)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = errFile
        try process.run()
        try errFile.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let errData = try Data(contentsOf: errURL)
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self))
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

