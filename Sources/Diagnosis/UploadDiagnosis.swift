public import HTTP1
public import HTTPExchanges
public import UploadCallbacks

/// The uploader's side of an exchange (a capture taken on the client that uploads to OSS):
/// the callback parameters of its upload request and what OSS answered.
public struct UploadDiagnosis: Sendable, Equatable {
    /// The request's callback parameters; nil when the exchange is known only by its 203 answer.
    public var callback: UploadCallbackRequest?
    /// OSS's `203 CallbackFailed` answer: the object was stored, the callback failed.
    public var callbackFailed: CallbackFailedResponse?
    /// Any other OSS `<Error>` answer to the upload (`400 InvalidArgument`, …).
    public var ossError: OSSErrorDocument?

    public init(
        callback: UploadCallbackRequest? = nil, callbackFailed: CallbackFailedResponse? = nil,
        ossError: OSSErrorDocument? = nil
    ) {
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
    /// Findings on the uploader's side, in this order: what OSS rejects (`callback-config-invalid`,
    /// `callback-private-address`, or an InvalidArgument our checks did not predict), the notes
    /// (`callback-config-warning`), what could not be checked (`callback-config-unverifiable`),
    /// and OSS's 203 (`callback-failed-at-oss`).
    func uploadFindings(_ upload: UploadDiagnosis, exchange: HTTPExchange) -> [Finding] {
        var findings: [Finding] = []
        let answered = Self.ossAnswered(upload, status: exchange.response?.head.status)
        if let callback = upload.callback {
            let location = Self.locationEvidence(callback)
            findings += Self.rejectionFindings(callback, location: location, answered: answered)
            let status = exchange.response?.head.status
            if let unpredicted = Self.unpredictedRejection(
                upload, status: status, location: location, answered: answered)
            {
                findings.append(unpredicted)
            }
            let notes = callback.problems.filter { $0.rejection == nil }
            if !notes.isEmpty {
                findings.append(
                    Self.uploadFinding(
                        .callbackConfigWarning, notes.map(\.detail).joined(separator: "; ") + ".", evidence: [location],
                        fixing: notes))
            }
            if let why = callback.unverifiable {
                findings.append(
                    Finding(
                        .callbackConfigUnverifiable, "The callback parameters could not be checked: \(why).",
                        evidence: [location, Evidence("requestBodyBytes", "\(exchange.request?.body.size ?? 0)")]))
            }
        }
        if let failed = upload.callbackFailed { findings.append(Self.callbackFailedFinding(failed, upload: upload)) }
        return findings
    }

    /// `ossAnswered`: OSS's status and, from its XML, the code, message and EC (none without a response).
    static func ossAnswered(_ upload: UploadDiagnosis, status: Int?) -> [Evidence] {
        guard let status else { return [] }
        var text = "\(status)"
        if let doc = upload.ossError {
            text += " \(doc.code)"
            if let m = doc.message { text += ": \(m)" }
            if let ec = doc.ec { text += " (EC \(ec))" }
        } else if let failed = upload.callbackFailed {
            text += " CallbackFailed: \(failed.message)"
        }
        return [Evidence("ossAnswered", text)]
    }

    /// `callback-config-invalid` for the problems OSS rejects with 400 InvalidArgument, and
    /// `callback-private-address` for a private callbackUrl: each names OSS's message for its first
    /// problem and lists all of its problems.
    static func rejectionFindings(_ callback: UploadCallbackRequest, location: Evidence, answered: [Evidence])
        -> [Finding]
    {
        let rejecting = callback.problems.filter { $0.rejection != nil }
        let groups: [(RuleID, [CallbackProblem])] = [
            (.callbackConfigInvalid, rejecting.filter { $0.rejection != .privateAddress }),
            (.callbackPrivateAddress, rejecting.filter { $0.rejection == .privateAddress }),
        ]
        return groups.compactMap { rule, problems in
            guard let first = problems.first, let message = first.ossMessage else { return nil }
            var evidence = [location]
            for (n, p) in problems.enumerated() {
                let key = problems.count == 1 ? "problem" : "problem\(n + 1)"
                evidence.append(
                    Evidence(key, (p.ossMessage ?? "") + (p.ec.map { " (EC \($0))" } ?? "") + " — " + p.detail))
            }
            return uploadFinding(
                rule,
                "OSS rejects this upload with 400 InvalidArgument \"\(message)\"\(first.ec.map { " (EC \($0))" } ?? ""): \(first.detail).",
                evidence: evidence + answered, ossError: message, fixing: problems)
        }
    }

    /// `callback-config-invalid` when OSS answered InvalidArgument about the callback although
    /// none of our checks predicted a rejection; nil otherwise.
    static func unpredictedRejection(_ upload: UploadDiagnosis, status: Int?, location: Evidence, answered: [Evidence])
        -> Finding?
    {
        guard let callback = upload.callback, callback.predictedRejection == nil, let doc = upload.ossError,
            doc.code == "InvalidArgument",
            (doc.argumentName ?? "callback").lowercased().hasPrefix("callback")
        else { return nil }
        return Finding(
            rule: .callbackConfigInvalid, severity: RuleCatalog.rule(.callbackConfigInvalid).severity,
            message:
                "OSS rejected the upload's callback parameters with \(status ?? 400) InvalidArgument \"\(doc.message ?? "")\"\(doc.ec.map { " (EC \($0))" } ?? ""), which callback-doctor's checks did not predict.",
            evidence: [location] + answered, ossError: doc.message, ossErrorSource: .observed,
            hint: CallbackRejection(rawValue: doc.message ?? "")?.fix
                ?? "OSS's message names what it refused; compare the decoded callback parameter with it.")
    }

    /// `callback-failed-at-oss`: OSS's 203 message, EC and what it means.
    static func callbackFailedFinding(_ failed: CallbackFailedResponse, upload: UploadDiagnosis) -> Finding {
        var evidence = [Evidence("message", failed.message)]
        if let ec = failed.ec { evidence.append(Evidence("ec", ec)) }
        evidence.append(Evidence("meaning", failed.meaning.key))
        if let id = failed.document.requestId { evidence.append(Evidence("requestId", id)) }
        if let url = upload.callback?.configuration?.callbackURLs.first {
            evidence.append(Evidence("callbackUrl", url))
        }
        return Finding(
            rule: .callbackFailedAtOSS, severity: .error,
            message:
                "OSS stored the object but the callback failed (203 CallbackFailed: \"\(failed.message)\"\(failed.ec.map { ", EC \($0)" } ?? "")): \(failed.meaning.explanation)",
            evidence: evidence, ossError: failed.message, ossErrorSource: .observed,
            hint: RuleCatalog.rule(.callbackFailedAtOSS).fix)
    }

    /// A finding of an uploader-side rule whose fix is its own problems' fixes, in order (not the
    /// rule's general advice, which covers problems this upload does not have).
    static func uploadFinding(
        _ id: RuleID, _ message: String, evidence: [Evidence], ossError: String? = nil,
        fixing problems: [CallbackProblem]
    ) -> Finding {
        let rule = RuleCatalog.rule(id)
        var fixes: [String] = []
        for fix in problems.map(\.fix) where !fixes.contains(fix) { fixes.append(fix) }
        return Finding(
            rule: id, severity: rule.severity, message: message, evidence: evidence,
            ossError: ossError ?? rule.ossError,
            ossErrorSource: rule.ossErrorSource, hint: fixes.isEmpty ? rule.fix : fixes.joined(separator: " "))
    }

    /// `location`: where the `callback` parameter was (`header`, `query+header`), or, for an upload
    /// with only `callback-var`, `none (callback-var in header)`.
    static func locationEvidence(_ callback: UploadCallbackRequest) -> Evidence {
        if callback.locations.isEmpty && callback.unverifiable == nil {
            let places = callback.variableLocations.map(\.rawValue).joined(separator: "+")
            return Evidence(
                "location", "none (callback-var in \(places.isEmpty ? callback.location.rawValue : places))")
        }
        let places = callback.locations.isEmpty ? [callback.location] : callback.locations
        return Evidence("location", places.map(\.rawValue).joined(separator: "+"))
    }
}
