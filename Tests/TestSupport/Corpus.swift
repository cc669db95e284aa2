import Foundation
public import Testing

/// The shared test corpus (one helper for every test target), `<package root>/../shared/corpus` (see its MANIFEST.tsv).
///
/// Tests that need it are `.enabled(if: Corpus.isAvailable, Corpus.absentComment)`, so a checkout
/// without `shared/` skips them with that message instead of failing.
public enum Corpus {
    /// The corpus directory, or nil when it is absent.
    public static let root: String? = {
        // <package root>/Tests/TestSupport/Corpus.swift, symlinks resolved.
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let corpus = url.appendingPathComponent("..").appendingPathComponent("shared").appendingPathComponent("corpus")
            .standardizedFileURL
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: corpus.path, isDirectory: &isDirectory), isDirectory.boolValue
        else { return nil }
        return corpus.path
    }()

    public static var isAvailable: Bool { root != nil }

    public static let absentComment: Comment = "skipped: test corpus <package root>/../shared/corpus is absent"

    /// Full paths of the files in a corpus subdirectory (`"http"`, `"robustness"`), sorted;
    /// empty when the corpus is absent. A subdirectory that cannot be listed also gives an empty
    /// list (these lists are test arguments, computed before any test runs):
    /// `CorpusCaptureTests.theCorpusHoldsEveryManifestFileAndEveryExpectationNamesOne` fails then.
    public static func files(in subdirectory: String) -> [String] {
        guard let root else { return [] }
        let directory = root + "/" + subdirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().map { directory + "/" + $0 }
    }

    /// The full path of a corpus file such as `"http/zeek__get.pcap"` (nil when absent).
    public static func path(_ relative: String) -> String? {
        guard let root else { return nil }
        let path = root + "/" + relative
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The file name of a path, for test-case labels.
    public static func name(_ path: String) -> String {
        String(path.split(separator: "/").last ?? Substring(path))
    }
}
