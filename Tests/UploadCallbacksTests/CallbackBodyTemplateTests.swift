import JSONValidation
import Testing

@testable import UploadCallbacks

/// ``CallbackBodyTemplate``: can OSS's substitution turn a `callbackBody` into JSON (issue #16 item 7)?
@Suite struct CallbackBodyTemplateTests {
    @Test func oSSDocumentedAndUploaderQuotedFormsYieldJSON() {
        for template in [
            #"{"mimeType":${mimeType},"size":${size}}"#,  // OSS's own example (variables bare)
            #"{"bucket":${bucket},"object":${object},"u":${x:uid}}"#,
            #"{"object":"${object}","size":"${size}"}"#,  // quoted by the uploader: not judged
            #"{"path":"a/${object}/b","n":1}"#,  // a variable inside a longer string
            #"{"a":"x\"${v}\"y"}"#,  // escaped quotes around a variable stay inside the string
            #"[${a},${b},{"c":[${d}]}]"#,
            #" {"a":${a}} "#,
            #"{"a":"${not closed"}"#,  // `${` without `}` inside a string is text
        ] {
            #expect(CallbackBodyTemplate.firstError(template) == nil, "\(template)")
        }
    }

    @Test func theMissingBraceOfTheIssueIsTheEndOfTheTemplate() throws {
        let template = #"{"object":${object},"size":${size}"#
        let error = try #require(CallbackBodyTemplate.firstError(template))
        #expect(error.offset == template.utf8.count)
        #expect(error.found == nil)
        #expect(error.error == .unexpectedEnd)
        #expect(error.description == "the template ends at byte 34 before the JSON value is complete")
    }

    @Test func offsetsAreTheTemplatesNotTheSubstitutedText() throws {
        // Each substituted variable is longer or shorter than the value put there: the offset
        // must still be the template's.
        let comma = try #require(CallbackBodyTemplate.firstError(#"{"a":${aaaaaaaa},,"b":1}"#))
        #expect(comma.offset == 17)
        #expect(comma.found == "','")
        #expect(comma.description == "byte 17 (',') is unexpected where a member name (a string) should follow ','")
        let multibyte = try #require(CallbackBodyTemplate.firstError(#"{"名":${object} x}"#))
        #expect(multibyte.offset == 17)  // 名 is 3 UTF-8 bytes
        #expect(multibyte.found == "'x'")
        let control = try #require(CallbackBodyTemplate.firstError("{\"a\":\"\u{0A}\"}"))
        #expect(control.offset == 6)
        #expect(control.found == "0x0A")
    }

    @Test func aVariableWhereNoValueCanStandIsNamed() throws {
        let error = try #require(CallbackBodyTemplate.firstError(#"{"a":1 ${x:uid}}"#))
        #expect(error.offset == 7)
        #expect(error.found == "the variable ${x:uid}")
        #expect(
            error.description
                == "byte 7 (the variable ${x:uid}) is unexpected where ',' or '}' should follow an object member")
        let unclosed = try #require(CallbackBodyTemplate.firstError(#"{"a":${x"#))
        #expect(unclosed.offset == 5)
        #expect(unclosed.found == "'$'")
    }

    @Test func emptyAndTrailingContent() throws {
        #expect(CallbackBodyTemplate.firstError("  ")?.error == .empty)
        let trailing = try #require(CallbackBodyTemplate.firstError(#"{"a":${a}}}"#))
        #expect(trailing.offset == 10)
        #expect(trailing.description == "byte 10 ('}') follows the complete JSON value")
    }

    /// Every cut of a valid template (outside a variable) ends too early, at the cut: a sweep
    /// over all prefixes, so no offset bookkeeping is off by one anywhere.
    @Test func everyPrefixOfAValidTemplateEndsTooEarlyAtItsEnd() throws {
        let template = #"{"bucket":${bucket},"o":"p/${object}","list":[${size},true,null,-1.5e3],"u":{"id":${x:uid}}}"#
        let bytes = Array(template.utf8)
        #expect(CallbackBodyTemplate.firstError(template) == nil)
        var insideVariable = false
        var checked = 0
        for cut in 1..<bytes.count {
            if bytes[cut - 1] == UInt8(ascii: "$") { insideVariable = true }
            if insideVariable {
                if bytes[cut - 1] == UInt8(ascii: "}") { insideVariable = false } else { continue }
            }
            let prefix = String(decoding: bytes[..<cut], as: UTF8.self)
            let error = try #require(CallbackBodyTemplate.firstError(prefix), "prefix \(prefix)")
            // A literal cut short (`tr`, `nu`) or a number is still "incomplete" at the end.
            #expect(error.offset == cut, "prefix \(prefix): \(error)")
            #expect(error.found == nil, "prefix \(prefix): \(error)")
            checked += 1
        }
        #expect(checked > 50)
    }
}
