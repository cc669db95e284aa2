import CaptureModel
import HTTP1
import HTTPExchanges
import Testing
import UploadCallbacks

@testable import Diagnosis

/// The uploader's side: uploads to OSS with a callback parameter, and OSS's answers.
@Suite struct UploadRuleTests {
    static func b64(_ json: String) -> String { StrictBase64.encode(Array(json.utf8)) }

    static let goodCallback = b64(
        #"{"callbackUrl":"http://cb.example.com:9000/notify","callbackBody":"bucket=${bucket}&object=${object}"}"#)

    /// A PUT to OSS with `headers`, answered `status` with `responseBody`.
    static func upload(
        method: String = "PUT", target: String = "/photo.jpg", headers: HTTPHeaders,
        body: [UInt8] = Array("hello".utf8),
        status: Int, reason: String = "", responseBody: String = ""
    ) -> HTTPExchange {
        var exchange = ExchangeFactory.callback(
            status: status, reason: reason, headers: ["Content-Type": "application/xml"],
            body: Array(responseBody.utf8),
            requestHeaders: headers)
        exchange.request?.head.method = method
        exchange.request?.head.target = target
        exchange.request?.body = ExchangeFactory.summary(body)
        return exchange
    }

    static func xml(_ code: String, _ message: String, ec: String? = nil) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>\(code)</Code>\n  <Message>\(message)</Message>\n"
            + "  <RequestId>5C3D9175B6FC201293AD0000</RequestId>\n" + (ec.map { "  <EC>\($0)</EC>\n" } ?? "")
            + "</Error>\n"
    }

    @Test func callbackFailedAtOSSShowsMessageECAndMeaning() throws {
        let exchange = Self.upload(
            headers: ["Host": "b.oss-cn-hangzhou.aliyuncs.com", "x-oss-callback": Self.goodCallback], status: 203,
            responseBody: Self.xml("CallbackFailed", "Error status : 405.", ec: "0007-00000203"))
        let d = Diagnoser().diagnose(exchange)
        #expect(!d.isCallback)
        #expect(d.outcome == .notACallback)
        #expect(d.findings.map(\.rule) == [.callbackFailedAtOSS])
        let finding = try #require(d.findings.first)
        #expect(finding.severity == .error)
        #expect(finding.ossError == "Error status : 405.")
        #expect(finding.message.contains("answered HTTP 405"))
        #expect(finding.evidence.contains(Evidence("ec", "0007-00000203")))
        #expect(finding.evidence.contains(Evidence("meaning", "server-status")))
        #expect(finding.evidence.contains(Evidence("callbackUrl", "http://cb.example.com:9000/notify")))
        #expect(d.upload?.callback?.location == .header)
        #expect(d.upload?.callbackFailed?.ec == "0007-00000203")
    }

    @Test func a203WithoutAVisibleCallbackParameterIsStillRead() throws {
        // The request head carries no callback (e.g. an SDK set it in a part that was not captured).
        let exchange = Self.upload(
            headers: ["Host": "b.oss-cn-hangzhou.aliyuncs.com"], status: 203,
            responseBody: "<Error><Code>CallbackFailed</Code><Message>Cost too long time.</Message></Error>")
        let d = Diagnoser().diagnose(exchange)
        #expect(d.findings.map(\.rule) == [.callbackFailedAtOSS])
        #expect(d.upload?.callback == nil)
        #expect(d.upload?.callbackFailed?.meaning == .timeout)
        #expect(d.findings[0].evidence.contains { $0.key == "ec" } == false)
    }

    @Test func invalidConfigurationNamesOSSMessageAndWhatOSSAnswered() throws {
        let exchange = Self.upload(
            headers: ["x-oss-callback": "eyJjYWxsYmFja1VybCI6Imh0dHA6Ly9hLmV4YW1wbGUuY29tIn0"], status: 400,
            responseBody: Self.xml(
                "InvalidArgument", "The callback configuration is not base64 encoded.", ec: "0007-00000002"))
        let d = Diagnoser().diagnose(exchange)
        #expect(d.findings.map(\.rule) == [.callbackConfigInvalid])
        let f = d.findings[0]
        #expect(f.ossError == "The callback configuration is not base64 encoded.")
        #expect(f.message.contains("EC 0007-00000002"))
        #expect(f.evidence.contains(Evidence("location", "header")))
        #expect(
            f.evidence.contains(
                Evidence(
                    "ossAnswered",
                    "400 InvalidArgument: The callback configuration is not base64 encoded. (EC 0007-00000002)")))
        #expect(d.upload?.ossError?.code == "InvalidArgument")
        #expect(d.outcome == .notACallback)
        #expect(d.hasFinding(atLeast: .error))
    }

    @Test func privateAddressHasItsOwnRule() {
        let config = Self.b64(#"{"callbackUrl":"http://10.1.2.3/cb","callbackBody":"a=b"}"#)
        let d = Diagnoser().diagnose(Self.upload(headers: ["x-oss-callback": config], status: 400))
        #expect(d.findings.map(\.rule) == [.callbackPrivateAddress])
        #expect(d.findings[0].ossError == "Private address is forbidden to callback.")
        #expect(d.findings[0].message.contains("10.0.0.0/8"))
    }

    @Test func bothRulesAndWarningTogether() {
        let config = Self.b64(#"{"callbackUrl":"http://127.0.0.1/cb","callbackBody":""}"#)
        let d = Diagnoser().diagnose(
            Self.upload(
                headers: ["x-oss-callback": config, "x-oss-callback-var": Self.b64(#"{"uid":"1"}"#)], status: 400))
        #expect(d.findings.map(\.rule) == [.callbackConfigInvalid, .callbackPrivateAddress, .callbackConfigWarning])
        #expect(d.findings[0].ossError == "The callback body is empty.")
    }

    /// Issue #16 item 7: each finding's fix is about that finding, not the rule's general advice.
    @Test func eachFindingsFixIsAboutItsOwnProblems() throws {
        let config = Self.b64(#"{"callbackUrl":"http://127.0.0.1/cb","callbackBody":""}"#)
        let d = Diagnoser().diagnose(
            Self.upload(
                headers: ["x-oss-callback": config, "x-oss-callback-var": Self.b64(#"{"uid":"1"}"#)], status: 400))
        let hints = Dictionary(uniqueKeysWithValues: d.findings.map { ($0.rule, $0.hint) })
        #expect(hints[.callbackConfigInvalid] == CallbackRejection.emptyBody.fix)
        #expect(hints[.callbackPrivateAddress] == CallbackRejection.privateAddress.fix)
        #expect(
            hints[.callbackConfigWarning] == "Name the variable \"x:uid\", in callback-var and in callbackBody alike.")

        let base64 = Diagnoser().diagnose(Self.upload(headers: ["x-oss-callback": "eyJh*"], status: 400))
        #expect(base64.findings.map(\.hint) == [CallbackRejection.notBase64.fix])
    }

    /// Issue #16 item 7: an upload with only callback-var is told that, with its own fix, and
    /// its location is not given as a callback in a header.
    @Test func callbackVarOnlyUpload() throws {
        let d = Diagnoser().diagnose(
            Self.upload(
                headers: ["Host": "b.oss-cn-hangzhou.aliyuncs.com", "x-oss-callback-var": Self.b64(#"{"x:uid":"1"}"#)],
                status: 200))
        #expect(d.findings.map(\.rule) == [.callbackConfigWarning])
        let f = try #require(d.findings.first)
        #expect(f.message.contains("callback-var is given without a callback parameter"))
        #expect(f.hint.contains("Add the callback parameter"))
        #expect(!f.hint.contains("IPv4"))
        #expect(f.evidence == [Evidence("location", "none (callback-var in header)")])
    }

    /// Issue #16 item 7: application/json with a callbackBody that cannot become JSON is a
    /// warning that names the byte, whatever OSS answered.
    @Test func jsonTemplateThatCannotBecomeJSONIsAWarning() throws {
        let config = Self.b64(
            #"{"callbackUrl":"http://cb.example.com/n","callbackBody":"{\"object\":${object},\"size\":${size}","callbackBodyType":"application/json"}"#
        )
        let d = Diagnoser().diagnose(Self.upload(headers: ["x-oss-callback": config], status: 200))
        #expect(d.findings.map(\.rule) == [.callbackConfigWarning])
        let f = try #require(d.findings.first)
        #expect(f.severity == .warning)
        #expect(f.message.contains("callbackBody cannot become JSON"))
        #expect(f.message.contains("the template ends at byte 34"))
        #expect(f.hint.contains("bare value"))
        #expect(d.upload?.callback?.predictedRejection == nil)
    }

    @Test func unpredictedInvalidArgumentStillReported() {
        let d = Diagnoser().diagnose(
            Self.upload(
                headers: ["x-oss-callback": Self.goodCallback], status: 400,
                responseBody: Self.xml("InvalidArgument", "The callback host configuration is invalid.")))
        #expect(d.findings.map(\.rule) == [.callbackConfigInvalid])
        #expect(d.findings[0].message.contains("did not predict"))
    }

    @Test func validUploadAnswered200HasNoFindings() {
        let d = Diagnoser().diagnose(
            Self.upload(headers: ["x-oss-callback": Self.goodCallback], status: 200, responseBody: #"{"Status":"OK"}"#))
        #expect(d.findings.isEmpty)
        #expect(d.upload?.callback?.problems.isEmpty == true)
        #expect(d.outcome == .notACallback)
    }

    @Test func postObjectFormAndCutForm() {
        let cb = Self.b64(#"{"callbackUrl":"http://cb.example.com/n","callbackBody":"o=${object}"}"#)
        let form =
            "--B\r\nContent-Disposition: form-data; name=\"x:uid\"\r\n\r\n7\r\n--B\r\nContent-Disposition: form-data; name=\"callback\"\r\n\r\n\(cb)\r\n--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\nx\r\n--B--\r\n"
        let headers: HTTPHeaders = ["Content-Type": "multipart/form-data; boundary=B"]
        let whole = Diagnoser().diagnose(
            Self.upload(method: "POST", target: "/", headers: headers, body: Array(form.utf8), status: 204))
        #expect(whole.upload?.callback?.location == .form)
        #expect(whole.findings.isEmpty)
        var cut = Self.upload(
            method: "POST", target: "/", headers: headers, body: Array(form.utf8.prefix(80)), status: 204)
        cut.request?.body.previewTruncated = true
        let d = Diagnoser().diagnose(cut)
        #expect(d.findings.map(\.rule) == [.callbackConfigUnverifiable])
        #expect(d.findings[0].severity == .info)
    }

    @Test func ordinaryRequestsAreNotUploads() {
        let d = Diagnoser().diagnose(Self.upload(target: "/x?callbackish=1", headers: ["Host": "a"], status: 200))
        #expect(d.upload == nil)
        #expect(d.findings.isEmpty)
    }

    @Test func catalogueHasTheNewRules() {
        for id in [
            RuleID.callbackConfigInvalid, .callbackPrivateAddress, .callbackFailedAtOSS, .callbackConfigWarning,
            .callbackConfigUnverifiable,
        ] {
            #expect(RuleCatalog.all.contains { $0.id == id })
        }
        #expect(RuleCatalog.rule(.callbackPrivateAddress).ossError?.contains("0007-00000008") == true)
    }
}

@Suite struct OSSEndpointTests {
    @Test func hostDecidesWhetherACutPOSTCanBeACallback() {
        func head(_ host: String) -> HTTPRequestHead {
            HTTPRequestHead(method: "POST", target: "/", version: .http11, headers: ["Host": host])
        }
        #expect(UploadDiagnosis.isOSSEndpoint(head("bucket.oss-cn-hangzhou.aliyuncs.com")))
        #expect(UploadDiagnosis.isOSSEndpoint(head("Bucket.OSS-cn-hangzhou.aliyuncs.com:443")))
        #expect(UploadDiagnosis.isOSSEndpoint(head("oss-cn-hangzhou.aliyuncs.com.")))
        #expect(!UploadDiagnosis.isOSSEndpoint(head("callback.example.com")))
        #expect(!UploadDiagnosis.isOSSEndpoint(head("evilaliyuncs.com")))
        #expect(!UploadDiagnosis.isOSSEndpoint(head("[::1]:9000")))
    }
}
