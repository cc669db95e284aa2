import CallbackSignature
import CaptureModel
import HTTP1
import HTTPExchanges
import TCPReassembly
import Testing

@testable import Diagnosis

/// The four authenticity rules, on exchanges built in code with a given signature verdict.
@Suite struct SignatureRuleTests {
    static let ossKeyURL = KeyURL(url: "https://gosspublic.alicdn.com/callback_pub_key_v1.pem")
    static let valid = SignatureVerdict(
        status: .valid, keyURL: ossKeyURL, reason: "The signature verifies with OSS's published key.",
        verifiedWith: "OSS's published key")
    static let invalid = SignatureVerdict(
        status: .invalid, keyURL: ossKeyURL, reason: "The 64-byte signature verifies with none of the keys.")

    static func exchange(status: Int, signature: SignatureVerdict?) -> HTTPExchange {
        var e = ExchangeFactory.callback(status: status, reason: status == 200 ? "OK" : "Status")
        e.request?.signature = signature
        return e
    }

    static func rules(_ e: HTTPExchange) -> [RuleID] { Diagnoser().diagnose(e).findings.map(\.rule) }

    @Test func aValidSignatureAnswered200GivesNothing() {
        let d = Diagnoser().diagnose(Self.exchange(status: 200, signature: Self.valid))
        #expect(d.findings.isEmpty)
        #expect(d.outcome == .passed)
    }

    @Test func anInvalidSignatureAnswered200IsAForgeryAccepted() {
        let d = Diagnoser().diagnose(Self.exchange(status: 200, signature: Self.invalid))
        #expect(d.findings.map(\.rule) == [.signatureInvalid, .forgedCallbackAccepted])
        #expect(d.findings.map(\.severity) == [.warning, .error])
        #expect(d.findings.allSatisfy { $0.ossError == nil })
        #expect(d.findings[0].message.contains("64-byte signature"))
        // OSS's checks on the answer passed: the outcome is not a failure.
        #expect(d.outcome == .passed)
        #expect(d.hasFinding(atLeast: .error))
    }

    @Test(arguments: [400, 401, 403, 404, 500])
    func anInvalidSignatureRejectedIsWhatAServerShouldDo(status: Int) {
        #expect(Self.rules(Self.exchange(status: status, signature: Self.invalid)) == [.badStatus, .signatureInvalid])
    }

    @Test(arguments: [(400, true), (401, true), (403, true), (404, false), (405, false), (500, false), (502, false)])
    func aValidSignatureRejectedIsAVerificationBug(status: Int, fires: Bool) {
        let d = Diagnoser().diagnose(Self.exchange(status: status, signature: Self.valid))
        #expect(d.findings.map(\.rule) == (fires ? [.badStatus, .genuineCallbackRejected] : [.badStatus]))
        #expect(d.outcome == .failed(ossMessage: "Error status : \(status)."), "bad-status still decides what OSS said")
        if fires {
            #expect(d.findings[1].evidence.contains(Evidence("verifiedWith", "OSS's published key")))
        }
    }

    @Test func anUntrustedKeyURLIsAnErrorWhateverTheSignature() {
        let forgedURL = KeyURL(url: "https://gosspublic.alicdn.com.evil.com/key.pem")
        for base in [Self.valid, Self.invalid] {
            var signature = base
            signature.keyURL = forgedURL
            let d = Diagnoser().diagnose(Self.exchange(status: 200, signature: signature))
            #expect(d.findings.contains { $0.rule == .untrustedKeyURL && $0.severity == .error })
            let finding = d.findings.first { $0.rule == .untrustedKeyURL }
            #expect(finding?.evidence.first == Evidence("keyUrl", "https://gosspublic.alicdn.com.evil.com/key.pem"))
            #expect(finding?.message.contains("SSRF") == true)
        }
        var notBase64 = Self.invalid
        notBase64.keyURL = KeyURL(headerValue: "not base64!")
        #expect(
            Self.rules(Self.exchange(status: 200, signature: notBase64)) == [
                .signatureInvalid, .untrustedKeyURL, .forgedCallbackAccepted,
            ])
    }

    @Test(arguments: [SignatureVerdict.Status.missing, .unverifiable])
    func noVerdictNoFinding(status: SignatureVerdict.Status) {
        let signature = SignatureVerdict(status: status, keyURL: Self.ossKeyURL, reason: "bytes missing")
        #expect(Self.rules(Self.exchange(status: 200, signature: signature)).isEmpty)
        #expect(Self.rules(Self.exchange(status: 403, signature: signature)) == [.badStatus])
    }

    @Test func noResponseMeansNeitherAcceptedNorRejected() {
        var e = Self.exchange(status: 200, signature: Self.invalid)
        e.response = nil
        e.outcome = ConnectionOutcome(clientEnd: .fin(ExchangeFactory.origin(5, frame: 9)), serverEnd: nil)
        #expect(Self.rules(e) == [.noResponse, .signatureInvalid])
    }

    @Test func theCatalogueMarksTheFiveRulesAsAuthenticity() {
        let ids: [RuleID] = [
            .signatureInvalid, .untrustedKeyURL, .forgedCallbackAccepted, .unsignedCallbackAccepted,
            .genuineCallbackRejected,
        ]
        for id in ids {
            let rule = RuleCatalog.rule(id)
            #expect(rule.concern == .authenticity)
            #expect(rule.ossError == nil)
            #expect(!rule.why.isEmpty && !rule.fix.isEmpty)
        }
        #expect(RuleCatalog.rule(.signatureInvalid).severity == .warning)
        #expect(ids.dropFirst().allSatisfy { RuleCatalog.rule($0).severity == .error })
        #expect(RuleCatalog.all.filter { $0.concern == .delivery }.count == RuleCatalog.all.count - 5)
    }
}
