import ByteText
import CaptureModel
import Diagnosis
import HTTPExchanges
import ReportModel
import TCPReassembly

/// Inline SVG charts for the HTML report. Geometry is computed here; every capture-derived
/// string (tooltips) goes through ``HTMLEscape/text(_:)``; links point only at our own
/// `#xN` anchors.
enum HTMLCharts {
    /// A logarithmic latency axis in decades: `[low, high]` seconds with `low < high`, both powers of ten.
    struct LogScale: Equatable {
        var lowExponent: Int
        var highExponent: Int

        /// Decades covering `values` and the `threshold`, at least 0.1 ms … 10 s.
        init(values: [Double], threshold: Double) {
            let positive = values.filter { $0 > 0 && $0.isFinite }
            var low = -4, high = 1
            if let min = positive.min() { while Self.power(low) > min { low -= 1 } }
            let top = max(positive.max() ?? 0, threshold)
            while Self.power(high) < top * 1.2 { high += 1 }
            lowExponent = low
            highExponent = high
        }

        static func power(_ exponent: Int) -> Double {
            var v = 1.0
            if exponent >= 0 { for _ in 0..<exponent { v *= 10 } } else { for _ in 0..<(-exponent) { v /= 10 } }
            return v
        }

        /// Position of `seconds` between 0 (low) and 1 (high), clamped.
        func fraction(_ seconds: Double) -> Double {
            let low = Self.power(lowExponent)
            guard seconds > low else { return 0 }
            return min(1, log10ish(seconds / low) / Double(highExponent - lowExponent))
        }

        /// log10 without Foundation: ln(x) / ln(10), ln via the series of atanh.
        private func log10ish(_ x: Double) -> Double { Self.ln(x) / Self.ln(10) }

        static func ln(_ x: Double) -> Double {
            guard x > 0 else { return -.infinity }
            // x = m · 2^e with m in [1, 2): ln x = e·ln 2 + ln m.
            let e = Double(x.exponent)
            let m = x.significand
            let y = (m - 1) / (m + 1), y2 = y * y
            var term = y, sum = 0.0, k = 1.0
            for _ in 0..<40 {
                sum += term / k
                term *= y2
                k += 2
            }
            return e * 0.693_147_180_559_945_3 + 2 * sum
        }

        var ticks: [(exponent: Int, label: String)] {
            (lowExponent...highExponent).map { ($0, Self.label($0)) }
        }

        /// `0.1 ms`, `1 ms`, `10 ms`, `100 ms`, `1 s`, `10 s`, …
        static func label(_ exponent: Int) -> String {
            if exponent >= 0 { return "1" + String(repeating: "0", count: exponent) + " s" }
            if exponent >= -3 { return "1" + String(repeating: "0", count: exponent + 3) + " ms" }
            if exponent >= -6 { return "1" + String(repeating: "0", count: exponent + 6) + " µs" }
            return "1e\(exponent) s"
        }
    }

    /// The category an exchange is drawn in: its deciding rule when failed, else its outcome.
    static func category(_ d: DiagnosedExchange) -> (key: String, label: String, color: String) {
        switch d.outcome {
        case .failed:
            let rule = ReportWording.primaryRule(d) ?? .noResponse
            return (rule.rawValue, rule.rawValue, HTMLAssets.color(rule))
        case .passed: return ("pass", "passed", HTMLAssets.passColor)
        case .unknown: return ("unknown", "not judged", HTMLAssets.unknownColor)
        case .notACallback: return ("other", "not a callback", HTMLAssets.otherColor)
        }
    }

    /// An SVG coordinate or length: fixed point, one decimal (`12.5`).
    static func svgNumber(_ v: Double) -> String { String(fixedPoint: v, decimals: 1) }

    /// Latency over time: every callback's latency as density cells (``LatencyDensity``), then one
    /// point per listed exchange (x = time since its capture's first packet, y = latency on a log scale),
    /// the threshold as a dashed line, exchanges without a latency as crosses in a band on top,
    /// coloured by rule; each point in `linked` (offsets in `report.exchanges`) links to its details.
    /// Written into `sink` a point at a time.
    static func latency(_ report: Report, density: LatencyDensity, linked: Set<Int>, to sink: ByteSink) {
        let legendRows = layoutLegend(
            legendItems(report), from: LatencyPlot.left, to: LatencyPlot.width - LatencyPlot.right)
        let plot = LatencyPlot(report, density: density)
        let height = LatencyPlot.plotHeight + 48 + 16 * Double(legendRows.count)
        var svg = latencyAxes(plot, height: height, hasExchanges: !report.exchanges.isEmpty)
        svg += densityCells(density, x: plot.x, y: plot.y)
        svg += thresholdLine(plot)
        sink.write(svg)
        // Points: non-callbacks first so failures are drawn on top.
        let exchanges = report.exchanges
        let order = exchanges.indices.sorted { rank(exchanges[$0].diagnosed) < rank(exchanges[$1].diagnosed) }
        for i in order { sink.write(latencyPoint(exchanges[i], offset: i, plot: plot, linked: linked.contains(i))) }
        sink.write(latencyLegend(legendRows) + "</svg>")
    }

    /// The latency chart's geometry: the plot area in the SVG's units, the log scale of latency
    /// and the time axis, each capture on its own clock.
    struct LatencyPlot {
        static let width = 760.0, plotHeight = 266.0
        static let left = 64.0, right = 18.0, top = 46.0
        /// The middle of the band on top where exchanges without a latency are drawn.
        static let bandY = 24.0
        let plotW = LatencyPlot.width - LatencyPlot.left - LatencyPlot.right
        let plotH = LatencyPlot.plotHeight - LatencyPlot.top
        let threshold: Double
        let scale: LogScale
        let clock: CaptureClock
        /// The latest time drawn, in seconds on the captures' clocks.
        let span: Double

        init(_ report: Report, density: LatencyDensity) {
            let exchanges = report.exchanges
            threshold = report.settings.diagnosis.latencyThresholdSeconds
            let listed = exchanges.compactMap { ReportWording.drawnLatency($0.diagnosed)?.seconds }
            scale = LogScale(values: listed + density.cells.flatMap { [$0.low, $0.high] }, threshold: threshold)
            // Each capture on its own clock: x is the time since its capture's first packet, so a
            // batch of captures taken years apart still shares one readable axis.
            let clock = CaptureClock(report)
            self.clock = clock
            span = max(exchanges.map { clock.elapsed($0) }.max() ?? 0, density.cells.map(\.to).max() ?? 0)
        }

        var left: Double { Self.left }
        var top: Double { Self.top }

        /// The x of `elapsed` seconds on a capture's clock (the middle when nothing spans time).
        func x(_ elapsed: Double) -> Double {
            guard span > 0 else { return left + plotW / 2 }
            return left + plotW * elapsed / span
        }

        /// The x of an exchange's start.
        func x(_ reported: ReportedExchange) -> Double { x(clock.elapsed(reported)) }

        /// The y of a latency of `seconds`.
        func y(_ seconds: Double) -> Double { top + plotH * (1 - scale.fraction(seconds)) }
    }

    /// The chart's start: the `<svg>` and its title, the no-reply band, the latency grid with
    /// its labels, both axes, the time ticks (when there are exchanges) and the axis titles.
    static func latencyAxes(_ plot: LatencyPlot, height: Double, hasExchanges: Bool) -> String {
        let left = plot.left, top = plot.top, plotW = plot.plotW, plotH = plot.plotH, bandY = LatencyPlot.bandY
        let threshold = HTMLEscape.text(DurationText.describe(plot.threshold))
        var svg =
            "<svg viewBox=\"0 0 \(Int(LatencyPlot.width)) \(Int(height))\" role=\"img\" aria-labelledby=\"latency-title\">"
        svg +=
            "<title id=\"latency-title\">Latency of each exchange over time, log scale, with the \(threshold) threshold</title>"
        // No-response band.
        svg +=
            "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(bandY - 10))\" width=\"\(svgNumber(plotW))\" height=\"20\" fill=\"#fbeaea\"/>"
        svg += "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(bandY + 4))\" text-anchor=\"end\">no reply</text>"
        // Grid and y ticks.
        for tick in plot.scale.ticks {
            let ty = plot.y(LogScale.power(tick.exponent))
            svg +=
                "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotW))\" y1=\"\(svgNumber(ty))\" y2=\"\(svgNumber(ty))\" stroke=\"#e3e6eb\"/>"
            svg +=
                "<text x=\"\(svgNumber(left - 6))\" y=\"\(svgNumber(ty + 4))\" text-anchor=\"end\">\(HTMLEscape.text(tick.label))</text>"
        }
        svg +=
            "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left))\" y1=\"\(svgNumber(top))\" y2=\"\(svgNumber(top + plotH))\" stroke=\"#9aa3b2\"/>"
        svg +=
            "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotW))\" y1=\"\(svgNumber(top + plotH))\" y2=\"\(svgNumber(top + plotH))\" stroke=\"#9aa3b2\"/>"
        if hasExchanges { svg += timeTicks(plot) }
        svg +=
            "<text x=\"14\" y=\"\(svgNumber(top + plotH / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(svgNumber(top + plotH / 2)))\">latency (log)</text>"
        return svg
    }

    /// X ticks, at a round step of elapsed seconds since each capture's first packet, and the
    /// time axis's title.
    static func timeTicks(_ plot: LatencyPlot) -> String {
        let left = plot.left, top = plot.top, plotW = plot.plotW, plotH = plot.plotH, span = plot.span
        let step = niceStep(span / 6)
        var svg = ""
        var s = 0.0
        while s <= span + step / 1000 {
            let tx = plot.x(s)
            svg +=
                "<line x1=\"\(svgNumber(tx))\" x2=\"\(svgNumber(tx))\" y1=\"\(svgNumber(top + plotH))\" y2=\"\(svgNumber(top + plotH + 4))\" stroke=\"#9aa3b2\"/>"
            svg +=
                "<text x=\"\(svgNumber(tx))\" y=\"\(svgNumber(top + plotH + 16))\" text-anchor=\"middle\">+\(HTMLEscape.text(trimmed(s))) s</text>"
            if span <= 0 { break }
            s += step
        }
        svg +=
            "<text x=\"\(svgNumber(left + plotW / 2))\" y=\"\(svgNumber(top + plotH + 32))\" text-anchor=\"middle\">\(HTMLEscape.text(plot.clock.axisTitle))</text>"
        return svg
    }

    /// The latency threshold as a dashed red line, labelled with what it means.
    static func thresholdLine(_ plot: LatencyPlot) -> String {
        let left = plot.left, plotW = plot.plotW
        let thresholdY = plot.y(plot.threshold)
        var svg =
            "<line x1=\"\(svgNumber(left))\" x2=\"\(svgNumber(left + plotW))\" y1=\"\(svgNumber(thresholdY))\" y2=\"\(svgNumber(thresholdY))\" stroke=\"#c62828\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>"
        svg +=
            "<text class=\"title\" x=\"\(svgNumber(left + plotW - 4))\" y=\"\(svgNumber(thresholdY - 5))\" text-anchor=\"end\">\(HTMLEscape.text(trimmed(plot.threshold))) s: OSS stops waiting</text>"
        return svg
    }

    /// One exchange's point: its tooltip and its marker, wrapped in a link to its details when
    /// `linked`, else in a group.
    static func latencyPoint(_ reported: ReportedExchange, offset i: Int, plot: LatencyPlot, linked: Bool) -> String {
        let d = reported.diagnosed
        let category = category(d)
        var point = linked ? "<a href=\"#x\(i + 1)\">" : "<g>"
        point += "<title>\(HTMLEscape.text(pointTip(d, offset: i, category: category.label)))</title>"
        point += pointMarker(d, x: plot.x(reported), plot: plot, color: category.color)
        point += linked ? "</a>" : "</g>"
        return point
    }

    /// A point's tooltip: number, time, endpoints, request line → status, latency (`≈` when
    /// estimated), and its rules or its category.
    static func pointTip(_ d: DiagnosedExchange, offset i: Int, category: String) -> String {
        let e = d.exchange
        var tip =
            "#\(i + 1) \(ReportWording.clock(e.startTime, date: false)) \(e.connection.client) → \(e.connection.server) "
        tip += ReportWording.requestLine(e, withVersion: false) + " → " + ReportWording.status(d)
        if let drawn = ReportWording.drawnLatency(d) {
            tip += ", " + (drawn.estimated ? "≈ " : "") + DurationText.describe(drawn.seconds)
        }
        tip += " (" + (d.findings.isEmpty ? category : d.findings.map(\.rule.rawValue).joined(separator: ", ")) + ")"
        return tip
    }

    /// A point's marker at `px`: a hollow diamond for a TLS estimate, a hollow circle for a
    /// non-callback, a filled circle otherwise; without a latency, a cross in the no-reply band.
    static func pointMarker(_ d: DiagnosedExchange, x px: Double, plot: LatencyPlot, color: String) -> String {
        guard let drawn = ReportWording.drawnLatency(d) else {
            let s = 5.0, bandY = LatencyPlot.bandY
            return
                "<path d=\"M\(svgNumber(px - s)) \(svgNumber(bandY - s))L\(svgNumber(px + s)) \(svgNumber(bandY + s))M\(svgNumber(px - s)) \(svgNumber(bandY + s))L\(svgNumber(px + s)) \(svgNumber(bandY - s))\" stroke=\"\(color)\" stroke-width=\"2.5\"/>"
                + "<circle cx=\"\(svgNumber(px))\" cy=\"\(svgNumber(bandY))\" r=\"7\" fill=\"transparent\"/>"
        }
        let py = plot.y(drawn.seconds)
        if drawn.estimated {
            // An estimate from TLS records: a diamond, hollow.
            let r = 5.5
            return
                "<path d=\"M\(svgNumber(px)) \(svgNumber(py - r))L\(svgNumber(px + r)) \(svgNumber(py))L\(svgNumber(px)) \(svgNumber(py + r))L\(svgNumber(px - r)) \(svgNumber(py))Z\" fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"2\"/>"
        }
        if case .notACallback = d.outcome {
            return
                "<circle cx=\"\(svgNumber(px))\" cy=\"\(svgNumber(py))\" r=\"4\" fill=\"#ffffff\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
        }
        return
            "<circle cx=\"\(svgNumber(px))\" cy=\"\(svgNumber(py))\" r=\"5\" fill=\"\(color)\" fill-opacity=\"0.9\" stroke=\"#ffffff\"/>"
    }

    /// The legend, below the axis title: a dot and a label per category, in rows.
    static func latencyLegend(_ rows: [[(Double, (key: String, label: String, color: String))]]) -> String {
        var svg = ""
        for (row, items) in rows.enumerated() {
            let ly = LatencyPlot.plotHeight + 52 + 16 * Double(row)
            for (lx, item) in items {
                svg +=
                    "<circle cx=\"\(svgNumber(lx + 5))\" cy=\"\(svgNumber(ly - 4))\" r=\"5\" fill=\"\(item.color)\"/>"
                svg += "<text x=\"\(svgNumber(lx + 14))\" y=\"\(svgNumber(ly))\">\(HTMLEscape.text(item.label))</text>"
            }
        }
        return svg
    }

    /// The density of every callback's latency as shaded cells (darker: more callbacks), each
    /// with a tooltip of its count, latency range and minute.
    static func densityCells(_ density: LatencyDensity, x: (Double) -> Double, y: (Double) -> Double) -> String {
        let most = Double(max(1, density.maxCount))
        var svg = ""
        for cell in density.cells {
            let left = x(cell.from), right = max(x(cell.to), left + 2)
            let top = y(cell.high), bottom = y(cell.low)
            let opacity = 0.1 + 0.55 * (Double(cell.count) / most).squareRoot()
            var tip =
                "\(ReportWording.plural(cell.count, "callback")) with latency \(DurationText.describe(cell.low))–\(DurationText.describe(cell.high))"
            tip += ", from \(ReportWording.clock(Timestamp(seconds: cell.minute * 60), date: true).prefix(16)) UTC"
            svg +=
                "<rect x=\"\(svgNumber(left))\" y=\"\(svgNumber(top))\" width=\"\(svgNumber(right - left))\" height=\"\(svgNumber(max(1, bottom - top)))\" "
            svg +=
                "fill=\"#1f5fbf\" fill-opacity=\"\(String(fixedPoint: opacity, decimals: 2))\"><title>\(HTMLEscape.text(tip))</title></rect>"
        }
        return svg
    }

    /// The categories present in `report`, in legend order.
    static func legendItems(_ report: Report) -> [(key: String, label: String, color: String)] {
        var present: [(key: String, label: String, color: String)] = []
        for reported in report.exchanges {
            let c = category(reported.diagnosed)
            if !present.contains(where: { $0.key == c.key }) { present.append(c) }
        }
        return present.sorted { legendRank($0.key) < legendRank($1.key) }
    }

    /// The width a legend entry takes: its dot, a gap and its label in 13-unit text (about 7.4
    /// units a character).
    static func legendItemWidth(_ label: String) -> Double { 24 + Double(label.count) * 7.4 }

    /// Legend entries placed left to right, wrapping at `maxX`; each row lists (x, item).
    static func layoutLegend(_ items: [(key: String, label: String, color: String)], from minX: Double, to maxX: Double)
        -> [[(Double, (key: String, label: String, color: String))]]
    {
        var rows: [[(Double, (key: String, label: String, color: String))]] = []
        var x = minX
        for item in items {
            let w = legendItemWidth(item.label)
            if rows.isEmpty || (x + w > maxX && x > minX) {
                rows.append([])
                x = minX
            }
            rows[rows.count - 1].append((x, item))
            x += w
        }
        return rows
    }

    /// Every exchange of the report by outcome, as horizontal bars, from the exact summary (not
    /// the listing): passed, failed, refused connection attempts, not judged, HTTPS not judged,
    /// other HTTP exchanges. The bars add up to `summary.exchanges`.
    static func outcomes(_ report: Report) -> String {
        let s = report.summary
        let other = s.exchanges - s.callbacks - s.possibleCallbacks - s.httpsNotJudged - s.refusedConnections
        let counts: [(label: String, color: String, count: Int)] = [
            ("passed", HTMLAssets.passColor, s.callbacksPassed),
            ("failed", HTMLAssets.color(.noResponse), s.callbacksFailed + s.possibleCallbacksFailed),
            ("refused connection attempts", HTMLAssets.color(.connectionRefused), s.refusedConnections),
            ("not judged (bytes missing)", HTMLAssets.unknownColor, s.callbacksUnknown + s.possibleCallbacksUnknown),
            ("HTTPS not judged", HTMLAssets.otherColor, s.httpsNotJudged),
            ("other HTTP exchanges", HTMLAssets.otherColor, other),
        ].filter { $0.count > 0 }
        let width = 420.0, labelW = 205.0, barH = 18.0, gap = 8.0, top = 8.0
        let height = top * 2 + Double(max(counts.count, 1)) * (barH + gap)
        let maxCount = Double(counts.map(\.count).max() ?? 1)
        let barMax = width - labelW - 60
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-labelledby=\"outcome-title\">"
        svg += "<title id=\"outcome-title\">Exchanges by outcome, all \(s.exchanges) of the report</title>"
        if counts.isEmpty {
            svg +=
                "<text x=\"\(svgNumber(width / 2))\" y=\"\(svgNumber(height / 2))\" text-anchor=\"middle\">no exchanges</text>"
        }
        for (row, item) in counts.enumerated() {
            let y = top + Double(row) * (barH + gap)
            let w = max(2, barMax * Double(item.count) / maxCount)
            svg +=
                "<text x=\"\(svgNumber(labelW - 8))\" y=\"\(svgNumber(y + barH - 5))\" text-anchor=\"end\">\(HTMLEscape.text(item.label))</text>"
            svg +=
                "<rect x=\"\(svgNumber(labelW))\" y=\"\(svgNumber(y))\" width=\"\(svgNumber(w))\" height=\"\(svgNumber(barH))\" rx=\"3\" fill=\"\(item.color)\"/>"
            svg +=
                "<text class=\"title\" x=\"\(svgNumber(labelW + w + 6))\" y=\"\(svgNumber(y + barH - 5))\">\(item.count)</text>"
        }
        svg += "</svg>"
        return svg
    }

    /// Each exchange's time on its own capture's clock (since the capture's first packet), and
    /// the axis title that says which clock that is.
    struct CaptureClock {
        let starts: [String: Timestamp]
        let axisTitle: String

        init(_ report: Report) {
            var starts: [String: Timestamp] = [:]
            for capture in report.captures { if let first = capture.firstPacketTime { starts[capture.path] = first } }
            // A capture without a first packet time (none in practice): its earliest exchange.
            let known = Set(starts.keys)
            for reported in report.exchanges where !known.contains(reported.capture) {
                let t = reported.diagnosed.exchange.startTime
                starts[reported.capture] = min(starts[reported.capture] ?? t, t)
            }
            self.starts = starts
            let readable = report.captures.filter { $0.error == nil }
            if readable.count == 1, let first = readable[0].firstPacketTime {
                axisTitle = "time since the first packet, \(ReportWording.clock(first, date: true)) UTC"
            } else {
                axisTitle = "time since each capture's first packet (each capture on its own clock)"
            }
        }

        /// Seconds from `reported`'s capture's first packet to its start.
        func elapsed(_ reported: ReportedExchange) -> Double {
            let t = reported.diagnosed.exchange.startTime
            return starts[reported.capture].map { max(0, t.seconds(since: $0)) } ?? 0
        }
    }

    /// Drawing order: others, passes, unknown, failures.
    static func rank(_ d: DiagnosedExchange) -> Int {
        switch d.outcome {
        case .notACallback: 0
        case .passed: 1
        case .unknown: 2
        case .failed: 3
        }
    }

    /// Legend order: passed, failures in catalogue order, not judged, not a callback.
    static func legendRank(_ key: String) -> Int {
        switch key {
        case "pass": return -1
        case "unknown": return 1000
        case "other": return 1001
        default: return RuleCatalog.precedence(of: RuleID(rawValue: key))
        }
    }

    /// 1, 2 or 5 × 10^n, at least `raw`.
    static func niceStep(_ raw: Double) -> Double {
        guard raw > 0, raw.isFinite else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= raw { magnitude *= 10 }
        while magnitude > raw { magnitude /= 10 }
        for m in [1.0, 2.0, 5.0, 10.0] where magnitude * m >= raw { return magnitude * m }
        return magnitude * 10
    }

    /// `5`, `2.5`, `0.25` — no trailing zeros.
    static func trimmed(_ v: Double) -> String {
        var s = String(fixedPoint: v, decimals: 3)
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }
}
