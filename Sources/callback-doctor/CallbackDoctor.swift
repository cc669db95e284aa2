import ArgumentParser
import CallbackSignature
import PcapCapture

/// The root command only configures; each subcommand lives in its own file.
@main
struct CallbackDoctor: ParsableCommand {
    static let version = "0.1.0"

    /// What `--version` prints, as `tcpdump --version` does: this tool's version (the first line,
    /// `callback-doctor VERSION`), then the versions of the libpcap (`pcap_lib_version`) and OpenSSL
    /// libcrypto (`OpenSSL_version(OPENSSL_VERSION)`) loaded at run time — they come from the
    /// system, not from the build, so a support engineer needs to see which ones a server has.
    static var versionText: String {
        "callback-doctor \(version)\n\(CaptureFile.libpcapVersion)\n\(SignatureVerifier.libcryptoVersion)"
    }

    static let configuration = CommandConfiguration(
        commandName: "callback-doctor",
        abstract: "Diagnose Alibaba Cloud OSS upload callbacks from tcpdump captures.",
        discussion: """
            Reads pcap and pcapng files (as written by tcpdump, dumpcap and Wireshark), rebuilds every HTTP \
            exchange between OSS and the callback server, and says why callbacks failed.

            Capture on the callback server, then analyse:
              tcpdump -i any -s 0 -w cb.pcap port 9000
              callback-doctor analyze cb.pcap

            Or pipe a capture in: tcpdump -i any -U -w - port 9000 | callback-doctor analyze -

            Or watch live, as root:
              callback-doctor watch -i any -f 'tcp port 9000'

            To let other users run `watch` without root, give the installed binary the capture \
            capabilities (the package does not). Whoever can run it can then read the machine's \
            traffic, so keep it to a group first (changing the group drops capabilities):
              groupadd --system pcap && chgrp pcap /usr/bin/callback-doctor && chmod 0750 /usr/bin/callback-doctor
              setcap cap_net_raw,cap_net_admin+eip /usr/bin/callback-doctor

            An upgrade replaces the file: run both again after one.

            \(exitStatusHelp)
            """,
        version: versionText,
        subcommands: [Analyze.self, Watch.self, Exchanges.self, Show.self, Stats.self, Rules.self, Merge.self],
        defaultSubcommand: Analyze.self)

    /// Parses the command line after ``CommandLineHabits/normalizingNegativeNumbers(_:)``, so that
    /// `-j -1` is told it must be a positive number rather than that a value is missing.
    static func main() {
        Self.main(CommandLineHabits.normalizingNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
    }
}
