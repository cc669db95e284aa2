public import CaptureModel
import Diagnosis
import HTTPExchanges
import TCPReassembly

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A callback server named by the user (`--server HOST:PORT`): an IP address and a TCP port, or
/// a port on any address (`:PORT`); the port may be a range (`:9030-9034`, as tcpdump's
/// `portrange`).
///
/// Named servers are judged as callback servers even over HTTPS (``HTTPSJudging``), and when any
/// is named only exchanges with them are listed in the report (the counts still cover the whole
/// capture: ``ExchangeSelection``).
public struct ServerName: Sendable, Hashable, CustomStringConvertible {
    /// Nil: any address.
    public var address: IPAddress?
    public var ports: ClosedRange<UInt16>

    public init(address: IPAddress?, ports: ClosedRange<UInt16>) {
        self.address = address
        self.ports = ports
    }

    /// Parses `HOST:PORT` (`127.0.0.1:9000`), `[V6]:PORT` (`[::1]:9000`, RFC 3986 §3.2.2 brackets)
    /// or `:PORT` (any host); PORT is a number or a range `FIRST-LAST`. HOST is an IP address as
    /// the capture shows it: names are not resolved. Throws a one-line reason.
    public init(parsing text: String) throws(ServerNameError) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ServerNameError("\(text): expected [IPV6]:PORT, e.g. [::1]:9000")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard let v6 = Self.ipv6(String(host)) else {
                throw ServerNameError("\(text): \(host) is not an IPv6 address")
            }
            address = v6
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ServerNameError("\(text): expected HOST:PORT, [IPV6]:PORT or :PORT, e.g. 127.0.0.1:9000")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.isEmpty {
                address = nil
            } else if host.contains(":") {
                throw ServerNameError("\(text): write an IPv6 address in brackets, e.g. [::1]:9000")
            } else if let v4 = Self.ipv4(String(host)) {
                address = v4
            } else {
                throw ServerNameError(
                    "\(text): \(host) is not an IP address (names are not resolved; use the address the capture shows)")
            }
        }
        let bounds = portText.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map { Int($0) }
        guard bounds.allSatisfy({ $0.map { (1...65535).contains($0) } ?? false }), let first = bounds.first!,
            let last = bounds.last!,
            first <= last
        else {
            throw ServerNameError("\(text): the port must be a number from 1 to 65535, or a range FIRST-LAST")
        }
        ports = UInt16(first)...UInt16(last)
    }

    /// True when `endpoint` is this server.
    public func matches(_ endpoint: Endpoint) -> Bool {
        ports.contains(endpoint.port) && (address == nil || address == endpoint.address)
    }

    /// `127.0.0.1:9000`, `[::1]:9000`, `:9000`, `:9030-9034`.
    public var description: String {
        let port = ports.count == 1 ? "\(ports.lowerBound)" : "\(ports.lowerBound)-\(ports.upperBound)"
        switch address {
        case nil: return ":\(port)"
        case .v4?: return "\(address!):\(port)"
        case .v6?: return "[\(address!)]:\(port)"
        }
    }

    /// The corresponding C function is `inet_pton` (AF_INET).
    private static func ipv4(_ text: String) -> IPAddress? {
        var raw = in_addr()
        guard inet_pton(AF_INET, text, &raw) == 1 else { return nil }
        return .v4(UInt32(bigEndian: raw.s_addr))
    }

    /// The corresponding C function is `inet_pton` (AF_INET6).
    private static func ipv6(_ text: String) -> IPAddress? {
        var raw = in6_addr()
        guard inet_pton(AF_INET6, text, &raw) == 1 else { return nil }
        let bytes = withUnsafeBytes(of: raw) { Array($0) }
        let word = { (range: Range<Int>) in bytes[range].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        return .v6(word(0..<8), word(8..<16))
    }
}

/// Why a `--server` value was refused (one line, starting with the value).
public struct ServerNameError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension [ServerName] {
    /// True when one of the names matches `endpoint`.
    func names(_ endpoint: Endpoint) -> Bool { contains { $0.matches(endpoint) } }
}

/// Which HTTPS connections of a capture are judged as OSS callbacks.
///
/// An HTTPS request's headers are encrypted, so nothing in it says "OSS callback". A TLS
/// connection is judged (its TLS rules apply, it counts as a callback) only when something says
/// its server is a callback server: the user named it (``ServerName``), or a plaintext OSS
/// callback went to the same address and port anywhere in the capture — before or after it.
/// Otherwise it is listed as "HTTPS, not judged" (``DiagnosedExchange/notJudgedHTTPS()``):
/// unrelated HTTPS in a capture never fails a run.
///
/// The decision is final only at the end of the capture; during it, ``judges(_:)`` answers with
/// what is known so far (the live lines of `watch` use that).
struct HTTPSJudging: Sendable {
    let named: [ServerName]
    /// Servers that received a plaintext OSS callback (grows with the number of such servers).
    private(set) var callbackServers: Set<Endpoint> = []

    init(named: [ServerName]) { self.named = named }

    /// Takes note of an exchange: a plaintext OSS callback marks its server as a callback server.
    mutating func note(_ d: DiagnosedExchange) {
        if d.isCallback, d.exchange.tls == nil { callbackServers.insert(d.exchange.connection.server) }
    }

    /// True when HTTPS to `server` is judged (so far).
    func judges(_ server: Endpoint) -> Bool { callbackServers.contains(server) || named.names(server) }

    /// `d`, or for an HTTPS exchange whose server is not judged, `d` as not judged.
    func applied(to d: DiagnosedExchange) -> DiagnosedExchange {
        d.exchange.tls == nil || judges(d.exchange.connection.server) ? d : d.notJudgedHTTPS()
    }

    /// Adds the callback servers another part of the capture saw.
    mutating func merge(_ other: HTTPSJudging) { callbackServers.formUnion(other.callbackServers) }
}
