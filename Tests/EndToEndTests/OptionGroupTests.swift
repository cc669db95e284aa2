import Analysis
import ArgumentParser
import CallbackSignature
import Diagnosis
import Foundation
import Rendering
import ReportModel
import Testing

@testable import callback_doctor

/// The subcommands compose shared option groups (issue #21): each option is declared once, so it
/// is spelled, defaulted, described and checked the same wherever it is accepted. These tests
/// parse in process, through the commands' own `parseAsRoot`, and read the option definitions
/// from swift-argument-parser's description of the tool (`--experimental-dump-help`, ToolInfoV0).
@Suite struct OptionGroupTests {
    static let capture = SampleRecording.packageRoot.appendingPathComponent("samples/captures/bom-json.pcap").path
    static let key = SampleRecording.packageRoot.appendingPathComponent("samples/keys/test-callback-public.pem").path

    /// What each subcommand needs besides options.
    static let required: [String: [String]] = [
        "analyze": [capture], "exchanges": [capture], "stats": [capture], "show": [capture, "1"],
        "watch": ["-i", "lo"], "merge": ["part.json"], "rules": [],
    ]

    /// Every option name each subcommand accepts (besides -h, --help and --version): the sets the
    /// subcommands accepted before their options were shared, unchanged.
    static let expectedNames: [String: Set<String>] = [
        "analyze": [
            "-r", "-f", "--filter", "--latency-threshold", "-j", "--jobs", "-q", "--quiet", "--public-key", "--server",
            "--list-all", "--since", "--until", "--rule", "--failed", "--format", "-o", "--output", "--redact",
            "--no-redact", "--color", "--fail-on", "-v", "--verbose", "--detail", "--stats", "--shard",
        ],
        "exchanges": [
            "-r", "-f", "--filter", "--latency-threshold", "-j", "--jobs", "-q", "--quiet", "--public-key", "--server",
            "--since", "--until", "--rule", "--failed", "--format", "-o", "--output", "--redact", "--no-redact",
        ],
        "stats": [
            "-r", "-f", "--filter", "--latency-threshold", "-j", "--jobs", "-q", "--quiet", "--public-key", "--server",
            "--format", "-o", "--output",
        ],
        "show": [
            "-f", "--filter", "--latency-threshold", "--public-key", "--list-all", "--since", "--until", "--rule",
            "--failed", "--redact", "--color",
        ],
        "watch": [
            "-i", "--interface", "-f", "--filter", "-w", "--write", "--duration", "-c", "--count", "-q", "--quiet",
            "--latency-threshold", "--public-key", "--server", "--list-all", "--since", "--until", "--rule", "--failed",
            "--format", "-o", "--output", "--redact", "--no-redact", "--color", "--fail-on", "-v", "--verbose",
        ],
        "merge": ["--format", "-o", "--output", "--fail-on"],
        "rules": ["--format"],
    ]

    /// Options accepted by several subcommands that are different options there, by design:
    /// `--format` (each subcommand has its own formats), `-o` (its help names what is written),
    /// `-q` (`watch`: no live lines; elsewhere: no progress bar), `--redact` (`show` has no
    /// `--no-redact` and never redacts by default).
    static let ownedBySubcommand: Set<String> = ["--format", "--output", "--quiet", "--redact"]

    /// The tool's description by swift-argument-parser: each subcommand's arguments.
    static func declaredArguments() throws -> [String: [[String: Any]]] {
        var json = ""
        do {
            _ = try CallbackDoctor.parseAsRoot(["--experimental-dump-help"])
        } catch {
            json = CallbackDoctor.fullMessage(for: error)
        }
        let tool = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let root = try #require(tool["command"] as? [String: Any])
        let subcommands = try #require(root["subcommands"] as? [[String: Any]])
        var arguments: [String: [[String: Any]]] = [:]
        for command in subcommands {
            let name = try #require(command["commandName"] as? String)
            arguments[name] = command["arguments"] as? [[String: Any]] ?? []
        }
        return arguments
    }

    /// `-x` or `--xyz` for each name of a described argument.
    static func names(of argument: [String: Any]) -> [String] {
        (argument["names"] as? [[String: Any]] ?? []).compactMap { name in
            guard let text = name["name"] as? String else { return nil }
            return (name["kind"] as? String == "short" ? "-" : "--") + text
        }
    }

    /// The subcommands by name.
    static let commands: [String: any ParsableCommand.Type] = [
        "analyze": CallbackDoctor.Analyze.self, "exchanges": CallbackDoctor.Exchanges.self,
        "stats": CallbackDoctor.Stats.self, "show": CallbackDoctor.Show.self, "watch": CallbackDoctor.Watch.self,
        "merge": CallbackDoctor.Merge.self, "rules": CallbackDoctor.Rules.self,
    ]

    /// The message and exit code swift-argument-parser gives for subcommand `command` with
    /// `arguments`, or nil when they parse (the subcommand parsed alone: a parse through the root
    /// builds every subcommand's definition, which a debug build checks each time).
    static func parseError(_ command: String, _ arguments: [String]) throws -> (message: String, code: Int32)? {
        let type = try #require(commands[command])
        do {
            _ = try type.parseAsRoot(required[command, default: []] + arguments)
            return nil
        } catch {
            return (type.message(for: error), type.exitCode(for: error).rawValue)
        }
    }

    static func parse<Command: ParsableCommand>(_ arguments: [String], as type: Command.Type) throws -> Command {
        let parsed = try CallbackDoctor.parseAsRoot(arguments)
        return try #require(parsed as? Command, "\(arguments) parsed as \(Swift.type(of: parsed))")
    }

    @Test func everySubcommandAcceptsExactlyItsOptions() throws {
        let declared = try Self.declaredArguments()
        #expect(Set(declared.keys).subtracting(["help"]) == Set(Self.expectedNames.keys))
        for (command, expected) in Self.expectedNames {
            let arguments = try #require(declared[command], "\(command) is not described")
            let names = Set(arguments.flatMap(Self.names)).subtracting(["-h", "--help", "--version"])
            #expect(
                names == expected,
                "\(command): extra \(names.subtracting(expected)), missing \(expected.subtracting(names))")
        }
    }

    /// Each expected name really parses (the description above is what the parser uses), and
    /// options a sibling has are unknown where they were never accepted.
    @Test func everyNameParsesWhereItIsAccepted() throws {
        let declared = try Self.declaredArguments()
        for (command, accepted) in Self.expectedNames {
            let arguments = try #require(declared[command])
            for name in accepted.sorted() {
                let described = arguments.first { Self.names(of: $0).contains(name) }
                // A value that every option takes or refuses at once ("tcp": a filter of an unknown
                // word would be compiled as a host name, and looked up).
                let sample = described?["kind"] as? String == "option" ? [name, "tcp"] : [name]
                let error = try Self.parseError(command, sample)
                #expect(
                    error?.message.contains("Unknown option") != true, "\(command) \(sample): \(error?.message ?? "")")
            }
        }
        let neverAccepted = [
            ("watch", "-r"), ("watch", "--jobs"), ("watch", "--detail"), ("show", "--server"), ("show", "--no-redact"),
            ("show", "--output"), ("exchanges", "--list-all"), ("exchanges", "--color"), ("stats", "--since"),
            ("stats", "--redact"), ("merge", "--verbose"), ("rules", "--output"),
        ]
        for (command, name) in neverAccepted {
            // Alone: a word after it would be taken for a PATH, and checked first.
            let error = try #require(try Self.parseError(command, [name]), "\(command) \(name) parsed")
            #expect(error.message.contains("Unknown option '\(name)'"), "\(command) \(name): \(error.message)")
        }
    }

    /// A shared option is described the same (names, value name, default, help) in every
    /// subcommand that accepts it.
    @Test func aSharedOptionReadsTheSameEverywhere() throws {
        var seen: [String: (command: String, description: NSDictionary)] = [:]
        var compared = 0
        for (command, arguments) in try Self.declaredArguments().sorted(by: { $0.key < $1.key }) {
            for argument in arguments where argument["kind"] as? String != "positional" {
                guard let name = Self.names(of: argument).first(where: { $0.hasPrefix("--") }),
                    !Self.ownedBySubcommand.contains(name), !["--help", "--version"].contains(name)
                else { continue }
                let description = NSDictionary(dictionary: argument)
                if let first = seen[name] {
                    compared += 1
                    #expect(first.description == description, "\(name): \(first.command) and \(command) differ")
                } else {
                    seen[name] = (command, description)
                }
            }
        }
        // -f, --latency-threshold, --public-key, --server, --list-all, --since … in several subcommands.
        #expect(compared >= 30)
    }

    /// A bad value of a shared option is refused with the same message, as a usage error (64),
    /// by every subcommand that accepts the option.
    @Test(arguments: [
        ["--latency-threshold", "0"], ["--latency-threshold=-3"], ["--public-key", "/nonexistent/key.pem"],
        ["--server", "host:notaport"], ["--since", "25:99"], ["--until", "yesterday"], ["--rule", "no-such-rule"],
        ["--color", "sometimes"], ["--fail-on", "info"], ["--jobs", "0"],
    ])
    func aBadValueIsRefusedTheSameEverywhere(option: [String]) throws {
        let name = String(try #require(option.first?.split(separator: "=").first))
        let commands = Self.expectedNames.filter { $0.value.contains(name) }.keys.sorted()
        try #require(commands.count >= 2, "\(name) is not shared")
        var messages: [String: String] = [:]
        for command in commands {
            let error = try #require(try Self.parseError(command, option), "\(command) \(option) parsed")
            #expect(error.code == 64, "\(command) \(option): \(error.code)")
            messages[command] = error.message
        }
        #expect(Set(messages.values).count == 1, "\(messages)")
        #expect(messages.values.allSatisfy { $0.contains(name) }, "\(messages)")
    }

    /// The one function from the groups to `AnalysisOptions`: the same options give the same
    /// settings in `analyze`, `exchanges`, `show` and `watch`.
    @Test func theSameOptionsMakeTheSameAnalysis() throws {
        let shared = [
            "-f", "tcp port 9000", "--latency-threshold", "2.5", "--public-key", Self.key, "--since", "08:00", "--rule",
            "bom-prefix", "--failed", "--list-all",
        ]
        let servers = ["--server", ":9000"]
        let analyze = try Self.parse(["analyze", Self.capture] + shared + servers, as: CallbackDoctor.Analyze.self)
        let watch = try Self.parse(["watch", "-i", "lo"] + shared + servers, as: CallbackDoctor.Watch.self)
        let show = try Self.parse(["show", Self.capture, "3"] + shared, as: CallbackDoctor.Show.self)
        let exchanges = try Self.parse(
            ["exchanges", Self.capture] + shared.filter { $0 != "--list-all" } + servers,
            as: CallbackDoctor.Exchanges.self)

        let fromAnalyze = analyze.input.analysisOptions(listAll: analyze.listing.listAll, narrowing: analyze.narrowing)
        let fromWatch = watch.analysisOptions()
        let fromShow = show.analysisOptions()
        let fromExchanges = exchanges.input.analysisOptions(listAll: true, narrowing: exchanges.narrowing)
        for options in [fromAnalyze, fromWatch, fromShow, fromExchanges] {
            #expect(options.filter == "tcp port 9000")
            #expect(options.diagnosis.latencyThresholdSeconds == 2.5)
            #expect(options.publicKeys.map(\.label) == [Self.key])
            #expect(options.listing == fromAnalyze.listing)
        }
        #expect(fromAnalyze.listing.failedOnly && fromAnalyze.listing.since != nil)
        #expect(fromAnalyze.listing.rules.map(\.rawValue) == ["bom-prefix"])
        for options in [fromAnalyze, fromWatch, fromExchanges] {
            #expect(options.servers.map(\.description) == fromAnalyze.servers.map(\.description))
            #expect(options.maxPassingExchangesKept == .max && options.maxFailingExchangesKeptPerRule == .max)
        }
        #expect(fromAnalyze.servers.count == 1)
        #expect(fromShow.servers.isEmpty)
        // show keeps the first N of each kind: all of them are among the first N of the listing.
        #expect(fromShow.maxPassingExchangesKept == 3 && fromShow.maxFailingExchangesKeptPerRule == 3)
    }

    /// Quotas: the default listing, `show`'s cut to N without `--list-all`, none for statistics.
    @Test func listingQuotas() throws {
        let analyze = try Self.parse(["analyze", Self.capture], as: CallbackDoctor.Analyze.self)
        let bounded = analyze.input.analysisOptions(listAll: false, narrowing: analyze.narrowing)
        #expect(bounded.maxPassingExchangesKept == 100 && bounded.maxFailingExchangesKeptPerRule == 100)

        let show = try Self.parse(["show", Self.capture, "250"], as: CallbackDoctor.Show.self)
        #expect(show.analysisOptions().maxPassingExchangesKept == 100)
        let few = try Self.parse(["show", Self.capture, "7"], as: CallbackDoctor.Show.self)
        #expect(few.analysisOptions().maxFailingExchangesKeptPerRule == 7)

        let statistics = try Self.parse(
            ["analyze", "--stats", "--list-all", "--failed", Self.capture], as: CallbackDoctor.Analyze.self)
        let counted = statistics.input.analysisOptions(
            listAll: statistics.listing.listAll, narrowing: statistics.narrowing, statisticsOnly: statistics.stats)
        #expect(counted.maxPassingExchangesKept == 0 && counted.maxFailingExchangesKeptPerRule == 0)
        #expect(counted.listing.failedOnly)
    }

    /// The groups keep their defaults in every subcommand.
    @Test func defaults() throws {
        let watch = try Self.parse(["watch", "-i", "lo"], as: CallbackDoctor.Watch.self)
        #expect(watch.format == .text)
        #expect(watch.writing.failOn.threshold == .error && watch.writing.color.choice == .auto)
        #expect(watch.judgement.latencyThreshold == 5.0)
        let analyze = try Self.parse(["analyze", "-o", "report.html", Self.capture], as: CallbackDoctor.Analyze.self)
        #expect(analyze.effectiveFormat == .html)
        #expect(analyze.writing.failOn.threshold == .error && analyze.input.judgement.latencyThreshold == 5.0)
        let stats = try Self.parse(["stats", Self.capture], as: CallbackDoctor.Stats.self)
        #expect(stats.formatting.format == .text)
        let exchanges = try Self.parse(["exchanges", Self.capture], as: CallbackDoctor.Exchanges.self)
        #expect(exchanges.formatting.format == .tsv)
        let merge = try Self.parse(["merge", "-o", "all.jsonl", "a.json"], as: CallbackDoctor.Merge.self)
        #expect(merge.effectiveFormat == .jsonl && merge.failOn.threshold == .error)
    }
}
