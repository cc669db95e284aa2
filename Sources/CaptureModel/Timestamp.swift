/// A capture timestamp with nanosecond resolution, in UTC.
///
/// libpcap hands out `struct timeval`-shaped times; when a file is opened with
/// `PCAP_TSTAMP_PRECISION_NANO` the `tv_usec` field holds nanoseconds. This type keeps
/// seconds and nanoseconds apart so that no precision is lost to `Double`.
public struct Timestamp: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Whole seconds since the Unix epoch (1970-01-01T00:00:00Z).
    public var seconds: Int64
    /// Nanoseconds within the second, `0..<1_000_000_000`.
    public var nanoseconds: UInt32

    /// Creates a timestamp, normalising `nanoseconds` into `0..<1_000_000_000`.
    public init(seconds: Int64, nanoseconds: Int64 = 0) {
        let extra = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        self.seconds = seconds + extra
        self.nanoseconds = UInt32(nanoseconds - extra * 1_000_000_000)
    }

    /// Nanoseconds since the epoch (overflows only after the year 2262).
    public var totalNanoseconds: Int64 { seconds &* 1_000_000_000 &+ Int64(nanoseconds) }

    /// `self - other`, in seconds.
    public func seconds(since other: Timestamp) -> Double {
        Double(seconds - other.seconds) + Double(Int64(nanoseconds) - Int64(other.nanoseconds)) / 1e9
    }

    /// `self + seconds`.
    public func adding(seconds delta: Double) -> Timestamp {
        let whole = delta.rounded(.down)
        return Timestamp(
            seconds: seconds + Int64(whole), nanoseconds: Int64(nanoseconds) + Int64(((delta - whole) * 1e9).rounded()))
    }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        (lhs.seconds, lhs.nanoseconds) < (rhs.seconds, rhs.nanoseconds)
    }

    /// RFC 3339 in UTC with nine fractional digits: `2026-11-25T17:20:01.123456789Z`.
    public var rfc3339: String {
        let (days, secondOfDay) = seconds.floorDivided(by: 86_400)
        let (year, month, day) = Self.civilDate(fromDaysSinceEpoch: days)
        let hour = secondOfDay / 3600, minute = (secondOfDay % 3600) / 60, second = secondOfDay % 60
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))"
            + ".\(pad(Int64(nanoseconds), 9))Z"
    }

    public var description: String { rfc3339 }

    /// Parses the `rfc3339` form (UTC, `Z`, 0–9 fractional digits). Returns nil for anything else.
    public init?(rfc3339 text: String) {
        let b = Array(text.utf8)
        func num(_ r: Range<Int>) -> Int64? {
            guard r.upperBound <= b.count else { return nil }
            var v: Int64 = 0
            for i in r {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int64(b[i] - 48)
            }
            return v
        }
        guard b.count >= 20, b[4] == 45, b[7] == 45, b[10] == 84, b[13] == 58, b[16] == 58, b.last == 90,
            let y = num(0..<4), let mo = num(5..<7), let d = num(8..<10), let h = num(11..<13),
            let mi = num(14..<16), let s = num(17..<19)
        else { return nil }
        var nanos: Int64 = 0
        if b[19] == 46 {
            let digits = b.count - 1 - 20
            guard digits >= 1, digits <= 9, let f = num(20..<(b.count - 1)) else { return nil }
            nanos = f
            for _ in digits..<9 { nanos *= 10 }
        } else if b.count != 20 {
            return nil
        }
        let days = Self.daysSinceEpoch(year: y, month: mo, day: d)
        self.init(seconds: days * 86_400 + h * 3600 + mi * 60 + s, nanoseconds: nanos)
    }

    // Howard Hinnant's civil-from-days algorithm (public domain description,
    // http://howardhinnant.github.io/date_algorithms.html).
    static func civilDate(fromDaysSinceEpoch z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public static func daysSinceEpoch(year y0: Int64, month m: Int64, day d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

extension Int64 {
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        var q = self / divisor
        var r = self % divisor
        if r < 0 {
            q -= 1
            r += divisor
        }
        return (q, r)
    }
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let s = String(value)
    return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
}
