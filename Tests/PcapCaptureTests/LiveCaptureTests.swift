import CaptureModel
import Foundation
import PcapCapture
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Capturing needs root (or CAP_NET_RAW): these tests talk to the real libpcap and kernel, and
/// are skipped, with this message, otherwise.
let isRoot = getuid() == 0
let needsRoot: Comment = "live capture needs root (or CAP_NET_RAW); skipped"

/// Sends one UDP datagram from 127.0.0.1 to 127.0.0.1:`port`.
private func sendUDP(_ payload: [UInt8], to port: UInt16) throws {
    let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    try #require(fd >= 0, "socket(2) failed: errno \(errno)")
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    let sent = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
            payload.withUnsafeBytes { bytes in
                sendto(fd, bytes.baseAddress, bytes.count, 0, raw, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
    }
    try #require(sent == payload.count, "sendto(2) sent \(sent) of \(payload.count) bytes: errno \(errno)")
}

/// Runs a command, returning its exit status (or -1 when it cannot be started).
@discardableResult
private func shell(_ arguments: [String]) -> Int32 {
    (try? Subprocess.run(URL(fileURLWithPath: "/usr/bin/env"), arguments).status) ?? -1
}

@Suite("LiveCapture", .enabled(if: isRoot, needsRoot), .serialized, .tags(.live))
struct LiveCaptureTests {
    @Test("a made-up interface: noSuchInterface, naming it")
    func noSuchInterface() {
        do {
            _ = try LiveCapture(interface: "cdnosuch0")
            Issue.record("opening a made-up interface should fail")
        } catch {
            #expect(error.code == .noSuchInterface)
            #expect(error.path == "cdnosuch0")
            #expect(error.description.contains("no such interface"))
        }
    }

    @Test("a BPF expression that does not compile: filter, quoting the expression")
    func badFilter() {
        do {
            _ = try LiveCapture(interface: "lo", filter: "tcp port nonsense-port")
            Issue.record("a bad filter should fail")
        } catch {
            #expect(error.code == .filter)
            #expect(error.reason.contains("\"tcp port nonsense-port\""))
        }
    }

    @Test("an interface that is down: interfaceDown, with the command that brings it up")
    func interfaceDown() throws {
        // A TAP device stays down until set up (the `dummy` driver is not always available).
        let name = "cdtest0"
        shell(["ip", "tuntap", "del", "dev", name, "mode", "tap"])
        guard shell(["ip", "tuntap", "add", "dev", name, "mode", "tap"]) == 0 else {
            withKnownIssue("cannot create a TAP device here (no /dev/net/tun?); the down-interface path is untested") {
                Issue.record("ip tuntap add failed")
            }
            return
        }
        defer { shell(["ip", "tuntap", "del", "dev", name, "mode", "tap"]) }
        do {
            _ = try LiveCapture(interface: name)
            Issue.record("capturing on a down interface should fail")
        } catch {
            #expect(error.code == .interfaceDown)
            #expect(error.description.contains("ip link set \(name) up"))
        }
    }

    @Test("packets on lo are delivered with their bytes, saved with -w, and the read timeout ticks")
    func captureAndSave() throws {
        let directory = try PcapWriter.makeTemporaryDirectory(prefix: "live-capture")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let savefile = directory + "/live.pcap"
        let port: UInt16 = 19_871
        let payload = Array("callback-doctor live capture test".utf8)
        var sent: [CapturedPacket] = []
        do {
            var capture = try LiveCapture(interface: "lo", filter: "udp and port \(port)", savefile: savefile)
            #expect(capture.linkLayer == .ethernet)
            #expect(capture.snapshotLength == LiveCapture.defaultSnapshotLength)

            // Idle: next() comes back with .timeout (after the read timeout; the limit only
            // catches a capture that never returns, a loaded machine is slow).
            let idleStart = Date()
            guard case .timeout = capture.next() else {
                Issue.record("an idle capture should time out")
                return
            }
            #expect(Date().timeIntervalSince(idleStart) < 30)

            try sendUDP(payload, to: port)
            try sendUDP(payload + [0x21], to: port)
            let deadline = Date().addingTimeInterval(60)
            while sent.count < 2, Date() < deadline {
                switch capture.next() {
                case .packet(let packet): sent.append(packet)
                case .timeout: continue
                case .failed(let error): Issue.record("capture failed: \(error)")
                }
            }
            #expect(sent.count == 2)
            #expect(sent.map(\.frameNumber) == [1, 2])
            #expect(sent.first.map { $0.bytes.suffix(payload.count).elementsEqual(payload) } == true)
            #expect(sent.last?.bytes.last == 0x21)
            let now = Date().timeIntervalSince1970
            #expect(sent.allSatisfy { abs(Double($0.timestamp.seconds) - now) < 10 })
            #expect(capture.statistics.map { $0.received >= 2 } ?? true)
        }
        // The capture was closed above: the savefile has the same records.
        var file = try CaptureFile(path: savefile)
        var saved: [CapturedPacket] = []
        while case .packet(let packet) = file.next() { saved.append(packet) }
        #expect(saved.count == sent.count)
        #expect(
            zip(saved, sent).allSatisfy {
                $0.bytes == $1.bytes && $0.timestamp == $1.timestamp && $0.frameNumber == $1.frameNumber
            })
    }

    @Test("a savefile that cannot be created: cannotOpen, naming the file")
    func unwritableSavefile() {
        do {
            _ = try LiveCapture(interface: "lo", savefile: "/nonexistent-directory/x.pcap")
            Issue.record("an unwritable savefile should fail")
        } catch {
            #expect(error.code == .cannotOpen)
            #expect(error.path == "/nonexistent-directory/x.pcap")
        }
    }
}
