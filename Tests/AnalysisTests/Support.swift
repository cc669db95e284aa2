import Analysis
import CZlib
import CallbackSignature
import Foundation
import TestSupport
import Testing

/// Paths and helpers shared by the Analysis tests.
enum Fixtures {
    /// The package root (three levels above this file).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Analysis options with `key` (`samples/keys/test-callback-public.pem` by default: every
    /// sample callback is signed with its private half; `bench/keys/bench-callback-public.pem`
    /// for `bench/gen_capture.py`'s callbacks) besides OSS's key.
    /// A missing or unreadable key file fails the calling test with a message naming it.
    static func options(
        key: String = "samples/keys/test-callback-public.pem", sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> AnalysisOptions {
        let path = packageRoot.appendingPathComponent(key).path
        let pem = try #require(
            FileManager.default.contents(atPath: path), "cannot read \(path)", sourceLocation: sourceLocation)
        let parsed = try CallbackPublicKey(pem: String(decoding: pem, as: UTF8.self), label: key)
        var options = AnalysisOptions()
        options.publicKeys = [parsed]
        return options
    }

    static let benchKey = "bench/keys/bench-callback-public.pem"

    /// The sample recordings' server ports (`--server :9001-9040`): their HTTPS on 9030-9034 is
    /// judged only when named.
    static let sampleServers = [ServerName(address: nil, ports: 9001...9040)]

    /// A file under `samples/captures/`.
    static func sample(_ name: String) -> String {
        packageRoot.appendingPathComponent("samples/captures/" + name).path
    }

    /// A fresh temporary directory (removed by the caller with ``remove(_:)``).
    static func temporaryDirectory() throws -> String {
        try PcapWriter.makeTemporaryDirectory(prefix: "analysis-tests")
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Copies `source` to `destination`.
    static func copy(_ source: String, to destination: String) throws {
        try FileManager.default.copyItem(atPath: source, toPath: destination)
    }

    /// Writes `bytes` gzip-compressed to `path` with zlib (`gzopen`/`gzwrite`), as `gzip` would.
    static func writeGzip(_ bytes: [UInt8], to path: String, level: Int = 9) throws {
        guard let file = gzopen(path, "wb\(level)") else { throw CocoaError(.fileWriteUnknown) }
        var written: Int32 = 0
        if !bytes.isEmpty {
            written = bytes.withUnsafeBytes { gzwrite(file, $0.baseAddress, UInt32($0.count)) }
        }
        guard gzclose(file) == Z_OK, Int(written) == bytes.count else { throw CocoaError(.fileWriteUnknown) }
    }

    static func read(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
