import CaptureModel
import ReportModel

/// The latency of every callback over time, as cells of a density chart: from the report's exact
/// per-minute aggregates (``ReportModel/CallbackStatistics``), not from the listed exchanges, so a
/// capture of 10,000 callbacks with 100 listed still shows where all of them lie.
///
/// A cell is a column of time (one minute, or several when the capture is long: at most
/// ``maxColumns`` columns) by a quarter of a decade of latency, with the number of callbacks whose
/// latency fell there. Time is on the capture's own clock (seconds since its first packet). The
/// minutes are UTC minutes of the whole report, so with several captures the cells are drawn only
/// when no two captures share a minute; otherwise ``unavailable`` says why.
struct LatencyDensity {
    struct Cell: Equatable {
        /// Seconds since the capture's first packet: where the column starts and ends (clamped
        /// to the capture).
        var from: Double
        var to: Double
        /// Latency bounds of the quarter decade, in seconds.
        var low: Double
        var high: Double
        var count: Int
        /// The first UTC minute of the column (Unix minutes), for the tooltip.
        var minute: Int64
    }

    /// Columns at most; longer captures put several minutes in a column.
    static let maxColumns = 240

    private(set) var cells: [Cell] = []
    /// Why no cells are drawn although callbacks have latencies; nil when drawn (or none to draw).
    private(set) var unavailable: String?
    /// The largest cell count (for shading).
    var maxCount: Int { cells.map(\.count).max() ?? 0 }

    init(_ report: Report) {
        let minutes = report.summary.aggregates.callbacksByServerMinute.minutes.filter { $0.row.latency.count > 0 }
        guard !minutes.isEmpty else { return }
        let captures = report.captures.filter {
            $0.error == nil && $0.firstPacketTime != nil && $0.lastPacketTime != nil
        }
        guard let owners = Self.owners(of: minutes.map(\.minute), in: captures) else {
            unavailable = "the density of every callback is drawn only when no two captures share a minute"
            return
        }
        let first = minutes[0].minute, last = minutes[minutes.count - 1].minute
        let perColumn = max(1, Int64((last - first + 1 + Int64(Self.maxColumns) - 1) / Int64(Self.maxColumns)))
        var grouped: [Int64: (capture: Int, bins: [Int: Int])] = [:]
        for (i, entry) in minutes.enumerated() {
            let column = first + (entry.minute - first) / perColumn * perColumn
            var group = grouped[column] ?? (owners[i], [:])
            for (index, count) in entry.row.latency.bucketCounts {
                group.bins[Self.bin(ofNanoseconds: Self.middle(ofBucket: index)), default: 0] += count
            }
            grouped[column] = group
        }
        for column in grouped.keys.sorted() {
            let group = grouped[column]!, capture = captures[group.capture]
            let start = capture.firstPacketTime!, duration = capture.lastPacketTime!.seconds(since: start)
            let from = max(0, Double(column * 60 - start.seconds) - Double(start.nanoseconds) / 1e9)
            let to = min(duration, from + Double(perColumn * 60))
            for bin in group.bins.keys.sorted() {
                cells.append(
                    Cell(
                        from: from, to: max(from, to), low: Self.lowerBound(ofBin: bin),
                        high: Self.lowerBound(ofBin: bin + 1), count: group.bins[bin]!, minute: column))
            }
        }
    }

    /// For each minute, the offset in `captures` of the one capture it falls in; nil when a
    /// minute falls in none or in several (captures that share minutes).
    static func owners(of minutes: [Int64], in captures: [CaptureSummary]) -> [Int]? {
        var owners: [Int] = []
        for minute in minutes {
            let holding = captures.indices.filter { c in
                let first = captures[c].firstPacketTime!.seconds, last = captures[c].lastPacketTime!.seconds
                return minute * 60 <= last && (minute + 1) * 60 > first
            }
            guard holding.count == 1 else { return nil }
            owners.append(holding[0])
        }
        return owners
    }

    /// The quarter decade of a latency: `floor(4 · log10(seconds))`.
    static func bin(ofNanoseconds value: Int64) -> Int {
        let seconds = Double(max(1, value)) / 1e9
        var bin = 0
        while lowerBound(ofBin: bin) > seconds { bin -= 1 }
        while lowerBound(ofBin: bin + 1) <= seconds { bin += 1 }
        return bin
    }

    /// `10^(bin / 4)` seconds, without Foundation.
    static func lowerBound(ofBin bin: Int) -> Double {
        let quarter = 1.778_279_410_038_922_8  // 10^(1/4)
        let decades = bin >= 0 ? bin / 4 : -((-bin + 3) / 4)
        var value = HTMLCharts.LogScale.power(decades)
        for _ in 0..<(bin - decades * 4) { value *= quarter }
        return value
    }

    /// The geometric middle of a latency histogram bucket, in nanoseconds.
    static func middle(ofBucket index: Int) -> Int64 {
        let low = LatencyDistribution.lowerBound(ofBucket: index),
            high = LatencyDistribution.upperBound(ofBucket: index)
        return low + (high - low) / 2
    }
}
