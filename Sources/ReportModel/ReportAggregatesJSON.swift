import CaptureModel
import Diagnosis

// The JSON of the summary's aggregates and listing counts (`summary.aggregates`,
// `summary.listing`, `summary.spansDays`, the new `summary.perCapture[]` keys; additive in
// schemaVersion 1, documented in docs/report-schema.md). Lossless: `callback-doctor merge` reads
// it back (Analysis/ReportMerging.swift) and adds reports' aggregates as one run would.

extension ReportAggregates {
    public var json: JSONValue {
        .object([
            ("exchangesByKind", .object(ExchangeKind.allCases.map { ($0.rawValue, .int(Int64(count(of: $0)))) })),
            ("exchangesByRule", Self.byRule(exchangesByRule) { .int(Int64($0)) }),
            ("worstSeverity", .optional(worstSeverity?.rawValue)),
            ("firstExchangeStart", .optional(firstExchangeStart?.rfc3339)),
            ("lastExchangeStart", .optional(lastExchangeStart?.rfc3339)),
            (
                "latency",
                .object([
                    (
                        "byKind",
                        .object(
                            ExchangeKind.allCases.compactMap { kind in
                                latencyByKind[kind].map { (kind.rawValue, $0.json) }
                            })
                    ),
                    ("byRule", Self.byRule(latencyByRule) { $0.json }),
                ])
            ),
            ("servers", .array(callbacksByServerMinute.servers.map(Self.serverJSON))),
            ("minutes", .array(callbacksByServerMinute.minutes.map { Self.minuteJSON($0.minute, $0.row) })),
        ])
    }

    /// `{rule id: value}` in catalogue order, rules present only.
    static func byRule<T>(_ values: [RuleID: T], _ json: (T) -> JSONValue) -> JSONValue {
        .object(RuleCatalog.all.compactMap { rule in values[rule.id].map { (rule.id.rawValue, json($0)) } })
    }

    private static func serverJSON(
        _ server: (
            server: Endpoint, total: CallbackStatistics.Row, minutes: [(minute: Int64, row: CallbackStatistics.Row)]
        )
    ) -> JSONValue {
        .object([
            ("server", .string(server.server.description)),
            ("total", server.total.json),
            ("minutes", .array(server.minutes.map { minuteJSON($0.minute, $0.row) })),
        ])
    }

    private static func minuteJSON(_ minute: Int64, _ row: CallbackStatistics.Row) -> JSONValue {
        guard case .object(let members) = row.json else { return row.json }
        return .object([("minute", .string(Timestamp(seconds: minute * 60).rfc3339))] + members)
    }
}

extension CallbackStatistics.Row {
    public var json: JSONValue {
        .object([
            ("callbacks", .int(Int64(callbacks))),
            ("passed", .int(Int64(passed))),
            ("failed", .int(Int64(failed))),
            ("unknown", .int(Int64(unknown))),
            ("refusedConnections", .int(Int64(refusedConnections))),
            ("findingsByRule", ReportAggregates.byRule(findingsByRule) { .int(Int64($0)) }),
            ("latency", latency.json),
        ])
    }
}

extension LatencyDistribution {
    /// `{count, minNanoseconds, maxNanoseconds, p50Nanoseconds, p90Nanoseconds, p99Nanoseconds,
    /// exact, values | buckets}`: the values themselves while exact, else `[[bucket index, count]]`.
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("count", .int(Int64(count))),
            ("minNanoseconds", minimum.map(JSONValue.int) ?? .null),
            ("maxNanoseconds", maximum.map(JSONValue.int) ?? .null),
            ("p50Nanoseconds", percentile(50).map(JSONValue.int) ?? .null),
            ("p90Nanoseconds", percentile(90).map(JSONValue.int) ?? .null),
            ("p99Nanoseconds", percentile(99).map(JSONValue.int) ?? .null),
            ("exact", .bool(isExact)),
        ]
        if let values {
            members.append(("values", .array(values.map(JSONValue.int))))
        } else {
            members.append(
                ("buckets", .array(bucketCounts.map { .array([.int(Int64($0.index)), .int(Int64($0.count))]) })))
        }
        return .object(members)
    }
}

extension ShownOfTotal {
    public var json: JSONValue { .object([("shown", .int(Int64(shown))), ("total", .int(Int64(total)))]) }
}

extension ListingCounts {
    public var json: JSONValue {
        .object([
            ("byKind", .object(ExchangeKind.allCases.map { ($0.rawValue, self[$0].json) })),
            ("byRule", ReportAggregates.byRule(byRule) { $0.json }),
        ])
    }
}

extension CaptureTally {
    /// The keys added to a `summary.perCapture[]` entry after the counts.
    var addedJSONMembers: [(String, JSONValue)] {
        [
            ("firstPacketTime", .optional(firstPacketTime?.rfc3339)),
            ("lastPacketTime", .optional(lastPacketTime?.rfc3339)),
            ("findingsByRule", .object(findingsByRule.map { ($0.rule.rawValue, .int(Int64($0.count))) })),
            ("worstRule", .optional(worstRule?.rawValue)),
        ]
    }
}

extension ReportSummary {
    /// The keys added to `summary` after `perCapture`.
    var addedJSONMembers: [(String, JSONValue)] {
        [
            ("spansDays", .bool(spansDays)),
            ("listing", listing.json),
            ("aggregates", aggregates.json),
        ]
    }
}
