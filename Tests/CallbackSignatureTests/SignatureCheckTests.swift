import CallbackSignature
import Testing

/// Known vectors (`../shared/reference/oss-callback-facts.md` §3): the documented example and a
/// real OSS signature, both verified with `openssl dgst -md5 -verify` against OSS's key.
enum Vectors {
    /// The documentation's worked example: `POST /index.php?id=1&index=2`, body `bucket=yonghu-test`.
    static let docTarget = "/index.php?id=1&index=2"
    static let docBody = Array("bucket=yonghu-test".utf8)
    static let docSignature = "kKQeGTRccDKyHB3H9vF+xYMSrmhMZjzzl2/kdD1ktNVgbWEfYTQG0G2SU/RaHBovRCE8OkQDjC3uG33esH2txA=="
    /// A real callback from aliyun-oss-python-sdk issue #272: no query string.
    static let issueTarget = "/api/File/15/upload_notify/"
    static let issueBody = Array(
        "filename=zmaplex%2F20210407_14%3A31%3A41_286180%2F20200130021612_pnfqp.jpg&size=112595".utf8)
    static let issueSignature =
        "aMYUW1arI/qpU7cp/DCGXS56iFJPxwe7K3QIFVvbtSgiE6vwuu4/HuBxyDDX5IKU8vSJg/BI956SzVsRQt969g=="
    /// base64("http://gosspublic.alicdn.com/callback_pub_key_v1.pem")
    static let ossKeyURL = base64("http://gosspublic.alicdn.com/callback_pub_key_v1.pem")

    static func base64(_ text: String) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let bytes = Array(text.utf8)
        var out = ""
        var i = 0
        while i < bytes.count {
            let chunk = Array(bytes[i..<min(i + 3, bytes.count)])
            let n =
                UInt32(chunk[0]) << 16 | UInt32(chunk.count > 1 ? chunk[1] : 0) << 8
                | UInt32(chunk.count > 2 ? chunk[2] : 0)
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(chunk.count > 1 ? alphabet[Int(n >> 6 & 63)] : "=")
            out.append(chunk.count > 2 ? alphabet[Int(n & 63)] : "=")
            i += 3
        }
        return out
    }

    /// Runs a whole check, feeding the body in pieces of `piece` bytes.
    static func verdict(
        target: String, body: [UInt8], authorization: String?, keyURL: String? = ossKeyURL,
        keys: SignatureKeys = .ossOnly, piece: Int = 5
    ) -> SignatureVerdict {
        var check = SignatureCheck(target: target, authorization: authorization, publicKeyURL: keyURL, keys: keys)
        var i = 0
        while i < body.count {
            check.feed(body[i..<min(i + piece, body.count)])
            i += piece
        }
        return check.finish()
    }
}

@Suite struct SignatureCheckTests {
    @Test func theDocumentedExampleVerifiesWithTheBuiltInKey() {
        let v = Vectors.verdict(target: Vectors.docTarget, body: Vectors.docBody, authorization: Vectors.docSignature)
        #expect(v.status == .valid, "\(v.reason)")
        #expect(v.verifiedWith == CallbackPublicKey.oss.label)
        #expect(v.keyURL?.trusted == true)
        #expect(v.keyURL?.url == "http://gosspublic.alicdn.com/callback_pub_key_v1.pem")
    }

    @Test func theRealSignatureOfIssue272VerifiesWithoutAQuery() {
        let v = Vectors.verdict(
            target: Vectors.issueTarget, body: Vectors.issueBody, authorization: Vectors.issueSignature)
        #expect(v.status == .valid, "\(v.reason)")
    }

    @Test(arguments: [1, 2, 7, 1000])
    func howTheBodyIsSplitDoesNotMatter(piece: Int) {
        let v = Vectors.verdict(
            target: Vectors.docTarget, body: Vectors.docBody, authorization: Vectors.docSignature, piece: piece)
        #expect(v.status == .valid)
    }

    @Test func everySingleChangedBodyByteMakesItInvalid() {
        for offset in Vectors.docBody.indices {
            var body = Vectors.docBody
            body[offset] ^= 0x01
            let v = Vectors.verdict(target: Vectors.docTarget, body: body, authorization: Vectors.docSignature)
            #expect(v.status == .invalid, "byte \(offset)")
        }
        let v = Vectors.verdict(
            target: Vectors.docTarget, body: Vectors.docBody + [0x0A], authorization: Vectors.docSignature)
        #expect(v.status == .invalid)
        #expect(v.reason.contains("64-byte signature"), "\(v.reason)")
    }

    @Test func aChangedPathOrQueryMakesItInvalid() {
        for target in [
            "/index.php?id=1&index=3", "/app/index.php?id=1&index=2", "/index.php", "/index.php?id=1&index=2&x",
        ] {
            let v = Vectors.verdict(target: target, body: Vectors.docBody, authorization: Vectors.docSignature)
            #expect(v.status == .invalid, "\(target)")
        }
    }

    @Test func noQueryMeansNoQuestionMark() throws {
        #expect(try StringToSign.prefix(forTarget: "/api/x").get() == Array("/api/x\n".utf8))
        #expect(try StringToSign.prefix(forTarget: "/api/x?").get() == Array("/api/x\n".utf8))
        #expect(try StringToSign.prefix(forTarget: "/a?b=1").get() == Array("/a?b=1\n".utf8))
        // Issue #272's signature only verifies over `path\nbody`: with a `?` it would not.
        let v = Vectors.verdict(
            target: Vectors.issueTarget + "?", body: Vectors.issueBody, authorization: Vectors.issueSignature)
        #expect(v.status == .valid)
    }

    @Test func thePathIsPercentDecodedToBytesAndTheQueryKeptRaw() throws {
        // 回调 = E5 9B 9E E8 B0 83 in UTF-8.
        let prefix = try StringToSign.prefix(forTarget: "/oss/%E5%9B%9E%E8%B0%83.php?name=%E5%9B%9E&x=a+b").get()
        #expect(prefix == Array("/oss/回调.php?name=%E5%9B%9E&x=a+b\n".utf8))
        #expect(try StringToSign.prefix(forTarget: "/a%2Fb%20c+d%7e").get() == Array("/a/b c+d~\n".utf8))
        // A decoded byte that is not UTF-8 stays a byte.
        #expect(try StringToSign.prefix(forTarget: "/%FF%00").get() == [0x2F, 0xFF, 0x00, 0x0A])
    }

    @Test func malformedPercentEscapesAndOtherTargetsAreUnverifiable() {
        for (target, offset) in [("/a%zz", 2), ("/a%4", 2), ("/%", 1), ("/ok%41/%G1", 7)] {
            #expect(
                StringToSign.prefix(forTarget: target) == .failure(.malformedPercentEscape(offset: offset)), "\(target)"
            )
            let v = Vectors.verdict(target: target, body: Vectors.docBody, authorization: Vectors.docSignature)
            #expect(v.status == .unverifiable)
            #expect(v.reason.contains("percent-escape"), "\(v.reason)")
        }
        let absolute = Vectors.verdict(
            target: "http://example.com/index.php", body: [], authorization: Vectors.docSignature)
        #expect(absolute.status == .unverifiable)
        #expect(absolute.reason.contains("origin-form"))
    }

    @Test func anAuthorizationThatIsNotBase64IsInvalidWithTheReason() {
        let cases: [(String, String)] = [
            ("", "empty"), ("abc", "multiple of 4"), ("ab c", "byte 2"), ("a=bc", "byte 1"), ("abc=d===", "byte 3"),
            (Vectors.docSignature.replacingFirst("+", with: "-"), "not in the base64 alphabet"),
        ]
        for (authorization, why) in cases {
            let v = Vectors.verdict(target: Vectors.docTarget, body: Vectors.docBody, authorization: authorization)
            #expect(v.status == .invalid, "\(authorization)")
            #expect(
                v.reason.contains("not a base64 signature") && v.reason.contains(why), "\(authorization): \(v.reason)")
        }
    }

    @Test func missingHeadersGiveMissing() {
        let noAuthorization = Vectors.verdict(target: "/cb", body: [], authorization: nil)
        #expect(noAuthorization.status == .missing)
        #expect(noAuthorization.reason.contains("no authorization header"))
        let neither = Vectors.verdict(target: "/cb", body: [], authorization: nil, keyURL: nil)
        #expect(neither.status == .missing)
        #expect(neither.reason.contains("authorization and x-oss-pub-key-url"))
        #expect(neither.keyURL == nil)
    }

    @Test func bytesNotCapturedAreNeverJudged() {
        var check = SignatureCheck(
            target: Vectors.docTarget, authorization: Vectors.docSignature, publicKeyURL: Vectors.ossKeyURL,
            keys: .ossOnly)
        check.feed(Vectors.docBody[0..<6])
        check.markUnverifiable("7 body bytes are missing from the capture.")
        check.feed(Vectors.docBody[6...])
        check.markUnverifiable("a second reason")
        let v = check.finish()
        #expect(v.status == .unverifiable)
        #expect(v.reason == "7 body bytes are missing from the capture.")
        // An invalid or missing signature stays what it is: no bytes could make it valid.
        var garbage = SignatureCheck(
            target: "/", authorization: "!!!!", publicKeyURL: Vectors.ossKeyURL, keys: .ossOnly)
        garbage.markUnverifiable("gap")
        #expect(garbage.finish().status == .invalid)
    }

    @Test func base64WithoutPaddingOrWithPaddingInsideIsRefused() {
        let v = Vectors.verdict(
            target: Vectors.docTarget, body: Vectors.docBody, authorization: String(Vectors.docSignature.dropLast(2)))
        #expect(v.status == .invalid)
    }
}

extension String {
    fileprivate func replacingFirst(_ old: Character, with new: Character) -> String {
        guard let i = firstIndex(of: old) else { return self }
        var copy = self
        copy.replaceSubrange(i...i, with: String(new))
        return copy
    }
}
