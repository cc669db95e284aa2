import HTTP1
import Testing

@testable import UploadCallbacks

func multipart(_ fields: [(String, String)], file: Bool = true, boundary: String = "----b0undary") -> [UInt8] {
    var s = ""
    for (name, value) in fields {
        s += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
    }
    if file {
        s +=
            "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    }
    s += "--\(boundary)--\r\n"
    return Array(s.utf8)
}

@Suite struct PostObjectFormTests {
    let contentType = "multipart/form-data; boundary=----b0undary"

    @Test func readsCallbackAndVariableFields() throws {
        let cb = b64(#"{"callbackUrl":"http://a.example.com/cb","callbackBody":"o=${object}&u=${x:uid}"}"#)
        let body = multipart([("key", "up/a.txt"), ("policy", "e30="), ("callback", cb), ("x:uid", "42")])
        let r = try #require(
            UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": contentType], body: body, bodyComplete: true))
        #expect(r.location == .form)
        #expect(r.problems.isEmpty)
        #expect(r.configuration?.callbackBody == "o=${object}&u=${x:uid}")
        #expect(r.variables.map(\.name) == ["x:uid"])
        #expect(r.variables.map(\.value) == ["42"])
    }

    @Test func quotedBoundaryAndInvalidCallbackField() throws {
        let body = multipart([("callback", "%%%")], boundary: "xyz")
        let r = try #require(
            UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": "multipart/form-data; boundary=\"xyz\""], body: body,
                bodyComplete: true))
        #expect(r.problems.compactMap(\.rejection) == [.notBase64])
    }

    @Test func fieldBeyondTheKeptPrefixIsUnverifiable() throws {
        let cb = b64(#"{"callbackUrl":"http://a.example.com/cb","callbackBody":"a=b"}"#)
        let body = multipart([("x:uid", "1"), ("callback", cb)])
        let valueAt = try #require(OSSErrorDocument.find(Array(cb.utf8), in: body, from: 0))
        // Cut inside the callback value: the field is seen but cannot be decoded.
        let inside = Array(body.prefix(valueAt + 10))
        let r = try #require(
            UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": contentType], body: inside, bodyComplete: false))
        #expect(r.unverifiable?.contains("runs past") == true)
        #expect(r.configuration == nil)
        #expect(r.location == .form)
        // Cut after the x:uid field, before the callback field: a callback may be beyond.
        let nameAt = try #require(OSSErrorDocument.find(Array("name=\"callback\"".utf8), in: body, from: 0))
        let before = Array(body.prefix(nameAt - 30))
        let e = try #require(
            UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": contentType], body: before, bodyComplete: false))
        #expect(e.unverifiable?.contains("may be among them") == true)
        #expect(e.variables.map(\.name) == ["x:uid"])
        // The whole body: decoded.
        let whole = try #require(
            UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": contentType], body: body, bodyComplete: true))
        #expect(whole.unverifiable == nil)
        #expect(whole.configuration?.callbackBody == "a=b")
    }

    @Test func aCutCallbackFieldAlreadyOver5KBIsTooLong() throws {
        let body =
            Array("--b\r\nContent-Disposition: form-data; name=\"callback\"\r\n\r\n".utf8)
            + [UInt8](repeating: 0x41, count: 6000)
        let r = try #require(
            UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": "multipart/form-data; boundary=b"], body: body,
                bodyComplete: false))
        #expect(r.problems.compactMap(\.rejection) == [.callbackTooLong])
        #expect(r.unverifiable == nil)
    }

    @Test func formWithoutCallbackIsNotAnUpload() {
        let body = multipart([("key", "a")])
        #expect(
            UploadCallbackRequest.inspect(
                target: "/", headers: ["Content-Type": contentType], body: body, bodyComplete: true) == nil)
    }

    @Test func hostileMultipartIsBounded() {
        var body = Array("--b\r\n".utf8)
        for _ in 0..<10_000 { body += Array("Content-Disposition: form-data; name=\"x:a\"\r\n\r\nv\r\n--b\r\n".utf8) }
        let form = MultipartFormPrefix(body: body, boundary: "b")
        #expect(form.fields.count == MultipartFormPrefix.maxFields)
        #expect(MultipartFormPrefix.boundary(contentType: "text/plain; boundary=x") == nil)
        #expect(MultipartFormPrefix.boundary(contentType: "multipart/form-data") == nil)
    }
}

@Suite struct CallbackFailedTests {
    let goSample = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Error>
          <Code>CallbackFailed</Code>
          <Message>Error status : 301.</Message>
          <RequestId>5C3D9175B6FC201293AD****</RequestId>
          <HostId>bucket.oss-cn-hangzhou.aliyuncs.com</HostId>
          <EC>0007-00000203</EC>
          <RecommendDoc>https://api.aliyun.com/troubleshoot?q=0007-00000203</RecommendDoc>
        </Error>
        """

    @Test func parsesTheDocumentedShape() throws {
        let r = try #require(CallbackFailedResponse(status: 203, body: Array(goSample.utf8)))
        #expect(r.message == "Error status : 301.")
        #expect(r.ec == "0007-00000203")
        #expect(r.document.requestId == "5C3D9175B6FC201293AD****")
        #expect(r.meaning == .serverStatus(301))
        #expect(CallbackFailedResponse(status: 200, body: Array(goSample.utf8)) == nil)
    }

    @Test func withoutECAndEntityEscaped() throws {
        let xml =
            "<Error><Code>CallbackFailed</Code><Message>Response body is not valid json format. &lt;a&gt; &amp; &#65;&#x42; &quot;q&quot; &bogus;</Message></Error>"
        let r = try #require(CallbackFailedResponse(status: 203, body: Array(xml.utf8)))
        #expect(r.ec == nil)
        #expect(r.message == "Response body is not valid json format. <a> & AB \"q\" &bogus;")
        #expect(r.meaning == .bodyNotJSON)
    }

    @Test func otherCodesAreNotCallbackFailed() throws {
        let xml =
            "<Error><Code>InvalidArgument</Code><Message>Private address is forbidden to callback.</Message><ArgumentName>callback</ArgumentName><EC>0007-00000008</EC></Error>"
        #expect(CallbackFailedResponse(status: 203, body: Array(xml.utf8)) == nil)
        let doc = try #require(OSSErrorDocument.parse(Array(xml.utf8)))
        #expect(doc.code == "InvalidArgument")
        #expect(doc.argumentName == "callback")
        #expect(doc.ec == "0007-00000008")
    }

    @Test func hostileAndOversizedXML() {
        #expect(OSSErrorDocument.parse(Array("<Error><Message>x</Message></Error>".utf8)) == nil)
        #expect(OSSErrorDocument.parse(Array("not xml at all".utf8)) == nil)
        #expect(OSSErrorDocument.parse([UInt8](repeating: 0x3C, count: 100_000)) == nil)
        // An element past the input bound is not looked at; an over-long text is cut.
        let late =
            "<Error><Code>CallbackFailed</Code>" + String(repeating: " ", count: 20_000)
            + "<Message>m</Message></Error>"
        #expect(OSSErrorDocument.parse(Array(late.utf8))?.message == nil)
        let long =
            "<Error><Code>CallbackFailed</Code><Message>" + String(repeating: "A", count: 10_000) + "</Message></Error>"
        #expect(OSSErrorDocument.parse(Array(long.utf8))?.message?.count == OSSErrorDocument.maxTextBytes)
        let unclosed = "<Error><Code>CallbackFailed</Code><Message>never closed"
        #expect(OSSErrorDocument.parse(Array(unclosed.utf8))?.message == nil)
        let invalidUTF8: [UInt8] =
            Array("<Error><Code>CallbackFailed</Code><Message>".utf8) + [0xFF, 0xFE] + Array("</Message></Error>".utf8)
        #expect(OSSErrorDocument.parse(invalidUTF8)?.message == "\u{FFFD}\u{FFFD}")
    }

    @Test(arguments: [
        ("Error status : 400.", CallbackFailureMeaning.serverStatus(400)),
        ("error Status:400 .", .serverStatus(400)),
        ("ERROR  STATUS :  502.", .serverStatus(502)),
        ("Error status : -1. OSS can not connect to your callbackUrl, please check it.", .couldNotConnect),
        ("Error status : -1.OSS can not connect to your callbackUrl, please check it.", .couldNotConnect),
        ("Error Status : -1.OSS can not connect to your callbackUrl, please check it.", .couldNotConnect),
        ("Error status : -1 8.8.8.8:9090 reply timeout, cost:5000ms, timeout:5000ms (err -4, errno115)", .timeout),
        ("error status:-1 8.8.8.8: 9090 reply timeout, cost: 5000 MS, timeout: 5000 MS (Ernest-4, errno170)", .timeout),
        ("Error status : -1.", .networkError),
        ("Cost too long time.", .timeout),
        ("Error Status : 400.User server missing content-length.", .contentLength(.missing)),
        ("Error Status : 400.User server return invalid conent-length value.", .contentLength(.invalid)),
        ("Error Status : 400.User server return too long content-length value.", .contentLength(.tooLong)),
        ("Response body is not valid json format.", .bodyNotJSON),
        ("  response BODY is not valid JSON format. ", .bodyNotJSON),
        ("Too many callback requests.", .throttled),
        ("Get image info failed.", .imageInfoFailed),
        ("Callback to application server failed, please check your callbackUrl.", .genericFailure),
        ("Something new.", .unrecognised),
        ("Error status : abc.", .unrecognised),
    ])
    func meaning(_ message: String, _ expected: CallbackFailureMeaning) {
        #expect(CallbackFailureMeaning(message: message) == expected, "\(message)")
    }

    @Test func explanationsNameTheStatus() {
        #expect(CallbackFailureMeaning.serverStatus(405).explanation.contains("405"))
        #expect(CallbackFailureMeaning.serverStatus(502).explanation.contains("could not reach"))
    }
}

@Suite struct AddressParsingTests {
    @Test func ipv6Forms() {
        #expect(IPAddress.parseIPv6("::1")?.privateRange == "::1 (loopback)")
        #expect(IPAddress.parseIPv6("2001:db8::1")?.privateRange == nil)
        #expect(IPAddress.parseIPv6("1:2:3:4:5:6:7:8") != nil)
        #expect(IPAddress.parseIPv6("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress.parseIPv6("1::2::3") == nil)
        #expect(IPAddress.parseIPv6("fe80::1%eth0")?.privateRange == "fe80::/10 (link-local)")
        #expect(IPAddress.parseIPv6("::ffff:8.8.8.8")?.privateRange == nil)
        #expect(IPAddress.parseIPv4("1.2.3") == nil)
        #expect(IPAddress.parseIPv4("1.2.3.256") == nil)
        #expect(IPAddress.parseIPv4("010.1.1.1")?.privateRange != nil)
    }
}
