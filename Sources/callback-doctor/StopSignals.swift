import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// How `watch` treats SIGINT and SIGTERM, as an explicit two-phase state machine.
///
/// - **Capturing.** The first stop signal is recorded (``requested``); the capture loop sees it
///   within one read timeout, finishes the open connections and moves to the next phase. Further
///   signals change nothing: the loop is already stopping.
/// - **Reporting** (``enterReportPhase()``), while the report is written:
///   - a *duplicate* — the same signal as the first, within ``duplicateWindowNanoseconds`` (1 s)
///     of it — is ignored. One Ctrl-C often arrives more than once: the terminal signals the
///     whole foreground process group, and a parent such as `timeout(1)` forwards the signal it
///     got again (coreutils' `timeout` sends it to the child and then to its process group), so
///     a copy can land after the capture loop has ended;
///   - any other stop signal — a deliberate second Ctrl-C a second or more later, a different
///     signal, or a first signal when the capture ended by itself (--duration, --count) —
///     abandons the report: the default action is restored and the signal raised again, so the
///     process ends by that signal (a shell shows status 128 + N: 130 for SIGINT) and the report
///     is not written, or is cut off where it stood.
///
/// The handler is async-signal-safe: lock-free atomics, `clock_gettime`, `signal` and `raise`
/// only (POSIX.1-2017 §2.4.3 lists the three functions as async-signal-safe).
enum StopSignals {
    /// A copy of the first stop signal arriving this soon after it is ignored while reporting.
    static let duplicateWindowNanoseconds: Int64 = 1_000_000_000

    /// The first stop signal (0 while none has arrived).
    private static let first = Atomic<Int32>(0)
    /// When the first stop signal arrived (CLOCK_MONOTONIC, ns); 0 until it is stored.
    private static let firstTime = Atomic<Int64>(0)
    /// True once the capture loop has ended and the report is being written.
    private static let reporting = Atomic<Bool>(false)

    /// The first stop signal received, or nil.
    static var requested: Int32? {
        let signal = first.load(ordering: .acquiring)
        return signal == 0 ? nil : signal
    }

    /// Installs the handler for SIGINT and SIGTERM and unblocks both (a parent may have started us
    /// with them blocked: the mask is inherited).
    static func install() {
        // Touch the atomics first, so that the handler never runs a global's lazy initializer.
        _ = first.load(ordering: .relaxed)
        _ = firstTime.load(ordering: .relaxed)
        _ = reporting.load(ordering: .relaxed)
        signal(SIGINT, handle)
        signal(SIGTERM, handle)
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGINT)
        sigaddset(&stopSignals, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
    }

    /// From here on a stop signal that is not a duplicate of the first abandons the report.
    static func enterReportPhase() {
        reporting.store(true, ordering: .sequentiallyConsistent)
    }

    /// The signal handler (see the type's documentation for what it does in each phase).
    private static let handle: @convention(c) (Int32) -> Void = { signal in
        let now = monotonicNanoseconds()
        if first.compareExchange(expected: 0, desired: signal, ordering: .sequentiallyConsistent).exchanged {
            firstTime.store(now, ordering: .sequentiallyConsistent)
            if !reporting.load(ordering: .sequentiallyConsistent) { return }
        } else {
            guard reporting.load(ordering: .sequentiallyConsistent) else { return }
            if isDuplicate(signal, at: now) { return }
        }
        abandon(signal)
    }

    /// True when `signal` at `now` is a copy of the first stop signal. A first signal whose time
    /// is not stored yet (its handler runs on another thread this instant) counts as just now.
    private static func isDuplicate(_ signal: Int32, at now: Int64) -> Bool {
        guard signal == first.load(ordering: .sequentiallyConsistent) else { return false }
        let then = firstTime.load(ordering: .sequentiallyConsistent)
        return then == 0 || now - then < duplicateWindowNanoseconds
    }

    /// Ends the process by `signal`'s default action (terminate): it is blocked while its handler
    /// runs, so the raised copy is delivered as soon as the handler returns.
    private static func abandon(_ number: Int32) {
        signal(number, SIG_DFL)
        raise(number)
    }

    /// CLOCK_MONOTONIC in nanoseconds (`clock_gettime(2)`: async-signal-safe).
    private static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
