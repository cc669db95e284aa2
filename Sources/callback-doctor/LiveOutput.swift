import Analysis
import Diagnosis
import Foundation
import HTTPExchanges
import Rendering

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `watch` prints while it captures: one line per callback as it is decided (``LiveLines``)
/// on standard output — on standard error when a machine format goes to standard output — and,
/// when standard error is a terminal, a status line there with the counts (``LiveTally``).
///
/// A class: the pipeline's observer and its tick update the same counts in turn, on the capturing
/// thread (``LiveAnalyzer/watch(_:options:limits:tool:shouldStop:observer:tick:)``).
final class LiveOutput {
    private let interface: String
    private let quiet: Bool
    private let lineStream: FileHandle
    private let style: TerminalStyle
    private let status: StatusLine
    private var tally = LiveTally()
    private var packets = 0
    private var elapsedSeconds = 0

    /// - Parameters:
    ///   - quiet: `-q`: no lines and no status line, only the counts.
    ///   - linesToStandardError: the lines go to standard error (the report to standard output
    ///     is in a machine format).
    ///   - color: `--color`, judged for the stream the lines go to.
    init(interface: String, quiet: Bool, linesToStandardError: Bool, color: ColorOption) {
        self.interface = interface
        self.quiet = quiet
        lineStream = linesToStandardError ? FileHandle.standardError : FileHandle.standardOutput
        let linesAreTerminal = isatty(linesToStandardError ? STDERR_FILENO : STDOUT_FILENO) == 1
        style = TerminalStyle(enabled: color.enabled(isTerminal: linesAreTerminal))
        status = StatusLine(enabled: !quiet && isatty(STDERR_FILENO) == 1)
    }

    /// Counts a decided callback or refused connection attempt and prints its line; a verdict that
    /// replaces an earlier one (a late response) is counted instead of it, with an "update:" line
    /// when the verdict changed. Other exchanges are not counted.
    func observe(_ event: PipelineEvent) {
        switch event {
        case .overdue(let diagnosed):
            tally.add(diagnosed)
            emit(LiveLines.line(diagnosed, kind: .overdue, style: style))
        case .finished(let diagnosed, let earlier):
            guard diagnosed.isCallback || diagnosed.exchange.refusal != nil else { return }
            if let earlier {
                tally.remove(earlier)
                tally.add(diagnosed)
                if !LiveLines.sameVerdict(earlier, diagnosed) {
                    emit(LiveLines.line(diagnosed, kind: .update(earlier: earlier), style: style))
                }
            } else {
                tally.add(diagnosed)
                emit(LiveLines.line(diagnosed, kind: .finished, style: style))
            }
        }
        drawStatus()
    }

    /// Takes the capture's progress into the status line.
    func tick(_ progress: LiveProgress) {
        packets = progress.packets
        elapsedSeconds = Int(progress.elapsedSeconds)
        drawStatus()
    }

    /// Erases the status line: the capture has stopped.
    func finish() { status.clear() }

    /// "3 callbacks, 1 failing", for the closing line.
    var counts: String {
        "\(tally.callbacks) callback\(tally.callbacks == 1 ? "" : "s"), \(tally.failing) failing"
    }

    /// Prints `line` (unless `-q`), erasing the status line first.
    private func emit(_ line: @autoclosure () -> String) {
        guard !quiet else { return }
        status.clear()
        lineStream.write(Data((line() + "\n").utf8))
    }

    private func drawStatus() {
        status.draw(tally.statusLine(interface: interface, packets: packets, elapsedSeconds: elapsedSeconds))
    }
}

/// The rolling status line on standard error (only when it is a terminal): drawn in place with a
/// carriage return and erased (ECMA-48 EL, `ESC [ 2 K`) before any other line is printed.
final class StatusLine {
    let enabled: Bool
    private var shown = false
    private var last = ""

    init(enabled: Bool) { self.enabled = enabled }

    func draw(_ text: String) {
        guard enabled, text != last || !shown else { return }
        last = text
        shown = true
        FileHandle.standardError.write(Data(("\r\u{1B}[2K" + text).utf8))
    }

    func clear() {
        guard enabled, shown else { return }
        shown = false
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}
