#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A one-line progress bar for batch scans: files done / total, bytes, MB/s and ETA.
///
/// Thread-safe: workers report from their own threads; the line is redrawn at most every
/// ``minimumInterval`` (and whenever a file finishes), so reporting costs nothing measurable. A disabled
/// reporter does nothing at all. The line is written with `\r` and cleared with `ESC [K` — meant
/// for a terminal; ``standardError(quiet:)`` enables it only when standard error is one.
public final class ProgressReporter: Sendable {
    /// What the bar shows.
    public struct Snapshot: Sendable, Equatable {
        public var filesDone = 0
        public var filesTotal = 0
        public var bytesDone: Int64 = 0
        public var bytesTotal: Int64 = 0
        /// Seconds since ``ProgressReporter/start(files:bytes:)``.
        public var elapsedSeconds = 0.0

        public init(
            filesDone: Int = 0, filesTotal: Int = 0, bytesDone: Int64 = 0, bytesTotal: Int64 = 0,
            elapsedSeconds: Double = 0
        ) {
            self.filesDone = filesDone
            self.filesTotal = filesTotal
            self.bytesDone = bytesDone
            self.bytesTotal = bytesTotal
            self.elapsedSeconds = elapsedSeconds
        }

        /// Bytes per second so far, or nil before there is anything to divide.
        public var bytesPerSecond: Double? {
            guard elapsedSeconds > 0, bytesDone > 0 else { return nil }
            return Double(bytesDone) / elapsedSeconds
        }

        /// Seconds left at the current rate, or nil when unknown.
        public var secondsLeft: Double? {
            guard let rate = bytesPerSecond, bytesTotal >= bytesDone else { return nil }
            return Double(bytesTotal - bytesDone) / rate
        }
    }

    private struct State {
        var snapshot = Snapshot()
        var started: ContinuousClock.Instant?
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
    }

    /// Shortest time between two redraws.
    public static let minimumInterval = Duration.milliseconds(100)

    private let output: (@Sendable (String) -> Void)?
    private let state = Locked(State())

    /// A reporter that writes its line with `output`, or a silent one when `output` is nil.
    public init(output: (@Sendable (String) -> Void)?) {
        self.output = output
    }

    /// A reporter that does nothing.
    public static var disabled: ProgressReporter { ProgressReporter(output: nil) }

    /// The progress bar on standard error when it is a terminal and `quiet` is false; otherwise a
    /// silent reporter.
    /// The corresponding C functions are `isatty` and `write`.
    public static func standardError(quiet: Bool) -> ProgressReporter {
        guard !quiet, isatty(STDERR_FILENO) == 1 else { return .disabled }
        return ProgressReporter(output: { line in
            var bytes = Array(line.utf8)
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeMutableBytes {
                    write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset)
                }
                if written <= 0 { if errno == EINTR { continue } else { break } }
                offset += written
            }
            bytes.removeAll()
        })
    }

    /// True when the reporter writes anything.
    public var isEnabled: Bool { output != nil }

    /// The numbers so far.
    public var snapshot: Snapshot {
        state.withLock { state in
            var snapshot = state.snapshot
            if let started = state.started { snapshot.elapsedSeconds = Self.seconds(ContinuousClock.now - started) }
            return snapshot
        }
    }

    /// Starts the clock for a batch of `files` files totalling `bytes` bytes on disk.
    public func start(files: Int, bytes: Int64) {
        state.withLock { state in
            state.snapshot = Snapshot(filesTotal: files, bytesTotal: bytes)
            state.started = ContinuousClock.now
            state.lastDraw = nil
        }
    }

    /// `bytes` more bytes have been read.
    public func advance(bytes: Int64) {
        guard bytes > 0 else { return }
        state.withLock { state in
            state.snapshot.bytesDone += bytes
            drawIfDue(&state)
        }
    }

    /// One more file is done: the line is redrawn at once (not only after ``minimumInterval``), so
    /// the file counter advances as files finish even when the files are small or the last one ends
    /// the batch (issue #18).
    public func finishFile() {
        state.withLock { state in
            state.snapshot.filesDone += 1
            drawIfDue(&state, force: true)
        }
    }

    /// The batch is over: the line is erased, so the report starts on a clean line.
    public func finish() {
        state.withLock { state in
            if state.drawn, let output { output("\r\u{1B}[K") }
            state.drawn = false
        }
    }

    private func drawIfDue(_ state: inout State, force: Bool = false) {
        guard let output, let started = state.started else { return }
        let now = ContinuousClock.now
        if !force, let last = state.lastDraw, now - last < Self.minimumInterval { return }
        state.lastDraw = now
        var snapshot = state.snapshot
        snapshot.elapsedSeconds = Self.seconds(now - started)
        output("\r" + Self.render(snapshot) + "\u{1B}[K")
        state.drawn = true
    }

    private static func seconds(_ duration: Duration) -> Double {
        let parts = duration.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    // MARK: - Rendering

    /// The line for `snapshot`, at most 79 columns:
    /// `[##########··········]  3/12 files  1.25 GB / 4.00 GB  612.0 MB/s  ETA 0:05`.
    public static func render(_ snapshot: Snapshot) -> String {
        let width = 20
        let fraction =
            snapshot.bytesTotal > 0
            ? min(1, Double(snapshot.bytesDone) / Double(snapshot.bytesTotal))
            : (snapshot.filesTotal > 0 ? Double(snapshot.filesDone) / Double(snapshot.filesTotal) : 0)
        let filled = Int((fraction * Double(width)).rounded(.down))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: "·", count: width - filled) + "]"
        line += "  \(snapshot.filesDone)/\(snapshot.filesTotal) file\(snapshot.filesTotal == 1 ? "" : "s")"
        line += "  \(bytes(snapshot.bytesDone)) / \(bytes(snapshot.bytesTotal))"
        if let rate = snapshot.bytesPerSecond {
            line += "  \(decimal(rate / 1_000_000, 1)) MB/s"
        }
        if let left = snapshot.secondsLeft {
            line += "  ETA \(clock(left))"
        }
        return line
    }

    /// `512 B`, `12.3 KB`, `1.25 GB` (powers of 1000, as MB/s).
    static func bytes(_ count: Int64) -> String {
        let value = Double(count)
        if value < 1000 { return "\(count) B" }
        if value < 1e6 { return decimal(value / 1e3, 1) + " KB" }
        if value < 1e9 { return decimal(value / 1e6, 1) + " MB" }
        return decimal(value / 1e9, 2) + " GB"
    }

    /// `0:05`, `12:34`, `1:02:03`.
    static func clock(_ seconds: Double) -> String {
        let total = seconds.isFinite ? max(0, Int(seconds.rounded(.up))) : 0
        let h = total / 3600, m = total / 60 % 60, s = total % 60
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):\(m < 10 ? "0\(m)" : "\(m)"):\(ss)" }
        return "\(m):\(ss)"
    }

    /// Fixed-point text with `places` decimals.
    static func decimal(_ value: Double, _ places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let whole = scaled / Int64(scale)
        var fraction = String(scaled % Int64(scale))
        while fraction.count < places { fraction = "0" + fraction }
        return places == 0 ? "\(whole)" : "\(whole).\(fraction)"
    }
}
