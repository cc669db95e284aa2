import CaptureModel
import Diagnosis
import HTTP1
import HTTPExchanges
import JSONValidation
public import ReportModel
import TCPReassembly

/// `callback-doctor show CAPTURE N`: one exchange in full, for a terminal — what Wireshark's
/// "Follow HTTP stream" gives, plus the verdict: the connection and its TCP events (handshake,
/// FIN / RST with frames, bytes missing, anomalies), both messages' heads with every field, each
/// body as kept (decoded; text escaped, or a hex dump where it is not text or starts with a
/// byte-order mark), the signature check, the latency, what OSS told the uploader and every
/// finding with its evidence and fix.
///
/// Bodies are the bounded prefixes the analysis keeps (``BodySummary/preview``, after content
/// decoding); the full sizes are stated, and a cut preview says so. Every capture-derived string
/// passes through ``TerminalSafety/escape(_:)``.
public enum ExchangeDetail {
    /// Writes exchange `#number` of the report into `sink`.
    public static func render(_ reported: ReportedExchange, number: Int, color: Bool = false, to sink: ByteSink) {
        let style = TerminalStyle(enabled: color)
        let d = reported.diagnosed, e = d.exchange
        sink.write(style.bold("#\(number)") + "  \(kind(reported))  " + TerminalSafety.escape(reported.capture) + "\n")
        sink.write(connectionLines(e).joined())
        for (key, value) in ReportWording.legLines(d) { sink.write("  \(key): \(TerminalSafety.escape(value))\n") }
        if let tls = e.tls {
            sink.write("\n" + style.bold("HTTPS (TLS records, not decrypted)") + "\n")
            for (key, value) in ReportWording.tlsFacts(tls) {
                sink.write("  \(key): \(TerminalSafety.escape(value))\n")
            }
        }
        if let request = e.request { sink.write("\n" + requestSection(request, style: style)) }
        for interim in e.interimResponses {
            sink.write(
                "\n" + style.bold("Interim response")
                    + "  frame \(interim.timing.start.frame)  \(ReportWording.clock(interim.timing.start.timestamp, date: true))\n"
            )
            sink.write("  \(interim.status) \(TerminalSafety.escape(interim.reason))\n")
        }
        if let response = e.response { sink.write("\n" + responseSection(response, style: style)) }
        sink.write("\n" + verdictSection(d, style: style))
    }

    /// ``render(_:number:color:to:)``'s text as one `String`.
    public static func render(_ reported: ReportedExchange, number: Int, color: Bool = false) -> String {
        ByteSink.collect { render(reported, number: number, color: color, to: $0) }
    }

    /// `OSS callback, FAIL`, `connection attempt, FAIL`, `upload to OSS`, `HTTP exchange (not a callback)`.
    static func kind(_ reported: ReportedExchange) -> String {
        let d = reported.diagnosed
        if d.exchange.refusal != nil { return "connection attempt, \(ReportWording.badge(d.outcome))" }
        if ReportWording.isUpload(reported) { return "upload to OSS with a callback" }
        if d.isCallback { return "OSS callback, \(ReportWording.badge(d.outcome))" }
        return "HTTP exchange (not an OSS callback)"
    }

    /// The connection: endpoints, first frame, handshake, how each side ended, holes, anomalies.
    static func connectionLines(_ e: HTTPExchange) -> [String] {
        let c = e.connection
        var lines = [
            "connection \(c.id): \(c.client) → \(c.server), exchange \(e.index + 1) on it; first frame \(c.firstSeen.frame) at "
                + ReportWording.clock(c.firstSeen.timestamp, date: true)
                + (c.handshakeSeen ? ", SYN captured" : ", SYN not captured") + "\n"
        ]
        if let refusal = e.refusal {
            var line = "  SYN frames \(refusal.synFrames.map(String.init).joined(separator: ", "))"
            if let reset = refusal.reset {
                line += "; RST frame \(reset.frame) at \(ReportWording.clock(reset.timestamp, date: false))"
            } else {
                line += "; never answered"
            }
            lines.append(line + "\n")
        }
        lines.append("  client (OSS) side: " + endText(e.outcome.clientEnd) + "\n")
        lines.append("  server side: " + endText(e.outcome.serverEnd) + "\n")
        for hole in e.holes {
            let side = hole.direction == .clientToServer ? "request" : "response"
            lines.append(
                "  missing from the capture: \(hole.length) \(side) bytes at stream offset \(hole.offset), after frame \(hole.origin.frame)\n"
            )
        }
        for anomaly in e.tcpAnomalies { lines.append("  TCP: " + TerminalSafety.escape(anomaly.description) + "\n") }
        return lines
    }

    /// How one direction ended: `FIN, frame 30 at 00:58:24.012`, `RST by the server, frame 31 …`.
    static func endText(_ end: StreamEnd?) -> String {
        func at(_ o: StreamOrigin) -> String { "frame \(o.frame) at \(ReportWording.clock(o.timestamp, date: false))" }
        switch end {
        case .fin(let o)?: return "FIN, " + at(o)
        case .reset(let by, let o)?: return "RST by the \(by == .clientToServer ? "client" : "server"), " + at(o)
        case .endOfCapture?: return "still open at the end of the capture"
        case .idleTimeout(let o)?: return "idle, dropped by the analysis after " + at(o)
        case nil: return "open when the exchange was finalised"
        }
    }

    static func requestSection(_ r: CapturedRequest, style: TerminalStyle) -> String {
        var out = style.bold("Request") + "  " + framesText(r.timing) + "\n"
        out += "  " + TerminalSafety.escape("\(r.head.method) \(r.head.target) \(r.head.version)") + "\n"
        out += headerLines(r.head.headers)
        out += bodyLines(r.body, end: r.end, anomalies: r.anomalies)
        if let signature = r.signature {
            out +=
                "  " + style.dim("signature:") + " " + TerminalSafety.escape(ReportWording.signature(signature)) + "\n"
        }
        return out
    }

    static func responseSection(_ r: CapturedResponse, style: TerminalStyle) -> String {
        var out = style.bold("Response") + "  " + framesText(r.timing) + "\n"
        out += "  " + TerminalSafety.escape("\(r.head.version) \(r.head.status) \(r.head.reason)") + "\n"
        out += headerLines(r.head.headers)
        let framing: String
        switch r.framing {
        case .none: framing = "no body"
        case .contentLength(let n): framing = "Content-Length \(n)"
        case .chunked: framing = "chunked"
        case .closeDelimited: framing = "until the connection closes"
        }
        out +=
            "  framing: \(framing)" + (r.trailingBytes > 0 ? "; \(r.trailingBytes) bytes followed the framing" : "")
            + "\n"
        out += bodyLines(r.body, end: r.end, anomalies: r.anomalies)
        return out
    }

    /// `frames 20–22, 2026-11-26 00:58:23.961 → 00:58:23.962`
    static func framesText(_ t: MessageTiming) -> String {
        guard let end = t.end else {
            return "from frame \(t.start.frame) at \(ReportWording.clock(t.start.timestamp, date: true)), unfinished"
        }
        let frames = end.frame == t.start.frame ? "frame \(end.frame)" : "frames \(t.start.frame)–\(end.frame)"
        return
            "\(frames), \(ReportWording.clock(t.start.timestamp, date: true)) → \(ReportWording.clock(end.timestamp, date: false))"
    }

    static func headerLines(_ headers: HTTPHeaders) -> String {
        headers.map { "  " + TerminalSafety.escape($0.name) + ": " + TerminalSafety.escape($0.value) + "\n" }.joined()
    }

    /// The body's sizes and verdicts, then its kept bytes: text lines, or a hex dump.
    static func bodyLines(_ body: BodySummary, end: HTTPMessageEnd?, anomalies: [HTTPAnomaly]) -> String {
        var facts = ["\(body.size) bytes"]
        if let decoding = body.contentDecoding {
            facts.append(
                "Content-Encoding \(TerminalSafety.escape(decoding.coding)), \(decoding.decodedSize) bytes decoded")
            if let failure = decoding.failure { facts.append("decoding failed: " + TerminalSafety.escape(failure)) }
        }
        if body.missingBytes > 0 { facts.append("\(body.missingBytes) bytes missing from the capture") }
        if let bom = body.byteOrderMark { facts.append("\(bom.rawValue) byte-order mark") }
        if let json = body.json { facts.append("JSON: " + TerminalSafety.escape(json.description)) }
        if case .truncated(let expected, let received)? = end {
            facts.append("cut off after \(received) bytes" + (expected.map { " of \($0)" } ?? ""))
        }
        var out = "  body: " + facts.joined(separator: "; ") + "\n"
        for anomaly in anomalies { out += "  anomaly: " + TerminalSafety.escape(String(describing: anomaly)) + "\n" }
        guard !body.preview.isEmpty else { return out }
        let shown = body.previewTruncated ? "the first \(body.preview.count) bytes" : "all \(body.preview.count) bytes"
        if body.byteOrderMark == nil, let text = printableText(body.preview) {
            out += "  \(shown), as text:\n"
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                out += "    │ " + TerminalSafety.escape(String(line)) + "\n"
            }
        } else {
            out += "  \(shown), in hex:\n"
            for line in HexDump.lines(body.preview) { out += "    " + TerminalSafety.escape(line) + "\n" }
        }
        return out
    }

    /// The bytes as a `String` when they are UTF-8 text (tabs, CR and LF allowed; a character cut
    /// at the end of a preview ignored); nil for anything else — controls, and U+FEFF (a
    /// byte-order mark, invisible on a terminal) anywhere.
    static func printableText(_ bytes: [UInt8]) -> String? {
        var end = bytes.count
        // A multi-byte character cut by the preview's end: drop its lead and continuation bytes.
        var back = 0
        while back < 3, end - back > 0, bytes[end - back - 1] & 0xC0 == 0x80 { back += 1 }
        if end - back > 0, bytes[end - back - 1] >= 0xC0 { end -= back + 1 }
        let text = String(decoding: bytes[..<end], as: UTF8.self)
        guard Array(text.utf8) == Array(bytes[..<end]) else { return nil }  // invalid UTF-8 was replaced
        let controls = text.unicodeScalars.contains { s in
            (s.value < 0x20 && s != "\t" && s != "\n" && s != "\r") || (0x7F...0x9F).contains(s.value)
                || s.value == 0xFEFF
        }
        return controls ? nil : text
    }

    /// Latency, what OSS told the uploader, the uploader's side, and every finding.
    static func verdictSection(_ d: DiagnosedExchange, style: TerminalStyle) -> String {
        var out = style.bold("Verdict") + ": " + ReportWording.badge(d.outcome) + "\n"
        let latency = ReportWording.latency(d)
        if latency != "—" { out += "  latency (response end − request end): " + latency + "\n" }
        if case .unknown(let reason) = d.outcome { out += "  not judged: " + TerminalSafety.escape(reason) + "\n" }
        if let uploader = ReportWording.uploader(d) {
            out += "  OSS told the uploader: " + TerminalSafety.escape(uploader) + "\n"
        }
        for (key, value) in ReportWording.uploadLines(d) { out += "  \(key): " + TerminalSafety.escape(value) + "\n" }
        if d.findings.isEmpty { out += "  no findings\n" }
        for finding in d.findings {
            out += "  \(finding.severity.rawValue) \(finding.rule.rawValue)\(finding.estimated ? " (estimated)" : ""): "
            out += TerminalSafety.escape(finding.message) + "\n"
            for evidence in finding.evidence {
                out +=
                    "      " + TerminalSafety.escape(evidence.key) + ": " + TerminalSafety.escape(evidence.value) + "\n"
            }
            if let oss = ReportWording.ossSays(finding) {
                out += "      OSS says: " + TerminalSafety.escape(oss) + "\n"
            }
            out += "      fix: " + TerminalSafety.escape(finding.hint) + "\n"
        }
        return out
    }
}
