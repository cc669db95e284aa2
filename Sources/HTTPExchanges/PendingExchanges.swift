import CaptureModel
import TCPReassembly

/// The exchanges of one connection not yet handed out, oldest first, found by exchange number
/// (``HTTPExchange/index``) — the FIFO that pairs responses with requests (RFC 9112 §9.3.2).
///
/// Contract: positions are array positions (they shift when an exchange is removed); exchange
/// numbers never change. Elements are read and changed in place (`_read` / `_modify`), never
/// copied out and back: an exchange holds several buffers, and the analyzer touches one field
/// of it per parser event.
struct PendingExchanges {
    private var exchanges: [HTTPExchange] = []

    var count: Int { exchanges.count }
    var isEmpty: Bool { exchanges.isEmpty }
    /// The position of the newest exchange.
    var lastPosition: Int? { exchanges.indices.last }

    subscript(position: Int) -> HTTPExchange {
        _read { yield exchanges[position] }
        _modify { yield &exchanges[position] }
    }

    /// The position of exchange number `index`; nil once it was handed out.
    func position(of index: Int) -> Int? {
        exchanges.firstIndex(where: { $0.index == index })
    }

    /// The position of the oldest exchange whose request was seen and whose response was not.
    func firstAwaitingResponse() -> Int? {
        exchanges.firstIndex(where: { $0.response == nil && $0.request != nil })
    }

    /// Appends `exchange` and returns its position.
    mutating func append(_ exchange: HTTPExchange) -> Int {
        exchanges.append(exchange)
        return exchanges.count - 1
    }

    mutating func removeFirst() -> HTTPExchange { exchanges.removeFirst() }
    mutating func remove(at position: Int) -> HTTPExchange { exchanges.remove(at: position) }

    /// Removes and returns every exchange, oldest first.
    mutating func removeAll() -> [HTTPExchange] {
        var all: [HTTPExchange] = []
        swap(&all, &exchanges)
        return all
    }

    /// `body` applied to the exchange at `position`, read in place. Reading a field through the
    /// array's subscript (`exchanges[i].request?.end`) copied the whole exchange first, twice per
    /// response.
    func read<Result>(_ position: Int, _ body: (borrowing HTTPExchange) -> Result) -> Result {
        exchanges.withUnsafeBufferPointer { body($0[position]) }
    }

    /// `body` applied to every exchange, oldest first, read in place.
    func forEach(_ body: (borrowing HTTPExchange) -> Void) {
        exchanges.withUnsafeBufferPointer { for i in $0.indices { body($0[i]) } }
    }

    /// The exchange a response that began at `start` belongs to: the oldest request still waiting
    /// for a final response that was sent before `start` (responses come in request order). When
    /// bytes the server sent are missing and a later request was sent after them, the older
    /// request's response is taken to be in the missing bytes and the response answers the later
    /// request (sequential keep-alive). Nil when no request waits.
    ///
    /// Read in place through one buffer pointer (`pending[i].request` copied a whole request out
    /// for each look, and a list of the candidates was made, for every response).
    func waitingPosition(forResponseAt start: Timestamp) -> Int? {
        exchanges.withUnsafeBufferPointer { exchanges -> Int? in
            /// When the request of a waiting exchange started; nil when it has a response or no request.
            func requestStart(_ i: Int) -> Timestamp? {
                exchanges[i].response == nil ? exchanges[i].request?.timing.start.timestamp : nil
            }
            func isCandidate(_ i: Int) -> Bool { requestStart(i).map { $0 <= start } ?? false }
            guard let first = exchanges.indices.first(where: isCandidate) else { return nil }
            guard let hole = exchanges[first].holes.first(where: { $0.direction == .serverToClient }) else {
                return first
            }
            let later = exchanges.indices[(first + 1)...].first {
                isCandidate($0) && (requestStart($0) ?? start) >= hole.origin.timestamp
            }
            return later ?? first
        }
    }
}
