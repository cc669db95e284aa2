import HTTP1
import TestSupport
import Testing

/// Every prefix and many seeded mutations of realistic streams: the parser never traps, and its
/// events never depend on how the input was split.
@Suite("Robustness sweeps")
struct SweepTests {
    struct Sample: Sendable, CustomTestStringConvertible {
        var name: String
        var role: HTTPMessageParser.Role
        var methods: [String]
        var input: String
        var testDescription: String { name }
    }

    static let samples: [Sample] = [
        Sample(
            name: "OSS callback request and pipelined GET",
            role: .request,
            methods: [],
            input: crlf(
                "\nPOST /callback HTTP/1.1\nHost: cb.example.com\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 27\nAuthorization: abc==\nx-oss-pub-key-url: aHR0cA==\n\n"
            ) + "bucket=b&object=o.jpg&size=" + crlf("GET /health HTTP/1.0\nX-Fold: a\n b\n\n")
        ),
        Sample(
            name: "interim, chunked with trailers, HEAD, close-delimited",
            role: .response,
            methods: ["POST", "POST", "HEAD", "GET"],
            input: crlf(
                "HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5;x=y\n{\"a\":\n3\n12}\n0\nT: 1\n\nHTTP/1.1 404 Not Found\nContent-Length: 2, 2\n\nnoHTTP/1.1 200 OK\nContent-Length: 10\n\nHTTP/1.0 200 OK\n\n"
            ) + "\u{FEFF}{\"Status\":\"OK\"}"
        ),
        Sample(
            name: "bare LF response with anomalies",
            role: .response,
            methods: ["GET"],
            input: "HTTP/1.1 502 Bad Gateway\nServer : x\nContent-Length: 5\nTransfer-Encoding: chunked\n\n1\nx\n0\n\n"
        ),
    ]

    @Test("Every prefix, finished", arguments: samples)
    func everyPrefix(_ sample: Sample) {
        let bytes = Array(sample.input.utf8)
        for length in 0...bytes.count {
            ChunkingVerifier.verify(
                Array(bytes.prefix(length)),
                .init(role: sample.role, requestMethods: sample.methods),
                randomSplits: 3
            )
        }
    }

    @Test("Seeded random mutations (byte flips, insertions of CR/LF/SP/colon/digits, deletions)", arguments: samples)
    func mutations(_ sample: Sample) {
        let original = Array(sample.input.utf8)
        var rng = SplitMix64.forTest(seed: UInt64(original.count))
        let interesting: [UInt8] = [0x0D, 0x0A, 0x20, 0x09, 0x3A, 0x3B, 0x30, 0x35, 0x66, 0x00, 0xFF, 0x2C]
        for _ in 0..<150 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch rng.next() % 3 {
                case 0: bytes[position] = interesting.randomElement(using: &rng) ?? 0
                case 1: bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: position)
                default: bytes.remove(at: position)
                }
            }
            ChunkingVerifier.verify(bytes, .init(role: sample.role, requestMethods: sample.methods), randomSplits: 6)
        }
    }

    @Test("Random bytes", arguments: [HTTPMessageParser.Role.request, .response])
    func randomBytes(role: HTTPMessageParser.Role) {
        var rng = SplitMix64.forTest(seed: 7)
        for _ in 0..<50 {
            let bytes = (0..<Int.random(in: 1...300, using: &rng)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            let events = ChunkingVerifier.verify(bytes, .init(role: role), randomSplits: 4)
            #expect(events.count <= 3, rng.comment)
        }
    }

    @Test("Small limits under mutation", arguments: samples)
    func smallLimits(_ sample: Sample) {
        let limits = HTTPParserLimits(
            maxHeaderLineLength: 20,
            maxHeaderCount: 2,
            maxHeaderBytes: 60,
            maxMethodLength: 4
        )
        let bytes = Array(sample.input.utf8)
        for length in stride(from: 0, through: bytes.count, by: 7) {
            ChunkingVerifier.verify(
                Array(bytes.prefix(length)),
                .init(role: sample.role, requestMethods: sample.methods, limits: limits),
                randomSplits: 3
            )
        }
    }
}
