import CaptureModel
import Foundation
import PcapCapture
import TestSupport
import Testing

/// Issue #18: `samples/captures/two-interfaces.pcapng` (mergecap of a dumpcap Ethernet capture
/// and a `tcpdump -i any` capture, samples/make-two-interfaces.sh), which libpcap refuses, read
/// whole — from the file, from a gzip of it, from a FIFO — each record with its own interface's
/// link layer, the same records tshark reads.
@Suite(.serialized, .tags(.conformance)) struct MixedLinkTypeTests {
    static let sample: String = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent("samples/captures/two-interfaces.pcapng").path
    }()

    static var tsharkPath: String? {
        ["/usr/bin/tshark", "/usr/local/bin/tshark"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs a program and returns its standard output.
    static func output(_ program: String, _ arguments: [String]) throws -> String {
        let run = try Subprocess.run(URL(fileURLWithPath: program), arguments)
        try #require(run.status == 0, "\(program): \(run.stderr)")
        return run.stdout
    }

    @Test("every record of both interfaces, each with its link layer, frame numbers 1…382")
    func wholeFile() throws {
        let outcome = try readAll(Self.sample)
        #expect(outcome.damage == nil)
        #expect(outcome.endRepeats)
        #expect(outcome.packets.count == 382)
        #expect(outcome.packets.map(\.frameNumber) == Array(1...382))
        #expect(outcome.packets.filter { $0.linkLayer == .ethernet }.count == 201)
        #expect(outcome.packets.filter { $0.linkLayer == .linuxCooked2 }.count == 181)
        var file = try CaptureFile(path: Self.sample)
        while case .packet = file.next() {}
        #expect(file.formatDescription == "pcapng, 2 interfaces")
        #expect(file.linkLayers == [.ethernet, .linuxCooked2])
    }

    @Test(
        "the same records as tshark: time stamps to the nanosecond, lengths, link types",
        .enabled(if: tsharkPath != nil))
    func agreesWithTshark() throws {
        let text = try Self.output(
            Self.tsharkPath!,
            [
                "-r", Self.sample, "-T", "fields", "-E", "separator=/t", "-e", "frame.time_epoch", "-e",
                "frame.cap_len", "-e", "frame.len", "-e", "frame.interface_id",
            ])
        let rows = text.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        let packets = try readAll(Self.sample).packets
        try #require(rows.count == packets.count)
        for (row, packet) in zip(rows, packets) {
            let parts = row[0].split(separator: ".")
            let seconds = Int64(parts[0]), fraction = parts.count > 1 ? String(parts[1]) : ""
            let nanoseconds = UInt32((fraction + String(repeating: "0", count: max(0, 9 - fraction.count))).prefix(9))
            #expect(
                packet.timestamp.seconds == seconds && packet.timestamp.nanoseconds == nanoseconds,
                "frame \(packet.frameNumber): \(row)")
            #expect(
                packet.bytes.count == Int(row[1]) && packet.originalLength == Int(row[2]), "frame \(packet.frameNumber)"
            )
            #expect(packet.linkLayer == (row[3] == "0" ? .ethernet : .linuxCooked2), "frame \(packet.frameNumber)")
        }
    }

    @Test("a filter is compiled for each interface's link type, as tshark's", .enabled(if: tsharkPath != nil))
    func filterPerLinkType() throws {
        for (bpf, display) in [
            ("tcp port 9007", "tcp.port == 9007"), ("tcp port 9008", "tcp.port == 9008"),
            ("tcp port 9022", "tcp.port == 9022"), ("ip6 and tcp port 9022", "ipv6 && tcp.port == 9022"),
            ("tcp port 9021", "tcp.port == 9021"),
        ] {
            let expected = try Self.output(
                Self.tsharkPath!, ["-r", Self.sample, "-Y", display, "-T", "fields", "-e", "frame.number"]
            )
            .split(separator: "\n").compactMap { Int($0) }
            let numbers = try readAll(Self.sample, filter: bpf).packets.map(\.frameNumber)
            #expect(!numbers.isEmpty)
            #expect(numbers == expected, "\(bpf)")
        }
    }

    @Test("gzip-compressed: reopened through zlib, the same records")
    func gzip() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { removeTree(directory.path) }
        let compressed = directory.appendingPathComponent("two.pcapng.gz").path
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.sample))
        let gzip = try Subprocess.run(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "gzip -c '\(Self.sample)' > '\(compressed)'"])
        try #require(gzip.status == 0, "gzip: \(gzip.stderr)")
        #expect(data.count > 0)
        let plain = try readAll(Self.sample)
        let outcome = try readAll(compressed)
        #expect(outcome.damage == nil)
        #expect(outcome.packets.count == plain.packets.count)
        #expect(outcome.packets.map(\.bytes) == plain.packets.map(\.bytes))
        var file = try CaptureFile(path: compressed)
        while case .packet = file.next() {}
        #expect(file.formatDescription == "pcapng, 2 interfaces, gzip")
    }

    @Test("from a FIFO: the interfaces are seen before libpcap, and the stream is read once")
    func fifo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { removeTree(directory.path) }
        let fifo = directory.appendingPathComponent("capture.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        for source in [Self.sample, Self.sample.replacingOccurrences(of: "two-interfaces.pcapng", with: "all-lo.pcap")]
        {
            let writer = try BackgroundProcess(URL(fileURLWithPath: "/bin/sh"), ["-c", "cat '\(source)' > '\(fifo)'"])
            let outcome = try readAll(fifo)
            writer.waitUntilExit()
            let fromFile = try readAll(source)
            #expect(outcome.damage == nil)
            #expect(outcome.packets.count == fromFile.packets.count && !outcome.packets.isEmpty)
            #expect(outcome.packets.map(\.bytes) == fromFile.packets.map(\.bytes))
            #expect(outcome.packets.map(\.linkLayer) == fromFile.packets.map(\.linkLayer))
        }
    }

    @Test("a FIFO carrying gzip is refused with the way round it")
    func gzipFifo() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { removeTree(directory.path) }
        let fifo = directory.appendingPathComponent("capture.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = try BackgroundProcess(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "gzip -c '\(Self.sample)' > '\(fifo)' 2>/dev/null; true"])
        let error = try #require(throws: CaptureError.self) { _ = try CaptureFile(path: fifo) }
        writer.waitUntilExit()
        #expect(error.code == .unsupportedFormat)
        #expect(error.reason.contains("zcat"))
    }

    /// A pcapng whose second interface (another link type) is declared after two packets.
    static func lateInterface() -> [UInt8] {
        var file = PcapngBuilder()
        file.section()
        file.interface(linkType: 1)
        file.enhancedPacket(interface: 0, units: 1_000_000, data: [UInt8](repeating: 1, count: 60))
        file.enhancedPacket(interface: 0, units: 2_000_000, data: [UInt8](repeating: 2, count: 60))
        file.interface(linkType: 276)
        file.enhancedPacket(interface: 1, units: 3_000_000, data: [UInt8](repeating: 3, count: 40))
        file.enhancedPacket(interface: 0, units: 4_000_000, data: [UInt8](repeating: 4, count: 60))
        return file.bytes
    }

    @Test("an interface declared after packets: a file is reopened and the records libpcap gave are passed over")
    func lateInterfaceInAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { removeTree(directory.path) }
        let path = directory.appendingPathComponent("late.pcapng").path
        try writeBytes(Self.lateInterface(), to: path)
        let outcome = try readAll(path)
        #expect(outcome.damage == nil)
        #expect(outcome.packets.map(\.frameNumber) == [1, 2, 3, 4])
        #expect(outcome.packets.map { $0.bytes.first } == [1, 2, 3, 4])
        #expect(outcome.packets.map(\.linkLayer) == [.ethernet, .ethernet, .linuxCooked2, .ethernet])
        #expect(outcome.packets.map(\.timestamp.seconds) == [1, 2, 3, 4])
    }

    @Test("an interface declared after packets on a stream: the packets before it, and why the rest cannot be read")
    func lateInterfaceInAFIFO() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mixed-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { removeTree(directory.path) }
        let source = directory.appendingPathComponent("late.pcapng").path
        try writeBytes(Self.lateInterface(), to: source)
        let fifo = directory.appendingPathComponent("late.fifo").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = try BackgroundProcess(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "cat '\(source)' > '\(fifo)' 2>/dev/null; true"])
        let outcome = try readAll(fifo)
        writer.waitUntilExit()
        #expect(outcome.packets.map(\.frameNumber) == [1, 2])
        let damage = try #require(outcome.damage)
        #expect(damage.reason.contains("save the capture to a file"), "\(damage.reason)")
        #expect(damage.recordNumber == 3)
    }
}
