import CaptureModel
import Dispatch
import Foundation
import ReportModel
import TCPReassembly

/// One capture analysed on several threads, split by connection (Zeek's cluster workers, inside
/// one process): the calling thread reads and decodes the packets (``PacketIntake``) and deals
/// every TCP segment, by a hash of its two endpoints, to one of `parts` worker threads; each
/// runs its own ``FlowAnalysis`` (reassembly, HTTP, signatures, rules) on the connections dealt
/// to it, in capture order, and offers its diagnosed exchanges to one selection the parts share.
/// At the end the parts are merged (``FlowAnalysis/merged(_:shared:capture:)``).
///
/// The report is the one a single ``PacketPipeline`` gives, byte for byte: every stage after
/// decoding looks at one connection at a time; the table sweeps happen at the same points of the
/// capture in every part (the intake schedules them); the listed exchanges are chosen by report
/// order, not finishing order (``ExchangeSelection``); and connections are numbered across the
/// parts from their first frames. One difference, under overload only: the connection table's
/// limit (``ReassemblyLimits/maxConnections``) applies per part, as `maxConnections / parts`.
///
/// Memory: each part's own bounds (the listed exchanges are held once, in the selection the parts
/// share), plus at most ``queueDepth`` batches waiting per part (a batch
/// is handed over at ``batchSize`` segments or ``batchBytes`` bytes of packets, whichever comes
/// first), plus 1–3 bytes per connection for the numbering.
struct ShardedPipeline: ~Copyable {
    /// Segments handed to a worker at a time, at most.
    static let batchSize = 256
    /// Bytes of packets handed to a worker at a time, at most (jumbo segments make fewer).
    static let batchBytes = 64 << 10
    /// Batches that may wait for a worker before the reader blocks (bounded memory).
    static let queueDepth = 4

    /// Records the reader may have handed over and not yet seen worked on, for `parts` workers:
    /// per part, the queued batches, the one its worker is on and the one being filled. The
    /// capture file recycles its record copies after that many (``CaptureFile/init(path:filter:recordsInFlight:)``).
    static func recordsInFlight(parts: Int) -> Int {
        parts * (queueDepth + 2) * batchSize
    }

    enum Item: Sendable {
        case segment(TCPSegment, StreamOrigin)
        case sweep(Timestamp)
    }

    let capture: String
    private var intake = PacketIntake()
    private let queues: [BatchQueue]
    private var batches: [[Item]]
    private var batchedBytes: [Int]
    private let results: PartResults
    /// The listed exchanges of the capture, shared by the parts.
    private let selection: Locked<ExchangeSelection>
    private let done = DispatchGroup()

    init(capture: String, options: AnalysisOptions, parts: Int) {
        precondition(parts > 1, "one part is PacketPipeline's job")
        self.capture = capture
        queues = (0..<parts).map { _ in BatchQueue(depth: Self.queueDepth) }
        batches = Array(repeating: [], count: parts)
        batchedBytes = Array(repeating: 0, count: parts)
        results = PartResults(count: parts)
        selection = Locked(FlowAnalysis.makeSelection(options: options, parts: parts))
        for part in 0..<parts {
            let queue = queues[part], results = results, selection = selection
            done.enter()
            let thread = Thread { [done] in
                // In its own scope, so the part's tables are freed before the reader is told it is
                // done and starts building the report (their peaks do not add up).
                do {
                    var flows = FlowAnalysis(options: options, parts: parts, part: part, sharedSelection: selection)
                    while let batch = queue.pop() {
                        for item in batch {
                            switch item {
                            case .segment(let segment, let origin):
                                flows.process(segment, origin: origin, sweepFirst: false)
                            case .sweep(let now): flows.sweep(now: now)
                            }
                        }
                    }
                    flows.finish()
                    results.store(flows.result, at: part)
                }
                done.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Decodes one packet and deals its segment to the part that owns its connection.
    mutating func process(_ packet: CapturedPacket) {
        if intake.packets == 0 { selection.withLock { $0.captureStarted(at: packet.timestamp) } }
        guard let admitted = intake.admit(packet) else { return }
        if admitted.sweepFirst {
            for part in batches.indices { add(.sweep(admitted.origin.timestamp), bytes: 0, to: part) }
        }
        let part = Self.part(of: admitted.segment, among: batches.count)
        add(.segment(admitted.segment, admitted.origin), bytes: packet.bytes.count, to: part)
    }

    private mutating func add(_ item: Item, bytes: Int, to part: Int) {
        if batches[part].isEmpty { batches[part].reserveCapacity(Self.batchSize) }
        batches[part].append(item)
        batchedBytes[part] += bytes
        if batches[part].count >= Self.batchSize || batchedBytes[part] >= Self.batchBytes {
            queues[part].push(batches[part])
            batches[part] = []
            batchedBytes[part] = 0
        }
    }

    /// The end of the packets: hands over what is left, waits for every part to finish, and
    /// returns the capture's part of the report.
    consuming func finish(into summary: CaptureSummary) -> CaptureAnalysis {
        for part in batches.indices {
            if !batches[part].isEmpty { queues[part].push(batches[part]) }
            queues[part].close()
        }
        done.wait()
        intake.finish()
        let shared = selection.withLock { $0 }
        return PacketPipeline.result(
            into: summary, intake: intake, parts: results.take(), shared: shared, capture: capture)
    }

    /// The part that owns the connection of `segment`: a hash of its two endpoints that is the
    /// same both ways and from one run to the next (not `Hasher`, which is seeded per process).
    static func part(of segment: TCPSegment, among parts: Int) -> Int {
        let a = segment.source.foldedWord, b = segment.destination.foldedWord
        // Order-free combination, then a 64-bit finaliser (splitmix64's) to spread the bits.
        var x = (a ^ b) &+ (a &* b) &+ (a &+ b) &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
        x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
        x ^= x >> 31
        return Int(x % UInt64(parts))
    }
}

/// A bounded queue of batches from the reader to one worker (single producer, single consumer).
private final class BatchQueue: Sendable {
    private let batches = Locked<(list: [[ShardedPipeline.Item]], head: Int)>(([], 0))
    /// Free places; the reader waits on it when the worker is `depth` batches behind.
    private let space: DispatchSemaphore
    /// Batches (and the close) ready for the worker.
    private let ready = DispatchSemaphore(value: 0)

    init(depth: Int) { space = DispatchSemaphore(value: depth) }

    func push(_ batch: [ShardedPipeline.Item]) {
        space.wait()
        batches.withLock { $0.list.append(batch) }
        ready.signal()
    }

    /// No more batches: the worker's ``pop()`` returns nil once the queue is drained.
    func close() {
        ready.signal()
    }

    /// The next batch, waiting for one; nil after ``close()`` once every batch was taken (every
    /// push and the close signal `ready` once, so the close's signal is the last one taken).
    func pop() -> [ShardedPipeline.Item]? {
        ready.wait()
        let batch = batches.withLock { queue -> [ShardedPipeline.Item]? in
            guard queue.head < queue.list.count else { return nil }  // closed and drained
            let batch = queue.list[queue.head]
            queue.list[queue.head] = []
            queue.head += 1
            if queue.head == queue.list.count {
                queue.list.removeAll(keepingCapacity: true)
                queue.head = 0
            }
            return batch
        }
        if batch != nil { space.signal() }
        return batch
    }
}

/// What each worker's ``FlowAnalysis`` found, by part.
private final class PartResults: Sendable {
    private let slots: Locked<[FlowAnalysis.Result?]>
    init(count: Int) { slots = Locked(Array(repeating: nil, count: count)) }
    func store(_ result: FlowAnalysis.Result, at part: Int) {
        slots.withLock { $0[part] = result }
    }
    func take() -> [FlowAnalysis.Result] {
        slots.withLock { $0.map { $0! } }
    }
}
