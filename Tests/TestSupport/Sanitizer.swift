public import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The sanitizer this test process (and so the binary built next to it) was built with, if any:
/// `swift build -Xswiftc -sanitize=address|thread` links the runtime statically and exports its
/// entry points (`__asan_init`, `__tsan_init`). Sanitizers inflate RSS (shadow memory,
/// quarantine) and time several-fold, so memory bounds and linear-time checks only hold on an
/// uninstrumented build; under a sanitizer the tests check everything else.
public enum Sanitizer {
    public static let active: String? = {
        let me = dlopen(nil, RTLD_NOW)
        defer { if let me { dlclose(me) } }
        if dlsym(me, "__asan_init") != nil { return "address" }
        if dlsym(me, "__tsan_init") != nil { return "thread" }
        return nil
    }()

    /// True when memory and time measurements mean something.
    public static var measurementsHold: Bool { active == nil }

    /// The comment of a test that only measures, skipped under a sanitizer:
    /// `.enabled(if: Sanitizer.measurementsHold, Sanitizer.unmeasurableComment)`.
    public static let unmeasurableComment: Comment =
        "skipped: built with a sanitizer, whose shadow memory and slowdown make memory and time measurements meaningless"

    /// Runs `checks` (bounds on memory or time) when measurements hold. Under a sanitizer it
    /// records a warning that names `what` was not measured, so that the skipped checks show in
    /// the test's output instead of passing unseen; the test's other checks still run.
    public static func measure(
        _ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ checks: () throws -> Void
    ) rethrows {
        guard let active else { return try checks() }
        Issue.record(
            "not measured under the \(active) sanitizer: \(what)", severity: .warning, sourceLocation: sourceLocation)
    }
}
