import HTTP1
import TestSupport
import Testing

/// Feeds the same input to `HTTPMessageParser` whole, byte by byte, from a slice with a non-zero
/// start index, and in many seeded random splits, and requires the same events every time (after
/// joining body pieces whose ranges touch), after swift-nio's `ByteToMessageDecoderVerifier`.
///
/// It also checks invariants on every run: each body event's bytes are exactly the input bytes at
/// its range, every range lies within the input, and ranges of heads, bodies and ends never go
/// backwards (anomalies may point back into their head).
enum ChunkingVerifier {
    struct Setup: Sendable {
        var role: HTTPMessageParser.Role
        var requestMethods: [String] = []
        var limits = HTTPParserLimits()
        /// Whether to call `finish()` after the input.
        var finish = true
    }

    /// Runs the parser over `input` cut at `cuts` (sorted indices in 1..<input.count).
    static func run(_ input: [UInt8], cuts: [Int], setup: Setup, prefixPadding: Int = 0) -> [HTTPEvent] {
        var parser = HTTPMessageParser(role: setup.role, limits: setup.limits)
        for method in setup.requestMethods { parser.enqueueRequestMethod(method) }
        // Optionally place the input after some padding so slices do not start at index 0.
        let storage = [UInt8](repeating: 0xEE, count: prefixPadding) + input
        var events: [HTTPEvent] = []
        var lower = prefixPadding
        for cut in cuts + [input.count] where cut + prefixPadding > lower {
            let upper = cut + prefixPadding
            events += parser.feed(storage[lower..<upper])
            lower = upper
        }
        #expect(parser.consumedBytes == Int64(input.count))
        if setup.finish { events += parser.finish() }
        return events
    }

    /// Joins body events whose ranges touch (one slice split across feeds); copies bodies into fresh
    /// arrays so comparisons do not depend on slice indices.
    static func normalise(_ events: [HTTPEvent]) -> [HTTPEvent] {
        var result: [HTTPEvent] = []
        for event in events {
            if case .body(let bytes) = event.part, let last = result.last, case .body(let previous) = last.part,
                last.range.upperBound == event.range.lowerBound
            {
                result[result.count - 1] = HTTPEvent(
                    part: .body(ArraySlice(Array(previous) + Array(bytes))),
                    range: last.range.lowerBound..<event.range.upperBound
                )
            } else if case .body(let bytes) = event.part {
                result.append(HTTPEvent(part: .body(ArraySlice(Array(bytes))), range: event.range))
            } else {
                result.append(event)
            }
        }
        return result
    }

    static func checkInvariants(_ events: [HTTPEvent], input: [UInt8], label: String, sourceLocation: SourceLocation) {
        var lastLower: Int64 = 0
        for event in events {
            #expect(
                event.range.lowerBound >= 0 && event.range.upperBound <= Int64(input.count),
                "\(label): range \(event.range) outside the input",
                sourceLocation: sourceLocation
            )
            if case .anomaly = event.part { continue }
            #expect(
                event.range.lowerBound >= lastLower,
                "\(label): range \(event.range) goes backwards",
                sourceLocation: sourceLocation
            )
            lastLower = max(lastLower, event.range.lowerBound)
            if case .body(let bytes) = event.part {
                let expected = input[Int(event.range.lowerBound)..<Int(event.range.upperBound)]
                #expect(
                    Array(bytes) == Array(expected),
                    "\(label): body bytes differ from the input at \(event.range)",
                    sourceLocation: sourceLocation
                )
            }
        }
    }

    /// Verifies split independence and returns the normalised events of the whole-input run.
    @discardableResult
    static func verify(
        _ input: [UInt8],
        _ setup: Setup,
        randomSplits: Int = 48,
        seed: UInt64 = 0x5EED,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [HTTPEvent] {
        let whole = run(input, cuts: [], setup: setup)
        checkInvariants(whole, input: input, label: "whole", sourceLocation: sourceLocation)
        let reference = normalise(whole)

        var runs: [(String, [Int], Int)] = [("padded slice", [], 7)]
        if input.count > 1 {
            runs.append(("byte by byte", Array(1..<input.count), 0))
        }
        var rng = SplitMix64.forTest(seed: seed ^ UInt64(input.count))
        for round in 0..<randomSplits where input.count > 1 {
            let cutCount = Int.random(in: 1...min(input.count - 1, 1 + round % 12), using: &rng)
            var cuts = Set<Int>()
            while cuts.count < cutCount { cuts.insert(Int.random(in: 1..<input.count, using: &rng)) }
            runs.append(
                ("random split #\(round) at \(cuts.sorted()) (\(rng.replay))", cuts.sorted(), round % 3 == 0 ? 3 : 0))
        }
        for (label, cuts, padding) in runs {
            let events = run(input, cuts: cuts, setup: setup, prefixPadding: padding)
            checkInvariants(events, input: input, label: label, sourceLocation: sourceLocation)
            let normalised = normalise(events)
            if normalised != reference {
                Issue.record(
                    "\(label): events differ from the whole-input run\nwhole: \(describe(reference))\nsplit: \(describe(normalised))",
                    sourceLocation: sourceLocation
                )
                return reference
            }
        }
        return reference
    }

    static func verify(
        _ input: String,
        _ setup: Setup,
        randomSplits: Int = 48,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> [HTTPEvent] {
        verify(Array(input.utf8), setup, randomSplits: randomSplits, sourceLocation: sourceLocation)
    }

    static func describe(_ events: [HTTPEvent]) -> String {
        events.map { "\n  \($0.range): \(describe($0.part))" }.joined()
    }

    static func describe(_ part: HTTPPart) -> String {
        switch part {
        case .body(let bytes): return "body(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
        default: return "\(part)"
        }
    }
}

/// The parts of the events with all adjacent body parts joined, for comparison with a table.
func parts(_ events: [HTTPEvent]) -> [HTTPPart] {
    var result: [HTTPPart] = []
    for event in events {
        if case .body(let bytes) = event.part, case .body(let previous)? = result.last {
            result[result.count - 1] = .body(ArraySlice(Array(previous) + Array(bytes)))
        } else {
            result.append(event.part)
        }
    }
    return result
}

/// Parses `input` (through the verifier) and returns the joined parts.
func parse(
    _ input: String,
    role: HTTPMessageParser.Role,
    methods: [String] = [],
    limits: HTTPParserLimits = HTTPParserLimits(),
    finish: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [HTTPPart] {
    parts(
        ChunkingVerifier.verify(
            Array(input.utf8),
            .init(role: role, requestMethods: methods, limits: limits, finish: finish),
            sourceLocation: sourceLocation
        )
    )
}

func parse(
    _ input: [UInt8],
    role: HTTPMessageParser.Role,
    methods: [String] = [],
    limits: HTTPParserLimits = HTTPParserLimits(),
    finish: Bool = true,
    sourceLocation: SourceLocation = #_sourceLocation
) -> [HTTPPart] {
    parts(
        ChunkingVerifier.verify(
            input,
            .init(role: role, requestMethods: methods, limits: limits, finish: finish),
            sourceLocation: sourceLocation
        )
    )
}

// MARK: - Building expected parts

extension HTTPPart {
    static func body(_ text: String) -> HTTPPart {
        .body(ArraySlice(Array(text.utf8)))
    }

    static func request(
        _ method: String,
        _ target: String,
        _ version: HTTPVersion = .http11,
        _ headers: HTTPHeaders = [:]
    ) -> HTTPPart {
        .requestHead(HTTPRequestHead(method: method, target: target, version: version, headers: headers))
    }

    static func response(
        _ status: Int,
        _ reason: String,
        _ headers: HTTPHeaders = [:],
        framing: BodyFraming,
        version: HTTPVersion = .http11,
        wire: String? = nil
    ) -> HTTPPart {
        .responseHead(
            HTTPResponseHead(
                version: version, status: status, reason: reason, headers: headers,
                wireStatusLine: wire.map { Array($0.utf8) }),
            framing: framing
        )
    }

    static let complete = HTTPPart.end(.complete, trailers: nil)

    static func truncated(expected: Int64?, received: Int64) -> HTTPPart {
        .end(.truncated(expected: expected, received: received), trailers: nil)
    }

    var isNotHTTP: Bool {
        if case .notHTTP = self { return true }
        return false
    }
}

/// `"a\nb"` with every LF turned into CRLF, to keep fixtures readable.
func crlf(_ text: String) -> String {
    var scalars = String.UnicodeScalarView()
    for scalar in text.unicodeScalars {
        if scalar == "\n" { scalars.append("\r") }
        scalars.append(scalar)
    }
    return String(scalars)
}
