import Testing

@testable import JSONValidation

@Suite("Nesting depth")
struct DepthTests {
    @Test("100,000 nested arrays pass with the default limit; 100,001 do not")
    func defaultLimit() {
        #expect(streamingVerdict(nestedArrays(100_000), splits: 2) == .valid(.array))
        #expect(
            streamingVerdict(nestedArrays(100_001), splits: 2)
                == .invalid(.nestingTooDeep(limit: 100_000), offset: 100_000))
    }

    @Test("the bit stack stays small at full depth")
    func memory() {
        var validator = JSONValidator()
        let opening = Array(repeating: UInt8(ascii: "["), count: 100_000)
        validator.feed(opening[...])
        #expect(validator.depth == 100_000)
        #expect(validator.failure == nil)
        // 100,000 bits are 1,563 words (12.5 KB), the first inline; growth by doubling allows up
        // to twice the other 1,562.
        #expect(validator.stackCapacityInBytes >= 12_496)
        #expect(validator.stackCapacityInBytes <= 25_008)
        validator.feed([UInt8(ascii: "[")][...])
        #expect(validator.failure == .invalid(.nestingTooDeep(limit: 100_000), offset: 100_000))
        #expect(validator.stackCapacityInBytes <= 25_008)
    }

    @Test("up to 64 levels the stack is inline: nothing is allocated", arguments: [1, 63, 64, 65, 128, 129])
    func inlineLevels(_ depth: Int) {
        var validator = JSONValidator()
        let document = String(repeating: #"{"a":["#, count: depth / 2) + (depth % 2 == 1 ? "[" : "")
        validator.feed(Array(utf8: document)[...])
        #expect(validator.depth == depth)
        #expect(validator.failure == nil)
        #expect((validator.stackCapacityInBytes == 0) == (depth <= 64))
    }

    @Test("objects and arrays alternate correctly across word boundaries")
    func alternatingKinds() {
        // Levels alternate object / array / array / object … in a pattern that does not repeat
        // every 64 levels, then close in reverse.
        let depth = 1_000
        var bytes: [UInt8] = []
        var kinds: [Bool] = []
        for level in 0..<depth {
            let isObject = (level * level + level / 3) % 3 == 0
            kinds.append(isObject)
            bytes += Array((isObject ? #"{"k":"# : "[0,").utf8)
        }
        bytes += Array("1".utf8)
        for isObject in kinds.reversed() {
            bytes += Array((isObject ? "}" : "]").utf8)
        }
        #expect(streamingVerdict(bytes, splits: 3) == .valid(kinds[0] ? .object : .array))

        // The same document with one closing bracket of the wrong kind fails exactly there.
        let wrongLevel = 700
        let closeIndex = bytes.count - 1 - wrongLevel
        var broken = bytes
        broken[closeIndex] = kinds[wrongLevel] ? UInt8(ascii: "]") : UInt8(ascii: "}")
        let expecting: JSONExpectation = kinds[wrongLevel] ? .commaOrObjectEnd : .commaOrArrayEnd
        #expect(
            JSONValidator.validate(broken)
                == .invalid(.unexpectedByte(broken[closeIndex], expecting: expecting), offset: Int64(closeIndex)))
    }

    @Test("a custom limit", arguments: [0, 1, 2, 63, 64, 65, 512])
    func customLimit(_ limit: Int) {
        #expect(streamingVerdict(Array(utf8: "\"scalar\""), maxDepth: limit) == .valid(.string))
        if limit > 0 {
            #expect(streamingVerdict(nestedArrays(limit), maxDepth: limit) == .valid(.array))
        }
        let tooDeep = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
        #expect(
            streamingVerdict(Array(utf8: tooDeep), maxDepth: limit)
                == .invalid(.nestingTooDeep(limit: limit), offset: Int64(5 * limit)))
    }

    @Test("depth limit counts open containers, not containers seen")
    func siblings() {
        let bytes = Array(utf8: "[" + String(repeating: "[[]],", count: 10_000) + "[]]")
        #expect(streamingVerdict(bytes, splits: 2, maxDepth: 3) == .valid(.array))
    }
}
