import CallbackSignature
import HTTP1
import HTTPExchanges
import TCPReassembly

extension Diagnoser {
    // MARK: - Authenticity (facts §3)

    /// The authenticity rules, from the signature verdict computed while the request streamed
    /// past. They never decide what OSS told the uploader (``RuleConcern/authenticity``). An
    /// `unverifiable` signature gives no finding: the verdict in the report says why.
    func authenticityFindings(_ exchange: HTTPExchange) -> [Finding] {
        guard let request = exchange.request, let signature = request.signature else { return [] }
        var findings: [Finding] = []
        if signature.status == .invalid { findings.append(signatureInvalid(request, signature)) }
        if let key = signature.keyURL, !key.trusted { findings.append(untrustedKeyURL(key)) }
        guard let response = exchange.response else { return findings }
        if let accepted = acceptedWithoutValidSignature(request, signature, response) { findings.append(accepted) }
        if signature.status == .valid, Self.verificationRejections.contains(response.head.status) {
            findings.append(genuineCallbackRejected(signature, response))
        }
        return findings
    }

    /// The 4xx statuses a server answers when its signature check fails (400 in OSS's samples
    /// and test server, 401, 403); other 4xx (404, 405, 413, …) say something else went wrong.
    static let verificationRejections: Set<Int> = [400, 401, 403]

    private func signatureInvalid(_ request: CapturedRequest, _ signature: SignatureVerdict) -> Finding {
        var evidence = [Evidence("target", request.head.target)]
        if let url = signature.keyURL?.url { evidence.append(Evidence("keyUrl", url)) }
        return Finding(
            .signatureInvalid,
            "The signature does not verify: the request was changed after OSS signed it (a proxy rewrote the path or body) or it did not come from OSS. \(signature.reason)",
            evidence: evidence)
    }

    private func untrustedKeyURL(_ key: KeyURL) -> Finding {
        let named =
            key.url.map { "The key URL \"\(Self.snippet(Array($0.utf8), limit: 120))\"" } ?? "The key URL header"
        var evidence: [Evidence] = []
        if let url = key.url { evidence.append(Evidence("keyUrl", url)) }
        evidence.append(Evidence("problem", key.problem ?? ""))
        return Finding(
            .untrustedKeyURL,
            "\(named) is not one of OSS's (\(key.problem ?? "not trusted")): the mark of a forged callback; a server that fetches it is open to SSRF.",
            evidence: evidence)
    }

    /// `forged-callback-accepted` (a signature that does not verify) or
    /// `unsigned-callback-accepted` (no `authorization` header at all, on a head captured whole),
    /// when the server answered 200: either way it would accept a forged callback.
    private func acceptedWithoutValidSignature(
        _ request: CapturedRequest, _ signature: SignatureVerdict, _ response: CapturedResponse
    ) -> Finding? {
        guard response.head.status == 200 else { return nil }
        let answered = Self.statusLineEvidence(response) + [Evidence("responseFrame", "\(response.timing.start.frame)")]
        switch signature.status {
        case .invalid where Self.isEmptyAnswer(response):
            return emptyAnswer(.forgedCallbackAccepted, "whose signature does not verify", evidence: answered)
        case .missing
        where Self.isEmptyAnswer(response) && request.head.headers["authorization"] == nil
            && !request.anomalies.contains(where: Self.cutsTheHead):
            return emptyAnswer(
                .unsignedCallbackAccepted, "without an authorization header",
                evidence: [Evidence("signature", "missing: no authorization header in the captured head")] + answered)
        case .invalid:
            return Finding(
                .forgedCallbackAccepted,
                "The server answered 200 to a callback whose signature does not verify: it accepts forged or altered callbacks.",
                evidence: answered)
        case .missing
        where request.head.headers["authorization"] == nil && !request.anomalies.contains(where: Self.cutsTheHead):
            let marks = request.callbackSignals.map(\.rawValue).joined(separator: ", ")
            return Finding(
                .unsignedCallbackAccepted,
                "The server answered 200 to a request with OSS's callback headers (\(marks)) but no authorization header: it accepts callbacks without a signature, so anyone who knows its URL can post a forged one.",
                evidence: [Evidence("signature", "missing: no authorization header in the captured head")] + answered)
        default:
            return nil
        }
    }

    /// A 200 whose body was captured whole and is empty: how OSS's official PHP demo answers a
    /// callback it rejects (it calls `exit()` before writing anything, facts §5).
    static func isEmptyAnswer(_ response: CapturedResponse) -> Bool {
        response.end == .complete && response.body.size == 0 && response.body.missingBytes == 0
    }

    /// The server answered an empty 200 to a callback that does not verify (`what`): the packets
    /// show that answer, not whether the server accepted the callback — an empty 200 is also how
    /// OSS's PHP demo rejects one. A warning, not the error of an acceptance, and the fix stays:
    /// reject with 4xx.
    private func emptyAnswer(_ rule: RuleID, _ what: String, evidence: [Evidence]) -> Finding {
        Finding(
            rule: rule, severity: .warning,
            message:
                "The server answered 200 with an empty body to a callback \(what). The packets do not show whether it accepted it: an empty 200 is also how OSS's official PHP demo rejects such a callback (it exits without writing). OSS fails an empty answer too (non-JSON), so the same answer to a genuine callback fails it.",
            evidence: evidence + [Evidence("bodyBytes", "0")], ossError: nil,
            hint:
                "Reject a callback that does not verify with 4xx (400 or 403) so the rejection is explicit, and answer 200 with a JSON body such as {\"Status\":\"OK\"} only to one that verifies."
        )
    }

    /// `genuine-callback-rejected`: what is known (the signature verifies; the server refused it),
    /// with the server's answer quoted, and the possible causes listed rather than one asserted.
    private func genuineCallbackRejected(_ signature: SignatureVerdict, _ response: CapturedResponse) -> Finding {
        let key = signature.verifiedWith ?? "a known key"
        var evidence = Self.statusLineEvidence(response) + [Evidence("verifiedWith", key)]
        if let contentType = response.head.headers["content-type"] {
            evidence.append(Evidence("contentType", contentType))
        }
        if !response.body.preview.isEmpty {
            evidence.append(Evidence("bodyPreview", Self.snippet(response.body.preview, limit: 120)))
        }
        return Finding(
            .genuineCallbackRejected,
            "The server answered \(response.head.status) \(response.head.reason) to a callback whose signature verifies (\(key)): it refused a genuine callback. The packets do not show why: its signature check may be wrong, its framework may have failed to read the body, or another check of its own refused it — its answer is quoted below.",
            evidence: evidence)
    }
}

extension DiagnosedExchange {
    /// False when the request, as captured, is not one OSS sends: its key URL is not OSS's, its
    /// signature does not verify, or it carries none (OSS signs every callback, facts §3). What
    /// OSS told the uploader is then only what it *would* have told had it sent the request.
    /// True when nothing says otherwise (a verifying or unverifiable signature, no request head).
    public var couldBeSentByOSS: Bool {
        guard let signature = exchange.request?.signature else { return true }
        if let key = signature.keyURL, !key.trusted { return false }
        return signature.status == .valid || signature.status == .unverifiable
    }
}
