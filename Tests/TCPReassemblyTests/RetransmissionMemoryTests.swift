import TestSupport
import Testing

@testable import TCPReassembly

/// The direction's own copy of its last delivered segments: exactly the last four are compared,
/// across the ring's wrap and its growth, and the ring stops growing once it has the traffic's size.
@Suite struct RetransmissionMemoryTests {
    /// The model the memory replaces: the last four segments as arrays, compared oldest first.
    struct Model {
        var recent: [(offset: Int64, bytes: [UInt8])] = []
        mutating func remember(offset: Int64, bytes: [UInt8]) {
            recent.append((offset, bytes))
            if recent.count > RetransmissionMemory.segmentLimit { recent.removeFirst() }
        }
        func firstConflict(with bytes: [UInt8], at offset: Int64, below limit: Int64) -> Range<Int64>? {
            for (keptOffset, kept) in recent {
                let lower = max(keptOffset, offset),
                    upper = min(keptOffset + Int64(kept.count), offset + Int64(bytes.count), limit)
                guard lower < upper else { continue }
                let a = kept[Int(lower - keptOffset)..<Int(upper - keptOffset)]
                let b = bytes[Int(lower - offset)..<Int(upper - offset)]
                if !a.elementsEqual(b) { return lower..<upper }
            }
            return nil
        }
    }

    @Test func identicalRetransmissionHasNoConflict() {
        var memory = RetransmissionMemory()
        memory.remember(offset: 0, bytes: ArraySlice("hello ".utf8))
        memory.remember(offset: 6, bytes: ArraySlice("world".utf8))
        #expect(memory.firstConflict(with: ArraySlice("lo wor".utf8), at: 3, below: 11) == nil)
    }

    @Test func differingByteIsFoundInTheSegmentThatHoldsIt() {
        var memory = RetransmissionMemory()
        memory.remember(offset: 100, bytes: ArraySlice("abcd".utf8))
        memory.remember(offset: 104, bytes: ArraySlice("efgh".utf8))
        // Overlaps both segments; only the second differs ("eXgh"): the range is the overlap with it.
        #expect(memory.firstConflict(with: ArraySlice("cdeXgh".utf8), at: 102, below: 108) == 104..<108)
        // Bytes at or past `below` are not compared.
        #expect(memory.firstConflict(with: ArraySlice("cdeX".utf8), at: 102, below: 105) == nil)
    }

    @Test func onlyTheLastFourSegmentsAreRemembered() {
        var memory = RetransmissionMemory()
        for i in 0..<6 { memory.remember(offset: Int64(i * 2), bytes: [UInt8(i), UInt8(i)][...]) }
        #expect(memory.count == 4)
        // Segment 0 (offsets 0-1) is forgotten: a different copy of it is not detected.
        #expect(memory.firstConflict(with: [9, 9], at: 0, below: 12) == nil)
        // Segment 2 (offsets 4-5) is remembered.
        #expect(memory.firstConflict(with: [2, 9], at: 4, below: 12) == 4..<6)
    }

    @Test func ringStopsGrowingOnceItFitsTheTraffic() {
        var memory = RetransmissionMemory()
        var offset: Int64 = 0
        for _ in 0..<8 {
            memory.remember(offset: offset, bytes: ArraySlice(repeating: 1, count: 1460))
            offset += 1460
        }
        let settled = memory.capacity
        #expect(settled >= 4 * 1460 && settled < 8 * 1460)
        for _ in 0..<1000 {
            memory.remember(offset: offset, bytes: ArraySlice(repeating: 2, count: 1460))
            offset += 1460
        }
        #expect(memory.capacity == settled)
    }

    /// Random segment sizes (including jumbo ones that force growth mid-stream) and random
    /// retransmissions, some altered: the memory answers as the model does every time.
    @Test(arguments: [1, 2, 3] as [UInt64]) func agreesWithTheModel(seed: UInt64) throws {
        var random = SplitMix64.forTest(seed: seed)
        var memory = RetransmissionMemory(), model = Model()
        var stream: [UInt8] = [], answered = 0, conflicts = 0
        for _ in 0..<2000 {
            let jumbo = Int.random(in: 0..<50, using: &random) == 0
            let length = jumbo ? Int.random(in: 2000...9000, using: &random) : Int.random(in: 1...1460, using: &random)
            let segment = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            let offset = Int64(stream.count)
            stream += segment
            memory.remember(offset: offset, bytes: segment[...])
            model.remember(offset: offset, bytes: segment)
            // A retransmission of some recent range, sometimes with one byte changed.
            let start = max(0, stream.count - Int.random(in: 1...(4 * 1460 + 100), using: &random))
            let end = min(stream.count + 10, start + Int.random(in: 1...3000, using: &random))
            var copy = (start..<end).map { $0 < stream.count ? stream[$0] : 0 }
            if Bool.random(using: &random) {
                let index = Int.random(in: 0..<copy.count, using: &random)
                copy[index] ^= 0x5A
            }
            let expected = model.firstConflict(with: copy, at: Int64(start), below: Int64(stream.count))
            let actual = memory.firstConflict(with: copy[...], at: Int64(start), below: Int64(stream.count))
            #expect(actual == expected, random.comment)
            answered += 1
            if expected != nil { conflicts += 1 }
        }
        #expect(answered == 2000)
        #expect(conflicts > 100, "the altered copies are seen (\(conflicts))")
    }
}
