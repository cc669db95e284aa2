import CaptureModel
import Foundation
import TestSupport
import Testing

/// `stats`, `show` and the narrowing options on a generated capture with more callbacks than the
/// bounded listing holds (320 callbacks to two servers over several minutes; seeded latencies and
/// failures, recorded by the generator), through the real binary.
@Suite(.serialized, .tags(.endToEnd)) struct ToolsLargeCaptureTests {
    struct Generated {
        var path: String
        /// Latency in nanoseconds and status, per server port, in the order sent.
        var exchanges: [UInt16: [(latency: Int64, status: Int)]] = [:]
    }

    /// Writes the capture: per server, 4 keep-alive connections one after another, 40 callbacks
    /// each, latencies 0.1 ms – 2 s (SplitMix64, seed 18), 1 in 10 answered 500.
    static func generate(in dir: URL) throws -> Generated {
        var random = SplitMix64.forTest(seed: 18)
        var conversation = ConversationWriter(start: Timestamp(seconds: 1_764_000_000), step: 0)
        conversation.writer = PcapWriter(linkLayer: .ethernet, resolution: .nanoseconds)
        var generated = Generated(path: dir.appendingPathComponent("many-callbacks.pcap").path)
        let client = PacketBuilder.ipv4("192.0.2.10")
        var clientPort: UInt16 = 40_000
        for port: UInt16 in [8080, 8081] {
            let server = Endpoint(address: PacketBuilder.ipv4("192.0.2.20"), port: port)
            for _ in 0..<4 {
                clientPort += 1
                let from = Endpoint(address: client, port: clientPort)
                var c: UInt32 = 1, s: UInt32 = 1
                func at(_ ns: Int64) {
                    conversation.clock = Timestamp(seconds: 0, nanoseconds: conversation.clock.totalNanoseconds + ns)
                }
                at(1_000_000)
                conversation.add(from, server, seq: 0, ack: 0, [.syn])
                at(50_000)
                conversation.add(server, from, seq: 0, ack: 1, [.syn, .ack])
                for _ in 0..<40 {
                    let latency = Int64(100_000 + random.next() % 2_000_000_000)
                    let status = random.next() % 10 == 0 ? 500 : 200
                    generated.exchanges[port, default: []].append((latency, status))
                    let request = Array(
                        "POST /cb HTTP/1.1\r\nHost: h\r\nx-oss-tag: CALLBACK\r\nContent-Length: 0\r\n\r\n".utf8)
                    let response = Array("HTTP/1.1 \(status) X\r\nContent-Length: 2\r\n\r\n{}".utf8)
                    at(1_000_000)
                    conversation.add(from, server, seq: c, ack: s, [.psh, .ack], request)
                    c &+= UInt32(request.count)
                    at(latency)
                    conversation.add(server, from, seq: s, ack: c, [.psh, .ack], response)
                    s &+= UInt32(response.count)
                }
                at(1_000_000)
                conversation.add(from, server, seq: c, ack: s, [.fin, .ack])
                at(50_000)
                conversation.add(server, from, seq: s, ack: c + 1, [.fin, .ack])
            }
        }
        try conversation.write(to: generated.path)
        return generated
    }

    /// Nearest rank, as the tool's percentiles.
    static func percentile(_ sorted: [Int64], _ p: Double) -> Int64 {
        sorted[max(1, Int((p / 100 * Double(sorted.count)).rounded(.up))) - 1]
    }

    @Test func statsAreExactOverEveryCallbackAndTheSameOnEveryThreadCount() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = try Self.generate(in: dir)
        let one = try CLIRunner.run(["stats", "--format", "json", "-j", "1", generated.path])
        let split = try CLIRunner.run(["stats", "--format", "json", "-j", "3", generated.path])
        #expect(one.status == 0, "\(one.stderr)")
        #expect(split.stdout == one.stdout, "the capture split by connection across threads gives the same statistics")
        let stats = try #require(try JSONSerialization.jsonObject(with: Data(one.stdout.utf8)) as? [String: Any])
        let servers = try #require(stats["servers"] as? [[String: Any]])
        #expect(servers.count == 2)
        for server in servers {
            let name = try #require(server["server"] as? String)
            let port = try #require(UInt16(name.split(separator: ":").last ?? ""))
            let sent = try #require(generated.exchanges[port])
            let total = try #require(server["total"] as? [String: Any])
            #expect(total["callbacks"] as? Int == sent.count)
            #expect(total["failed"] as? Int == sent.filter { $0.status == 500 }.count)
            #expect(
                (total["findingsByRule"] as? [String: Int])?["bad-status"] == sent.filter { $0.status == 500 }.count)
            let latency = try #require(total["latency"] as? [String: Any])
            #expect(latency["exact"] as? Bool == true)
            let sorted = sent.map(\.latency).sorted()
            for (key, p) in [("p50", 50.0), ("p90", 90), ("p99", 99), ("max", 100)] {
                let seconds = try #require(latency[key] as? Double)
                #expect(abs(seconds - Double(Self.percentile(sorted, p)) / 1e9) < 1e-12, "\(name) \(key)")
            }
            let minutes = try #require(server["minutes"] as? [[String: Any]])
            #expect(minutes.count >= 3, "the callbacks span several minutes")
            #expect(minutes.compactMap { $0["callbacks"] as? Int }.reduce(0, +) == sent.count)
        }
    }

    /// `show N` shows the report's `#N` — beyond the first 100 passing callbacks with
    /// `--list-all`, and the numbering of the bounded listing without it.
    @Test func showNumbersAsTheReportDoes() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = try Self.generate(in: dir)
        for listAll in [false, true] {
            let flags = listAll ? ["--list-all"] : []
            let report = try CLIRunner.run(["analyze", "-v"] + flags + [generated.path], sampleKey: false)
            let numbered = report.stdout.split(separator: "\n").filter { $0.hasPrefix("#") || $0.hasPrefix("  #") }
            #expect(
                numbered.count
                    == (listAll ? 320 : 100 + generated.exchanges.values.joined().filter { $0.status == 500 }.count))
            for line in [numbered.first, numbered.dropFirst(57).first, numbered.last].compactMap({ $0 }) {
                let fields = line.split(separator: " ")
                let number = String(fields[0].dropFirst()), time = String(fields[1]),
                    endpoints = "\(fields[2]) → \(fields[4])"
                let shown = try CLIRunner.run(["show"] + flags + [generated.path, number])
                #expect(shown.status == 0, "\(shown.stderr)")
                #expect(shown.stdout.hasPrefix("#\(number)  OSS callback"), "\(shown.stdout.prefix(60))")
                #expect(shown.stdout.contains(endpoints) && shown.stdout.contains(time), "#\(number): \(line)")
            }
        }
    }

    /// `--failed` lists every failure (more than a page of them is not the point: all 500s), and
    /// the header still counts 320 callbacks.
    @Test func failedListsOnlyFailuresWithWholeCounts() throws {
        let dir = try CLIRunner.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let generated = try Self.generate(in: dir)
        let failures = generated.exchanges.values.joined().filter { $0.status == 500 }.count
        let r = try CLIRunner.run(["exchanges", "--format", "csv", "--failed", generated.path], sampleKey: false)
        #expect(r.status == 0)
        let records = r.stdout.components(separatedBy: "\r\n").dropLast()
        #expect(records.count == 1 + failures)
        #expect(records.dropFirst().allSatisfy { $0.contains(",500,X,") && $0.contains(",fail,bad-status,") })
        let text = try CLIRunner.run(["analyze", "--failed", generated.path], sampleKey: false)
        #expect(text.stdout.contains("Callbacks: 320 seen, \(320 - failures) passed, \(failures) failed"))
        #expect(text.stdout.contains("Listed: only the exchanges matching --failed, \(failures) of 320;"))
    }
}
