/// When to colour terminal output (`--color auto|always|never`).
public enum ColorChoice: String, Sendable, CaseIterable {
    case auto, always, never

    /// Whether to colour.
    ///
    /// `always` and `never` decide alone (an explicit flag overrides `NO_COLOR`, as
    /// https://no-color.org asks). `auto` colours only when the output is a terminal, `NO_COLOR`
    /// is unset or empty, and `TERM` is not `dumb`.
    ///
    /// - Parameters:
    ///   - isTerminal: whether the output goes to a terminal (`isatty(STDOUT_FILENO)`, false when
    ///     writing to a file with `-o`).
    ///   - environment: the process environment.
    public func enabled(isTerminal: Bool, environment: [String: String]) -> Bool {
        switch self {
        case .always: return true
        case .never: return false
        case .auto:
            if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return false }
            if environment["TERM"] == "dumb" { return false }
            return isTerminal
        }
    }
}

/// ANSI SGR styling (ECMA-48 §8.3.117) for our own words only.
///
/// Styles wrap text that has already been made safe: capture-derived text goes through
/// ``TerminalSafety/escape(_:)`` first, so the only escape sequences in the output are the ones
/// added here. With `enabled == false` every function returns its input unchanged.
public struct TerminalStyle: Sendable {
    public var enabled: Bool
    public init(enabled: Bool) { self.enabled = enabled }

    public func bold(_ s: String) -> String { sgr("1", s) }
    public func dim(_ s: String) -> String { sgr("2", s) }
    public func red(_ s: String) -> String { sgr("31", s) }
    public func green(_ s: String) -> String { sgr("32", s) }
    public func yellow(_ s: String) -> String { sgr("33", s) }
    public func cyan(_ s: String) -> String { sgr("36", s) }
    public func boldRed(_ s: String) -> String { sgr("1;31", s) }

    private func sgr(_ code: String, _ s: String) -> String {
        enabled && !s.isEmpty ? "\u{1B}[\(code)m" + s + "\u{1B}[0m" : s
    }
}
