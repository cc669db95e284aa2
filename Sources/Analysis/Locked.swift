import Foundation

/// A value shared between threads, behind an `NSLock` (a pthread mutex).
///
/// Used instead of `Synchronization.Mutex` for one reason: ThreadSanitizer sees pthread locks but
/// not the Mutex's futex on Linux, so every hand-over through a Mutex shows up as a data race and
/// the TSan run (docs/robustness.md §4) could no longer tell real races from these.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` on the value, holding the lock.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
