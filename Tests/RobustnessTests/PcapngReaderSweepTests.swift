import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Issue #18: the hostile-file sweep through callback-doctor's own pcapng reader. The binary
/// reads a pcapng with libpcap unless its interfaces have different link types; so each corpus
/// pcapng file is given one more interface, of another link type, declared just before its first
/// packet (no packet names it). libpcap refuses the result, and the pcapng reader reads it: from
/// the file (libpcap's refusal, then reopened) and from a FIFO (seen before libpcap).
///
/// For each: the process ends by itself with 0, 1 or 2, never a signal; exit 2 comes with exactly
/// one stderr line naming the input; the JSON report parses; memory stays bounded. Where libpcap
/// read the original file whole, the pcapng reader reads the same number of packets and finds the
/// same exchanges.
@Suite(
    "The pcapng reader on every corpus pcapng, through the binary",
    .enabled(if: Corpus.isAvailable, Corpus.absentComment),
    .enabled(if: Subprocess.callbackDoctor != nil, Subprocess.callbackDoctorAbsent),
    .serialized, .tags(.endToEnd, .conformance))
struct PcapngReaderSweepTests {
    static let timeout = 120.0  // only catches a hang: a debug build on a busy machine is slow
    static let memoryLimit = 256 << 20

    /// Corpus files that are pcapng (by their first bytes, whatever their name).
    static var files: [String] {
        (Corpus.files(in: "robustness") + Corpus.files(in: "http")).filter { path in
            guard let handle = FileHandle(forReadingAtPath: path) else { return false }
            defer { try? handle.close() }
            return (try? handle.read(upToCount: 4)) == Data([0x0A, 0x0D, 0x0D, 0x0A])
        }
    }

    @Test("there are pcapng files to sweep")
    func corpusHasPcapng() {
        #expect(Self.files.count >= 20)
    }

    /// `bytes` with an Interface Description Block of another link type inserted before the first
    /// packet block of the first section (or at the end, when the blocks cannot be walked that far).
    static func withForeignInterface(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count >= 12 else { return bytes }
        let bigEndian = bytes[8] == 0x1A
        func u32(_ offset: Int) -> Int {
            let b = bytes[offset..<offset + 4].map(Int.init)
            return bigEndian ? b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3] : b[3] << 24 | b[2] << 16 | b[1] << 8 | b[0]
        }
        var offset = 0
        var firstLinkType: Int?
        while offset + 12 <= bytes.count {
            let type = u32(offset), length = u32(offset + 4)
            if [2, 3, 6].contains(type) || (offset > 0 && type == 0x0A0D_0D0A) { break }
            guard length >= 12, length % 4 == 0, offset + length <= bytes.count else { break }
            if type == 1, firstLinkType == nil {
                firstLinkType =
                    bigEndian
                    ? Int(bytes[offset + 8]) << 8 | Int(bytes[offset + 9])
                    : Int(bytes[offset + 9]) << 8 | Int(bytes[offset + 8])
            }
            offset += length
        }
        let linkType = firstLinkType == 276 ? 1 : 276
        func field32(_ value: Int) -> [UInt8] {
            let b = [
                UInt8(value >> 24 & 0xFF), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF),
            ]
            return bigEndian ? b : b.reversed()
        }
        let linkField: [UInt8] =
            bigEndian
            ? [UInt8(linkType >> 8), UInt8(linkType & 0xFF)] : [UInt8(linkType & 0xFF), UInt8(linkType >> 8)]
        let block = field32(1) + field32(20) + linkField + [0, 0] + field32(65535) + field32(20)
        let at = offset == 0 ? bytes.count : offset
        return Array(bytes[..<at]) + block + Array(bytes[at...])
    }

    /// Starts a `cat` that copies `file` into the FIFO at `fifo` (its open waits for the reader).
    /// A reader that stops early ends it with SIGPIPE (the runner's children start with every
    /// signal at its default); any other end is a broken feed.
    static func feed(_ file: String, to fifo: String) throws -> BackgroundProcess {
        try BackgroundProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", #"exec cat -- "$0" > "$1""#, file, fifo])
    }

    /// The JSON report's capture: packets, complete, and the exchange count.
    static func reading(_ result: Subprocess.Result, _ label: String) throws -> (
        packets: Int, complete: Bool, exchanges: Int
    ) {
        let json = try #require(
            try JSONSerialization.jsonObject(with: result.stdoutData) as? [String: Any],
            "\(label): stdout is not a JSON report")
        let capture = try #require((json["captures"] as? [[String: Any]])?.first, "\(label)")
        return (
            capture["packets"] as? Int ?? -1, capture["complete"] as? Bool ?? false,
            (json["exchanges"] as? [Any])?.count ?? -1
        )
    }

    static func checkRun(_ result: Subprocess.Result, input: String, label: String) {
        #expect(!result.timedOut, "\(label): \(result)")
        #expect(result.signal == nil, "\(label): \(result)")
        #expect([0, 1, 2].contains(result.exitStatus), "\(label): \(result)")
        Sanitizer.measure("peak RSS") { #expect(result.peakRSSBytes < Self.memoryLimit, "\(label): \(result)") }
        if result.exitStatus == 2 {
            CorpusSweepTests.knownExtraLines(in: result) {
                #expect(
                    result.stderrLines.count == 1,
                    "\(label): exit 2 must give exactly one stderr line, got:\n\(result.stderr)")
            }
            #expect(result.stderrLines.allSatisfy { $0.hasPrefix("callback-doctor: ") }, "\(label): \(result.stderr)")
            #expect(
                result.stderrLines.contains { $0.contains(input) },
                "\(label): the error line must name the input: \(result.stderr)")
        } else {
            #expect(result.stderr.isEmpty, "\(label): \(result.stderr)")
        }
    }

    @Test("each corpus pcapng with a foreign interface: from the file and from a FIFO", arguments: files)
    func sweep(_ path: String) throws {
        let label = Corpus.name(path)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pcapng-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let variant = Self.withForeignInterface(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let file = directory.appendingPathComponent("mixed.pcapng").path
        try Data(variant).write(to: URL(fileURLWithPath: file))

        let original = try Subprocess.run(
            Subprocess.callbackDoctor!, ["analyze", "--format", "json", path], timeout: Self.timeout)
        let fromFile = try Subprocess.run(
            Subprocess.callbackDoctor!, ["analyze", "--format", "json", file], timeout: Self.timeout)
        Self.checkRun(fromFile, input: file, label: "\(label) (file)")

        let fifo = directory.appendingPathComponent("mixed.fifo").path
        try #require(mkfifo(fifo, 0o600) == 0)
        let writer = try Self.feed(file, to: fifo)
        let fromFIFO = try Subprocess.run(
            Subprocess.callbackDoctor!, ["analyze", "--format", "json", "-"], standardInput: fifo, timeout: Self.timeout
        )
        try #require(writer.wait(upTo: 60), "\(label): the FIFO's writer did not end")
        let fed = writer.result
        #expect(
            fed.reason == .exit ? fed.status == 0 : fed.status == SIGPIPE,
            "\(label): feeding the FIFO: \(fed) \(fed.stderr)")
        Self.checkRun(fromFIFO, input: "-", label: "\(label) (FIFO as standard input)")

        let a = try Self.reading(original, label), b = try Self.reading(fromFile, label),
            c = try Self.reading(fromFIFO, label)
        #expect(
            b.packets == c.packets && b.complete == c.complete && b.exchanges == c.exchanges,
            "\(label): file \(b), FIFO \(c)")
        if original.exitStatus != 2 && a.complete {
            #expect(
                b.packets == a.packets, "\(label): libpcap read \(a.packets) packets, the pcapng reader \(b.packets)")
            #expect(
                b.exchanges == a.exchanges,
                "\(label): libpcap's reading gave \(a.exchanges) exchanges, the pcapng reader's \(b.exchanges)")
        }
    }
}
