/// The methods of the requests a response parser has not yet seen answered, oldest first
/// (responses come in request order, RFC 9112 §9.3.2): a response to HEAD has no body, a 2xx
/// response to CONNECT starts a tunnel (RFC 9110 §9.3.2, §9.3.6).
///
/// Contract: `enqueue` and `dequeue` are amortised O(1); consumed methods are dropped in bulk
/// once they are at least 32 and half the storage, so a long keep-alive connection does not
/// keep every method it ever saw.
struct RequestMethodQueue: Sendable {
    private var methods: [String] = []
    private var head = 0

    /// The methods not yet consumed, oldest first.
    var pending: [String] { Array(methods[head...]) }

    /// The method the next final response answers; nil when no request is waiting.
    var next: String? { head < methods.count ? methods[head] : nil }

    mutating func enqueue(_ method: String) {
        methods.append(method)
    }

    /// Consumes the oldest method (a final response was read); nothing when none waits.
    mutating func dequeue() {
        guard head < methods.count else { return }
        head += 1
        if head >= 32 && head * 2 >= methods.count {
            methods.removeFirst(head)
            head = 0
        }
    }
}
