import Foundation
import TestSupport
import Testing

/// Runs the built `callback-doctor` binary as a subprocess, the way a user does.
enum CLIRunner {
    typealias Result = Subprocess.Result

    /// The built binary (TestSupport's ``Subprocess/callbackDoctor``; `.build/debug/callback-doctor`
    /// when none is built, so that running it fails with a message naming that path).
    static var binary: URL {
        Subprocess.callbackDoctor ?? Subprocess.packageRoot.appendingPathComponent(".build/debug/callback-doctor")
    }

    /// `--public-key` for the samples' test key: every sample callback is signed with
    /// `samples/keys/test-callback-private.pem`, not OSS's key (samples/README.md).
    static let sampleKeyArguments = ["--public-key", "samples/keys/test-callback-public.pem"]

    /// Runs the binary with `arguments`. With `sampleKey` (the default) and an `analyze` or
    /// `exchanges` command, ``sampleKeyArguments`` follow the command name, so that the samples'
    /// signatures verify as they would with OSS's key; `sampleKey: false` runs exactly `arguments`.
    static func run(_ arguments: [String], environment: [String: String] = [:], sampleKey: Bool = true) throws -> Result
    {
        var arguments = arguments
        if sampleKey, let command = arguments.first, ["analyze", "exchanges"].contains(command),
            !arguments.contains("--help")
        {
            arguments.insert(contentsOf: sampleKeyArguments, at: 1)
        }
        return try execute(binary, arguments, environment: environment)
    }

    /// Runs `executable` with `arguments` in the package root to its end, with `NO_COLOR=1` and
    /// `environment` added to this process's environment (TestSupport's ``Subprocess``, the one
    /// runner: neither output stream can fill a pipe and block the child).
    static func execute(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], standardOutput: FileHandle? = nil
    ) throws -> Subprocess.Result {
        try Subprocess.run(
            executable, arguments, in: SampleRecording.packageRoot,
            environment: childEnvironment.merging(environment) { $1 },
            standardOutput: standardOutput)
    }

    /// Starts `executable` with `arguments` in the package root, as ``execute(_:_:environment:standardOutput:)``
    /// does, and returns while it runs.
    static func start(
        _ executable: URL, _ arguments: [String], environment: [String: String] = [:], standardOutput: FileHandle? = nil
    ) throws -> BackgroundProcess {
        try BackgroundProcess(
            executable, arguments, in: SampleRecording.packageRoot,
            environment: childEnvironment.merging(environment) { $1 },
            standardOutput: standardOutput)
    }

    /// What every child gets on top of this process's environment: no colours, no `.pyc` files
    /// written into the checkout.
    static let childEnvironment = ["NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"]

    /// A copy of the binary in `directory`, for a child that runs as another user: that user may
    /// not be able to reach the build directory (a checkout inside a mode-0700 directory).
    ///
    /// The copy is written by a `cp` child, never through a descriptor of this process: a
    /// descriptor open for writing here would be inherited by every child that another test
    /// spawns meanwhile, and executing the copy would then fail with ETXTBSY ("Text file busy").
    static func binaryCopy(in directory: URL) throws -> URL {
        let copy = directory.appendingPathComponent("callback-doctor")
        let cp = try #require(Subprocess.which("cp"), "cp is needed to copy the binary")
        let result = try Subprocess.run(cp, ["-p", binary.path, copy.path])
        try #require(result.status == 0, "cp \(binary.path) \(copy.path): \(result.stderr)")
        return copy
    }

    /// A fresh temporary directory that every user may read and enter (mode 0755), for the
    /// inputs of a child that runs as another user.
    static func readableTemporaryDirectory() throws -> URL {
        let url = try temporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url
    }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cd-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
