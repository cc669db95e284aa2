import After
// The JSON validator's micro-benchmark (issue #21), built and run by bench/json-validator.sh.
//
// Two copies of the JSONValidation module are linked side by side: `Before` (the sources at a
// given commit) and `After` (the working tree's). Every workload written by bench/gen_json.py is
// validated document by document, each document fed in TCP-segment-sized chunks (1,448 bytes, as
// the pipeline feeds callback bodies), by both copies in the same process, alternating which goes
// first, REPS times; the medians are printed. Before any timing, both copies' verdicts are compared
// on every document: a difference is printed and the benchmark exits 1.
//
//   json-validator-bench DIR [REPS]              compare Before and After
//   json-validator-bench DIR REPS both WORKLOAD    compare on one workload
//   json-validator-bench DIR REPS before|after [WORKLOAD]
//                                                only one copy, on every workload or on one (for
//                                                perf stat / cachegrind)
import Before
import Foundation

let chunk = 1448

/// The documents of one workload file: the bytes, and each document's range.
struct Workload {
    let name: String
    let bytes: [UInt8]
    let documents: [Range<Int>]

    init(path: String) {
        name = (path as NSString).lastPathComponent.replacingOccurrences(of: ".docs", with: "")
        guard let data = FileManager.default.contents(atPath: path) else { fatalError("cannot read \(path)") }
        bytes = [UInt8](data)
        var ranges: [Range<Int>] = []
        var at = 0
        while at + 4 <= bytes.count {
            let length = Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24
            ranges.append(at + 4..<at + 4 + length)
            at += 4 + length
        }
        documents = ranges
    }

    var documentBytes: Int { documents.reduce(0) { $0 + $1.count } }
}

/// What the benchmark needs of either copy of the validator.
protocol BenchedValidator {
    init()
    var failed: Bool { get }
    mutating func feed(_ bytes: ArraySlice<UInt8>)
    /// 1 for a valid text, else a number made of the error's offset.
    mutating func finishChecksum() -> Int64
}

extension Before.JSONValidator: BenchedValidator {
    init() { self.init(maxDepth: 100_000) }
    var failed: Bool { failure != nil }
    mutating func finishChecksum() -> Int64 {
        switch finish() {
        case .valid: 1
        case .invalid(_, let offset): offset &* 3 &+ 2
        }
    }
}

extension After.JSONValidator: BenchedValidator {
    init() { self.init(maxDepth: 100_000) }
    var failed: Bool { failure != nil }
    mutating func finishChecksum() -> Int64 {
        switch finish() {
        case .valid: 1
        case .invalid(_, let offset): offset &* 3 &+ 2
        }
    }
}

/// Validates every document, each in `chunk`-byte pieces; returns the sum of the checksums.
@inline(never)
func validate<V: BenchedValidator>(_ workload: Workload, with _: V.Type) -> Int64 {
    var sum: Int64 = 0
    for document in workload.documents {
        var validator = V()
        var start = document.lowerBound
        while start < document.upperBound && !validator.failed {
            let end = min(start + chunk, document.upperBound)
            validator.feed(workload.bytes[start..<end])
            start = end
        }
        sum &+= validator.finishChecksum()
    }
    return sum
}

func validateBefore(_ workload: Workload) -> Int64 { validate(workload, with: Before.JSONValidator.self) }
func validateAfter(_ workload: Workload) -> Int64 { validate(workload, with: After.JSONValidator.self) }

/// Both copies' verdicts on every document, as text: nil when they agree, else the first difference.
func firstDifference(_ workload: Workload) -> String? {
    for document in workload.documents {
        let slice = workload.bytes[document]
        let before = "\(Before.JSONValidator.validate(slice))"
        let after = "\(After.JSONValidator.validate(slice))"
        if before != after { return "\(workload.name) document at \(document): before \(before), after \(after)" }
    }
    return nil
}

func milliseconds(_ body: () -> Int64) -> (Double, Int64) {
    var result: Int64 = 0
    let elapsed = ContinuousClock().measure { result = body() }
    let (seconds, attoseconds) = elapsed.components
    return (Double(seconds) * 1000 + Double(attoseconds) / 1e15, result)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

let arguments = CommandLine.arguments
guard arguments.count >= 2 else {
    print("usage: json-validator-bench DIR [REPS] [before|after]")
    exit(2)
}
let directory = arguments[1]
let reps = arguments.count > 2 ? Int(arguments[2]) ?? 7 : 7
let only = arguments.count > 3 && arguments[3] != "both" ? arguments[3] : nil
let names = arguments.count > 4 ? [arguments[4]] : ["valid", "bom", "broken", "deep", "strings", "numbers"]
let workloads = names.map { Workload(path: "\(directory)/\($0).docs") }

if let only {
    var total: Int64 = 0
    for _ in 0..<reps {
        for workload in workloads { total &+= only == "before" ? validateBefore(workload) : validateAfter(workload) }
    }
    print("\(only): checksum \(total)")
    exit(0)
}

for workload in workloads {
    if let difference = firstDifference(workload) {
        print("VERDICTS DIFFER: \(difference)")
        exit(1)
    }
}
print("verdicts: identical on every document of every workload")
print("workload   MB      docs   before ms  after ms   before MB/s  after MB/s  after/before")
var totalBefore = 0.0
var totalAfter = 0.0
for workload in workloads {
    var before: [Double] = []
    var after: [Double] = []
    for rep in 0..<reps {
        // Alternate which copy goes first, so a drift in the machine's load hits both alike.
        let order = rep % 2 == 0 ? ["before", "after"] : ["after", "before"]
        var checksums: [Int64] = []
        for variant in order {
            let (ms, checksum) = milliseconds {
                variant == "before" ? validateBefore(workload) : validateAfter(workload)
            }
            if variant == "before" { before.append(ms) } else { after.append(ms) }
            checksums.append(checksum)
        }
        guard checksums[0] == checksums[1] else { fatalError("checksums differ on \(workload.name)") }
    }
    let mb = Double(workload.documentBytes) / 1e6
    let mb1 = median(before)
    let ma1 = median(after)
    totalBefore += mb1
    totalAfter += ma1
    let name = workload.name.padding(toLength: 9, withPad: " ", startingAt: 0)
    print(
        name
            + String(
                format: " %6.1f %7d %10.2f %9.2f %12.0f %11.0f %12.3f", mb, workload.documents.count, mb1, ma1,
                mb / mb1 * 1000, mb / ma1 * 1000, ma1 / mb1))
}
print(
    String(
        format: "all        sum of medians: before %.2f ms, after %.2f ms, after/before %.3f", totalBefore, totalAfter,
        totalAfter / totalBefore))
