/// One share of a batch's inputs (`analyze --shard K/N`), so that N machines — a Kubernetes
/// Indexed Job, a Slurm job array, GNU parallel — each analyse a deterministic, disjoint part and
/// `callback-doctor merge` puts their JSON reports together (docs/fleet.md).
///
/// The inputs are the expanded ones (directories searched, globs matched: ``InputExpansion``),
/// sorted by path (as a directory is expanded); the input at sorted position `i` belongs to shard `i mod N`.
/// `K` counts from 0, like Kubernetes' `JOB_COMPLETION_INDEX`. Every input is in exactly one
/// shard whatever the machines see, as long as they see the same files.
public struct InputShard: Sendable, Hashable, CustomStringConvertible {
    /// This shard, `0..<count`.
    public let index: Int
    /// How many shards there are.
    public let count: Int

    public init(index: Int, count: Int) throws(InputShardError) {
        guard count >= 1 else { throw InputShardError("the number of shards must be at least 1 (got \(count))") }
        guard index >= 0, index < count else {
            throw InputShardError(
                "the shard index counts from 0 and must be below the number of shards (got \(index)/\(count))")
        }
        self.index = index
        self.count = count
    }

    /// Parses `K/N` (decimal, no sign or spaces).
    public init(parsing text: String) throws(InputShardError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Self.number(parts[0]), let n = Self.number(parts[1]) else {
            throw InputShardError("expected K/N, two decimal numbers such as 0/4 (got '\(text)')")
        }
        try self.init(index: k, count: n)
    }

    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(text)
    }

    public var description: String { "\(index)/\(count)" }

    /// This shard's inputs, in their original order.
    public func share(of inputs: [ResolvedInput]) -> [ResolvedInput] {
        let sorted = inputs.indices.sorted { Self.path(of: inputs[$0]) < Self.path(of: inputs[$1]) }
        var mine = Set<Int>()
        for (position, original) in sorted.enumerated() where position % count == index { mine.insert(original) }
        return inputs.indices.filter(mine.contains).map { inputs[$0] }
    }

    static func path(of input: ResolvedInput) -> String {
        switch input {
        case .file(let path), .unusable(let path, _): path
        }
    }
}

/// A `--shard` value that is not `K/N` with `0 ≤ K < N`.
public struct InputShardError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
