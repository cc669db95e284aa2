import JSONValidation
import Testing

@testable import UploadCallbacks

/// The callback configuration's JSON: JSONValidation's grammar and messages, 32 levels deep at most.
@Suite struct SmallJSONTests {
    @Test func notJSONSaysWhereAndWhyInTheValidatorsWords() {
        let r = inspectHeader(#"{"callbackUrl":'x'}"#)
        #expect(rejections(r) == [.notJSON])
        #expect(
            r.problems.first?.detail
                == "the decoded callback is not JSON (at byte 15: unexpected byte 0x27 (''') where a value should start (strings need double quotes))"
        )
    }

    @Test func aByteOrderMarkIsNotJSON() {
        let r = inspectHeader("\u{FEFF}{" + validBody + "}")
        #expect(rejections(r) == [.notJSON])
        #expect(r.problems.first?.detail.contains("at byte 0: unexpected byte 0xEF where a value should start") == true)
    }

    @Test func nestingStopsAtThirtyTwoLevels() throws {
        let limit = SmallJSON.maxDepth
        let deepest = String(repeating: "[", count: limit) + "1" + String(repeating: "]", count: limit)
        #expect(try SmallJSON.parse(Array(deepest.utf8)).get().typeName == "array")
        let deeper = "[" + deepest + "]"
        #expect(
            SmallJSON.parse(Array(deeper.utf8))
                == .failure(.init(offset: limit, reason: "arrays and objects nested deeper than \(limit) levels")))
    }

    @Test func theFirstOfRepeatedMembersIsRead() throws {
        let json = try SmallJSON.parse(Array(#"{"callbackUrl":"http://a.example.com","callbackUrl":"x"}"#.utf8)).get()
        #expect(json["callbackUrl"] == .string("http://a.example.com"))
    }
}
