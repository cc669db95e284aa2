/// Makes capture-derived text safe to print on a terminal.
///
/// Capture bytes are attacker-controlled: an ESC could start an ANSI CSI/OSC sequence that
/// rewrites the screen or sets the window title, a CR could overwrite a line, a BEL could ring.
/// Every C0 control (U+0000–U+001F), DEL (U+007F) and C1 control (U+0080–U+009F) is shown
/// escaped (`\x1b`, `\r`, `\n`, `\t`), as are U+2028/U+2029, the bidi overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) and the bidi marks (U+061C, U+200E, U+200F) that can reorder
/// what the reader sees.
public enum TerminalSafety {
    public static func escape(_ text: String) -> String {
        // Fast path: printable ASCII (0x20–0x7E) needs no escape — nearly every string a report
        // prints — and is returned as it is, without going scalar by scalar.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0x061C, 0x200E, 0x200F:
                let hex = String(scalar.value, radix: 16)
                if scalar.value <= 0xFF {
                    out += "\\x" + (hex.count < 2 ? "0" : "") + hex
                } else {
                    out += "\\u{" + hex + "}"
                }
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
