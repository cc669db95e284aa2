import CaptureModel
import Diagnosis
public import ReportModel

/// A report that cannot be merged: which file, and why (one line).
public struct ReportMergeError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// JSON reports of separate runs (`analyze --shard K/N`, or runs over different captures) put
/// together into the report one run over all their captures gives (`callback-doctor merge`,
/// docs/fleet.md).
///
/// Captures are disjoint between the reports, so the merge is exact: each capture keeps its own
/// `captures[]` entry, its listed exchanges and its `summary.perCapture` row as its run wrote
/// them (a run lists by per-capture quotas, so the listing is bounded the same way), and the
/// summary is rebuilt by adding the reports' aggregates (``ReportAggregates``: counts add, latency
/// distributions merge on fixed buckets) and listing counts. Captures are ordered by path, as a
/// directory's captures are expanded (and as `--shard` sorts them), each with its exchanges.
///
/// The reports must agree on `schemaVersion`, `tool`, `settings` and whether they were redacted;
/// a report that does not, or cannot be read, is left out with a one-line error.
public struct ReportMerging {
    /// The merged report's top-level members, in the contract's order (docs/report-schema.md).
    public private(set) var schemaVersion: JSONValue = .int(Int64(Report.schemaVersion))
    public private(set) var tool: JSONValue?
    public private(set) var settings: JSONValue?
    /// `captures[]` entries with their exchanges and `perCapture` rows, by path.
    private var captures: [String: (capture: JSONValue, exchanges: [JSONValue], tally: CaptureTally)] = [:]
    private var totals = ReportAggregates()
    private var listing = ListingCounts()
    private var redaction: RedactionSummary?

    public init() {}

    /// Adds one report read from `source` (a file name, for errors). Throws, leaving the merge as
    /// it was, when the report cannot be merged.
    public mutating func add(_ report: JSONValue, source: String) throws(ReportMergeError) {
        let r = JSONFields(report, source: source, path: "")
        guard try r.int("schemaVersion") == Report.schemaVersion else {
            throw ReportMergeError(
                "\(source): schemaVersion \(report["schemaVersion"].map { $0.serialized() } ?? "missing"), expected \(Report.schemaVersion)"
            )
        }
        let tool = try r.raw("tool"), settings = try r.raw("settings")
        if let mine = self.tool, mine != tool {
            throw ReportMergeError("\(source): written by another tool version (\(tool.serialized()))")
        }
        if let mine = self.settings, mine != settings {
            throw ReportMergeError(
                "\(source): analysed with other settings (\(settings.serialized())); merge reports of one configuration"
            )
        }
        let redaction = try Self.redaction(r.object("redaction"))
        if let mine = self.redaction, mine.applied != redaction.applied {
            throw ReportMergeError(
                "\(source): redaction \(redaction.applied ? "applied" : "not applied"), unlike the reports before it")
        }
        let summary = try r.object("summary")
        let parts = try Self.captures(of: r, summary: summary)
        if let duplicate = parts.keys.first(where: { captures[$0] != nil }) {
            throw ReportMergeError("\(source): capture \(duplicate) is in an earlier report too")
        }
        let aggregates = try Self.aggregates(summary)
        let listing = try Self.listing(summary.object("listing"))
        // Nothing above changed the merge: now take it all.
        self.tool = tool
        self.settings = settings
        captures.merge(parts) { a, _ in a }
        totals += aggregates
        for (kind, count) in listing.byKind {
            self.listing.byKind[kind, default: ShownOfTotal(shown: 0, total: 0)].add(count)
        }
        for (rule, count) in listing.byRule {
            self.listing.byRule[rule, default: ShownOfTotal(shown: 0, total: 0)].add(count)
        }
        var merged = self.redaction ?? RedactionSummary(applied: redaction.applied)
        merged.redactedValues += redaction.redactedValues
        merged.kinds = Array(Set(merged.kinds).union(redaction.kinds)).sorted()
        self.redaction = merged
    }

    /// The captures' paths in report order.
    private var order: [String] { captures.keys.sorted() }

    /// The merged summary, as `Report` makes it.
    public var summary: ReportSummary {
        var summary = ReportSummary()
        summary.perCapture = order.map { captures[$0]!.tally }
        summary.captures = summary.perCapture.count
        summary.capturesUnreadable = summary.perCapture.filter(\.readError).count
        summary.counts = totals.counts
        summary.findingsByRule = RuleCounts(totals.findingsInCatalogueOrder)
        summary.worstSeverity = totals.worstSeverity
        summary.aggregates = totals
        summary.listing = listing
        return summary
    }

    /// True when some capture could not be read, or was read only up to damage (exit status 2).
    public var hasCaptureProblems: Bool {
        captures.values.contains { $0.capture["error"] != .null || $0.capture["complete"] != .bool(true) }
    }

    /// The merged report's members, for ``JSONValue/writeObject(_:indent:newline:to:)``: the
    /// bytes `analyze --format json` writes for one run over every capture.
    public var jsonMembers: [(String, JSONValue.StreamedMember)] {
        let order = order, captures = captures
        let exchanges = order.flatMap { captures[$0]!.exchanges }
        return [
            ("schemaVersion", .value(schemaVersion)),
            ("tool", .value(tool ?? .null)),
            ("settings", .value(settings ?? .null)),
            ("captures", .array(count: order.count, element: { captures[order[$0]]!.capture })),
            ("exchanges", .array(count: exchanges.count, element: { exchanges[$0] })),
            ("summary", .value(summary.json)),
            ("redaction", .value((redaction ?? RedactionSummary()).json)),
        ]
    }

    /// The lines `analyze --format jsonl` writes for one run: a line per capture that could not
    /// be read or was damaged (as ``JSONLRenderer``'s), then one per exchange.
    public var jsonLines: [JSONValue] {
        let order = order
        var lines: [JSONValue] = []
        for path in order {
            let capture = captures[path]!.capture
            let error = capture["error"] ?? .null, complete = capture["complete"] ?? .bool(false)
            guard error != .null || complete != .bool(true) else { continue }
            lines.append(
                .object([
                    ("record", .string("capture-problem")), ("capture", .string(path)),
                    ("readable", .bool(error == .null)),
                    ("complete", complete), ("error", error), ("problems", capture["problems"] ?? .array([])),
                ]))
        }
        return lines + order.flatMap { captures[$0]!.exchanges }
    }

    // MARK: Reading a report's parts back

    /// Each capture with its exchanges and its `perCapture` row.
    private static func captures(of r: JSONFields, summary: JSONFields) throws(ReportMergeError) -> [String: (
        capture: JSONValue, exchanges: [JSONValue], tally: CaptureTally
    )] {
        let captureList = try r.array("captures"), tallies = try summary.array("perCapture")
        guard captureList.count == tallies.count else {
            throw r.error("captures and summary.perCapture differ in length")
        }
        var result: [String: (capture: JSONValue, exchanges: [JSONValue], tally: CaptureTally)] = [:]
        for (capture, tally) in zip(captureList, tallies) {
            let path = try capture.string("path")
            guard try tally.string("path") == path else {
                throw r.error("summary.perCapture is not in the order of captures")
            }
            guard result[path] == nil else { throw r.error("capture \(path) is listed twice") }
            result[path] = (capture.value, [], try Self.tally(tally))
        }
        for exchange in try r.array("exchanges") {
            let path = try exchange.string("capture")
            guard result[path] != nil else { throw r.error("an exchange of \(path), which is not among its captures") }
            result[path]!.exchanges.append(exchange.value)
        }
        return result
    }

    private static func tally(_ t: JSONFields) throws(ReportMergeError) -> CaptureTally {
        var tally = CaptureTally(path: try t.string("path"))
        tally.readError = !(try t.bool("readable"))
        try readCounts(t, into: &tally)
        tally.firstPacketTime = try t.timestamp("firstPacketTime")
        tally.lastPacketTime = try t.timestamp("lastPacketTime")
        tally.findingsByRule = RuleCounts(
            try t.object("findingsByRule").members().map { (field) throws(ReportMergeError) in
                (rule: RuleID(rawValue: field.key), count: try field.value.asInt())
            })
        tally.worstRule = try t.optionalString("worstRule").map(RuleID.init(rawValue:))
        return tally
    }

    private static func readCounts(_ c: JSONFields, into counts: inout some ExchangeCounting) throws(ReportMergeError) {
        counts.exchanges = try c.int("exchanges")
        counts.callbacks = try c.int("callbacks")
        counts.callbacksPassed = try c.int("callbacksPassed")
        counts.callbacksFailed = try c.int("callbacksFailed")
        counts.callbacksUnknown = try c.int("callbacksUnknown")
        counts.possibleCallbacks = try c.int("possibleCallbacks")
        counts.possibleCallbacksFailed = try c.int("possibleCallbacksFailed")
        counts.possibleCallbacksUnknown = try c.int("possibleCallbacksUnknown")
        counts.httpsNotJudged = try c.int("httpsNotJudged")
        counts.refusedConnections = try c.int("refusedConnections")
    }

    /// The report's aggregates: `summary`'s counts and findings, and `summary.aggregates`.
    static func aggregates(_ summary: JSONFields) throws(ReportMergeError) -> ReportAggregates {
        var a = ReportAggregates()
        try readCounts(summary, into: &a)
        a.findingsByRule = try ruleCounts(summary.object("findingsByRule"))
        let g = try summary.object("aggregates")
        for field in try g.object("exchangesByKind").members() {
            guard let kind = ExchangeKind(rawValue: field.key) else {
                throw g.error("unknown exchange kind \(field.key)")
            }
            let n = try field.value.asInt()
            if n > 0 { a.exchangesByKind[kind] = n }
        }
        a.exchangesByRule = try ruleCounts(g.object("exchangesByRule"))
        if let severity = try g.optionalString("worstSeverity") {
            guard let parsed = Severity(rawValue: severity) else { throw g.error("unknown severity \(severity)") }
            a.worstSeverity = parsed
        }
        a.firstExchangeStart = try g.timestamp("firstExchangeStart")
        a.lastExchangeStart = try g.timestamp("lastExchangeStart")
        let latency = try g.object("latency")
        for field in try latency.object("byKind").members() {
            guard let kind = ExchangeKind(rawValue: field.key) else {
                throw g.error("unknown exchange kind \(field.key)")
            }
            a.latencyByKind[kind] = try distribution(field.value)
        }
        for field in try latency.object("byRule").members() {
            a.latencyByRule[RuleID(rawValue: field.key)] = try distribution(field.value)
        }
        for server in try g.array("servers") {
            let endpoint = try Self.endpoint(server.string("server"), server)
            for minute in try server.array("minutes") {
                guard let start = try minute.timestamp("minute") else {
                    throw minute.error("a minute without its time")
                }
                a.callbacksByServerMinute.add(
                    try row(minute),
                    at: CallbackStatistics.Key(server: endpoint, minute: CallbackStatistics.minute(of: start)))
            }
        }
        return a
    }

    private static func ruleCounts(_ o: JSONFields) throws(ReportMergeError) -> [RuleID: Int] {
        var counts: [RuleID: Int] = [:]
        for field in try o.members() { counts[RuleID(rawValue: field.key)] = try field.value.asInt() }
        return counts
    }

    private static func row(_ r: JSONFields) throws(ReportMergeError) -> CallbackStatistics.Row {
        var row = CallbackStatistics.Row()
        row.callbacks = try r.int("callbacks")
        row.passed = try r.int("passed")
        row.failed = try r.int("failed")
        row.unknown = try r.int("unknown")
        row.refusedConnections = try r.int("refusedConnections")
        row.findingsByRule = try ruleCounts(r.object("findingsByRule"))
        row.latency = try distribution(r.object("latency"))
        return row
    }

    private static func distribution(_ d: JSONFields) throws(ReportMergeError) -> LatencyDistribution {
        let count = try d.int("count")
        let minimum = try d.optionalInt64("minNanoseconds"), maximum = try d.optionalInt64("maxNanoseconds")
        var values: [Int64]?, buckets: [(index: Int, count: Int)]?
        if d.value["values"] != nil {
            values = try d.array("values").map { (v) throws(ReportMergeError) in try v.asInt64() }
        } else {
            buckets = try d.array("buckets").map { (pair) throws(ReportMergeError) in
                let items = try pair.asArray()
                guard items.count == 2 else { throw pair.error("a bucket is [index, count]") }
                return (try items[0].asInt(), try items[1].asInt())
            }
        }
        guard
            let distribution = LatencyDistribution(
                count: count, minimum: minimum, maximum: maximum, values: values, buckets: buckets)
        else {
            throw d.error("a latency distribution whose parts do not agree")
        }
        return distribution
    }

    private static func endpoint(_ text: String, _ at: JSONFields) throws(ReportMergeError) -> Endpoint {
        guard let name = try? ServerName(parsing: text), let address = name.address, name.ports.count == 1 else {
            throw at.error("\(text) is not HOST:PORT")
        }
        return Endpoint(address: address, port: name.ports.lowerBound)
    }

    private static func listing(_ l: JSONFields) throws(ReportMergeError) -> ListingCounts {
        var listing = ListingCounts()
        func shown(_ v: JSONFields) throws(ReportMergeError) -> ShownOfTotal {
            ShownOfTotal(shown: try v.int("shown"), total: try v.int("total"))
        }
        for field in try l.object("byKind").members() {
            guard let kind = ExchangeKind(rawValue: field.key) else {
                throw l.error("unknown exchange kind \(field.key)")
            }
            listing.byKind[kind] = try shown(field.value)
        }
        for field in try l.object("byRule").members() {
            listing.byRule[RuleID(rawValue: field.key)] = try shown(field.value)
        }
        return listing
    }

    private static func redaction(_ r: JSONFields) throws(ReportMergeError) -> RedactionSummary {
        RedactionSummary(
            applied: try r.bool("applied"), redactedValues: try r.int("redactedValues"),
            kinds: try r.array("kinds").map { (k) throws(ReportMergeError) in try k.asString() })
    }
}

extension ShownOfTotal {
    fileprivate mutating func add(_ other: ShownOfTotal) {
        shown += other.shown
        total += other.total
    }
}

/// A JSON value being read back, with where it is (for one-line errors: `part-1.json:
/// summary.aggregates.latency: …`).
struct JSONFields {
    let value: JSONValue
    let source: String
    let path: String

    init(_ value: JSONValue, source: String, path: String) {
        self.value = value
        self.source = source
        self.path = path
    }

    func error(_ message: String) -> ReportMergeError {
        ReportMergeError("\(source): \(path.isEmpty ? "" : path + ": ")\(message)")
    }

    private func member(_ key: String) throws(ReportMergeError) -> JSONFields {
        guard case .object = value else { throw error("expected an object") }
        guard let found = value[key] else { throw error("\(key) is missing") }
        return JSONFields(found, source: source, path: path.isEmpty ? key : path + "." + key)
    }

    func raw(_ key: String) throws(ReportMergeError) -> JSONValue { try member(key).value }
    func object(_ key: String) throws(ReportMergeError) -> JSONFields {
        let m = try member(key)
        guard case .object = m.value else { throw m.error("expected an object") }
        return m
    }
    func array(_ key: String) throws(ReportMergeError) -> [JSONFields] { try member(key).asArray() }
    func int(_ key: String) throws(ReportMergeError) -> Int { try member(key).asInt() }
    func bool(_ key: String) throws(ReportMergeError) -> Bool {
        let m = try member(key)
        guard case .bool(let b) = m.value else { throw m.error("expected true or false") }
        return b
    }
    func string(_ key: String) throws(ReportMergeError) -> String { try member(key).asString() }
    func optionalString(_ key: String) throws(ReportMergeError) -> String? {
        let m = try member(key)
        return m.value == .null ? nil : try m.asString()
    }
    func optionalInt64(_ key: String) throws(ReportMergeError) -> Int64? {
        let m = try member(key)
        return m.value == .null ? nil : try m.asInt64()
    }
    func timestamp(_ key: String) throws(ReportMergeError) -> Timestamp? {
        guard let text = try optionalString(key) else { return nil }
        guard let time = Timestamp(rfc3339: text) else { throw error("\(key): not an RFC 3339 time: \(text)") }
        return time
    }

    /// An object's members in order.
    func members() throws(ReportMergeError) -> [(key: String, value: JSONFields)] {
        guard case .object(let members) = value else { throw error("expected an object") }
        return members.map { ($0.0, JSONFields($0.1, source: source, path: path + "." + $0.0)) }
    }
    func asArray() throws(ReportMergeError) -> [JSONFields] {
        guard case .array(let items) = value else { throw error("expected an array") }
        return items.enumerated().map { JSONFields($1, source: source, path: path + "[\($0)]") }
    }
    func asInt64() throws(ReportMergeError) -> Int64 {
        guard case .int(let i) = value else { throw error("expected an integer") }
        return i
    }
    func asInt() throws(ReportMergeError) -> Int {
        let i = try asInt64()
        guard i >= 0 else { throw error("expected a count, not \(i)") }
        return Int(i)
    }
    func asString() throws(ReportMergeError) -> String {
        guard case .string(let s) = value else { throw error("expected a string") }
        return s
    }
}
