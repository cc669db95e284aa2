import CaptureModel
import HTTPExchanges
import TCPReassembly
import TLSRecords

// The rules for an HTTPS callback, judged from its TLS records (facts §2.6, §4.5, §4.7, §6).
//
// What counts as a callback: an HTTPS request's headers are encrypted, so nothing marks it as
// OSS's. Every connection whose client began with a TLS handshake is taken as a possible
// callback (signal `tls`); a capture taken on the callback server's port — as the README asks —
// holds nothing else.
//
// Verdicts:
// - handshake failed (alert, encrypted alert, RST or FIN before it finished) → `tls-handshake-failed`,
//   plus `tls-no-sni` (info) when the ClientHello had no server_name;
// - handshake done, request records sent, no server record before the connection ended or the
//   client closed → `no-response`, marked estimated;
// - the last response record ended more than the threshold after the request's last record →
//   `slow-response`, marked estimated;
// - bytes missing, or a handshake still running when the capture ended → `incomplete`, no verdict.
extension Diagnoser {
    /// The findings of an HTTPS exchange, from its TLS records alone, in steps: bytes missing,
    /// the handshake, the request, then what the server's records show (none, records the client
    /// did not wait for, a slow response).
    func tlsFindings(_ exchange: HTTPExchange, _ tls: TLSSession) -> [Finding] {
        var findings: [Finding] = []
        if let missing = missingTLSBytes(exchange) { findings.append(missing) }
        if let handshake = handshakeFindings(exchange, tls) { return findings + handshake }
        // Without a request there is nothing OSS waited for — but a handshake that OSS completed
        // and then left without a request is not a pass either.
        guard let request = tls.request else {
            if exchange.holes.isEmpty {
                findings.append(
                    Finding(
                        .incomplete,
                        "The TLS handshake completed but no encrypted request followed before the connection ended; there is nothing to judge."
                    ))
            }
            return findings
        }
        let evidenceBase = [
            Evidence(
                "requestRecords",
                "\(request.records) (\(request.bytes) bytes), first at frame \(request.firstStart.frame)"),
            Evidence("estimate", "from TLS record timing: the contents are encrypted"),
        ]
        guard let response = tls.response else {
            guard !exchange.holes.contains(where: { $0.direction == .serverToClient }) else { return findings }
            findings.append(noTLSResponse(exchange, tls, request: request, evidence: evidenceBase))
            return findings
        }
        let latency = tls.estimatedLatencySeconds ?? 0
        if let waitedOut = waitedOutTLSResponse(
            exchange, tls, request: request, response: response, latency: latency, evidence: evidenceBase)
        {
            findings.append(waitedOut)
            return findings
        }
        if latency > settings.latencyThresholdSeconds {
            findings.append(
                slowTLSResponse(
                    exchange, request: request, response: response, latency: latency, evidence: evidenceBase))
        }
        return findings
    }

    /// `incomplete` naming the bytes of each side missing from the capture; nil when none are.
    private func missingTLSBytes(_ exchange: HTTPExchange) -> Finding? {
        guard !exchange.holes.isEmpty else { return nil }
        let serverHoles = exchange.holes.filter { $0.direction == .serverToClient }
        let client = exchange.holes.filter { $0.direction == .clientToServer }.reduce(Int64(0)) { $0 + $1.length }
        let server = serverHoles.reduce(Int64(0)) { $0 + $1.length }
        var parts: [String] = []
        if client > 0 { parts.append("\(client) byte\(client == 1 ? "" : "s") of what the client sent") }
        if server > 0 { parts.append("\(server) byte\(server == 1 ? "" : "s") of what the server sent") }
        return Finding(
            .incomplete,
            "\(parts.joined(separator: " and ").prefix(1).uppercased())\(parts.joined(separator: " and ").dropFirst()) are missing from the capture of this TLS connection; only what the records before the gap show is judged.",
            evidence: [
                Evidence(
                    "missingFrames",
                    exchange.holes.map { "after frame \($0.origin.frame): \($0.length) bytes" }.joined(separator: "; "))
            ])
    }

    /// The findings of a handshake that did not complete (failed, not followed, unfinished); nil
    /// when it completed.
    private func handshakeFindings(_ exchange: HTTPExchange, _ tls: TLSSession) -> [Finding]? {
        var findings: [Finding] = []
        switch tls.handshake {
        case .failed(let failure):
            findings.append(handshakeFailed(exchange, tls, failure))
            if let hello = tls.clientHello, hello.serverName == nil, Self.mayNeedSNI(failure) {
                findings.append(
                    Finding(
                        .tlsNoSNI,
                        "The ClientHello carried no server name (SNI): OSS sends none unless the callback sets \"callbackSNI\": true, and a server that picks its certificate by name cannot answer it\(Self.sniSpecific(failure)).",
                        evidence: [Evidence("sni", "(none)")]))
            }
            return findings
        case .incomplete(let reason):
            if exchange.holes.isEmpty {
                findings.append(Finding(.incomplete, "The TLS records could not be followed (\(reason)); no verdict."))
            }
            return findings
        case .unfinished:
            if exchange.holes.isEmpty {
                findings.append(
                    Finding(
                        .incomplete,
                        "The TLS handshake had not finished when the capture ended; whether it would have succeeded cannot be told."
                    ))
            }
            return findings
        case .completed:
            return nil
        }
    }

    /// No server record followed the request (or only records too late to be read).
    private func noTLSResponse(
        _ exchange: HTTPExchange, _ tls: TLSSession, request: TLSRecordRun, evidence evidenceBase: [Evidence]
    ) -> Finding {
        if let late = tls.lateServerRecords, let close = tls.clientClose {
            let closedAfter = close.timestamp.seconds(since: request.lastEnd.timestamp)
            let lateAfter = late.firstStart.timestamp.seconds(since: request.lastEnd.timestamp)
            let timedOut = closedAfter >= settings.latencyThresholdSeconds - 0.05
            return Finding(
                .noResponse,
                "The client (OSS) closed the connection \(Self.duration(closedAfter)) after its encrypted request; the server's first record only came \(Self.duration(lateAfter)) after it, too late to be read (estimated from TLS records).",
                evidence: evidenceBase + [
                    Evidence("clientCloseFrame", "\(close.frame)"),
                    Evidence("lateResponseFrame", "\(late.firstStart.frame)"),
                ],
                ossError: timedOut
                    ? Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds)
                    : "Error status : 502.",
                ossErrorSource: timedOut ? OSSMessageFacts.replyTimeout : nil,
                estimated: true)
        } else {
            var finding = noResponse(exchange, requestStart: request.firstStart, requestEnd: request.lastEnd)
            finding.message += " (Estimated from TLS records: no server application data followed the request.)"
            finding.evidence = evidenceBase + finding.evidence
            finding.estimated = true
            return finding
        }
    }

    /// OSS closes as soon as it has read a response (it sends Connection: close). A client that
    /// closed only after waiting out its timeout, while the server had not closed, got no
    /// complete response — whatever early records the server sent (in TLS 1.3, most likely the
    /// session tickets it sends right after the handshake, racing the request): `no-response`;
    /// nil otherwise.
    private func waitedOutTLSResponse(
        _ exchange: HTTPExchange, _ tls: TLSSession, request: TLSRecordRun, response: TLSRecordRun, latency: Double,
        evidence evidenceBase: [Evidence]
    ) -> Finding? {
        guard latency <= settings.latencyThresholdSeconds, let close = tls.clientClose else { return nil }
        let waited = close.timestamp.seconds(since: request.lastEnd.timestamp)
        let serverClosedFirst: Bool
        switch exchange.outcome.serverEnd {
        case .fin(let origin)?, .reset(by: .serverToClient, let origin)?:
            serverClosedFirst = origin.timestamp < close.timestamp
        default: serverClosedFirst = false
        }
        if waited >= settings.latencyThresholdSeconds - 0.05 && !serverClosedFirst {
            return Finding(
                .noResponse,
                "The client (OSS) waited \(Self.duration(waited)) after its encrypted request and then closed the connection: the server's \(response.records == 1 ? "record" : "\(response.records) records") of \(response.bytes) bytes, the last \(Self.duration(latency)) after the request, were not a complete response (in TLS 1.3 most likely the session tickets sent right after the handshake). Estimated from TLS records.",
                evidence: evidenceBase + [
                    Evidence("clientCloseFrame", "\(close.frame)"),
                    Evidence(
                        "serverRecordsAfterRequest",
                        "\(response.records) (\(response.bytes) bytes), frames \(response.firstStart.frame)–\(response.lastEnd.frame)"
                    ),
                ],
                ossError: Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds),
                ossErrorSource: OSSMessageFacts.replyTimeout, estimated: true)
        }
        return nil
    }

    /// The last response record ended more than the threshold after the request's last record.
    private func slowTLSResponse(
        _ exchange: HTTPExchange, request: TLSRecordRun, response: TLSRecordRun, latency: Double,
        evidence evidenceBase: [Evidence]
    ) -> Finding {
        Finding(
            .slowResponse,
            "The server's encrypted response ended about \(Self.duration(latency)) after the encrypted request, over OSS's \(Self.duration(settings.latencyThresholdSeconds)) limit (estimated from TLS record timing).",
            evidence: evidenceBase + [
                Evidence("latencySeconds", Self.seconds(latency)),
                Evidence("requestEndFrame", "\(request.lastEnd.frame)"),
                Evidence(
                    "responseRecords",
                    "\(response.records) (\(response.bytes) bytes), frames \(response.firstStart.frame)–\(response.lastEnd.frame)"
                ),
            ],
            ossError: Self.replyTimeout(exchange.connection.server, settings.latencyThresholdSeconds), estimated: true)
    }

    private func handshakeFailed(_ exchange: HTTPExchange, _ tls: TLSSession, _ failure: TLSHandshakeFailure) -> Finding
    {
        let who = failure.by == .serverToClient ? "The server" : "The client (OSS)"
        let message: String
        var evidence: [Evidence] = []
        switch failure.kind {
        case .alert(let alert):
            message =
                "\(who) aborted the TLS handshake with a \(alert.levelName) \(alert.name) alert (\(failure.stage))\(Self.alertMeaning(alert, by: failure.by))."
            evidence.append(
                Evidence("alert", "\(alert) from the \(failure.by == .serverToClient ? "server" : "client")"))
        case .encryptedAlert:
            message =
                failure.by == .clientToServer
                ? "The client (OSS) sent an encrypted alert \(failure.stage) and gave up: it most likely rejected the server's certificate (a name that does not match the callback host, expired, or an untrusted issuer)."
                : "The server sent an encrypted alert \(failure.stage) and the handshake did not finish."
            evidence.append(Evidence("alert", "encrypted (its description cannot be read)"))
        case .reset:
            message = "\(who) reset the connection during the TLS handshake, \(failure.stage)."
        case .closed:
            message =
                failure.by == .serverToClient
                ? "The server closed the connection during the TLS handshake, \(failure.stage)."
                : "The client (OSS) closed the connection during the TLS handshake, \(failure.stage): it gave up on the server's handshake."
        }
        evidence.append(Evidence("frame", "\(failure.origin.frame)"))
        if let hello = tls.clientHello {
            evidence.append(Evidence("sni", hello.serverName ?? "(none)"))
            evidence.append(
                Evidence(
                    "clientOffers",
                    (hello.supportedVersions.isEmpty ? [hello.legacyVersion] : hello.supportedVersions).map(
                        \.description
                    )
                    .joined(separator: ", ")))
        }
        if let version = tls.version { evidence.append(Evidence("negotiatedVersion", version.description)) }
        return Finding(.tlsHandshakeFailed, message, evidence: evidence)
    }

    /// A few words on what an alert usually means for a callback.
    static func alertMeaning(_ alert: TLSAlert, by: StreamDirection) -> String {
        switch (alert.code, by) {
        case (112, .serverToClient): " — it does not know the requested name; with no SNI sent, it needs one"
        case (70, _): " — no TLS version in common"
        case (40, .serverToClient):
            " — no cipher suite or parameters in common, or a required extension (such as SNI) missing"
        case (42, .clientToServer), (43, .clientToServer), (44, .clientToServer), (45, .clientToServer),
            (46, .clientToServer), (48, .clientToServer):
            " — it rejected the server's certificate"
        case (0, _): " (close_notify) before the handshake finished"
        default: ""
        }
    }

    /// False for failures that SNI cannot explain: no version or security level in common.
    static func mayNeedSNI(_ failure: TLSHandshakeFailure) -> Bool {
        if case .alert(let alert) = failure.kind, [70, 71, 86].contains(alert.code) { return false }
        return true
    }

    static func sniSpecific(_ failure: TLSHandshakeFailure) -> String {
        if case .alert(let alert) = failure.kind, alert.code == 112 {
            return " — the server's unrecognized_name alert says exactly that"
        }
        return ""
    }
}
