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
            Or watch live (as root): callback-doctor watch -i any -f 'tcp port 9000'
            """,
        version: version,
        subcommands: [Analyze.self, Watch.self, Exchanges.self, Show.self, Stats.self, Rules.self],
        defaultSubcommand: Analyze.self)
}
