import ReportModel
import TestSupport
import Testing

/// `ByteSink`: every byte reaches the destination once and in order, in chunks of at least the
/// chunk size (but the last) and at most the chunk size plus one write; the first destination
/// error stops delivery and comes out of `finish()`.
@Suite struct ByteSinkTests {
    /// A destination that keeps each chunk it is handed.
    final class Recorder {
        var chunks: [[UInt8]] = []
        var failAt: Int?
        struct Failure: Error, Equatable { var chunk: Int }

        func receive(_ chunk: [UInt8]) throws {
            if let failAt, chunks.count == failAt { throw Failure(chunk: failAt) }
            chunks.append(chunk)
        }
    }

    @Test(arguments: [1, 7, 100, 4096])
    func chunksAreBoundedAndCarryEveryByteInOrder(chunkSize: Int) throws {
        var random = SplitMix64.forTest(seed: UInt64(chunkSize))
        let recorder = Recorder()
        let sink = ByteSink(chunkSize: chunkSize, destination: recorder.receive)
        var expected: [UInt8] = []
        var largestWrite = 0
        for n in 0..<2_000 {
            let size = Int.random(in: 0...300, using: &random)
            largestWrite = max(largestWrite, size)
            let bytes = (0..<size).map { UInt8(0x20 + (n + $0) % 95) }
            expected += bytes
            switch n % 3 {
            case 0: sink.write(bytes: bytes)
            case 1: sink.append { $0.append(contentsOf: bytes) }
            default: sink.write(String(decoding: bytes, as: UTF8.self))
            }
        }
        try sink.finish()
        #expect(Array(recorder.chunks.joined()) == expected, random.comment)
        #expect(!recorder.chunks.contains { $0.isEmpty }, "an empty chunk was handed over")
        for chunk in recorder.chunks.dropLast() {
            #expect(chunk.count >= chunkSize, random.comment)
            #expect(chunk.count <= chunkSize - 1 + largestWrite, random.comment)
        }
        #expect((recorder.chunks.last?.count ?? 0) <= chunkSize - 1 + largestWrite)
    }

    @Test func nothingWrittenHandsOverNothing() throws {
        let recorder = Recorder()
        try ByteSink(destination: recorder.receive).finish()
        #expect(recorder.chunks.isEmpty)
    }

    @Test func aChunkLeavesAsSoonAsTheBufferReachesTheSize() {
        let recorder = Recorder()
        let sink = ByteSink(chunkSize: 10, destination: recorder.receive)
        sink.write("123456789")
        #expect(recorder.chunks.isEmpty)
        sink.write("0")
        #expect(recorder.chunks == [Array("1234567890".utf8)])
        sink.write("abc")
        #expect(recorder.chunks.count == 1, "the rest waits for finish()")
    }

    @Test func theFirstDestinationErrorStopsDeliveryAndComesOutOfFinish() {
        let recorder = Recorder()
        recorder.failAt = 2
        let sink = ByteSink(chunkSize: 8, destination: recorder.receive)
        for _ in 0..<100 { sink.write("0123456789") }
        #expect(sink.failed)
        #expect(recorder.chunks.count == 2, "nothing is handed over after the failure")
        #expect(throws: Recorder.Failure(chunk: 2)) { try sink.finish() }
    }

    @Test func collectGivesTheText() {
        let text = ByteSink.collect(chunkSize: 3) { sink in
            sink.write("héllo, ")
            sink.append { $0.append(contentsOf: Array("wörld".utf8)) }
            sink.write(bytes: Array("!\n".utf8))
        }
        #expect(text == "héllo, wörld!\n")
    }

    /// `--format json`'s writer makes each array element only after the previous ones have been
    /// handed over, and hands each element over as one write (between elements, never inside).
    @Test(arguments: [0, 2])
    func jsonElementsAreMadeAndHandedOverOneAtATime(indent: Int) throws {
        let items: [JSONValue] = (0..<50).map {
            .object([("i", .int(Int64($0))), ("s", .string(String(repeating: "x", count: $0)))])
        }
        let recorder = Recorder()
        let sink = ByteSink(chunkSize: 1, destination: recorder.receive)
        var handedOverWhenMade: [Int] = []
        JSONValue.writeObject(
            [
                ("head", .value(.string("h"))),
                (
                    "items",
                    .array(
                        count: items.count,
                        element: { i in
                            handedOverWhenMade.append(recorder.chunks.count)
                            return items[i]
                        })
                ),
                ("tail", .value(.null)),
            ], indent: indent, newline: true, to: sink)
        try sink.finish()
        let whole = JSONValue.object([("head", .string("h")), ("items", .array(items)), ("tail", .null)]).serialized(
            indent: indent, newline: true)
        #expect(String(decoding: Array(recorder.chunks.joined()), as: UTF8.self) == whole)
        // With a one-byte chunk size every write is a chunk: element i is made after the chunks
        // of the head, the `[` and the i elements before it.
        #expect(handedOverWhenMade == Array(2..<(2 + items.count)))
        let pad = String(repeating: " ", count: 2 * indent)
        for (i, item) in items.enumerated() {
            let text = String(decoding: recorder.chunks[2 + i], as: UTF8.self)
            let element = item.serialized(indent: indent).split(separator: "\n", omittingEmptySubsequences: false)
                .joined(separator: "\n" + pad)
            #expect(text.hasSuffix(element), "element \(i) is not one chunk: \(text)")
        }
    }
}
