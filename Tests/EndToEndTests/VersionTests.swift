import CallbackSignature
import Foundation
import TestSupport
import Testing

/// What a support engineer asks a server for (issue #22): `callback-doctor --version` names the
/// tool's version and the libpcap and OpenSSL libcrypto it runs with, as `tcpdump --version` does;
/// and the completion scripts the release packages come from the same command definitions.
@Suite(.tags(.endToEnd)) struct VersionTests {
    /// The three lines of `--version`.
    static func versionLines(_ arguments: [String] = ["--version"]) throws -> [Substring] {
        let r = try CLIRunner.run(arguments, sampleKey: false)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        var lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    @Test func versionNamesTheToolAndTheLibrariesItRunsWith() throws {
        let lines = try Self.versionLines()
        try #require(lines.count == 3, "\(lines)")
        // The tool: the same version the reports carry.
        let tool = lines[0].split(separator: " ")
        #expect(tool.count == 2 && tool[0] == "callback-doctor", "\(lines[0])")
        let report = try CLIRunner.run(["analyze", "--format", "json", "samples/captures/good-json.pcap"])
        let object = try #require(JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let toolObject = try #require(object["tool"] as? [String: Any], "\(object.keys)")
        #expect(toolObject["version"] as? String == tool.last.map(String.init), "\(toolObject)")
        // libpcap's own text (`pcap_lib_version`), e.g. "libpcap version 1.10.3 (with TPACKET_V3)".
        #expect(lines[1].hasPrefix("libpcap version 1."), "\(lines[1])")
        // The libcrypto this test process loaded is the system's, as the binary's is.
        #expect(lines[2] == SignatureVerifier.libcryptoVersion[...], "\(lines[2])")
        #expect(lines[2].hasPrefix("OpenSSL 3."), "\(lines[2])")
    }

    @Test func subcommandsPrintTheSameVersion() throws {
        let root = try Self.versionLines()
        for command in ["analyze", "watch", "exchanges", "rules"] {
            #expect(try Self.versionLines([command, "--version"]) == root, "\(command)")
        }
    }

    /// The scripts the .deb installs (`scripts/release.sh`) name every subcommand and option.
    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptNamesTheSubcommands(shell: String) throws {
        let r = try CLIRunner.run(["--generate-completion-script", shell], sampleKey: false)
        #expect(r.status == 0, "\(r.stderr)")
        // Option names without their dashes: fish's script writes `-l 'public-key'`.
        for word in ["analyze", "watch", "exchanges", "rules", "public-key", "latency-threshold"] {
            #expect(r.stdout.contains(word), "\(shell) completion lacks \(word)")
        }
    }
}
