import ByteText
import CallbackSignature
import CaptureModel
public import Diagnosis
import HTTP1
import HTTPExchanges
import TCPReassembly
import TLSRecords
import UploadCallbacks

// The JSON report contract (schemaVersion 1), documented field by field in docs/report-schema.md.
// Every format is rendered from `Report`; this file is the machine form.

extension Report {
    /// The report's top-level members in contract order; `captures` and `exchanges` are made one
    /// element at a time so that ``writeJSON(indent:newline:to:)`` never holds every element's
    /// tree at once.
    private var jsonMembers: [(String, JSONValue.StreamedMember)] {
        let captures = self.captures, exchanges = self.exchanges
        return [
            ("schemaVersion", .value(.int(Int64(Report.schemaVersion)))),
            ("tool", .value(.object([("name", .string(tool.name)), ("version", .string(tool.version))]))),
            ("settings", .value(settings.json)),
            ("captures", .array(count: captures.count, element: { captures[$0].json })),
            ("exchanges", .array(count: exchanges.count, element: { exchanges[$0].json })),
            ("summary", .value(summary.json)),
            ("redaction", .value(redaction.json)),
        ]
    }

    /// The whole report as JSON (`--format json`).
    public var json: JSONValue {
        .object(
            jsonMembers.map { key, member in
                switch member {
                case .value(let value): (key, value)
                case .array(let count, let element): (key, .array((0..<count).map(element)))
                }
            })
    }

    /// Writes `json.serialized(indent:newline:)` into `sink`, each capture's and each exchange's
    /// JSON made, written and dropped in turn (``JSONValue/writeObject(_:indent:newline:to:)``):
    /// the same bytes, with one chunk of text and one exchange's tree in memory at a time.
    public func writeJSON(indent: Int, newline: Bool = false, to sink: ByteSink) {
        JSONValue.writeObject(jsonMembers, indent: indent, newline: newline, to: sink)
    }

    /// ``writeJSON(indent:newline:to:)``'s text as one `String`.
    public func serializedJSON(indent: Int, newline: Bool = false) -> String {
        ByteSink.collect { writeJSON(indent: indent, newline: newline, to: $0) }
    }
}

extension RedactionSummary {
    /// `{"applied": bool, "redactedValues": int, "kinds": [string]}` (additive in schemaVersion 1).
    public var json: JSONValue {
        .object([
            ("applied", .bool(applied)),
            ("redactedValues", .int(Int64(redactedValues))),
            ("kinds", .array(kinds.map(JSONValue.string))),
        ])
    }
}

extension ReportSettings {
    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("latencyThresholdSeconds", .double(diagnosis.latencyThresholdSeconds)),
            ("maxBodyBytes", .int(diagnosis.maxBodyBytes)),
            ("filter", .optional(filter)),
            ("publicKeys", .array(publicKeys.map(JSONValue.string))),
            ("servers", .array(servers.map(JSONValue.string))),
        ]
        // Only when the listing is narrowed, so reports without it keep their shape.
        if !listing.isEmpty { members.append(("listing", listing.json)) }
        return .object(members)
    }
}

extension CaptureSummary {
    public var json: JSONValue {
        .object([
            ("path", .string(path)),
            ("format", .optional(format)),
            ("linkTypes", .array(linkTypes.map(JSONValue.string))),
            ("packets", .int(Int64(packets))),
            ("bytes", .int(bytes)),
            ("firstPacketTime", .optional(firstPacketTime?.rfc3339)),
            ("lastPacketTime", .optional(lastPacketTime?.rfc3339)),
            ("complete", .bool(complete)),
            ("problems", .array(problems.map(JSONValue.string))),
            ("error", .optional(error)),
            ("decoding", decodingJSON),
            ("tcp", tcpJSON),
            ("http", httpJSON),
            ("unlistedExchanges", unlistedJSON),
        ])
    }

    /// `decoding`: the TCP packets read, the records cut by the snaplen, and the packets skipped
    /// per reason.
    private var decodingJSON: JSONValue {
        .object([
            ("tcpPackets", .int(Int64(tcpPackets))),
            ("snaplenTruncatedPackets", .int(Int64(snaplenTruncatedPackets))),
            (
                "skipped",
                .array(
                    skipped.map {
                        .object([
                            ("reason", .string($0.reason)), ("description", .string($0.description)),
                            ("packets", .int(Int64($0.packets))),
                        ])
                    })
            ),
        ])
    }

    /// `tcp`: what reassembly counted (``ReassemblyStatistics``).
    private var tcpJSON: JSONValue {
        .object([
            ("connections", .int(Int64(reassembly.connections))),
            ("refusedConnections", .int(Int64(reassembly.refusedConnections))),
            ("retransmittedSegments", .int(Int64(reassembly.retransmittedSegments))),
            ("outOfOrderSegments", .int(Int64(reassembly.outOfOrderSegments))),
            ("gaps", .int(Int64(reassembly.gaps))),
            ("gapBytes", .int(reassembly.gapBytes)),
            ("expiredConnections", .int(Int64(reassembly.expiredConnections))),
            ("bufferLimitHits", .int(Int64(reassembly.bufferLimitHits))),
            ("evictedConnections", .int(Int64(reassembly.evictedConnections))),
            ("keepAliveProbes", .int(Int64(reassembly.keepAliveProbes))),
            ("conflictingRetransmissions", .int(Int64(reassembly.conflictingRetransmissions))),
        ])
    }

    /// `http`: the connections by what they carried (``ExchangeStatistics``).
    private var httpJSON: JSONValue {
        .object([
            ("httpConnections", .int(Int64(http.httpConnections))),
            ("tlsConnections", .int(Int64(http.tlsConnections))),
            ("otherConnections", .int(Int64(http.otherConnections))),
            ("emptyConnections", .int(Int64(http.emptyConnections))),
        ])
    }

    /// `unlistedExchanges`: the counts of the exchanges counted but not listed — every counter
    /// but `callbacks`, which this object has never had (it is passed + failed + unknown) — and
    /// their findings per rule in catalogue order.
    private var unlistedJSON: JSONValue {
        .object(
            unlisted.counts.jsonMembers.filter { $0.0 != "callbacks" } + [
                (
                    "findingsByRule",
                    .object(
                        RuleCatalog.all.compactMap { rule in
                            unlisted.findingsByRule[rule.id].map { (rule.id.rawValue, JSONValue.int(Int64($0))) }
                        })
                )
            ])
    }
}

extension OutcomeCounts {
    /// The ten counters as JSON members in the contract's order, `exchanges` to
    /// `refusedConnections`: the same members in `captures[].unlistedExchanges`, `summary` and
    /// `summary.perCapture[]` (docs/report-schema.md).
    var jsonMembers: [(String, JSONValue)] {
        [
            ("exchanges", .int(Int64(exchanges))),
            ("callbacks", .int(Int64(callbacks))),
            ("callbacksPassed", .int(Int64(callbacksPassed))),
            ("callbacksFailed", .int(Int64(callbacksFailed))),
            ("callbacksUnknown", .int(Int64(callbacksUnknown))),
            ("possibleCallbacks", .int(Int64(possibleCallbacks))),
            ("possibleCallbacksFailed", .int(Int64(possibleCallbacksFailed))),
            ("possibleCallbacksUnknown", .int(Int64(possibleCallbacksUnknown))),
            ("httpsNotJudged", .int(Int64(httpsNotJudged))),
            ("refusedConnections", .int(Int64(refusedConnections))),
        ]
    }
}

extension ReportedExchange {
    public var json: JSONValue {
        let d = diagnosed, e = d.exchange
        var members: [(String, JSONValue)] = [
            ("capture", .string(capture)),
            ("connection", Self.connectionJSON(e)),
            ("isCallback", .bool(d.isCallback)),
            ("possibleCallback", .bool(d.isPossibleCallback)),
            ("httpsNotJudged", .bool(d.isHTTPSNotJudged)),
            ("callbackSignals", .array(d.callbackSignals.map { .string($0.rawValue) })),
            (
                "request",
                e.request.map { Self.adding(Self.requestJSON($0), Self.uploadRequestMembers(d.upload)) } ?? .null
            ),
            ("interimResponses", .array(e.interimResponses.map(Self.interimJSON))),
            (
                "response",
                e.response.map { Self.adding(Self.responseJSON($0), Self.uploadResponseMembers(d.upload)) } ?? .null
            ),
            ("latencySeconds", .optional(e.latencySeconds)),
            ("tls", e.tls.map(Self.tlsJSON) ?? .null),
            ("missingFromCapture", .array(e.holes.map(Self.holeJSON))),
            ("tcpAnomalies", .array(e.tcpAnomalies.map { .string($0.description) })),
        ]
        if let refusal = e.refusal { members.append(("connectionAttempt", Self.connectionAttemptJSON(refusal))) }
        if !d.legs.isEmpty {
            // Additive: present only on a callback whose inner legs were captured (issue #19).
            members.append(("legs", .array(d.legs.map(Self.legJSON))))
            members.append(("legChain", .optional(d.legChain)))
        }
        members.append(("findings", .array(d.findings.map(\.json))))
        members.append(("outcome", Self.outcomeJSON(d)))
        return .object(members)
    }

    /// `connection`: its endpoints, the exchange's place on it, and how each side's stream ended
    /// (null on a refused connection attempt, which has no streams).
    static func connectionJSON(_ e: HTTPExchange) -> JSONValue {
        .object([
            ("client", .string(e.connection.client.description)),
            ("server", .string(e.connection.server.description)),
            ("index", .int(Int64(e.index))),
            ("id", .int(Int64(e.connection.id))),
            ("handshakeSeen", .bool(e.connection.handshakeSeen)),
            ("clientEnd", .optional(e.refusal == nil ? Self.describe(e.outcome.clientEnd) : nil)),
            ("serverEnd", .optional(e.refusal == nil ? Self.describe(e.outcome.serverEnd) : nil)),
        ])
    }

    /// One of `missingFromCapture`: bytes of a stream the capture does not hold.
    static func holeJSON(_ hole: CaptureHole) -> JSONValue {
        .object([
            ("direction", .string(hole.direction == .clientToServer ? "request" : "response")),
            ("streamOffset", .int(hole.offset)), ("bytes", .int(hole.length)),
            ("afterFrame", .int(Int64(hole.origin.frame))),
        ])
    }

    /// `connectionAttempt`: a refused attempt's SYNs and the reset that answered them, if any.
    static func connectionAttemptJSON(_ refusal: RefusedConnection) -> JSONValue {
        .object([
            ("result", .string(refusal.kind == .reset ? "reset" : "unanswered")),
            ("firstSynTime", .string(refusal.firstSyn.timestamp.rfc3339)),
            ("synFrames", .array(refusal.synFrames.map { .int(Int64($0)) })),
            ("resetTime", .optional(refusal.reset?.timestamp.rfc3339)),
            ("resetFrame", .optional(refusal.reset?.frame)),
        ])
    }

    /// `outcome`: the verdict, what the uploader got, and OSS's message (failed) or the reason
    /// the verdict was withheld (unknown).
    static func outcomeJSON(_ d: DiagnosedExchange) -> JSONValue {
        .object([
            ("result", .string(d.outcome.label)),
            ("uploaderStatus", .optional(d.outcome.uploaderStatus)),
            ("ossError", { if case .failed(let m) = d.outcome { .string(m) } else { .null } }()),
            ("ossErrorSource", d.outcomeMessageSource.map(\.json) ?? .null),
            ("reason", { if case .unknown(let r) = d.outcome { .string(r) } else { .null } }()),
        ])
    }

    /// One inner leg of a callback (``CallbackLeg``).
    static func legJSON(_ leg: CallbackLeg) -> JSONValue {
        .object([
            ("kind", .string(leg.kind.rawValue)),
            ("client", .string(leg.client.description)),
            ("server", .string(leg.server.description)),
            ("firstFrame", .int(Int64(leg.firstFrame))),
            ("startTime", .string(leg.start.rfc3339)),
            ("requestLine", .optional(leg.requestLine)),
            ("forwardingHeaders", .array(leg.forwardingHeaders.map { .string($0) })),
            ("status", .optional(leg.status)),
            ("serverSoftware", .optional(leg.serverSoftware)),
            ("latencySeconds", .optional(leg.latencySeconds)),
            ("answeredTooLate", .bool(leg.answeredTooLate)),
        ])
    }

    /// `object` with `members` appended (the upload-side members are additive: present only on
    /// the uploader's exchanges with OSS).
    static func adding(_ object: JSONValue, _ members: [(String, JSONValue)]) -> JSONValue {
        guard !members.isEmpty, case .object(let existing) = object else { return object }
        return .object(existing + members)
    }

    /// `request.uploadCallback` (docs/report-schema.md).
    static func uploadRequestMembers(_ upload: UploadDiagnosis?) -> [(String, JSONValue)] {
        guard let c = upload?.callback else { return [] }
        let config = c.configuration
        return [
            (
                "uploadCallback",
                .object([
                    ("location", .string(c.location.rawValue)),
                    ("locations", .array(c.locations.map { .string($0.rawValue) })),
                    ("encodedLength", .int(Int64(c.encodedLength))),
                    ("decoded", .bool(config != nil)),
                    ("callbackUrl", .array((config?.callbackURLs ?? []).map(JSONValue.string))),
                    ("callbackHost", .optional(config?.callbackHost)),
                    ("callbackBody", .optional(config?.callbackBody)),
                    ("callbackBodyType", .optional(config?.callbackBodyType)),
                    ("callbackSNI", config?.callbackSNI.map(JSONValue.bool) ?? .null),
                    ("signatureVersion", .optional(config?.signatureVersion)),
                    ("otherKeys", .array((config?.otherKeys ?? []).map(JSONValue.string))),
                    ("vars", .object(c.variables.map { ($0.name, .string($0.value)) })),
                    (
                        "problems",
                        .array(
                            c.problems.map { p in
                                .object([
                                    ("ossMessage", .optional(p.ossMessage)), ("ec", .optional(p.ec)),
                                    ("detail", .string(p.detail)),
                                ])
                            })
                    ),
                    ("predictedStatus", c.predictedRejection == nil ? .null : .int(400)),
                    ("unverifiable", .optional(c.unverifiable)),
                ])
            )
        ]
    }

    /// `response.callbackFailed` and `response.ossError` (docs/report-schema.md).
    static func uploadResponseMembers(_ upload: UploadDiagnosis?) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = []
        if let f = upload?.callbackFailed {
            members.append(
                (
                    "callbackFailed",
                    .object([
                        ("message", .string(f.message)), ("ec", .optional(f.ec)),
                        ("requestId", .optional(f.document.requestId)),
                        ("meaning", .string(f.meaning.key)), ("explanation", .string(f.meaning.explanation)),
                    ])
                ))
        }
        if let doc = upload?.ossError {
            members.append(
                (
                    "ossError",
                    .object([
                        ("code", .string(doc.code)), ("message", .optional(doc.message)), ("ec", .optional(doc.ec)),
                        ("requestId", .optional(doc.requestId)), ("argumentName", .optional(doc.argumentName)),
                    ])
                ))
        }
        return members
    }

    static func describe(_ end: StreamEnd?) -> String? {
        switch end {
        case .fin?: "fin"
        case .reset(by: .clientToServer, _)?: "reset-by-client"
        case .reset(by: .serverToClient, _)?: "reset-by-server"
        case .endOfCapture?: "end-of-capture"
        case .idleTimeout?: "idle-timeout"
        case nil: nil
        }
    }

    static func headersJSON(_ headers: HTTPHeaders) -> JSONValue {
        .array(headers.map { field in .object([("name", .string(field.name)), ("value", .string(field.value))]) })
    }

    static func timingJSON(_ timing: MessageTiming) -> [(String, JSONValue)] {
        [
            ("startTime", .string(timing.start.timestamp.rfc3339)),
            ("endTime", .optional(timing.end?.timestamp.rfc3339)),
            ("firstFrame", .int(Int64(timing.start.frame))),
            ("lastFrame", .optional(timing.end?.frame)),
        ]
    }

    static func bodyJSON(_ body: BodySummary) -> [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [("bodySize", .int(body.size))]
        if let decoding = body.contentDecoding {
            members.append(("contentEncoding", .string(decoding.coding)))
            members.append(("decodedBodySize", .int(decoding.decodedSize)))
            members.append(("decodingError", .optional(decoding.failure)))
        }
        members.append(("bodyPreview", .string(String(decoding: body.preview, as: UTF8.self))))
        members.append(("bodyPreviewBase64", .string(Base64.encode(body.preview))))
        members.append(("bodyPreviewTruncated", .bool(body.previewTruncated)))
        return members
    }

    static func endJSON(_ end: HTTPMessageEnd?) -> JSONValue {
        switch end {
        case .complete?: .bool(true)
        default: .bool(false)
        }
    }

    static func requestJSON(_ r: CapturedRequest) -> JSONValue {
        .object(
            [
                ("method", .string(r.head.method)),
                ("target", .string(r.head.target)),
                ("version", .string(r.head.version.description)),
                ("headers", headersJSON(r.head.headers)),
            ] + bodyJSON(r.body) + timingJSON(r.timing) + [
                ("complete", endJSON(r.end)),
                ("anomalies", .array(r.anomalies.map { .string(String(describing: $0)) })),
                ("signature", r.signature.map(signatureJSON) ?? .null),
            ])
    }

    /// `{status, keyUrl, keyUrlTrusted, reason, verifiedWith}` (additive in schemaVersion 1).
    static func signatureJSON(_ s: SignatureVerdict) -> JSONValue {
        .object([
            ("status", .string(s.status.rawValue)),
            ("keyUrl", .optional(s.keyURL?.url)),
            ("keyUrlTrusted", .optional(s.keyURL?.trusted)),
            ("reason", .string(s.reason)),
            ("verifiedWith", .optional(s.verifiedWith)),
        ])
    }

    static func responseJSON(_ r: CapturedResponse) -> JSONValue {
        let contentLength: JSONValue
        if case .contentLength(let n) = r.framing { contentLength = .int(n) } else { contentLength = .null }
        let framing: String
        switch r.framing {
        case .none: framing = "none"
        case .contentLength: framing = "content-length"
        case .chunked: framing = "chunked"
        case .closeDelimited: framing = "close-delimited"
        }
        return .object(
            [
                ("status", .int(Int64(r.head.status))),
                ("reason", .string(r.head.reason)),
                ("version", .string(r.head.version.description)),
                ("headers", headersJSON(r.head.headers)),
                ("contentType", .optional(r.head.headers["content-type"])),
                ("contentLength", contentLength),
                ("framing", .string(framing)),
            ] + bodyJSON(r.body) + timingJSON(r.timing) + [
                ("complete", endJSON(r.end)),
                ("trailingBytes", .int(r.trailingBytes)),
                ("anomalies", .array(r.anomalies.map { .string(String(describing: $0)) })),
            ])
    }

    static func interimJSON(_ r: InterimResponse) -> JSONValue {
        .object([("status", .int(Int64(r.status))), ("reason", .string(r.reason))] + timingJSON(r.timing))
    }

    /// The `tls` object of an HTTPS exchange (docs/report-schema.md). Request and response are
    /// runs of encrypted records: their times are estimates of the HTTP messages' times.
    static func tlsJSON(_ tls: TLSSession) -> JSONValue {
        .object([
            ("version", .optional(tls.version?.description)),
            ("sni", .optional(tls.clientHello?.serverName)),
            ("alpn", .optional(tls.serverHello?.alpn)),
            ("clientHello", tls.clientHello.map(clientHelloJSON) ?? .null),
            ("serverHello", tls.serverHello.map(serverHelloJSON) ?? .null),
            ("helloRetryRequest", .bool(tls.helloRetryRequested)),
            ("handshake", .object(handshakeMembers(tls.handshake))),
            ("alerts", .array(tls.alerts.map(seenAlertJSON))),
            ("estimated", .bool(true)),
            ("request", recordRunJSON(tls.request)),
            ("response", recordRunJSON(tls.response)),
            ("lateServerRecords", recordRunJSON(tls.lateServerRecords)),
            ("postHandshakeServerRecords", .int(Int64(tls.postHandshakeServerRecords))),
            ("estimatedLatencySeconds", .optional(tls.estimatedLatencySeconds)),
            (
                "records",
                .object([("client", .int(Int64(tls.clientRecords))), ("server", .int(Int64(tls.serverRecords)))])
            ),
            ("problem", .optional(tls.problem)),
        ])
    }
}

/// The parts of ``ReportedExchange/tlsJSON(_:)``, one per object of `tls` (docs/report-schema.md).
extension ReportedExchange {
    /// `"client"` or `"server"`: the side that sent a record.
    private static func tlsSide(_ direction: StreamDirection) -> String {
        direction == .clientToServer ? "client" : "server"
    }

    /// `tls.request`, `tls.response`, `tls.lateServerRecords`: a run of encrypted records, or null.
    private static func recordRunJSON(_ run: TLSRecordRun?) -> JSONValue {
        guard let run else { return .null }
        return .object([
            ("records", .int(Int64(run.records))), ("bytes", .int(run.bytes)),
            ("startTime", .string(run.firstStart.timestamp.rfc3339)),
            ("endTime", .string(run.lastEnd.timestamp.rfc3339)),
            ("firstFrame", .int(Int64(run.firstStart.frame))), ("lastFrame", .int(Int64(run.lastEnd.frame))),
        ])
    }

    /// A plaintext alert (`{level, description, code}`), or null for an encrypted one.
    private static func alertJSON(_ alert: TLSAlert?) -> JSONValue {
        guard let alert else { return .null }
        return .object([
            ("level", .string(alert.levelName)), ("description", .string(alert.name)),
            ("code", .int(Int64(alert.code))),
        ])
    }

    /// `tls.clientHello`: what the client offered.
    private static func clientHelloJSON(_ hello: TLSClientHello) -> JSONValue {
        .object([
            ("legacyVersion", .string(hello.legacyVersion.description)),
            ("sni", .optional(hello.serverName)),
            ("supportedVersions", .array(hello.supportedVersions.map { .string($0.description) })),
            ("alpn", .array(hello.alpn.map(JSONValue.string))),
            ("cipherSuites", .int(Int64(hello.cipherSuiteCount))),
        ])
    }

    /// `tls.serverHello`: what the server chose.
    private static func serverHelloJSON(_ hello: TLSServerHello) -> JSONValue {
        .object([
            ("legacyVersion", .string(hello.legacyVersion.description)),
            ("selectedVersion", .optional(hello.selectedVersion?.description)),
            ("cipherSuite", .string("0x" + String(hello.cipherSuite, radix: 16))),
            ("alpn", .optional(hello.alpn)),
        ])
    }

    /// `tls.handshake`'s members: its result, then `time`, `frame`, `failure` and `reason`, each
    /// null where the result has none.
    private static func handshakeMembers(_ handshake: TLSHandshakeOutcome) -> [(String, JSONValue)] {
        let result: (String, JSONValue) = ("result", .string(handshake.label))
        switch handshake {
        case .completed(let origin):
            return [
                result, ("time", .string(origin.timestamp.rfc3339)), ("frame", .int(Int64(origin.frame))),
                ("failure", .null), ("reason", .null),
            ]
        case .failed(let failure):
            return [
                result, ("time", .string(failure.origin.timestamp.rfc3339)),
                ("frame", .int(Int64(failure.origin.frame))), ("failure", handshakeFailureJSON(failure)),
                ("reason", .null),
            ]
        case .unfinished:
            return [
                result, ("time", .null), ("frame", .null), ("failure", .null),
                ("reason", .string("the capture ended during the handshake")),
            ]
        case .incomplete(let reason):
            return [result, ("time", .null), ("frame", .null), ("failure", .null), ("reason", .string(reason))]
        }
    }

    /// `tls.handshake.failure`: how (`alert`, `encrypted-alert`, `reset`, `closed`), by whom, at
    /// which stage, and the alert when it was readable.
    private static func handshakeFailureJSON(_ failure: TLSHandshakeFailure) -> JSONValue {
        let kind: String
        var failureAlert: TLSAlert?
        switch failure.kind {
        case .alert(let a):
            kind = "alert"
            failureAlert = a
        case .encryptedAlert: kind = "encrypted-alert"
        case .reset: kind = "reset"
        case .closed: kind = "closed"
        }
        return .object([
            ("kind", .string(kind)), ("by", .string(tlsSide(failure.by))), ("stage", .string(failure.stage)),
            ("alert", alertJSON(failureAlert)),
        ])
    }

    /// One of `tls.alerts`: who sent it, whether it was encrypted, the alert, when.
    private static func seenAlertJSON(_ seen: TLSAlertSeen) -> JSONValue {
        .object([
            ("from", .string(tlsSide(seen.from))), ("encrypted", .bool(seen.alert == nil)),
            ("alert", alertJSON(seen.alert)),
            ("time", .string(seen.origin.timestamp.rfc3339)), ("frame", .int(Int64(seen.origin.frame))),
        ])
    }
}

extension OSSMessageSource {
    /// `{"basis": "documented" | "inferred" | "observed", "fact": "facts §4.7 [D21-203]"}` (docs/report-schema.md).
    public var json: JSONValue {
        .object([("basis", .string(basis.rawValue)), ("fact", .string(fact))])
    }
}

extension Finding {
    public var json: JSONValue {
        .object([
            ("rule", .string(rule.rawValue)),
            ("severity", .string(severity.rawValue)),
            ("message", .string(message)),
            ("evidence", .object(evidence.map { ($0.key, .string($0.value)) })),
            ("ossError", .optional(ossError)),
            ("ossErrorSource", ossErrorSource.map(\.json) ?? .null),
            ("hint", .string(hint)),
            ("estimated", .bool(estimated)),
        ])
    }
}

extension ReportSummary {
    public var json: JSONValue {
        .object(
            [
                ("captures", .int(Int64(captures))),
                ("capturesUnreadable", .int(Int64(capturesUnreadable))),
            ] + counts.jsonMembers + [
                ("findingsByRule", .object(findingsByRule.map { ($0.rule.rawValue, .int(Int64($0.count))) })),
                (
                    "perCapture",
                    .array(
                        perCapture.map { t in
                            .object(
                                [("path", .string(t.path)), ("readable", .bool(!t.readError))] + t.counts.jsonMembers
                                    + t.addedJSONMembers)
                        })
                ),
            ] + addedJSONMembers)
    }
}
