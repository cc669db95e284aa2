import Testing

@testable import UploadCallbacks

/// `CallbackURL.parse`, one defect at a time, in the order it checks them: characters, scheme,
/// authority (IPv6 brackets), host, port, host name.
@Suite struct CallbackURLTests {
    static let failures: [(String, CallbackURL.SyntaxError)] = [
        ("", .empty),
        (" \t ", .empty),
        ("http://a b.example.com/", .invalidCharacter("U+20")),
        ("http://a.example.com/<x>", .invalidCharacter("'<'")),
        ("http://\u{E9}.example.com/", .invalidCharacter("U+E9")),
        ("http://a.example.com/\u{7F}", .invalidCharacter("U+7F")),
        ("ftp://a.example.com/", .unsupportedScheme("ftp")),
        ("http:///cb", .emptyHost),
        ("http://user@/cb", .emptyHost),
        ("http://:80/cb", .emptyHost),
        ("http://[::1/cb", .badIPv6Literal("[::1")),
        ("http://[zz::1]/cb", .badIPv6Literal("zz::1")),
        ("http://[::1]x/cb", .badIPv6Literal("[::1]x")),
        ("http://[::1]:0/cb", .badPort("0")),
        ("http://a.example.com:/cb", .badPort("")),
        ("http://a.example.com:65536/cb", .badPort("65536")),
        ("http://a.example.com:123456/cb", .badPort("123456")),
        ("http://a.example.com:8o/cb", .badPort("8o")),
        ("http://a!b.example.com/cb", .invalidCharacter("in host \"a!b.example.com\"")),
        // The port is checked before the host name.
        ("http://a!b:0/cb", .badPort("0")),
    ]

    @Test(arguments: failures)
    func rejects(_ entry: String, _ error: CallbackURL.SyntaxError) {
        #expect(CallbackURL.parse(entry) == .failure(error), "\(entry)")
    }

    @Test func takesAnEntryApart() throws {
        let url = try CallbackURL.parse(" HTTPS://user:pw@Oss-Demo.example.com:65535/cb?x=1#f\t").get()
        #expect(url.text == "HTTPS://user:pw@Oss-Demo.example.com:65535/cb?x=1#f")
        #expect(url.scheme == "https")
        #expect(url.host == "Oss-Demo.example.com")
        #expect(url.port == 65535)
        #expect(url.pathAndQuery == "/cb?x=1#f")
        #expect(url.address == nil)
    }

    @Test func withoutSchemeOrPath() throws {
        let url = try CallbackURL.parse("121.43.113.8:23456").get()
        #expect(url.scheme == nil)
        #expect(url.host == "121.43.113.8")
        #expect(url.port == 23456)
        #expect(url.pathAndQuery == "/")
        #expect(url.address == .v4(121 << 24 | 43 << 16 | 113 << 8 | 8))
    }

    @Test func bracketedIPv6() throws {
        let url = try CallbackURL.parse("http://[::1]:9000?q").get()
        #expect(url.host == "::1")
        #expect(url.port == 9000)
        #expect(url.pathAndQuery == "?q")
        #expect(url.address == .v6(Array(repeating: 0, count: 15) + [1]))
        let bare = try CallbackURL.parse("http://[fe80::1%25eth0]").get()
        #expect(bare.port == nil)
        #expect(bare.address?.privateRange == "fe80::/10 (link-local)")
    }
}
