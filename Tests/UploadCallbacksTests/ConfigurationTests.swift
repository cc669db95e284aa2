import HTTP1
import Testing

@testable import UploadCallbacks

/// The Base64 of `json` (standard alphabet, padded).
func b64(_ json: String) -> String { StrictBase64.encode(Array(json.utf8)) }

/// Inspects a PUT with `x-oss-callback: b64(json)`.
func inspectHeader(_ json: String, vars: String? = nil) -> UploadCallbackRequest {
    var headers: HTTPHeaders = ["Host": "bucket.oss-cn-hangzhou.aliyuncs.com", "x-oss-callback": b64(json)]
    if let vars { headers.append(name: "x-oss-callback-var", value: b64(vars)) }
    return UploadCallbackRequest.inspect(target: "/object.jpg", headers: headers, body: [], bodyComplete: true)!
}

func rejections(_ r: UploadCallbackRequest) -> [CallbackRejection] { r.problems.compactMap(\.rejection) }

let validBody = #""callbackBody":"bucket=${bucket}&object=${object}""#
/// OSS's documented JSON template: variables bare, OSS adds the quotes.
let validJSONBody = #""callbackBody":"{\"bucket\":${bucket},\"object\":${object}}""#

@Suite struct Base64Tests {
    @Test func decodesStandardAlphabetWithPadding() throws {
        #expect(try StrictBase64.decode(Array("TWFu".utf8), limit: 100).get() == Array("Man".utf8))
        #expect(try StrictBase64.decode(Array("TWE=".utf8), limit: 100).get() == Array("Ma".utf8))
        #expect(try StrictBase64.decode(Array("TQ==".utf8), limit: 100).get() == Array("M".utf8))
        #expect(try StrictBase64.decode(Array("+/+/".utf8), limit: 100).get() == [0xFB, 0xFF, 0xBF])
    }

    @Test func rejectsMissingPaddingUrlSafeWhitespaceAndMisplacedPadding() {
        #expect(StrictBase64.decode(Array("TWE".utf8), limit: 100) == .failure(.badLength(3)))
        #expect(StrictBase64.decode(Array("-_-_".utf8), limit: 100) == .failure(.urlSafeAlphabet(offset: 0)))
        #expect(
            StrictBase64.decode(Array("TW E".utf8), limit: 100) == .failure(.invalidCharacter(byte: 0x20, offset: 2)))
        #expect(StrictBase64.decode(Array("T=Fu".utf8), limit: 100) == .failure(.misplacedPadding(offset: 1)))
        #expect(StrictBase64.decode(Array("TQ===".utf8), limit: 100) == .failure(.badLength(5)))
        #expect(StrictBase64.decode(Array("T===".utf8), limit: 100) == .failure(.misplacedPadding(offset: 1)))
        #expect(StrictBase64.decode([UInt8](), limit: 100) == .failure(.empty))
    }

    @Test func isBoundedAndRoundTrips() throws {
        let long = [UInt8](repeating: UInt8(ascii: "A"), count: 10_000)
        #expect(StrictBase64.decode(long, limit: 5120) == .failure(.tooLong(length: 10_000, limit: 5120)))
        for n in 1..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(try StrictBase64.decode(Array(StrictBase64.encode(bytes).utf8), limit: 100).get() == bytes)
        }
    }
}

@Suite struct ConfigurationTests {
    @Test func decodesAValidHeaderConfiguration() throws {
        let r = inspectHeader(
            #"{"callbackUrl":"http://oss-demo.example.com:23450/cb?x=1;https://b.example.com","callbackHost":"oss-demo.example.com","#
                + validJSONBody + #","callbackBodyType":"application/json","callbackSNI":true}"#,
            vars: #"{"x:uid":"42"}"#)
        #expect(r.location == .header)
        #expect(r.problems.isEmpty)
        let config = try #require(r.configuration)
        #expect(config.callbackURLs == ["http://oss-demo.example.com:23450/cb?x=1", "https://b.example.com"])
        #expect(config.callbackHost == "oss-demo.example.com")
        #expect(config.callbackBody == #"{"bucket":${bucket},"object":${object}}"#)
        #expect(config.callbackBodyType == "application/json")
        #expect(config.callbackSNI == true)
        #expect(r.variables.map(\.name) == ["x:uid"])
        #expect(r.variables.map(\.value) == ["42"])
    }

    @Test func noCallbackParameterMeansNotAnUpload() {
        #expect(
            UploadCallbackRequest.inspect(target: "/a?uploadId=1", headers: ["Host": "x"], body: [], bodyComplete: true)
                == nil)
    }

    @Test func notBase64() {
        let r = UploadCallbackRequest.inspect(
            target: "/o", headers: ["x-oss-callback": "{\"callbackUrl\":\"x\"}"], body: [], bodyComplete: true)!
        #expect(rejections(r) == [.notBase64])
        #expect(r.problems[0].ec == "0007-00000002")
        #expect(r.problems[0].ossMessage == "The callback configuration is not base64 encoded.")
    }

    @Test func notJSONAndNotAnObject() {
        #expect(rejections(inspectHeader("callbackUrl=http://a.example.com")) == [.notJSON])
        #expect(rejections(inspectHeader("[1,2]")) == [.notJSON])
        #expect(rejections(inspectHeader(#"{"callbackUrl":"http://a.example.com","#)) == [.notJSON])
    }

    @Test func urlSyntax() {
        for bad in [
            "10.101.166.30:test", "ftp://a.example.com/x", "http://", "http://a b.example.com/",
            "http://a.example.com:70000/", "http://[zz::1]/",
        ] {
            let r = inspectHeader(#"{"callbackUrl":"\#(bad)",\#(validBody)}"#)
            #expect(rejections(r) == [.invalidURL], "\(bad)")
            #expect(r.problems.first?.ec == "0007-00000004")
        }
        for good in [
            "121.43.113.8:23456/index.html", "http://example.com/%E4%B8%AD%E6%96%87.php?key=value",
            "HTTPS://a.example.com",
        ] {
            #expect(rejections(inspectHeader(#"{"callbackUrl":"\#(good)",\#(validBody)}"#)).isEmpty, "\(good)")
        }
        #expect(rejections(inspectHeader(#"{\#(validBody)}"#)) == [.invalidURL])
        #expect(rejections(inspectHeader(#"{"callbackUrl":5,\#(validBody)}"#)) == [.invalidURL])
    }

    @Test func atMostFiveURLs() {
        let five = (1...5).map { "http://h\($0).example.com/" }.joined(separator: ";")
        #expect(rejections(inspectHeader(#"{"callbackUrl":"\#(five)",\#(validBody)}"#)).isEmpty)
        let six = five + ";http://h6.example.com/"
        let r = inspectHeader(#"{"callbackUrl":"\#(six)",\#(validBody)}"#)
        #expect(rejections(r) == [.tooManyURLs])
        #expect(r.problems[0].ec == "0007-00000005")
        #expect(r.problems[0].ossMessage == "The number of callback url exceed max value.")
    }

    @Test(arguments: [
        "10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "192.168.1.10", "127.0.0.1", "127.8.9.10",
        "169.254.169.254",
        "0.0.0.0", "[::1]", "[fc00::1]", "[fd12:3456::1]", "[fe80::1%25eth0]", "[::ffff:192.168.0.1]", "[::]",
        "localhost",
    ])
    func privateAddresses(_ host: String) {
        let r = inspectHeader(#"{"callbackUrl":"http://\#(host):8080/cb",\#(validBody)}"#)
        #expect(rejections(r) == [.privateAddress], "\(host)")
        #expect(r.problems.first?.ec == "0007-00000008")
        #expect(r.problems.first?.ossMessage == "Private address is forbidden to callback.")
    }

    @Test(arguments: ["172.15.0.1", "172.32.0.1", "11.0.0.1", "192.169.0.1", "8.8.8.8", "121.43.113.8", "128.0.0.1"])
    func publicAddresses(_ host: String) {
        #expect(rejections(inspectHeader(#"{"callbackUrl":"http://\#(host)/cb",\#(validBody)}"#)).isEmpty, "\(host)")
    }

    @Test func publicIPv6IsANoteNotARejection() {
        let r = inspectHeader(#"{"callbackUrl":"http://[2001:db8::1]:9000/cb",\#(validBody)}"#)
        #expect(rejections(r).isEmpty)
        #expect(r.problems.count == 1)
        #expect(r.problems[0].detail.contains("IPv6"))
    }

    @Test func fiveKilobyteLimits() {
        // Exactly 5120 Base64 bytes pass the length check; 5124 do not.
        let pad = String(repeating: "a", count: 3783)
        let json = #"{"callbackUrl":"http://a.example.com/","callbackBody":"\#(pad)"}"#
        #expect(b64(json).utf8.count == 5120)
        #expect(rejections(inspectHeader(json)).isEmpty)
        let over = #"{"callbackUrl":"http://a.example.com/","callbackBody":"\#(pad)abc"}"#
        let r = inspectHeader(over)
        #expect(rejections(r) == [.callbackTooLong])
        #expect(r.configuration == nil)
        let bigVars = #"{"x:a":"\#(String(repeating: "v", count: 4000))"}"#
        let v = inspectHeader(#"{"callbackUrl":"http://a.example.com/",\#(validBody)}"#, vars: bigVars)
        #expect(rejections(v) == [.varTooLong])
        #expect(v.problems[0].ec == "0007-00000101")
    }

    @Test func emptyOrInvalidBody() {
        let empty = inspectHeader(#"{"callbackUrl":"http://a.example.com/","callbackBody":""}"#)
        #expect(rejections(empty) == [.emptyBody])
        #expect(empty.problems[0].ec == "0007-00000011")
        #expect(rejections(inspectHeader(#"{"callbackUrl":"http://a.example.com/"}"#)) == [.emptyBody])
        #expect(
            rejections(inspectHeader(#"{"callbackUrl":"http://a.example.com/","callbackBody":{"a":1}}"#)) == [
                .invalidBody
            ])
    }

    @Test func bodyTypeSNIHostAndSignatureVersion() {
        let base = #""callbackUrl":"http://a.example.com/",\#(validBody)"#
        #expect(rejections(inspectHeader(#"{\#(base),"callbackBodyType":"text/plain"}"#)) == [.invalidBodyType])
        #expect(rejections(inspectHeader(#"{\#(base),"callbackBodyType":"application/json; charset=utf-8"}"#)).isEmpty)
        let sni = inspectHeader(#"{\#(base),"callbackSNI":"true"}"#)
        #expect(rejections(sni) == [.invalidSNI])
        #expect(sni.problems[0].ossMessage == "The callback sni is invalid.")
        #expect(sni.problems[0].detail.contains("the string \"true\""))
        #expect(inspectHeader(#"{\#(base),"callbackSNI":false}"#).configuration?.callbackSNI == false)
        #expect(rejections(inspectHeader(#"{\#(base),"callbackHost":"bad host!"}"#)) == [.invalidHost])
        #expect(rejections(inspectHeader(#"{\#(base),"callbackHost":"cb.example.com"}"#)).isEmpty)
        #expect(rejections(inspectHeader(#"{\#(base),"signatureVersion":"3.0"}"#)) == [.invalidSignatureVersion])
        #expect(rejections(inspectHeader(#"{\#(base),"signatureVersion":"2.0"}"#)).isEmpty)
    }

    @Test func variables() {
        let base = #"{"callbackUrl":"http://a.example.com/",\#(validBody)}"#
        #expect(rejections(inspectHeader(base, vars: "not json")) == [.varNotJSON])
        #expect(
            inspectHeader(base, vars: "not json").problems[0].ossMessage == "The callback var is not expecten json.")
        #expect(rejections(inspectHeader(base, vars: #"{"x:n":5}"#)) == [.varNotJSON])
        let upper = inspectHeader(base, vars: #"{"x:Name":"v"}"#)
        #expect(rejections(upper).isEmpty)
        #expect(upper.problems.count == 1)
    }

    /// Issue #16 item 7: the note says which part of the naming rule the name breaks, and its fix
    /// names the variable to use.
    @Test func variableNameNotesSayWhatIsWrong() throws {
        let base = #"{"callbackUrl":"http://a.example.com/",\#(validBody)}"#
        let cases: [(name: String, wrong: String, right: String)] = [
            ("x:MyVar", "has upper-case letters", "x:myvar"),
            ("uid", "does not start with x:", "x:uid"),
            ("X:UID", "does not start with x: and has upper-case letters", "x:uid"),
        ]
        for c in cases {
            let r = inspectHeader(base, vars: #"{"\#(c.name)":"v"}"#)
            let note = try #require(r.problems.first, "\(c.name)")
            #expect(note.rejection == nil)
            #expect(note.detail.hasPrefix("variable \"\(c.name)\" \(c.wrong);"), "\(note.detail)")
            #expect(note.fix == "Name the variable \"\(c.right)\", in callback-var and in callbackBody alike.")
        }
        #expect(!inspectHeader(base, vars: #"{"x:my_var2":"v"}"#).problems.contains { $0.detail.contains("variable") })
        // "x:MyVar" does start with x:, so the note must not say it should.
        #expect(!inspectHeader(base, vars: #"{"x:MyVar":"v"}"#).problems[0].detail.contains("start"))
    }

    /// Issue #16 item 7: an upload with callback-var only gets a note about that, with a fix
    /// about that, and says where the variables were.
    @Test func callbackVarOnly() throws {
        let r = try #require(
            UploadCallbackRequest.inspect(
                target: "/o", headers: ["x-oss-callback-var": b64(#"{"x:uid":"1"}"#)], body: [], bodyComplete: true))
        #expect(r.locations.isEmpty)
        #expect(r.variableLocations == [.header])
        #expect(r.configuration == nil)
        #expect(r.problems.count == 1)
        #expect(r.problems[0].detail.contains("without a callback parameter"))
        #expect(r.problems[0].fix.contains("x-oss-callback"))
        #expect(!r.problems[0].fix.contains("IPv4"))
    }

    /// Every rejection has its own fix.
    @Test func everyRejectionHasItsOwnFix() {
        let fixes = CallbackRejection.allCases.map(\.fix)
        #expect(!fixes.contains { $0.isEmpty })
        #expect(Set(fixes).count == fixes.count)
        #expect(CallbackProblem(.notBase64, "x").fix.contains("Base64"))
    }

    /// Issue #16 item 7: `application/json` with a template that cannot become JSON is a note
    /// naming the byte; the same template as a form body is fine; OSS's own forms pass.
    @Test func jsonTemplateThatCannotBecomeJSON() throws {
        func inspect(_ template: String, type: String = "application/json") -> UploadCallbackRequest {
            let escaped = template.replacingOccurrences(of: "\"", with: "\\\"")
            return inspectHeader(
                #"{"callbackUrl":"http://a.example.com/","callbackBody":"\#(escaped)","callbackBodyType":"\#(type)"}"#)
        }
        let broken = inspect(#"{"object":${object},"size":${size}"#)
        #expect(rejections(broken).isEmpty)
        let note = try #require(broken.problems.first)
        #expect(
            note.detail.contains("the template ends at byte 34 before the JSON value is complete"), "\(note.detail)")
        #expect(note.fix.contains(#"{"object":${object},"size":${size}}"#))
        let stray = try #require(inspect(#"{"object":${object};"size":${size}}"#).problems.first)
        #expect(
            stray.detail.contains("byte 19 (';') is unexpected where ',' or '}' should follow an object member"),
            "\(stray.detail)")
        #expect(
            inspect(#"{"object":${object},"size":${size}"#, type: "application/x-www-form-urlencoded").problems.isEmpty)
        #expect(
            inspect(#"{"object":${object},"size":${size}"#, type: "application/json; charset=utf-8").problems.count == 1
        )
        #expect(inspect(#"{"mimeType":${mimeType},"size":${size}}"#).problems.isEmpty)
        #expect(inspect(#"{"object":"${object}","u":"${x:uid}"}"#).problems.isEmpty)
        let form = try #require(inspect("bucket=${bucket}&object=${object}").problems.first)
        #expect(form.detail.contains("byte 0 ('b') is unexpected where a value should start"), "\(form.detail)")
    }

    @Test func headerAndQueryBoth() {
        let cb = b64(#"{"callbackUrl":"http://a.example.com/",\#(validBody)}"#)
        let escaped = cb.replacingOccurrences(of: "+", with: "%2B").replacingOccurrences(of: "/", with: "%2F")
            .replacingOccurrences(of: "=", with: "%3D")
        let r = UploadCallbackRequest.inspect(
            target: "/o?callback=\(escaped)&callback-var=\(b64(#"{"x:a":"1"}"#))",
            headers: ["x-oss-callback": cb, "x-oss-callback-var": b64(#"{"x:a":"1"}"#)],
            body: [], bodyComplete: true)!
        #expect(r.locations == [.header, .query])
        #expect(rejections(r) == [.bothCallbackPlaces, .bothVarPlaces])
        #expect(r.problems[0].ec == "0007-00000027")
        let queryOnly = UploadCallbackRequest.inspect(
            target: "/o?uploadId=9&callback=\(escaped)", headers: [:], body: [], bodyComplete: true)!
        #expect(queryOnly.location == .query)
        #expect(queryOnly.problems.isEmpty)
        #expect(queryOnly.configuration?.callbackURLs == ["http://a.example.com/"])
    }
}

extension String {
    func replacingOccurrences(of a: String, with b: String) -> String {
        split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b)
    }
}
