import CallbackSignature
import CaptureModel
import Diagnosis
import HTTPExchanges
import ReportModel
import TCPReassembly

/// The per-connection stages for the connections of one capture, or of one part of it:
/// TCP segments → streams (``ConnectionTracker``) → HTTP exchanges (``ExchangeAssembler``) →
/// findings (``Diagnoser``) → the listed exchanges and counts (``ExchangeSelection``).
///
/// Nothing here looks across connections, which is what lets a capture be split by connection
/// across threads (``ShardedPipeline``); ``merged(_:shared:capture:)`` puts the parts back together.
struct FlowAnalysis {
    private var tracker: ConnectionTracker
    private var assembler: ExchangeAssembler
    let diagnoser: Diagnoser
    /// The listed exchanges and counts of a whole capture; nil for a part, which offers its
    /// exchanges to the selection the parts share (``sharedSelection``).
    private var selection: ExchangeSelection?
    /// The selection shared by the parts of a split capture: one set of listed exchanges for the
    /// capture, not one per part (the selection does not depend on the order of its offers).
    private let sharedSelection: Locked<ExchangeSelection>?
    /// The first frames of the connections started here, when this is one part of a split capture
    /// (to number connections across parts); nil for a whole capture.
    private var starts: ConnectionStartLog?
    /// Exchanges taken from the assembler after a segment, always empty between segments (its
    /// storage is swapped with the assembler's buffer, so neither is reallocated per packet).
    private var finishedBatch: [HTTPExchange] = []
    /// Which part of the capture this is (0 for a whole capture): its clock in ``LegPairing``.
    private let part: Int
    /// The capture time of the latest segment or sweep, and the time last told to the pairing.
    private var now: Timestamp?
    private var clockTold: Timestamp?

    /// The connection table is swept by the owner (``process(_:origin:sweepFirst:onFinished:)``'s
    /// `sweepFirst`, or ``sweep(now:)``), on the schedule ``PacketIntake`` keeps.
    ///
    /// - Parameters:
    ///   - parts: how many parts the capture is split into. Above 1, this is one of them: the
    ///     table's size limit is `maxConnections / parts`, and connection starts are logged for
    ///     numbering connections across the parts.
    ///   - sharedSelection: for a part, the selection all parts offer their exchanges to
    ///     (``makeSelection(options:)``); nil for a whole capture, which keeps its own.
    ///   - part: which part this is (0 for a whole capture).
    init(options: AnalysisOptions, parts: Int = 1, part: Int = 0, sharedSelection: Locked<ExchangeSelection>? = nil) {
        self.part = part
        var limits = options.reassembly
        if parts > 1 { limits.maxConnections = max(1, limits.maxConnections / parts) }
        tracker = ConnectionTracker(limits: limits, sweepsOnItsOwn: false)
        assembler = ExchangeAssembler(
            limits: options.exchanges, signatureKeys: SignatureKeys(extra: options.publicKeys))
        diagnoser = Diagnoser(settings: options.diagnosis)
        self.sharedSelection = sharedSelection
        selection = sharedSelection == nil ? Self.makeSelection(options: options) : nil
        starts = parts > 1 ? ConnectionStartLog() : nil
    }

    /// An empty selection with the quotas of `options`, for a capture analysed in `parts` parts.
    static func makeSelection(options: AnalysisOptions, parts: Int = 1) -> ExchangeSelection {
        ExchangeSelection(
            maxPassing: options.maxPassingExchangesKept, maxFailingPerRule: options.maxFailingExchangesKeptPerRule,
            servers: options.servers, listing: options.listing, parts: parts)
    }

    /// Tells the selection (own or shared) the capture's first packet time, for the listing's
    /// time-of-day bounds; called with the first packet, before any segment.
    mutating func captureStarted(at time: Timestamp) {
        if let sharedSelection {
            sharedSelection.withLock { $0.captureStarted(at: time) }
        } else {
            selection!.captureStarted(at: time)
        }
    }

    /// Applies one segment (after a sweep of the table when `sweepFirst`); `onFinished` hears about
    /// every exchange this finalises, in the order they finish — an HTTPS one judged as what is
    /// known so far says (``HTTPSJudging``; the report's verdict is decided at the end).
    mutating func process(
        _ segment: TCPSegment, origin: StreamOrigin, sweepFirst: Bool, onFinished: ((DiagnosedExchange) -> Void)? = nil
    ) {
        if sweepFirst { tracker.sweep(now: origin.timestamp, into: &assembler) }
        let started = tracker.connectionsStarted
        tracker.process(segment, origin: origin, into: &assembler)
        if starts != nil, tracker.connectionsStarted != started { starts!.append(frame: origin.frame) }
        now = origin.timestamp
        collect(onFinished)
    }

    /// Sweeps the connection table at capture time `now` (``ConnectionTracker/sweep(now:into:)``).
    mutating func sweep(now: Timestamp) {
        tracker.sweep(now: now, into: &assembler)
        self.now = now
        collect(nil)
    }

    /// The end of the packets: every connection still open is finished and its exchanges
    /// finalised.
    mutating func finish(onFinished: ((DiagnosedExchange) -> Void)? = nil) {
        tracker.finish(into: &assembler)
        collect(onFinished)
        let part = part
        let released = withSelection { $0.finish(part: part) }
        deliver(released, onFinished)
    }

    /// A live source's clock reached capture time `now` with no packet: the leg pairing is told,
    /// and the exchanges that releases are recorded and returned (judged as known so far).
    mutating func clockTick(now: Timestamp) -> [DiagnosedExchange] {
        guard self.now.map({ $0 < now }) ?? true else { return [] }
        self.now = now
        clockTold = now
        let part = part
        var released: [DiagnosedExchange] = []
        deliver(withSelection { $0.advance(part: part, to: now) }) { released.append($0) }
        return released
    }

    /// Snapshots of the requests still waiting for their response (see
    /// ``ExchangeAssembler/exchangesWaitingForResponse(requestEndedAtOrBefore:)``).
    func exchangesWaitingForResponse(requestEndedAtOrBefore deadline: Timestamp) -> [HTTPExchange] {
        assembler.exchangesWaitingForResponse(requestEndedAtOrBefore: deadline)
    }

    /// Capture seconds between two reports of this part's clock to the leg pairing when no
    /// exchange finished (each report takes the shared selection's lock).
    static let clockReportInterval = 0.25

    /// Diagnoses the exchanges the assembler finished and hands them to the selection through the
    /// leg pairing (``ExchangeSelection/take(_:part:now:)``); what the pairing releases is
    /// told to `onFinished`.
    private mutating func collect(_ onFinished: ((DiagnosedExchange) -> Void)?) {
        assembler.takeFinished(into: &finishedBatch)
        guard !finishedBatch.isEmpty else {
            tellClock(onFinished)
            return
        }
        // Each exchange is moved out to the diagnoser (reversed, then popped: in finishing
        // order), not copied out of the array and destroyed with it.
        finishedBatch.reverse()
        while let exchange = finishedBatch.popLast() {
            let diagnosed = diagnoser.diagnose(consume exchange)
            let time = now ?? diagnosed.exchange.startTime
            clockTold = time
            let part = part
            let released = withSelection { $0.take(diagnosed, part: part, now: time) }
            deliver(released, onFinished)
        }
    }

    /// Tells the pairing this part's clock, now and then, so that held exchanges are released.
    private mutating func tellClock(_ onFinished: ((DiagnosedExchange) -> Void)?) {
        guard let now, clockTold.map({ now.seconds(since: $0) >= Self.clockReportInterval }) ?? true else { return }
        clockTold = now
        let part = part
        let released = withSelection { $0.advance(part: part, to: now) }
        deliver(released, onFinished)
    }

    /// Runs `body` on the selection: this capture's own, or the one the parts share (locked).
    private mutating func withSelection(_ body: (inout ExchangeSelection) -> [DiagnosedExchange]) -> [DiagnosedExchange]
    {
        if let sharedSelection { return sharedSelection.withLock { body(&$0) } }
        return body(&selection!)
    }

    /// Tells `onFinished` about exchanges the selection was offered (they are counted there).
    private mutating func deliver(_ offered: [DiagnosedExchange], _ onFinished: ((DiagnosedExchange) -> Void)?) {
        for diagnosed in offered {
            if let onFinished { onFinished(judgedSoFar(diagnosed)) }
        }
    }

    /// `d` with HTTPS judged as known so far.
    private func judgedSoFar(_ d: DiagnosedExchange) -> DiagnosedExchange {
        guard d.exchange.tls != nil else { return d }
        let judging = sharedSelection.map { shared in shared.withLock { $0.judging } } ?? selection!.judging
        return judging.applied(to: d)
    }

    /// What this analysis found, to merge with the other parts of the capture.
    var result: Result {
        Result(selection: selection, reassembly: tracker.statistics, http: assembler.statistics, starts: starts)
    }

    /// What one part found: all a merge needs, and safe to hand from its thread to another.
    struct Result: Sendable {
        /// Nil for a part of a split capture (its exchanges went to the shared selection).
        fileprivate var selection: ExchangeSelection?
        fileprivate var reassembly: ReassemblyStatistics
        fileprivate var http: ExchangeStatistics
        fileprivate var starts: ConnectionStartLog?
    }

    /// What the parts of one capture add up to.
    struct Merged {
        var exchanges: [ReportedExchange]
        var unlisted: UnlistedExchanges
        var reassembly: ReassemblyStatistics
        var http: ExchangeStatistics
    }

    /// Puts the parts of one capture together, as one ``FlowAnalysis`` given every segment would
    /// have: counters added, the listed exchanges from the capture's one selection (`shared`,
    /// the parts' shared one, or a whole capture's own), and connections numbered across the
    /// parts — a connection's id is the number of connections, in every part, that started
    /// before it.
    static func merged(_ parts: [Result], shared: ExchangeSelection? = nil, capture: String) -> Merged {
        var reassembly = ReassemblyStatistics()
        var http = ExchangeStatistics()
        var selection = shared
        var logs: [ConnectionStartLog] = []
        for part in parts {
            reassembly.add(part.reassembly)
            http.add(part.http)
            if let log = part.starts { logs.append(log) }
            if let own = part.selection {
                precondition(selection == nil, "a capture has one selection: its own or the one its parts share")
                selection = own
            }
        }
        let judged = selection?.judged() ?? (listed: [], unlisted: UnlistedExchanges())
        var listed = judged.listed
        if !logs.isEmpty {
            // Connection numbers across parts: the ranks of the listed connections' first frames
            // in every part's log, summed.
            let frames = Array(Set(listed.map(\.exchange.connection.firstSeen.frame))).sorted()
            var ids = [Int](repeating: 0, count: frames.count)
            for log in logs {
                for (i, rank) in log.ranks(of: frames).enumerated() { ids[i] += rank }
            }
            let idByFrame = Dictionary(uniqueKeysWithValues: zip(frames, ids))
            for i in listed.indices {
                let id = idByFrame[listed[i].exchange.connection.firstSeen.frame]!
                listed[i].exchange.connection.id = id
                listed[i].exchange.refusal?.info.id = id  // the refused attempt's own copy
            }
        }
        return Merged(
            exchanges: listed.map { ReportedExchange(capture: capture, diagnosed: $0) },
            unlisted: judged.unlisted, reassembly: reassembly, http: http)
    }
}

/// The first frames of the connections a tracker started, in order (they only grow): deltas in
/// LEB128 varints, so 1–3 bytes a connection — the one thing a split analysis keeps per connection
/// for the whole capture, to number connections across the parts.
struct ConnectionStartLog: Sendable {
    private var bytes: [UInt8] = []
    private var last = 0

    mutating func append(frame: Int) {
        precondition(frame >= last, "connection start frames go forward")
        var delta = UInt(frame - last)
        last = frame
        while delta >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: delta) | 0x80)
            delta >>= 7
        }
        bytes.append(UInt8(delta))
    }

    /// For each of `frames` (ascending), how many logged frames are smaller: one pass over the log.
    func ranks(of frames: [Int]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(frames.count)
        var position = 0, frame = 0, count = 0
        var pending: Int?  // the next logged frame, decoded but not yet counted
        func next() -> Int? {
            guard position < bytes.count else { return nil }
            var delta: UInt = 0, shift: UInt = 0
            while true {
                let byte = bytes[position]
                position += 1
                delta |= UInt(byte & 0x7F) << shift
                if byte < 0x80 { break }
                shift += 7
            }
            frame += Int(delta)
            return frame
        }
        pending = next()
        for query in frames {
            while let logged = pending, logged < query {
                count += 1
                pending = next()
            }
            result.append(count)
        }
        return result
    }
}
