import CaptureModel
import Foundation
import PcapCapture
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unusable inputs throw at open, with one line that names the file.
@Suite struct OpenErrorTests {
    /// Asserts that opening `path` throws `code` with a one-line description starting with the path
    /// and containing `fragment`.
    ///
    /// The open runs on a thread of its own, and a hang (no answer in ``hangLimit`` seconds) fails
    /// the test. Not a `.timeLimit` trait: that clock also runs while the test waits for a thread
    /// of a busy pool, so on a loaded machine it failed tests whose open took microseconds.
    func expectOpenFails(_ path: String, _ code: CaptureError.Code, mentioning fragment: String) {
        let outcome = OpenOutcome()
        let answered = DispatchSemaphore(value: 0)
        Thread {
            do {
                _ = try CaptureFile(path: path)
                outcome.opened = true
            } catch let error as CaptureError {
                outcome.error = error
            } catch {
                outcome.other = "\(error)"
            }
            answered.signal()
        }.start()
        guard answered.wait(timeout: .now() + Self.hangLimit) == .success else {
            Issue.record("opening \(path) did not return within \(Self.hangLimit) s")
            return
        }
        #expect(!outcome.opened, "\(path) should not open")
        guard let error = outcome.error else {
            Issue.record("\(path): not a CaptureError: \(outcome.other ?? "opened")")
            return
        }
        #expect(error.code == code, "\(error)")
        #expect(error.path == path)
        #expect(error.description.hasPrefix(path + ": "))
        #expect(error.description.contains(fragment), "\(error)")
        #expect(!error.description.contains("\n"))
    }

    /// Only catches a hang: an open that fails answers in milliseconds.
    static let hangLimit = 60.0

    /// What the opening thread found; read after it signalled.
    final class OpenOutcome: @unchecked Sendable {
        var opened = false
        var error: CaptureError?
        var other: String?
    }

    @Test func missingFile() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        expectOpenFails(directory + "/nope.pcap", .cannotOpen, mentioning: "No such file or directory")
    }

    @Test func directory() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        expectOpenFails(directory, .cannotOpen, mentioning: "is a directory")
    }

    /// A FIFO is read as a stream, as `tcpdump -r FIFO` does (issue #18): opening it waits for a
    /// writer; one that closes without writing gives one clear error.
    @Test func fifoWithoutData() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/pipe.pcap"
        try #require(mkfifo(path, 0o600) == 0)
        let writer = Thread {
            let descriptor = open(path, O_WRONLY)
            if descriptor >= 0 { close(descriptor) }
        }
        writer.start()
        expectOpenFails(path, .notACapture, mentioning: "nothing was written to the pipe")
    }

    /// A device would be read forever; it is refused at once.
    @Test func deviceIsRefused() {
        expectOpenFails("/dev/zero", .cannotOpen, mentioning: "is a device")
    }

    @Test func emptyFile() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/empty.pcap"
        try writeBytes([], to: path)
        expectOpenFails(path, .notACapture, mentioning: "empty")
    }

    @Test func textFile() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/request.pcap"
        try writeBytes(Array("POST /callback HTTP/1.1\r\nHost: example.com\r\n\r\n".utf8), to: path)
        expectOpenFails(
            path, .notACapture, mentioning: "not a pcap or pcapng capture file (starts with bytes 50 4f 53 54)")
    }

    @Test func tooShortForAMagic() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/three.pcap"
        try writeBytes([0xd4, 0xc3, 0xb2], to: path)
        expectOpenFails(path, .notACapture, mentioning: "only 3 bytes long")
    }

    @Test func gzipFile() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/capture.pcap.gz"
        try writeBytes([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3], to: path)
        expectOpenFails(path, .notACapture, mentioning: "gzip")
    }

    /// A gzip file (one stored deflate block, RFC 1951 §3.2.4; RFC 1952 member) holding `content`.
    static func gzipped(_ content: [UInt8]) -> [UInt8] {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in content {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        crc = ~crc
        let length = UInt16(content.count)
        var out: [UInt8] = [0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 3]
        out += [0x01, UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
        out += content
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((crc >> UInt32(shift)) & 0xFF)) }
        for shift in stride(from: 0, to: 32, by: 8) {
            out.append(UInt8((UInt32(content.count) >> UInt32(shift)) & 0xFF))
        }
        return out
    }

    /// This process's open descriptors (Linux /proc/self/fd); throws where that cannot be read,
    /// so that a leak check never compares 0 with 0.
    static func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    /// A `.gz` that holds no capture is refused — and its zlib handle and descriptor are closed:
    /// before the fix every such file leaked both (LeakSanitizer, docs/robustness.md §4).
    @Test func gzipWithoutACaptureIsRefusedAndClosed() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/notes.txt.gz"
        try writeBytes(Self.gzipped(Array("just some notes, not a capture\n".utf8)), to: path)
        expectOpenFails(path, .notACapture, mentioning: "is gzip-compressed, but what it holds is not a pcap")
        let before = try Self.openDescriptors()
        try #require(before > 2, "stdin, stdout and stderr at least")
        for _ in 0..<300 { _ = try? CaptureFile(path: path) }
        // Other tests open files meanwhile; a leak would add 300.
        let after = try Self.openDescriptors()
        #expect(after - before < 100, "descriptors \(before) → \(after)")
    }

    @Test(arguments: [4, 10, 23])
    func cutInsideTheFileHeader(_ length: Int) throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/cut-header.pcap"
        try PcapWriter(linkLayer: .ethernet).write(to: path, prefix: length)
        expectOpenFails(path, .truncated, mentioning: "truncated dump file")
    }

    @Test(arguments: [(UInt16(1), UInt16(0)), (2, 5), (3, 0)])
    func unsupportedPcapVersion(_ major: UInt16, _ minor: UInt16) throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/version.pcap"
        try PcapWriter(linkType: 1, versionMajor: major, versionMinor: minor).write(to: path)
        expectOpenFails(path, .unsupportedFormat, mentioning: "pcap (µs, little-endian) file cannot be read: ")
    }

    @Test func codesCompareByCodeOnly() {
        let a = CaptureError(code: .damaged, path: "a", reason: "x", recordNumber: 3)
        let b = CaptureError(code: .damaged, path: "b", reason: "y")
        let c = CaptureError(code: .truncated, path: "a", reason: "x", recordNumber: 3)
        #expect(a == b)
        #expect(a != c)
        #expect(a.description == "a: x (at record 3)")
        #expect(b.description == "b: y")
        #expect(CaptureError.Code.notACapture.description == "not-a-capture")
    }
}

/// Files cut or broken after the header: the good records, then `.damaged`, then `.endOfFile`.
@Suite struct DamagedRecordTests {
    static func fiveRecordWriter(resolution: PcapWriter.Resolution = .microseconds) -> (PcapWriter, [Int]) {
        var writer = PcapWriter(linkLayer: .ethernet, resolution: resolution)
        var ends: [Int] = []
        for i in 0..<5 {
            let frame = PacketBuilder.tcpFrame(
                source: Endpoint(address: PacketBuilder.ipv4("10.0.0.1"), port: 1000),
                destination: Endpoint(address: PacketBuilder.ipv4("10.0.0.2"), port: 80),
                sequenceNumber: UInt32(i * 100), payload: [UInt8](repeating: 0x61, count: 100))
            writer.append(frame, timestamp: Timestamp(seconds: Int64(i)))
            ends.append(writer.bytes.count)
        }
        return (writer, ends)
    }

    /// (cut offset relative to the end of record 3, expected libpcap wording)
    @Test(arguments: [
        (7, "tried to read 16 header bytes, only got 7"),
        (16 + 10, "captured bytes, only got 10"),
        (1, "tried to read 16 header bytes, only got 1"),
    ])
    func cutFileYieldsGoodRecordsThenTruncated(_ extra: Int, _ wording: String) throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/cut.pcap"
        let (writer, ends) = Self.fiveRecordWriter()
        try writer.write(to: path, prefix: ends[2] + extra)

        let outcome = try readAll(path)
        #expect(outcome.packets.map(\.frameNumber) == [1, 2, 3])
        let damage = try #require(outcome.damage)
        #expect(damage.code == .truncated)
        #expect(damage.recordNumber == 4)
        #expect(damage.description.hasPrefix(path + ": capture is cut short: truncated dump file; "))
        #expect(damage.description.contains(wording))
        #expect(damage.description.hasSuffix(" (at record 4)"))
        #expect(outcome.endRepeats)
    }

    @Test func cutExactlyAtARecordBoundaryIsACleanEnd() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/boundary.pcap"
        let (writer, ends) = Self.fiveRecordWriter(resolution: .nanoseconds)
        try writer.write(to: path, prefix: ends[1])
        let outcome = try readAll(path)
        #expect(outcome.packets.count == 2)
        #expect(outcome.damage == nil)
    }

    @Test func impossibleCaptureLengthIsDamaged() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/bogus-caplen.pcap"
        var (writer, _) = Self.fiveRecordWriter()
        writer.appendRecord(seconds: 9, fraction: 0, capturedLength: 0x1000_0000, originalLength: 60, data: [1, 2, 3])
        try writer.write(to: path)
        let outcome = try readAll(path)
        #expect(outcome.packets.count == 5)
        let damage = try #require(outcome.damage)
        #expect(damage.code == .damaged)
        #expect(damage.recordNumber == 6)
        #expect(damage.description.contains("invalid packet capture length"))
        #expect(outcome.endRepeats)
    }
}
