import Rendering
import Testing

@Suite struct TerminalSafetyTests {
    @Test(arguments: [
        ("\u{1B}[31mred\u{1B}[0m", "\\x1b[31mred\\x1b[0m"),
        ("\u{1B}]0;title\u{07}", "\\x1b]0;title\\x07"),
        ("a\rb\u{08}c\td\ne", "a\\rb\\x08c\\td\\ne"),
        ("\u{00}\u{7F}\u{9B}31m", "\\x00\\x7f\\x9b31m"),
        ("\u{202E}txt.exe\u{2066}", "\\u{202e}txt.exe\\u{2066}"),
        ("a\u{200F}b\u{061C}c\u{200E}", "a\\u{200f}b\\u{61c}c\\u{200e}"),
        ("plain é 日本", "plain é 日本"),
    ])
    func controlsAreShownEscaped(input: String, expected: String) {
        #expect(TerminalSafety.escape(input) == expected)
    }
}

@Suite struct HTMLEscapeTests {
    @Test func textEscapesMarkupAndControls() {
        #expect(
            HTMLEscape.text("<script>alert('x')</script> & \"q\"")
                == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        #expect(HTMLEscape.text("<!--") == "&lt;!--")
        #expect(HTMLEscape.text("]]><![CDATA[") == "]]&gt;&lt;![CDATA[")
        #expect(HTMLEscape.text("a\u{1B}[2Jb") == "a\\x1b[2Jb")
    }

    @Test func attributeEscapesEverythingButASafeSet() {
        #expect(
            HTMLEscape.attribute("x\" onmouseover=\"alert(1)") == "x&#x22; onmouseover&#x3D;&#x22;alert&#x28;1&#x29;")
        #expect(HTMLEscape.attribute("a`b'c<d>e&f") == "a&#x60;b&#x27;c&#x3C;d&#x3E;e&#x26;f")
        #expect(HTMLEscape.attribute("fail") == "fail")
    }
}

@Suite struct MarkdownEscapeTests {
    @Test(arguments: [
        ("a|b", "a\\|b"),
        ("`code`", "\\`code\\`"),
        ("**bold** _em_ ~~del~~", "\\*\\*bold\\*\\* \\_em\\_ \\~\\~del\\~\\~"),
        ("[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))"),
        ("![img](x.png)", "!\\[img\\](x.png)"),
        ("<script>x</script>", "&lt;script&gt;x&lt;/script&gt;"),
        ("<http://evil.example>", "&lt;http\\://evil.example&gt;"),
        ("see https://evil.example/x", "see https\\://evil.example/x"),
        ("www.evil.example WWW.x", "www\\.evil.example WWW\\.x"),
        ("user@evil.example", "user`@`evil.example"),
        ("&amp; &#60; & x", "\\&amp; \\&#60; & x"),
        ("back\\slash", "back\\\\slash"),
        ("line\nbreak\r\u{1B}[31m", "line\\\\nbreak\\\\r\\\\x1b\\[31m"),
        ("1.5 ms: ok", "1.5 ms: ok"),
    ])
    func inlineEscaping(input: String, expected: String) {
        #expect(MarkdownEscape.inline(input) == expected)
    }

    @Test func escapedTextNeverHoldsARawNewlineOrUnescapedPipe() {
        let hostile = "a|b\n| c |\r\n|---|"
        let escaped = MarkdownEscape.inline(hostile)
        #expect(!escaped.contains("\n") && !escaped.contains("\r"))
        var previous: Character = " "
        for c in escaped {
            if c == "|" { #expect(previous == "\\") }
            previous = c
        }
    }
}

@Suite struct TSVEscapeTests {
    @Test func fieldsNeverSplitRowsOrColumns() {
        #expect(TSVEscape.field("a\tb\nc") == "a\\tb\\nc")
        #expect(TSVEscape.field(nil) == "-")
        #expect(TSVEscape.field("") == "(empty)")
        #expect(TSVEscape.field("-") == "\\x2d")
        #expect(TSVEscape.field("(empty)") == "\\x28empty)")
        #expect(TSVEscape.field("ok") == "ok")
    }
}

@Suite struct HexDumpTests {
    @Test func dumpsLikeHexdumpC() {
        let lines = HexDump.lines(Array("{\"Status\":\"OK\"}\u{1B}<".utf8))
        #expect(
            lines == [
                "00000000  7b 22 53 74 61 74 75 73  22 3a 22 4f 4b 22 7d 1b  |{\"Status\":\"OK\"}.|",
                "00000010  3c                                                |<|",
            ])
        #expect(HexDump.lines([]) == [])
        #expect(HexDump.lines([UInt8](repeating: 0x41, count: 32)).count == 2)
    }
}

@Suite struct ColorChoiceTests {
    @Test func autoFollowsTheTerminalAndNoColor() {
        #expect(ColorChoice.auto.enabled(isTerminal: true, environment: [:]))
        #expect(!ColorChoice.auto.enabled(isTerminal: false, environment: [:]))
        #expect(!ColorChoice.auto.enabled(isTerminal: true, environment: ["NO_COLOR": "1"]))
        #expect(ColorChoice.auto.enabled(isTerminal: true, environment: ["NO_COLOR": ""]))
        #expect(!ColorChoice.auto.enabled(isTerminal: true, environment: ["TERM": "dumb"]))
        #expect(ColorChoice.always.enabled(isTerminal: false, environment: ["NO_COLOR": "1"]))
        #expect(!ColorChoice.never.enabled(isTerminal: true, environment: [:]))
    }

    @Test func styleIsIdentityWhenDisabled() {
        #expect(TerminalStyle(enabled: false).red("x") == "x")
        #expect(TerminalStyle(enabled: true).red("x") == "\u{1B}[31mx\u{1B}[0m")
        #expect(TerminalStyle(enabled: true).bold("") == "")
    }
}
