import TestSupport
import Testing

@testable import JSONValidation

/// A stable seed for a byte string (FNV-1a), so each input gets its own repeatable splits.
func seed(for bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes {
        hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    return hash
}

extension Array where Element == UInt8 {
    /// The UTF-8 bytes of `text`.
    init(utf8 text: String) { self = Array(text.utf8) }
}

/// What one run of the validator over a chunking of the input observed.
struct Run: Equatable, CustomStringConvertible {
    var verdict: JSONVerdict
    var failureBeforeFinish: JSONVerdict?
    var bytesConsumed: Int64
    var topLevelKind: JSONValueKind?

    var description: String {
        "\(verdict) (failure before finish: \(failureBeforeFinish.map(String.init(describing:)) ?? "none"), consumed \(bytesConsumed), kind \(topLevelKind.map(\.rawValue) ?? "none"))"
    }
}

/// Feeds `bytes` in chunks ending at `cuts` (sorted offsets inside the input) and finishes.
func run(_ bytes: [UInt8], cuts: [Int], maxDepth: Int = 100_000) -> Run {
    var validator = JSONValidator(maxDepth: maxDepth)
    var start = 0
    for cut in cuts + [bytes.count] where cut >= start {
        validator.feed(bytes[start..<cut])
        start = cut
    }
    let failure = validator.failure
    let consumed = validator.bytesConsumed
    let kind = validator.topLevelKind
    let verdict = validator.finish()
    return Run(verdict: verdict, failureBeforeFinish: failure, bytesConsumed: consumed, topLevelKind: kind)
}

/// Random cut points for `count` bytes: a few, many, or clustered near the start.
func randomCuts(count: Int, using rng: inout SplitMix64) -> [Int] {
    guard count > 1 else { return [] }
    let maxPieces = min(count - 1, Bool.random(using: &rng) ? 8 : 256)
    let pieces = Int.random(in: 1...maxPieces, using: &rng)
    var cuts = Set<Int>()
    for _ in 0..<pieces { cuts.insert(Int.random(in: 1..<count, using: &rng)) }
    return cuts.sorted()
}

/// Validates `bytes` whole, byte by byte, and in `splits` seeded random chunkings; records an
/// issue unless every run observed exactly the same thing, and checks the early-exit contract:
/// `failure` is set before `finish()` exactly for errors other than `empty` / `unexpectedEnd`, on
/// the offending byte, and `bytesConsumed` stops there. Returns the verdict.
@discardableResult
func streamingVerdict(
    _ bytes: [UInt8], splits: Int = 8, maxDepth: Int = 100_000, sourceLocation: SourceLocation = #_sourceLocation
) -> JSONVerdict {
    let whole = run(bytes, cuts: [], maxDepth: maxDepth)
    let byteByByte = run(bytes, cuts: Array(0..<bytes.count), maxDepth: maxDepth)
    #expect(byteByByte == whole, "byte by byte differs from whole", sourceLocation: sourceLocation)
    var rng = SplitMix64.forTest(seed: seed(for: bytes))
    for _ in 0..<splits {
        let cuts = randomCuts(count: bytes.count, using: &rng)
        let split = run(bytes, cuts: cuts, maxDepth: maxDepth)
        #expect(split == whole, "split at \(cuts) differs from whole", sourceLocation: sourceLocation)
    }

    // The early-exit contract.
    switch whole.verdict {
    case .valid:
        #expect(whole.failureBeforeFinish == nil, sourceLocation: sourceLocation)
        #expect(whole.bytesConsumed == Int64(bytes.count), sourceLocation: sourceLocation)
    case .invalid(.empty, let offset), .invalid(.unexpectedEnd, let offset):
        #expect(whole.failureBeforeFinish == nil, sourceLocation: sourceLocation)
        #expect(offset == Int64(bytes.count), sourceLocation: sourceLocation)
        #expect(whole.bytesConsumed == Int64(bytes.count), sourceLocation: sourceLocation)
    case .invalid(_, let offset):
        #expect(whole.failureBeforeFinish == whole.verdict, sourceLocation: sourceLocation)
        #expect(whole.bytesConsumed == offset, sourceLocation: sourceLocation)
        #expect(offset >= 0 && offset < Int64(bytes.count), sourceLocation: sourceLocation)
        if offset >= 0 && offset < Int64(bytes.count) {
            // Up to the offending byte nothing is wrong yet; the offending byte fails at once.
            var validator = JSONValidator(maxDepth: maxDepth)
            validator.feed(bytes[..<Int(offset)])
            #expect(validator.failure == nil, "failed before the reported offset", sourceLocation: sourceLocation)
            validator.feed(bytes[Int(offset)...Int(offset)])
            #expect(validator.failure == whole.verdict, sourceLocation: sourceLocation)
        }
    }
    return whole.verdict
}

/// One document of the table, with its expected verdict.
struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: JSONVerdict

    var testDescription: String { name }

    /// A valid document.
    static func y(_ name: String, _ text: String, _ kind: JSONValueKind) -> Case {
        Case(name: name, bytes: Array(utf8: text), expected: .valid(kind))
    }

    static func y(_ name: String, bytes: [UInt8], _ kind: JSONValueKind) -> Case {
        Case(name: name, bytes: bytes, expected: .valid(kind))
    }

    /// An invalid document.
    static func n(_ name: String, _ text: String, _ error: JSONSyntaxError, at offset: Int64) -> Case {
        Case(name: name, bytes: Array(utf8: text), expected: .invalid(error, offset: offset))
    }

    static func n(_ name: String, bytes: [UInt8], _ error: JSONSyntaxError, at offset: Int64) -> Case {
        Case(name: name, bytes: bytes, expected: .invalid(error, offset: offset))
    }
}

let quote = UInt8(ascii: "\"")
let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

/// `"` + bytes + `"`.
func quoted(_ bytes: [UInt8]) -> [UInt8] { [quote] + bytes + [quote] }

/// `depth` nested arrays around nothing: `[[[…]]]`.
func nestedArrays(_ depth: Int) -> [UInt8] {
    Array(repeating: UInt8(ascii: "["), count: depth) + Array(repeating: UInt8(ascii: "]"), count: depth)
}
