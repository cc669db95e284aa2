/// Escaping of capture-derived text for HTML documents.
///
/// Capture bytes are attacker-controlled. Every string that came from a capture goes through one
/// of these functions, chosen by the context it lands in; none of them is ever placed in a URL,
/// a `style`, an event handler or a script.
public enum HTMLEscape {
    /// Text content of an element — including SVG `<text>` and `<title>`, which an HTML parser
    /// reads as foreign content with the same escaping rules.
    ///
    /// Control characters and bidi overrides are first made visible (``TerminalSafety/escape(_:)``),
    /// then `&`, `<`, `>`, `"` and `'` become character references, so no tag, comment, CDATA
    /// section or entity can start.
    public static func text(_ text: String) -> String {
        var out = ""
        let visible = TerminalSafety.escape(text)
        out.reserveCapacity(visible.utf8.count)
        for scalar in visible.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// A double-quoted attribute value. Stricter than ``text(_:)``: every ASCII character other
    /// than letters, digits, space and `-_.,:/` becomes a numeric character reference (the OWASP
    /// rule for attributes), so even a missing quote could not end the value.
    public static func attribute(_ text: String) -> String {
        var out = ""
        for scalar in TerminalSafety.escape(text).unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", " ", "-", "_", ".", ",", ":", "/":
                out.unicodeScalars.append(scalar)
            default:
                if scalar.isASCII {
                    out += "&#x" + String(scalar.value, radix: 16, uppercase: true) + ";"
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}

/// Escaping of capture-derived text for CommonMark / GitHub-flavoured Markdown.
public enum MarkdownEscape {
    /// Inline text in a paragraph, list item or table cell, always placed after some text of
    /// ours (never at the start of a line, so block syntax such as `#`, `-`, `>` or `1.` cannot
    /// start).
    ///
    /// - controls and bidi overrides are made visible (``TerminalSafety/escape(_:)``), so the
    ///   text is one line and a table row cannot be split;
    /// - `\`, `` ` ``, `*`, `_`, `[`, `]`, `|`, `~` are backslash-escaped: no code span,
    ///   emphasis, link, image or extra table cell can start;
    /// - `<` and `>` become `&lt;` / `&gt;`: no HTML and no `<autolink>`;
    /// - `&` before a letter or `#` becomes `\&`: no entity reference;
    /// - the `:` of `://` and the `.` of `www.` are backslash-escaped and `@` becomes a code span
    ///   (`` `@` ``), so GFM's extended autolinks do not turn data into links (checked with
    ///   cmark-gfm 0.29, GitHub's renderer).
    public static func inline(_ text: String) -> String {
        let scalars = Array(TerminalSafety.escape(text).unicodeScalars)
        var out = ""
        out.reserveCapacity(scalars.count + 8)
        for (i, scalar) in scalars.enumerated() {
            let next = i + 1 < scalars.count ? scalars[i + 1] : nil
            switch scalar {
            case "\\", "`", "*", "_", "[", "]", "|", "~":
                out += "\\"
                out.unicodeScalars.append(scalar)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "@":
                // cmark-gfm (GitHub) finds e-mail autolinks in merged text even after `\@`; a
                // code span splits the text, so `user@host.example` cannot become a mailto: link.
                out += "`@`"
            case "&":
                if let next, next == "#" || next.properties.isAlphabetic { out += "\\&" } else { out += "&" }
            case ":":
                if next == "/", i + 2 < scalars.count, scalars[i + 2] == "/" { out += "\\:" } else { out += ":" }
            case ".":
                let www = i >= 3 && String(String.UnicodeScalarView(scalars[(i - 3)..<i])).lowercased() == "www"
                out += www ? "\\." : "."
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Escaping for tab-separated values (`exchanges` output, after Zeek's logs).
public enum TSVEscape {
    /// One field: controls (tab and newline included) made visible, so a value can neither add
    /// a column nor a row; nil is Zeek's unset field `-`, the empty string its `(empty)`, and a
    /// value that equals either marker is escaped (`\x2d`, `\x28empty)`).
    public static func field(_ value: String?) -> String {
        guard let value else { return "-" }
        if value.isEmpty { return "(empty)" }
        if value == "-" { return "\\x2d" }
        if value == "(empty)" { return "\\x28empty)" }
        return TerminalSafety.escape(value)
    }
}

/// CSV fields (RFC 4180 §2): a field holding a comma, a double quote, CR or LF is enclosed in
/// double quotes, with each double quote inside doubled; any other field is written as it is.
/// Records end with CRLF (``record(_:)``), as §2.1 says. CR, LF and tab stay as they are (quoted);
/// every other control ``TerminalSafety`` escapes (ESC, C1, bidi overrides) is escaped the same
/// way, so a CSV printed on a terminal cannot drive it.
public enum CSVEscape {
    public static func field(_ value: String) -> String {
        let safe = value.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } ? value : withoutTerminalControls(value)
        guard
            safe.utf8.contains(where: {
                $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0D || $0 == 0x0A
            })
        else { return safe }
        return "\"" + safe.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    /// One record: the fields escaped, separated by commas, ended by CRLF.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// `value` with each run of text between CR, LF and tab passed through ``TerminalSafety/escape(_:)``.
    private static func withoutTerminalControls(_ value: String) -> String {
        var out = "", run = ""
        for scalar in value.unicodeScalars {
            if scalar == "\r" || scalar == "\n" || scalar == "\t" {
                out += TerminalSafety.escape(run)
                run = ""
                out.unicodeScalars.append(scalar)
            } else {
                run.unicodeScalars.append(scalar)
            }
        }
        return out + TerminalSafety.escape(run)
    }
}
