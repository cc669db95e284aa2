import HTTP1
import TestSupport
import Testing

/// Content-Encoding (RFC 9110 §8.4) through `ContentDecoder`.
@Suite("Content decoding")
struct ContentDecoderTests {
    static let json = Array("{\"Status\":\"OK\",\"filename\":\"photos/cat.jpg\",\"size\":12345}".utf8)
    /// Something compressible but not trivial, larger than the decoder's 32 KiB scratch buffers.
    static let large: [UInt8] = {
        var rng = SplitMix64.forTest(seed: 42)
        return (0..<200_000).map { _ in UInt8(0x61 + rng.next() % 6) }
    }()

    /// Decodes `input` fed in pieces cut at `cuts`, keeping at most `limit` bytes.
    static func decode(
        _ input: [UInt8],
        encoding: String,
        cuts: [Int] = [],
        limit: Int = .max,
        maxDecodedBytes: Int64 = 256 << 20
    ) -> (output: [UInt8], decoder: ContentDecoder, status: ContentDecodeStatus)? {
        guard var decoder = ContentDecoder(contentEncoding: encoding, maxDecodedBytes: maxDecodedBytes) else {
            return nil
        }
        var output: [UInt8] = []
        var counted: Int64 = 0
        var lower = 0
        for cut in cuts + [input.count] where cut >= lower {
            let result = decoder.decode(input[lower..<cut], maxOutput: limit - output.count)
            #expect(result.output.count <= limit - output.count)
            #expect(result.decodedByteCount >= Int64(result.output.count))
            output += result.output
            counted += result.decodedByteCount
            lower = cut
        }
        let last = decoder.finish()
        #expect(last.output.isEmpty)
        #expect(counted == decoder.totalDecodedBytes)
        #expect(decoder.totalEncodedBytes == Int64(input.count))
        return (output, decoder, last.status)
    }

    /// Applies codings in the order listed (the way a server would).
    static func encode(_ data: [UInt8], _ formats: [Compressor.Format]) -> [UInt8] {
        formats.reduce(data) { Compressor.compress($0, $1) }
    }

    struct RoundTrip: Sendable, CustomTestStringConvertible {
        var encoding: String
        var formats: [Compressor.Format]
        var testDescription: String { encoding }
    }

    static let roundTrips: [RoundTrip] = [
        RoundTrip(encoding: "gzip", formats: [.gzip]),
        RoundTrip(encoding: "x-gzip", formats: [.gzip]),
        RoundTrip(encoding: "GZip", formats: [.gzip]),
        RoundTrip(encoding: "deflate", formats: [.zlib]),
        RoundTrip(encoding: "deflate", formats: [.rawDeflate]),
        RoundTrip(encoding: "identity", formats: []),
        RoundTrip(encoding: "", formats: []),
        RoundTrip(encoding: "gzip, identity", formats: [.gzip]),
        RoundTrip(encoding: "identity,identity,gzip,identity,gzip,gzip", formats: [.gzip, .gzip, .gzip]),
        RoundTrip(encoding: "deflate, gzip", formats: [.zlib, .gzip]),
        RoundTrip(encoding: "gzip, deflate", formats: [.gzip, .rawDeflate]),
        RoundTrip(encoding: " deflate ,, deflate ", formats: [.rawDeflate, .zlib]),
    ]

    @Test("Round trips, whole, byte by byte and in random pieces", arguments: roundTrips, [json, large])
    func roundTrip(_ roundTrip: RoundTrip, data: [UInt8]) throws {
        let encoded = Self.encode(data, roundTrip.formats)
        var splits: [[Int]] = [[]]
        if encoded.count < 4096 { splits.append(Array(1..<encoded.count)) }
        var rng = SplitMix64.forTest(seed: UInt64(encoded.count))
        for _ in 0..<6 {
            splits.append(Set((0..<8).map { _ in Int.random(in: 1..<encoded.count, using: &rng) }).sorted())
        }
        for cuts in splits {
            let result = try #require(
                Self.decode(encoded, encoding: roundTrip.encoding, cuts: cuts), "cuts \(cuts), \(rng.replay)")
            #expect(result.output == data, "cuts \(cuts), \(rng.replay)")
            #expect(result.status == .finished)
            #expect(result.decoder.totalDecodedBytes == Int64(data.count))
            #expect(result.decoder.trailingBytes == 0)
        }
    }

    @Test("zlib wrapper detected at every compression level", arguments: [1, 5, 6, 9] as [Int32])
    func zlibLevels(level: Int32) throws {
        let encoded = Compressor.compress(Self.json, .zlib, level: level)
        let result = try #require(Self.decode(encoded, encoding: "deflate", cuts: [1]))
        #expect(result.output == Self.json)
        #expect(result.status == .finished)
    }

    @Test("Fixtures made by Python's gzip and zlib modules")
    func pythonFixtures() throws {
        // python3 -c "import gzip; print(list(gzip.compress(b'{\"Status\":\"OK\"}', mtime=0)))"
        let gzip: [UInt8] = [
            0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xab, 0x56, 0x0a, 0x2e, 0x49, 0x2c, 0x29, 0x2d,
            0x56, 0xb2, 0x52, 0xf2, 0xf7, 0x56, 0xaa, 0x05, 0x00, 0xf6, 0x4f, 0x12, 0x36, 0x0f, 0x00, 0x00, 0x00,
        ]
        // python3 -c "import zlib; c = zlib.compressobj(wbits=-15); print(list(c.compress(b'{\"Status\":\"OK\"}') + c.flush()))"
        // Raw deflate without the zlib header, as in zeek's missing-zlib-header.pcap.
        let raw: [UInt8] = [
            0xab, 0x56, 0x0a, 0x2e, 0x49, 0x2c, 0x29, 0x2d, 0x56, 0xb2, 0x52, 0xf2, 0xf7, 0x56, 0xaa, 0x05, 0x00,
        ]
        let expected = Array("{\"Status\":\"OK\"}".utf8)
        let fromGzip = try #require(ContentDecoder.decode(gzip[...], contentEncoding: "gzip", maxOutput: 1024))
        #expect(fromGzip.output == expected && fromGzip.status == .finished && fromGzip.decodedByteCount == 15)
        let fromRaw = try #require(ContentDecoder.decode(raw[...], contentEncoding: "deflate", maxOutput: 1024))
        #expect(fromRaw.output == expected && fromRaw.status == .finished)
    }

    @Test(
        "Unsupported codings give nil",
        arguments: ["br", "gzip, br", "compress", "x-compress", "zstd", "dcb", "gzip;q=1", "chunked"]
    )
    func unsupported(encoding: String) {
        #expect(ContentDecoder(contentEncoding: encoding) == nil)
    }

    @Test("Too many stacked codings give nil")
    func tooManyLayers() {
        #expect(ContentDecoder(contentEncoding: Array(repeating: "gzip", count: 8).joined(separator: ",")) != nil)
        #expect(ContentDecoder(contentEncoding: Array(repeating: "gzip", count: 9).joined(separator: ",")) == nil)
    }

    @Test("The parsed coding list keeps the field's order")
    func codingList() throws {
        let decoder = try #require(ContentDecoder(contentEncoding: "identity, x-gzip,DEFLATE"))
        #expect(decoder.codings == [.identity, .gzip, .deflate])
    }

    @Test("maxOutput bounds what is produced; the rest is counted")
    func boundedOutput() throws {
        let encoded = Compressor.compress(Self.large, .gzip)
        let result = try #require(Self.decode(encoded, encoding: "gzip", cuts: [10, 500, 2000], limit: 1000))
        #expect(result.output == Array(Self.large.prefix(1000)))
        #expect(result.decoder.totalDecodedBytes == Int64(Self.large.count))
        #expect(result.status == .finished)
    }

    @Test("maxOutput 0 only counts")
    func countOnly() throws {
        var decoder = try #require(ContentDecoder(contentEncoding: "deflate"))
        let result = decoder.decode(Compressor.compress(Self.large, .zlib)[...], maxOutput: 0)
        #expect(result.output.isEmpty)
        #expect(result.decodedByteCount == Int64(Self.large.count))
        #expect(result.status == .finished)
    }

    @Test("A decompression bomb: bounded output, counted size, and a hard limit")
    func bomb() throws {
        let zeros = [UInt8](repeating: 0, count: 32 << 20)
        let once = Compressor.compress(zeros, .gzip, level: 9)
        let twice = Compressor.compress(once, .gzip, level: 9)
        #expect(twice.count < 4096, "32 MiB in \(twice.count) bytes")

        let bounded = try #require(Self.decode(twice, encoding: "gzip, gzip", limit: 4096))
        #expect(bounded.output == [UInt8](repeating: 0, count: 4096))
        #expect(bounded.decoder.totalDecodedBytes == 32 << 20)
        #expect(bounded.status == .finished)

        let limited = try #require(Self.decode(twice, encoding: "gzip, gzip", limit: 16, maxDecodedBytes: 1 << 20))
        #expect(limited.status == .failed(.decodedSizeLimitExceeded(limit: 1 << 20)))
        #expect(limited.decoder.totalDecodedBytes == 1 << 20)
        #expect(limited.output.count == 16)
    }

    @Test(
        "Corrupt input fails as a value",
        arguments: [
            ("gzip", [UInt8]("not gzip at all".utf8)),
            ("deflate", [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF]),
            ("deflate", [0xFF, 0xFF, 0xFF, 0xFF]),
        ] as [(String, [UInt8])]
    )
    func corrupt(encoding: String, input: [UInt8]) throws {
        let result = try #require(Self.decode(input, encoding: encoding, cuts: [1, 2]))
        guard case .failed(.corruptData) = result.status else {
            Issue.record("expected corruptData, got \(result.status)")
            return
        }
        // Later calls produce nothing and keep the status.
        var decoder = result.decoder
        #expect(
            decoder.decode([1, 2, 3], maxOutput: 100)
                == ContentDecodeResult(output: [], decodedByteCount: 0, status: result.status)
        )
    }

    @Test("A flipped bit in the gzip payload or trailer is detected")
    func checksum() throws {
        var encoded = Compressor.compress(Self.json, .gzip)
        encoded[encoded.count - 6] ^= 0x01  // inside the CRC32
        let result = try #require(Self.decode(encoded, encoding: "gzip"))
        #expect(result.status == .failed(.corruptData(coding: .gzip, detail: "incorrect data check")))
        #expect(result.output == Self.json, "the payload itself was fine and was produced")
    }

    @Test("Truncated input: the decodable prefix is produced, status truncated", arguments: ["gzip", "deflate"])
    func truncated(encoding: String) throws {
        let full = Compressor.compress(Self.large, encoding == "gzip" ? .gzip : .rawDeflate)
        let cut = Array(full.prefix(full.count / 2))
        let result = try #require(Self.decode(cut, encoding: encoding, cuts: [7, 100]))
        #expect(result.status == .truncated)
        #expect(!result.output.isEmpty)
        #expect(Array(Self.large.prefix(result.output.count)) == result.output)
    }

    @Test("Cut inside the deflate sniffing (one byte) is truncated")
    func oneByte() throws {
        let result = try #require(Self.decode([0x78], encoding: "deflate"))
        #expect(result.status == .truncated)
    }

    @Test("An empty body is fine for any coding")
    func emptyBody() throws {
        let result = try #require(Self.decode([], encoding: "gzip, deflate"))
        #expect(result.status == .finished)
        #expect(result.output.isEmpty)
    }

    @Test("Concatenated gzip members decode one after the other")
    func gzipMembers() throws {
        let encoded = Compressor.compress(Array("hello ".utf8), .gzip) + Compressor.compress(Array("world".utf8), .gzip)
        for cuts in [[], Array(1..<encoded.count)] {
            let result = try #require(Self.decode(encoded, encoding: "gzip", cuts: cuts))
            #expect(result.output == Array("hello world".utf8))
            #expect(result.status == .finished)
        }
    }

    @Test(
        "Bytes after the end of the stream are counted, not decoded",
        arguments: [
            ("gzip", Compressor.Format.gzip), ("deflate", .zlib), ("deflate", .rawDeflate),
        ]
    )
    func trailing(encoding: String, format: Compressor.Format) throws {
        let encoded = Compressor.compress(Self.json, format) + Array("\r\njunk".utf8)
        for cuts in [[], Array(1..<encoded.count)] {
            let result = try #require(Self.decode(encoded, encoding: encoding, cuts: cuts))
            #expect(result.output == Self.json)
            #expect(result.status == .finished)
            #expect(result.decoder.trailingBytes == 6)
        }
    }

    @Test("One trailing byte after a gzip member is counted at finish")
    func oneTrailingByte() throws {
        let result = try #require(Self.decode(Compressor.compress(Self.json, .gzip) + [0x0A], encoding: "gzip"))
        #expect(result.status == .finished)
        #expect(result.decoder.trailingBytes == 1)
    }

    @Test("Copies are independent (copy-on-write of the zlib state)")
    func copyOnWrite() throws {
        let encoded = Compressor.compress(Self.large, .gzip)
        let half = encoded.count / 2
        var first = try #require(ContentDecoder(contentEncoding: "gzip"))
        let a = first.decode(encoded[..<half], maxOutput: .max)
        var second = first
        let b1 = first.decode(encoded[half...], maxOutput: .max)
        let b2 = second.decode(encoded[half...], maxOutput: .max)
        #expect(b1 == b2)
        #expect(a.output + b1.output == Self.large)
        #expect(first.finish().status == .finished)
        // `second` still has its own stream state; garbage fed to it now is trailing data.
        #expect(second.decode([1, 2, 3], maxOutput: 10).status == .finished)
        #expect(second.trailingBytes == 3 && first.trailingBytes == 0)
    }
}
