import Testing

@testable import CaptureModel

@Suite struct TimestampTests {
    @Test(arguments: [
        (Int64(0), Int64(0), "1970-01-01T00:00:00.000000000Z"),
        (1_795_627_201, 123_456_789, "2026-11-25T17:20:01.123456789Z"),
        (951_782_400, 1, "2000-02-29T00:00:00.000000001Z"),  // leap day
        (-1, 999_999_999, "1969-12-31T23:59:59.999999999Z"),
        (4_102_444_800, 0, "2100-01-01T00:00:00.000000000Z"),
    ])
    func rfc3339(seconds: Int64, nanos: Int64, text: String) {
        let t = Timestamp(seconds: seconds, nanoseconds: nanos)
        #expect(t.rfc3339 == text)
        #expect(Timestamp(rfc3339: text) == t)
    }

    @Test func parsesShorterFractions() {
        #expect(
            Timestamp(rfc3339: "2026-11-25T17:20:01.5Z") == Timestamp(seconds: 1_795_627_201, nanoseconds: 500_000_000))
        #expect(Timestamp(rfc3339: "2026-11-25T17:20:01Z") == Timestamp(seconds: 1_795_627_201))
        #expect(Timestamp(rfc3339: "2026-11-25 17:20:01Z") == nil)
        #expect(Timestamp(rfc3339: "2026-11-25T17:20:01.1234567890Z") == nil)
    }

    @Test func normalisesNanoseconds() {
        #expect(Timestamp(seconds: 1, nanoseconds: 1_500_000_000) == Timestamp(seconds: 2, nanoseconds: 500_000_000))
        #expect(Timestamp(seconds: 1, nanoseconds: -1) == Timestamp(seconds: 0, nanoseconds: 999_999_999))
    }

    @Test func differencesAndOrdering() {
        let a = Timestamp(seconds: 10, nanoseconds: 900_000_000)
        let b = Timestamp(seconds: 12, nanoseconds: 100_000_000)
        #expect(abs(b.seconds(since: a) - 1.2) < 1e-12)
        #expect(a < b)
        #expect(a.adding(seconds: 1.2) == b)
    }
}

@Suite struct EndpointTests {
    @Test(arguments: [
        (IPAddress.v6(0, 1), "::1"),
        (IPAddress.v6(0x2001_0db8_0000_0000, 0x0000_0000_0000_0001), "2001:db8::1"),
        (IPAddress.v6(0x2001_0db8_0000_0001, 0x0000_0001_0000_0001), "2001:db8:0:1:0:1:0:1"),  // no run ≥ 2 → no ::
        (IPAddress.v6(0x2001_0db8_0000_0000, 0x0001_0000_0000_0001), "2001:db8::1:0:0:1"),  // first longest run
        (IPAddress.v6(0, 0), "::"),
        (IPAddress.v6(0xfe80_0000_0000_0000, 0x0000_0000_0000_0000), "fe80::"),
        (IPAddress.v6(0, 0x0000_ffff_c000_0280), "::ffff:192.0.2.128"),
        (IPAddress.v4(0x7F00_0001), "127.0.0.1"),
    ])
    func addressText(address: IPAddress, text: String) {
        #expect(address.description == text)
    }

    @Test func endpointText() {
        #expect(Endpoint(address: .v6(0, 1), port: 9000).description == "[::1]:9000")
        #expect(Endpoint(address: .v4(0x0A00_0001), port: 80).description == "10.0.0.1:80")
    }
}
