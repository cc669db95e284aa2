import ArgumentParser

/// The root command only configures; each subcommand lives in its own file.
@main
struct CallbackDoctor: ParsableCommand {
    static let version = "0.1.0"

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
            Or watch live (as root): callback-doctor watch -i any -f 'tcp port 9000'

            \(exitStatusHelp)
            """,
        version: version,
        subcommands: [Analyze.self, Watch.self, Exchanges.self, Rules.self],
        defaultSubcommand: Analyze.self)

    /// Parses the command line after ``CommandLineHabits/normalizingNegativeNumbers(_:)``, so that
    /// `-j -1` is told it must be a positive number rather than that a value is missing.
    static func main() {
        Self.main(CommandLineHabits.normalizingNegativeNumbers(Array(CommandLine.arguments.dropFirst())))
    }
}
