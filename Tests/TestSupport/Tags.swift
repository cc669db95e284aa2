public import Testing

/// The slow families of tests, so that the everyday loop can leave them out
/// (`swift test --skip-build --skip "$(scripts/slow-tests.sh)"`, README "Testing") while CI runs all.
extension Tag {
    /// Runs the built `callback-doctor` binary, or the whole pipeline over sample captures.
    @Tag public static var endToEnd: Self
    /// Compares with other tools (tshark) or sweeps whole corpora.
    @Tag public static var conformance: Self
    /// Captures live traffic on loopback (needs root; real servers, real seconds).
    @Tag public static var live: Self
}
