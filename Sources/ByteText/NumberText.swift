/// Numbers as report text, without Foundation (whose `String(format:)` depends on the locale and
/// the platform).
extension String {
    /// Fixed-point: `value` rounded half away from zero to `decimals` places, `-` only when the
    /// rounded value is not zero: `String(fixedPoint: 1.23456, decimals: 3)` is `"1.235"`. A value
    /// that is not finite is written as Swift writes it (`inf`, `nan`).
    public init(fixedPoint value: Double, decimals: Int) {
        guard value.isFinite else {
            self = "\(value)"
            return
        }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let negative = value < 0
        let scaled = (abs(value) * scale).rounded()
        let whole = Int64(scaled / scale)
        var fraction = Int64(scaled - Double(whole) * scale)
        if fraction < 0 { fraction = 0 }
        var fractionText = String(fraction)
        while fractionText.count < decimals { fractionText = "0" + fractionText }
        self = (negative && scaled != 0 ? "-" : "") + String(whole) + (decimals > 0 ? "." + fractionText : "")
    }
}

/// Durations as report text.
public enum DurationText {
    /// `0.200 ms` (under a millisecond), `35.1 ms` (under a second), `5.002 s`.
    public static func describe(_ seconds: Double) -> String {
        if seconds < 0.001 { return String(fixedPoint: seconds * 1000, decimals: 3) + " ms" }
        if seconds < 1 { return String(fixedPoint: seconds * 1000, decimals: 1) + " ms" }
        return String(fixedPoint: seconds, decimals: 3) + " s"
    }
}
