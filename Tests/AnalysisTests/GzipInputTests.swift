import Analysis
import Diagnosis
import Foundation
import HTTP1
import HTTPExchanges
import PcapCapture
import ReportModel
import TCPReassembly
import Testing

/// `.gz` captures are read through zlib, found by their magic number, never by their name.
@Suite struct GzipInputTests {
    /// What identifies an exchange and its verdict, independent of the file it came from.
    static func fingerprint(_ analysis: CaptureAnalysis) -> [String] {
        analysis.exchanges.map { r in
            let e = r.diagnosed.exchange
            return "\(e.connection.client) \(e.connection.server) #\(e.index) \(e.request?.head.method ?? "-") "
                + "\(e.request?.head.target ?? "-") \(e.response?.head.status ?? 0) \(e.latencySeconds ?? -1) "
                + "\(e.request?.timing.start.frame ?? 0) "
                + r.diagnosed.findings.map(\.rule.rawValue).joined(separator: ",")
        }
    }

    @Test(arguments: ["good-json.pcap", "all-lo.pcap", "all-lo-nano.pcap", "all-any.pcap", "all-lo.pcapng"])
    func gzipReadsTheSameExchangesAsTheUncompressedFile(_ name: String) throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let plain = Fixtures.sample(name)
        let compressed = dir + "/" + name + ".gz"
        try Fixtures.writeGzip(try Fixtures.read(plain), to: compressed)

        let a = CaptureAnalyzer.analyze(path: plain, options: try Fixtures.options())
        let b = CaptureAnalyzer.analyze(path: compressed, options: try Fixtures.options())
        #expect(b.summary.error == nil)
        #expect(b.summary.complete)
        #expect(b.summary.format == a.summary.format.map { $0 + ", gzip" })
        #expect(b.summary.packets == a.summary.packets && a.summary.packets > 0)
        #expect(b.summary.bytes == a.summary.bytes)
        #expect(!a.exchanges.isEmpty)
        #expect(Self.fingerprint(b) == Self.fingerprint(a))
    }

    /// The name does not matter: a gzip file called `.pcap` is decompressed, a plain capture called
    /// `.gz` is read as it is.
    @Test func gzipIsToldByItsMagicNotItsName() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let bytes = try Fixtures.read(Fixtures.sample("bom-json.pcap"))
        try Fixtures.writeGzip(bytes, to: dir + "/looks-plain.pcap")
        try Fixtures.write(bytes, to: dir + "/looks-compressed.pcap.gz")
        let compressed = try CaptureFile(path: dir + "/looks-plain.pcap")
        #expect(compressed.compression == .gzip)
        #expect(compressed.formatDescription == "pcap (µs, little-endian), gzip")
        let plain = try CaptureFile(path: dir + "/looks-compressed.pcap.gz")
        #expect(plain.compression == .none)
        #expect(plain.formatDescription == "pcap (µs, little-endian)")
    }

    /// A `.gz` cut short gives the records before the cut, then a `truncated` problem that names
    /// the gzip stream; the analysis keeps what it read.
    @Test func cutGzipGivesAPartialReport() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let whole = dir + "/whole.pcap.gz", cut = dir + "/cut.pcap.gz"
        try Fixtures.writeGzip(try Fixtures.read(Fixtures.sample("all-lo.pcap")), to: whole)
        let compressed = try Fixtures.read(whole)
        try Fixtures.write(Array(compressed.prefix(compressed.count / 2)), to: cut)

        let analysis = CaptureAnalyzer.analyze(path: cut, options: try Fixtures.options())
        #expect(analysis.summary.error == nil)
        #expect(!analysis.summary.complete)
        #expect(analysis.summary.packets > 0 && analysis.summary.packets < 316)  // all-lo.pcap has 316
        #expect(analysis.summary.problems.count == 1)
        #expect(
            analysis.summary.problems.first?.contains("gzip stream ends early") == true, "\(analysis.summary.problems)")
    }

    /// Corrupt gzip data stops reading with a `damaged` error that quotes zlib, after the
    /// records zlib delivered before it.
    @Test func corruptGzipIsReportedAfterTheGoodRecords() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let path = dir + "/corrupt.pcap.gz"
        // A valid pcap of about 600 KB (the sample's records 14 times). Its CRC-32, in the gzip
        // trailer, is broken: zlib notices only at the end of the stream.
        let sample = try Fixtures.read(Fixtures.sample("all-lo.pcap"))
        let records = sample.dropFirst(24)
        let content = sample + (1..<14).flatMap { _ in records }
        try Fixtures.writeGzip(content, to: path)
        var bytes = try Fixtures.read(path)
        bytes[bytes.count - 8] ^= 0xFF
        try Fixtures.write(bytes, to: path)

        var file = try CaptureFile(path: path)
        var count = 0
        var damage: CaptureError?
        loop: while true {
            switch file.next() {
            case .packet: count += 1
            case .endOfFile: break loop
            case .damaged(let error):
                damage = error
                break loop
            }
        }
        let error = try #require(damage)
        // The sample's own record count (pcap: 24-byte file header, 16-byte record headers).
        var perCopy = 0
        var offset = 24
        while offset + 16 <= sample.count {
            let length = sample[offset + 8..<offset + 12].reversed().reduce(0) { $0 << 8 | Int($1) }
            offset += 16 + length
            perCopy += 1
        }
        #expect(count > perCopy && count < 14 * perCopy, "\(count) of \(14 * perCopy)")
        #expect(error.code == .damaged, "\(error)")
        #expect(error.description.contains("the gzip data is corrupt (incorrect data check)"), "\(error)")
        #expect(error.recordNumber == count + 1)
        #expect(!error.description.contains("\n"))
    }

    @Test func gzipOfSomethingElseIsNotACapture() throws {
        let dir = try Fixtures.temporaryDirectory()
        defer { Fixtures.remove(dir) }
        let text = dir + "/notes.txt.gz", empty = dir + "/empty.pcap.gz"
        try Fixtures.writeGzip(Array("POST /callback HTTP/1.1\r\n".utf8), to: text)
        try Fixtures.writeGzip([], to: empty)
        for (path, fragment) in [(text, "starts with bytes 50 4f 53 54"), (empty, "is empty")] {
            do {
                _ = try CaptureFile(path: path)
                Issue.record("\(path) should not open")
            } catch {
                #expect(error.code == .notACapture)
                #expect(
                    error.description.hasPrefix(
                        path + ": is gzip-compressed, but what it holds is not a pcap or pcapng capture"))
                #expect(error.description.contains(fragment), "\(error)")
            }
        }
    }
}
