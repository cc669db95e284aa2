import Foundation
public import Testing

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014):
/// a tiny seeded generator, so a random test that fails replays the same way. The one generator
/// of the test suite: every random test draws from one, made by ``forTest(seed:)``.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The seed this generator started from (print it with ``comment`` when a check fails).
    public let seed: UInt64
    private var state: UInt64

    public init(seed: UInt64) {
        self.seed = seed
        state = seed
    }

    /// The environment variable that replaces every test generator's seed, to replay a failure:
    /// `CALLBACK_DOCTOR_TEST_SEED=1234 swift test --filter …` (decimal, or hexadecimal with `0x`).
    public static let seedVariable = "CALLBACK_DOCTOR_TEST_SEED"

    /// The seed from ``seedVariable``, nil when it is unset or not a number.
    public static let seedOverride: UInt64? = {
        guard let text = ProcessInfo.processInfo.environment[seedVariable]?.trimmingCharacters(in: .whitespaces) else {
            return nil
        }
        if text.lowercased().hasPrefix("0x") { return UInt64(text.dropFirst(2), radix: 16) }
        return UInt64(text)
    }()

    /// A test's generator: seeded with `seed`, unless ``seedVariable`` names another seed.
    public static func forTest(seed: UInt64) -> SplitMix64 {
        SplitMix64(seed: seedOverride ?? seed)
    }

    /// "seed N (replay with CALLBACK_DOCTOR_TEST_SEED=N)", for the message of a check that depends
    /// on the generator's numbers.
    public var replay: String { "seed \(seed) (replay with \(Self.seedVariable)=\(seed))" }

    /// ``replay`` as a check's comment: `#expect(…, random.comment)`.
    public var comment: Comment { Comment(rawValue: replay) }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
