import ReportModel
import Testing

@Suite struct RedactorTests {
    @Test func secretHeadersByName() {
        var r = Redactor()
        #expect(r.headerValue(name: "Authorization", value: "Basic dXNlcjpwYXNz") == "Basic [redacted 12 chars]")
        #expect(r.headerValue(name: "authorization", value: String(repeating: "A", count: 88)) == "[redacted 88 chars]")
        #expect(r.headerValue(name: "Proxy-Authorization", value: "Bearer abc") == "Bearer [redacted 3 chars]")
        #expect(
            r.headerValue(name: "Cookie", value: "a=1; sid=secret") == "a=[redacted 1 char]; sid=[redacted 6 chars]")
        #expect(
            r.headerValue(name: "Set-Cookie", value: "sid=xyz; Path=/; Secure")
                == "sid=[redacted 3 chars]; Path=/; Secure")
        #expect(r.headerValue(name: "x-oss-security-token", value: "CAIS…") == "[redacted 5 chars]")
        #expect(r.headerValue(name: "X-Api-Key", value: "k") == "[redacted 1 char]")
        #expect(r.headerValue(name: "x-oss-pub-key-url", value: "aHR0cHM6Ly9n") == nil)
        #expect(r.headerValue(name: "Content-Type", value: "application/json") == nil)
        #expect(r.count == 8)
        #expect(r.kinds.contains("header cookie"))
    }

    @Test(arguments: [
        ("http://user:pass@host/p", "http://[redacted 9 chars]@host/p"),
        (
            "see https://a@b@host:8080?x=1 and ftp://host/",
            "see https://[redacted 3 chars]@host:8080?x=1 and ftp://host/"
        ),
        (
            "/cb?token=abc&x=1&api_key=k%3D&Signature=s==",
            "/cb?token=[redacted 3 chars]&x=1&api_key=[redacted 4 chars]&Signature=[redacted 1 char]=="
        ),
        ("bucket=b&pass%77ord=p+w&x%3Atoken=t", "bucket=b&pass%77ord=[redacted 3 chars]&x%3Atoken=[redacted 1 char]"),
        (
            #"{"user":"u","password":"p\"w","n":{"secretKey":123,"ok":true},"keys":[1,{"a":2}],"z":0}"#,
            #"{"user":"u","password":"[redacted 4 chars]","n":{"secretKey":"[redacted 3 chars]","ok":true},"keys":"[redacted 11 chars]","z":0}"#
        ),
        ("X-Token: abc def\nOther: 1", "X-Token: [redacted 7 chars]\nOther: 1"),
        (#"{"token":"unterminated"#, #"{"token":"[redacted 12 chars]"#),
        ("no secrets here: 1=2, key", "no secrets here: 1=2, key"),
        ("https://host/path", "https://host/path"),
    ])
    func freeText(input: String, expected: String) {
        var r = Redactor()
        #expect(r.text(input) == expected)
    }

    @Test func everyFunctionIsIdempotent() {
        let inputs = [
            "/cb?token=abc", #"{"password":"p","k":{"key":1}}"#, "http://u:p@h/", "key: value with spaces",
        ]
        for input in inputs {
            var first = Redactor()
            let once = first.text(input)
            var second = Redactor()
            #expect(second.text(once) == once, "\(input)")
            #expect(second.count == 0)
        }
        var r = Redactor()
        let cookie = r.headerValue(name: "Cookie", value: "a=b") ?? ""
        #expect(r.headerValue(name: "Cookie", value: cookie) == cookie)
        let auth = r.headerValue(name: "Authorization", value: "OSS abc") ?? ""
        #expect(r.headerValue(name: "Authorization", value: auth) == auth)
    }

    @Test func secretsFoundOnceAreRemovedWhereverTheyAreEchoed() {
        var r = Redactor()
        _ = r.headerValue(name: "Cookie", value: "sid=s3cr3t-value")
        #expect(
            r.echoes("<p>your session s3cr3t-value expired</p>") == "<p>your session [redacted 12 chars] expired</p>")
        #expect(r.echoes(Array("xs3cr3t-value".utf8)) == Array("x[redacted 12 chars]".utf8))
        // Short values are not hunted for everywhere (they would match ordinary text).
        var short = Redactor()
        _ = short.text("pin=123")
        #expect(short.echoes("status 123") == "status 123")
    }

    @Test func bytesNeedNotBeUTF8() {
        var r = Redactor()
        let input: [UInt8] = [0xFF, 0xFE] + Array("&token=abc&".utf8) + [0x80]
        #expect(r.bytes(input) == [0xFF, 0xFE] + Array("&token=[redacted 3 chars]&".utf8) + [0x80])
    }

    @Test func namesMatchCaseInsensitivelyBySubstring() {
        let policy = RedactionPolicy.standard
        for name in ["PASSWORD", "refresh_token", "x:apiKey", "client-secret", "AccessKeyId", "pass%77ord"] {
            #expect(policy.isSecretField(Array(name.utf8)), "\(name)")
        }
        for name in ["bucket", "object", "etag", "size", "mimeType", "user"] {
            #expect(!policy.isSecretField(Array(name.utf8)), "\(name)")
        }
        #expect(!policy.isSecretHeader("x-oss-pub-key-url"))
        #expect(policy.isSecretHeader("X-Auth-Token"))
    }
}
