import ArgumentParser
import Diagnosis
import Rendering
import ReportModel

/// `--list-all` (`analyze`, `show`, `watch`): every exchange in full rather than the bounded listing.
struct ListAllOption: ParsableArguments {
    @Flag(
        name: .long,
        help:
            "List every exchange in full (default: per capture, 100 passing, 100 non-callback and 100 per failing rule; the rest are counted, the totals stay exact)."
    )
    var listAll = false
}

/// `--since`, `--until`, `--rule`, `--failed`: which exchanges `analyze`, `exchanges`, `show` and
/// `watch` list (``ListingFilter``). The counts in the header stay those of the whole capture.
struct NarrowingOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "List only exchanges starting at or after TIME: RFC 3339 (2026-11-26T08:58:30+08:00) or HH:MM[:SS] in UTC on the capture's first day.",
            valueName: "TIME"))
    var since: String?

    @Option(
        name: .long,
        help: ArgumentHelp("List only exchanges starting before TIME (same forms as --since).", valueName: "TIME"))
    var until: String?

    @Option(
        name: .customLong("rule"),
        help: ArgumentHelp(
            "List only exchanges with a finding of RULE (repeatable: any of them); `callback-doctor rules` names them.",
            valueName: "RULE"))
    var rules: [String] = []

    @Flag(name: .long, help: "List only failed callbacks and refused connection attempts.")
    var failed = false

    mutating func validate() throws { _ = try filter() }

    /// The listing filter (checked by ``validate()``).
    var listingFilter: ListingFilter { (try? filter()) ?? ListingFilter() }

    /// The listing filter these options make; a usage error names the bad value.
    func filter() throws -> ListingFilter {
        var filter = ListingFilter()
        filter.since = try since.map { try Self.time($0, option: "--since") }
        filter.until = try until.map { try Self.time($0, option: "--until") }
        let known = Set(RuleCatalog.all.map(\.id.rawValue))
        for rule in rules {
            guard known.contains(rule) else {
                throw ValidationError(
                    "--rule \(TerminalSafety.escape(rule)): no such rule; one of: \(RuleCatalog.all.map(\.id.rawValue).joined(separator: ", "))."
                )
            }
            filter.rules.insert(RuleID(rawValue: rule))
        }
        filter.failedOnly = failed
        if let since = filter.since?.kind, let until = filter.until?.kind, case .instant(let a) = since,
            case .instant(let b) = until,
            !(a < b)
        {
            throw ValidationError("--since must be before --until.")
        }
        return filter
    }

    private static func time(_ text: String, option: String) throws -> TimeBound {
        guard let bound = TimeBound(parsing: text) else {
            throw ValidationError(
                "\(option) \(TerminalSafety.escape(text)): not a time; give RFC 3339 (2026-11-26T00:58:30Z, 2026-11-26T08:58:30.5+08:00) or HH:MM[:SS] (UTC, on the capture's first day)."
            )
        }
        return bound
    }
}
