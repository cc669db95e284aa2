public import CaptureModel
public import Diagnosis
import HTTPExchanges

/// Which exchanges a report lists (`--since`, `--until`, `--rule`, `--failed`): a narrowing of the
/// listing only. Exchanges it leaves out are still counted (`CaptureSummary.unlisted`), so the
/// summary — the header's counts — stays that of the whole capture.
///
/// The conditions are combined with AND; the rules among themselves with OR (an exchange with a
/// finding of any of them).
public struct ListingFilter: Sendable, Hashable {
    /// Only exchanges that start at or after this time.
    public var since: TimeBound?
    /// Only exchanges that start before this time (half-open: `[since, until)`).
    public var until: TimeBound?
    /// Only exchanges with a finding of one of these rules (none: any).
    public var rules: Set<RuleID> = []
    /// Only failed callbacks and refused connection attempts (outcome `fail`).
    public var failedOnly = false

    public init() {}

    /// True when nothing narrows the listing.
    public var isEmpty: Bool { since == nil && until == nil && rules.isEmpty && !failedOnly }

    /// True when `d` is listed. `captureStart` is the time of the capture's first packet: the day
    /// a time-of-day bound is on (without it such a bound admits everything).
    public func admits(_ d: borrowing DiagnosedExchange, captureStart: Timestamp?) -> Bool {
        if failedOnly {
            guard case .failed = d.outcome else { return false }
        }
        if !rules.isEmpty, !d.findings.contains(where: { rules.contains($0.rule) }) { return false }
        let start = d.exchange.startTime
        if let since = since?.resolved(onDayOf: captureStart), start < since { return false }
        if let until = until?.resolved(onDayOf: captureStart), !(start < until) { return false }
        return true
    }

    /// The options that made this filter, as a user would type them: `--since 00:58:30 --rule bad-status`.
    public var description: String {
        var parts: [String] = []
        if let since { parts.append("--since \(since.text)") }
        if let until { parts.append("--until \(until.text)") }
        for rule in rules.sorted() { parts.append("--rule \(rule.rawValue)") }
        if failedOnly { parts.append("--failed") }
        return parts.joined(separator: " ")
    }
}

/// A time given on the command line: an instant (RFC 3339, with `Z` or an offset) or a time of
/// day in UTC (`HH:MM[:SS[.fraction]]`) on the day of the capture's first packet.
public struct TimeBound: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case instant(Timestamp)
        /// Nanoseconds since midnight UTC.
        case timeOfDay(nanoseconds: Int64)
    }

    public var kind: Kind
    /// The text as given.
    public var text: String

    /// Parses `2026-11-26T00:58:30Z`, `2026-11-26T08:58:30.5+08:00` (RFC 3339 §5.6; `t`/space for
    /// `T`, `z` for `Z`) or `00:58`, `00:58:30`, `00:58:30.250`. Nil for anything else.
    public init?(parsing text: String) {
        self.text = text
        let bytes = Array(text.utf8)
        if let nanos = Self.timeOfDay(bytes[...]) {
            kind = .timeOfDay(nanoseconds: nanos)
            return
        }
        guard let instant = Self.instant(bytes) else { return nil }
        kind = .instant(instant)
    }

    /// The instant, with a time of day put on the UTC day of `captureStart`; nil when that is
    /// needed and unknown.
    public func resolved(onDayOf captureStart: Timestamp?) -> Timestamp? {
        switch kind {
        case .instant(let t): return t
        case .timeOfDay(let nanos):
            guard let captureStart else { return nil }
            let day =
                captureStart.seconds >= 0 ? captureStart.seconds / 86_400 : (captureStart.seconds - 86_399) / 86_400
            return Timestamp(seconds: day * 86_400 + nanos / 1_000_000_000, nanoseconds: nanos % 1_000_000_000)
        }
    }

    /// `HH:MM[:SS[.fraction]]` (up to 9 fractional digits), as nanoseconds since midnight.
    static func timeOfDay(_ b: ArraySlice<UInt8>) -> Int64? {
        let b = Array(b)
        guard b.count == 5 || b.count >= 8, b[2] == UInt8(ascii: ":"), let h = number(b[0..<2]),
            let m = number(b[3..<5]),
            h < 24, m < 60
        else { return nil }
        var seconds: Int64 = 0, nanos: Int64 = 0
        if b.count >= 8 {
            guard b[5] == UInt8(ascii: ":"), let s = number(b[6..<8]), s < 60 else { return nil }
            seconds = s
            if b.count > 8 {
                guard b[8] == UInt8(ascii: "."), let f = fraction(b[9...]) else { return nil }
                nanos = f
            }
        }
        return ((h * 60 + m) * 60 + seconds) * 1_000_000_000 + nanos
    }

    /// RFC 3339 `date-time`: `YYYY-MM-DD(T|t| )HH:MM:SS[.frac](Z|z|±HH:MM)`.
    static func instant(_ b: [UInt8]) -> Timestamp? {
        guard b.count >= 20, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"),
            [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(b[10]),
            let y = number(b[0..<4]), let mo = number(b[5..<7]), let d = number(b[8..<10]), (1...12).contains(mo),
            (1...31).contains(d)
        else { return nil }
        // The time runs up to the zone: `Z`, or the last `+` / `-`.
        guard
            let zoneStart = b.indices.last(where: {
                $0 > 10 && [UInt8(ascii: "Z"), UInt8(ascii: "z"), UInt8(ascii: "+"), UInt8(ascii: "-")].contains(b[$0])
            }),
            let time = timeOfDay(b[11..<zoneStart]), b[11..<zoneStart].count >= 8
        else { return nil }
        var offsetSeconds: Int64 = 0
        if b[zoneStart] == UInt8(ascii: "+") || b[zoneStart] == UInt8(ascii: "-") {
            let zone = Array(b[(zoneStart + 1)...])
            guard zone.count == 5, zone[2] == UInt8(ascii: ":"), let oh = number(zone[0..<2]),
                let om = number(zone[3..<5]), oh < 24,
                om < 60
            else { return nil }
            offsetSeconds = (oh * 60 + om) * 60 * (b[zoneStart] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            guard zoneStart == b.count - 1 else { return nil }
        }
        let days = Timestamp.daysSinceEpoch(year: y, month: mo, day: d)
        let local = days * 86_400 + time / 1_000_000_000
        return Timestamp(seconds: local - offsetSeconds, nanoseconds: time % 1_000_000_000)
    }

    /// Decimal digits only.
    private static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// 1–9 fractional digits as nanoseconds.
    private static func fraction(_ digits: ArraySlice<UInt8>) -> Int64? {
        guard (1...9).contains(digits.count), var value = number(digits) else { return nil }
        for _ in digits.count..<9 { value *= 10 }
        return value
    }
}

extension ListingFilter {
    /// `settings.listing` in the JSON report: `{"since", "until", "rules", "failedOnly"}`, times as
    /// given on the command line.
    public var json: JSONValue {
        .object([
            ("since", .optional(since?.text)),
            ("until", .optional(until?.text)),
            ("rules", .array(rules.sorted().map { .string($0.rawValue) })),
            ("failedOnly", .bool(failedOnly)),
        ])
    }
}
