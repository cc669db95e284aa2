import CaptureModel
import PcapCapture
import TestSupport
import Testing

/// BPF filters (`pcap_compile` + `pcap_offline_filter`): matching records pass with their
/// position in the file as frame number; a bad expression throws `.filter`.
@Suite struct FilterTests {
    static let client = Endpoint(address: PacketBuilder.ipv4("10.1.1.1"), port: 50_000)
    static let web = Endpoint(address: PacketBuilder.ipv4("10.1.1.2"), port: 80)
    static let tls = Endpoint(address: PacketBuilder.ipv4("10.1.1.2"), port: 443)

    /// Six records: HTTP, HTTPS, DNS over UDP, ARP, HTTP reply, IPv6 HTTP.
    static func writeMixedCapture(to path: String) throws -> [[UInt8]] {
        let dns = PacketBuilder.ethernet(
            etherType: 0x0800,
            payload: PacketBuilder.ipv4(
                source: client.address, destination: PacketBuilder.ipv4("10.1.1.53"), protocol: 17,
                payload: PacketBuilder.udp(sourcePort: 5353, destinationPort: 53, payload: [0, 1, 2])))
        let arp = PacketBuilder.ethernet(
            etherType: 0x0806, payload: [UInt8](repeating: 0, count: 28), padToMinimum: true)
        let frames = [
            PacketBuilder.tcpFrame(source: client, destination: web, flags: [.syn]),
            PacketBuilder.tcpFrame(source: client, destination: tls, flags: [.syn]),
            dns,
            arp,
            PacketBuilder.tcpFrame(source: web, destination: client, flags: [.syn, .ack]),
            PacketBuilder.tcpFrame(
                source: Endpoint(address: PacketBuilder.ipv6("2001:db8::a"), port: 50_001),
                destination: Endpoint(address: PacketBuilder.ipv6("2001:db8::b"), port: 80), flags: [.syn]),
        ]
        var writer = PcapWriter(linkLayer: .ethernet)
        for (i, frame) in frames.enumerated() { writer.append(frame, timestamp: Timestamp(seconds: Int64(100 + i))) }
        try writer.write(to: path)
        return frames
    }

    @Test(arguments: [
        ("tcp port 80", [1, 5, 6]),
        ("tcp port 443", [2]),
        ("udp", [3]),
        ("arp", [4]),
        ("ip6", [6]),
        ("tcp[tcpflags] & tcp-syn != 0 and ip", [1, 2, 5]),
        ("port 9999", []),
    ])
    func filterKeepsFileFrameNumbers(_ expression: String, _ expectedFrames: [Int]) throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/mixed.pcap"
        let frames = try Self.writeMixedCapture(to: path)

        var file = try CaptureFile(path: path, filter: expression)
        #expect(file.filter == expression)
        var seen: [Int] = []
        loop: while true {
            switch file.next() {
            case .packet(let packet):
                seen.append(packet.frameNumber)
                #expect(packet.bytes == frames[packet.frameNumber - 1])
                #expect(packet.timestamp == Timestamp(seconds: Int64(99 + packet.frameNumber)))
            case .endOfFile: break loop
            case .damaged(let error):
                Issue.record("unexpected damage: \(error)")
                break loop
            }
        }
        #expect(seen == expectedFrames)
        #expect(file.recordsRead == frames.count)
    }

    /// Includes libpcap's quirk: an expression the optimiser proves can never match ("tcp and udp")
    /// is refused with "expression rejects all packets", as `tcpdump -r` refuses it.
    @Test(arguments: ["tcp prt 80", "port", "host 999.1.1.1", "((tcp", "tcp and udp"])
    func badFilterThrowsOneClearLine(_ expression: String) throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/mixed.pcap"
        _ = try Self.writeMixedCapture(to: path)
        do {
            _ = try CaptureFile(path: path, filter: expression)
            Issue.record("filter \(expression) should not compile")
        } catch {
            #expect(error.code == .filter)
            #expect(error == CaptureError(code: .filter, path: "", reason: ""))
            #expect(error.description.hasPrefix(path + ": invalid capture filter \"\(expression)\": "))
            #expect(!error.description.contains("\n"))
            #expect(error.recordNumber == nil)
        }
    }

    @Test func filterThatDoesNotApplyToTheLinkTypeThrows() throws {
        let directory = try PcapWriter.makeTemporaryDirectory()
        defer { removeTree(directory) }
        let path = directory + "/user0.pcap"
        var writer = PcapWriter(linkType: 147)
        writer.append([0], timestamp: Timestamp(seconds: 0))
        try writer.write(to: path)
        #expect(throws: CaptureError(code: .filter, path: path, reason: "")) {
            _ = try CaptureFile(path: path, filter: "tcp port 80")
        }
    }
}
