import Analysis
import ArgumentParser
import Foundation
import PcapCapture

/// What users of tcpdump and tshark type by habit, turned into what they meant or into one clear
/// usage error (issue #18). Usage errors exit with status 64 (sysexits' `EX_USAGE`, the
/// argument parser's own code), before any capture is read.
enum CommandLineHabits {
    /// Options whose value is a number, by every spelling, with their long name.
    static let numericOptions = [
        "-j": "--jobs", "--jobs": "--jobs", "--latency-threshold": "--latency-threshold",
        // watch's
        "--duration": "--duration", "-c": "--count", "--count": "--count",
    ]

    /// Rewrites `-j -1`, `-j=-1` and `--latency-threshold -3` as `--jobs=-1` and
    /// `--latency-threshold=-3`: the argument parser takes a lone `-1` for an option and says
    /// "Missing value"; written with `=`, the value reaches validation, which says it must be a
    /// positive number. Everything else is left as it is.
    static func normalizingNegativeNumbers(_ arguments: [String]) -> [String] {
        var result: [String] = []
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "--" {
                result += arguments[index...]
                break
            }
            if let long = numericOptions[argument], index + 1 < arguments.count, isNegativeNumber(arguments[index + 1])
            {
                result.append("\(long)=\(arguments[index + 1])")
                index += 2
                continue
            }
            if argument.hasPrefix("-j=") {
                result.append("--jobs=" + argument.dropFirst(3))
            } else {
                result.append(argument)
            }
            index += 1
        }
        return result
    }

    private static func isNegativeNumber(_ text: String) -> Bool {
        text.hasPrefix("-") && Double(text) != nil
    }

    /// Checks the inputs and the filter together, before anything is read:
    /// - at least one input, and standard input (`-`) at most once;
    /// - a filter typed as a file (`analyze cb.pcap 'tcp port 9007'`), or a filter whose words
    ///   became files (`-f tcp port 9007` unquoted: the filter is `tcp`, the files `port` and
    ///   `9007`), gets "did you mean -f 'tcp port 9007'?";
    /// - a filter that does not compile is one error.
    static func check(inputs: [String], positional: [String], filter: String?) throws {
        guard !inputs.isEmpty else {
            throw ValidationError(
                "No capture named: give a capture file, a directory, a glob, or - for standard input (tcpdump -w - … | callback-doctor analyze -)."
            )
        }
        if inputs.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("Standard input (-) can be read only once.")
        }
        let missing = positional.filter {
            $0 != "-" && !$0.contains(where: { "*?[".contains($0) }) && !FileManager.default.fileExists(atPath: $0)
        }
        if let hint = filterHint(missing: missing, filter: filter) { throw ValidationError(hint) }
        if let filter, let problem = CaptureFilter.problem(with: filter) {
            throw ValidationError("Invalid capture filter '\(filter)': \(problem)")
        }
    }

    /// The "did you mean" line for positional arguments that name no file but read as a filter.
    static func filterHint(missing: [String], filter: String?) -> String? {
        guard !missing.isEmpty else { return nil }
        let words = missing.joined(separator: " ")
        if let filter {
            let whole = "\(filter) \(words)"
            if looksLikeFilter(whole) {
                return
                    "No file named \(missing.map { "'\($0)'" }.joined(separator: ", ")); did you mean -f '\(whole)'? (A filter of several words is one argument: quote it.)"
            }
            return nil
        }
        for candidate in [words] + missing where looksLikeFilter(candidate) {
            return "No file named '\(candidate)'; did you mean -f '\(candidate)'? (A capture filter is given with -f.)"
        }
        return nil
    }

    /// Words a pcap-filter(7) expression commonly starts with.
    static let filterKeywords: Set<String> = [
        "tcp", "udp", "ip", "ip6", "icmp", "icmp6", "arp", "host", "port", "portrange", "net", "src", "dst", "ether",
        "vlan", "not", "proto", "less", "greater", "(", "!",
    ]

    /// True when `text` starts with a filter keyword and compiles as a filter (only then: an
    /// arbitrary word would be compiled as a host name, and looked up).
    private static func looksLikeFilter(_ text: String) -> Bool {
        guard let first = text.split(separator: " ").first, filterKeywords.contains(first.lowercased()) else {
            return false
        }
        return CaptureFilter.problem(with: text) == nil
    }
}
