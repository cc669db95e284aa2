import HTTP1
import HTTPExchanges
import UploadCallbacks

/// The uploader's side of an exchange (a capture taken on the client that uploads to OSS):
/// the callback parameters of its upload request and what OSS answered.
public struct UploadDiagnosis: Sendable, Equatable {
    /// The request's callback parameters; nil when the exchange is known only by its 203 answer.
    public var callback: UploadCallbackRequest?
    /// OSS's `203 CallbackFailed` answer: the object was stored, the callback failed.
    public var callbackFailed: CallbackFailedResponse?
    /// Any other OSS `<Error>` answer to the upload (`400 InvalidArgument`, …).
    public var ossError: OSSErrorDocument?

    public init(callback: UploadCallbackRequest? = nil, callbackFailed: CallbackFailedResponse? = nil, ossError: OSSErrorDocument? = nil) {
        self.callback = callback
        self.callbackFailed = callbackFailed
        self.ossError = ossError
    }

    /// The uploader's side of `exchange`, or nil when its request carries no callback parameter
    /// and its response is not a `203 CallbackFailed`.
    public static func of(_ exchange: HTTPExchange) -> UploadDiagnosis? {
        var result = UploadDiagnosis()
        if let request = exchange.request, Self.mayCarryCallback(request.head) {
            result.callback = UploadCallbackRequest.inspect(
                target: request.head.target, headers: request.head.headers, body: request.body.preview,
                bodyComplete: !request.body.previewTruncated && request.end == .complete)
        }
        if let response = exchange.response {
            if response.head.status == 203 {
                result.callbackFailed = CallbackFailedResponse(status: 203, body: response.body.preview)
            } else if result.callback != nil, response.head.status >= 400 {
                result.ossError = OSSErrorDocument.parse(response.body.preview)
            }
        }
        return result.callback == nil && result.callbackFailed == nil ? nil : result
    }

    /// True when the request is addressed to an OSS endpoint (`Host: *.aliyuncs.com`): an upload
    /// or other OSS API call, never a callback (OSS's callback carries the callback server's Host).
    public static func isOSSEndpoint(_ head: HTTPRequestHead) -> Bool {
        guard var host = head.headers["host"]?.lowercased() else { return false }
        if let colon = host.lastIndex(of: ":"), !host.hasSuffix("]") { host = String(host[..<colon]) }
        if host.hasSuffix(".") { host.removeLast() }
        return host == "aliyuncs.com" || host.hasSuffix(".aliyuncs.com")
    }

    /// A cheap test before the full inspection: a callback header, `callback` in the target, or a form body.
    static func mayCarryCallback(_ head: HTTPRequestHead) -> Bool {
        if head.headers.contains("x-oss-callback") || head.headers.contains("x-oss-callback-var") { return true }
        if head.target.utf8.contains(UInt8(ascii: "?")), head.target.contains("callback") { return true }
        if let type = head.headers["content-type"], type.lowercased().hasPrefix("multipart/form-data") { return true }
        return false
    }
}

extension Diagnoser {
    /// Findings on the uploader's side (rules `callback-config-invalid`, `callback-private-address`,
    /// `callback-config-warning`, `callback-config-unverifiable`, `callback-failed-at-oss`).
    func uploadFindings(_ upload: UploadDiagnosis, exchange: HTTPExchange) -> [Finding] {
        var findings: [Finding] = []
        let status = exchange.response?.head.status
        var answered: [Evidence] = []
        if let status {
            var text = "\(status)"
            if let doc = upload.ossError {
                text += " \(doc.code)"
                if let m = doc.message { text += ": \(m)" }
                if let ec = doc.ec { text += " (EC \(ec))" }
            } else if let failed = upload.callbackFailed {
                text += " CallbackFailed: \(failed.message)"
            }
            answered.append(Evidence("ossAnswered", text))
        }
        if let callback = upload.callback {
            let location = Self.locationEvidence(callback)
            let rejecting = callback.problems.filter { $0.rejection != nil }
            let privateProblems = rejecting.filter { $0.rejection == .privateAddress }
            let otherProblems = rejecting.filter { $0.rejection != .privateAddress }
            func evidence(_ problems: [CallbackProblem]) -> [Evidence] {
                var list = [location]
                for (n, p) in problems.enumerated() {
                    let key = problems.count == 1 ? "problem" : "problem\(n + 1)"
                    var value = "\(p.ossMessage ?? "")"
                    if let ec = p.ec { value += " (EC \(ec))" }
                    list.append(Evidence(key, value + " — " + p.detail))
                }
                return list + answered
            }
            if let first = otherProblems.first, let message = first.ossMessage {
                findings.append(
                    Self.uploadFinding(
                        .callbackConfigInvalid,
                        "OSS rejects this upload with 400 InvalidArgument \"\(message)\"\(first.ec.map { " (EC \($0))" } ?? ""): \(first.detail).",
                        evidence: evidence(otherProblems), ossError: message, fixing: otherProblems))
            }
            if let first = privateProblems.first {
                findings.append(
                    Self.uploadFinding(
                        .callbackPrivateAddress,
                        "OSS rejects this upload with 400 InvalidArgument \"\(CallbackRejection.privateAddress.rawValue)\" (EC \(CallbackRejection.privateAddress.ec ?? "")): \(first.detail).",
                        evidence: evidence(privateProblems), ossError: CallbackRejection.privateAddress.rawValue, fixing: privateProblems))
            }
            if rejecting.isEmpty, let doc = upload.ossError, doc.code == "InvalidArgument",
                (doc.argumentName ?? "callback").lowercased().hasPrefix("callback")
            {
                findings.append(
                    Finding(
                        rule: .callbackConfigInvalid, severity: RuleCatalog.rule(.callbackConfigInvalid).severity,
                        message:
                            "OSS rejected the upload's callback parameters with \(status ?? 400) InvalidArgument \"\(doc.message ?? "")\"\(doc.ec.map { " (EC \($0))" } ?? ""), which callback-doctor's checks did not predict.",
                        evidence: [location] + answered, ossError: doc.message,
                        hint: CallbackRejection(rawValue: doc.message ?? "")?.fix
                            ?? "OSS's message names what it refused; compare the decoded callback parameter with it."))
            }
            let notes = callback.problems.filter { $0.rejection == nil }
            if !notes.isEmpty {
                findings.append(
                    Self.uploadFinding(
                        .callbackConfigWarning, notes.map(\.detail).joined(separator: "; ") + ".", evidence: [location], fixing: notes))
            }
            if let why = callback.unverifiable {
                findings.append(
                    Finding(
                        .callbackConfigUnverifiable, "The callback parameters could not be checked: \(why).",
                        evidence: [location, Evidence("requestBodyBytes", "\(exchange.request?.body.size ?? 0)")]))
            }
        }
        if let failed = upload.callbackFailed {
            var evidence = [Evidence("message", failed.message)]
            if let ec = failed.ec { evidence.append(Evidence("ec", ec)) }
            evidence.append(Evidence("meaning", failed.meaning.key))
            if let id = failed.document.requestId { evidence.append(Evidence("requestId", id)) }
            if let url = upload.callback?.configuration?.callbackURLs.first { evidence.append(Evidence("callbackUrl", url)) }
            findings.append(
                Finding(
                    rule: .callbackFailedAtOSS, severity: .error,
                    message: "OSS stored the object but the callback failed (203 CallbackFailed: \"\(failed.message)\"\(failed.ec.map { ", EC \($0)" } ?? "")): \(failed.meaning.explanation)",
                    evidence: evidence, ossError: failed.message, hint: RuleCatalog.rule(.callbackFailedAtOSS).fix))
        }
        return findings
    }

    /// A finding of an uploader-side rule whose fix is its own problems' fixes, in order (not the
    /// rule's general advice, which covers problems this upload does not have).
    static func uploadFinding(
        _ id: RuleID, _ message: String, evidence: [Evidence], ossError: String? = nil, fixing problems: [CallbackProblem]
    ) -> Finding {
        let rule = RuleCatalog.rule(id)
        var fixes: [String] = []
        for fix in problems.map(\.fix) where !fixes.contains(fix) { fixes.append(fix) }
        return Finding(
            rule: id, severity: rule.severity, message: message, evidence: evidence, ossError: ossError ?? rule.ossError,
            hint: fixes.isEmpty ? rule.fix : fixes.joined(separator: " "))
    }

    /// `location`: where the `callback` parameter was (`header`, `query+header`), or, for an upload
    /// with only `callback-var`, `none (callback-var in header)`.
    static func locationEvidence(_ callback: UploadCallbackRequest) -> Evidence {
        if callback.locations.isEmpty && callback.unverifiable == nil {
            let places = callback.variableLocations.map(\.rawValue).joined(separator: "+")
            return Evidence("location", "none (callback-var in \(places.isEmpty ? callback.location.rawValue : places))")
        }
        let places = callback.locations.isEmpty ? [callback.location] : callback.locations
        return Evidence("location", places.map(\.rawValue).joined(separator: "+"))
    }
}
