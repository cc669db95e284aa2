import Foundation
import TestSupport
import Testing

/// `show`, `stats` and `exchanges --format csv` on the crafted hostile capture (``HostileCapture``):
/// nothing it carries reaches the terminal raw, and `show --redact` leaks no secret.
@Suite(.serialized, .tags(.endToEnd)) struct ToolsHostileTests {
    static var capture: String { HostileReportTests.capture }

    @Test(arguments: [1, 2])
    func showEmitsNoControlCharacter(number: Int) throws {
        let r = try CLIRunner.run(["show", "--color", "never", Self.capture, String(number)])
        #expect(r.status == 0, "\(r.stderr)")
        HostileReportTests.expectNoRawControls(r.stdout, allowSGR: false)
        #expect(r.stdout.contains("\\u{202e}gnp.exe"))
        #expect(r.stdout.contains("aliyun-oss-callback\\x1b[31m<img src=x onerror=alert(1)>"))
        let redacted = try CLIRunner.run(["show", "--redact", "--color", "never", Self.capture, String(number)])
        HostileReportTests.expectNoSecrets(redacted.stdout)
        #expect(redacted.stdout.contains("[redacted 88 chars]"))
    }

    @Test(arguments: ["text", "csv", "json"])
    func statsEmitNoControlCharacter(format: String) throws {
        let r = try CLIRunner.run(["stats", "--format", format, Self.capture])
        #expect(r.status == 0, "\(r.stderr)")
        // CSV ends records with CRLF (RFC 4180); nothing else may be a control.
        HostileReportTests.expectNoRawControls(r.stdout.replacing("\r\n", with: "\n"), allowSGR: false)
        #expect(r.stdout.contains("callback.example") == false)  // servers are endpoints, not Host headers
    }

    /// Every CSV record has one field per column, whatever the capture put in its strings.
    @Test func csvKeepsOneFieldPerColumn() throws {
        let r = try CLIRunner.run(["exchanges", "--format", "csv", Self.capture])
        #expect(r.status == 0)
        HostileReportTests.expectNoRawControls(r.stdout.replacing("\r\n", with: "\n"), allowSGR: false, allowTab: true)
        let records = CSVDocument.records(r.stdout)
        #expect(records.count == 3)
        for record in records { #expect(record.count == 22, "\(record)") }
        #expect(
            records.dropFirst().allSatisfy {
                $0[9] == HostileCapture.target || $0[9].hasPrefix("/oss/callback?scenario=<script>")
            })
        #expect(r.stdout.contains("aliyun-oss-callback\\x1b[31m<img src=x onerror=alert(1)>"))
    }
}

/// A minimal RFC 4180 reader: records of fields, quoting undone, CRLF ending each record
/// (CR and LF inside quotes belong to the field).
enum CSVDocument {
    static func records(_ text: String) -> [[String]] {
        var records: [[String]] = [], record: [String] = [], field = "", quoted = false, afterQuote = false
        for c in text {
            if quoted {
                if c == "\"" {
                    quoted = false
                    afterQuote = true
                } else {
                    field.append(c)
                }
                continue
            }
            if c == "\"" {
                if afterQuote { field.append("\"") }  // a doubled quote inside a quoted field
                quoted = true
                afterQuote = false
                continue
            }
            afterQuote = false
            switch c {
            case ",":
                record.append(field)
                field = ""
            case "\r\n":
                record.append(field)
                records.append(record)
                record = []
                field = ""
            default:
                field.append(c)
            }
        }
        return records
    }
}
