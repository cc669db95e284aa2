/// Why a capture file could not be read, or where reading it stopped.
///
/// Modelled on swift-asn1's `ASN1Error`: an extensible ``Code`` to match on, a human ``reason``,
/// and the file. `==` compares ``code`` only, so tests can write
/// `#expect(throws: CaptureError.notACapture)`-style checks without spelling the text.
public struct CaptureError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The kind of failure. New codes may be added; match with `==`, not exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Backing: Hashable, Sendable {
            case cannotOpen, notACapture, unsupportedFormat, damaged, truncated, filter
            case permissionDenied, noSuchInterface, interfaceDown, captureFailed
        }

        fileprivate var backing: Backing

        /// The path does not exist, is not readable, or is neither a file nor a stream (a directory,
        /// a device, a terminal on standard input).
        public static let cannotOpen = Code(backing: .cannotOpen)
        /// The file is not a pcap or pcapng capture (empty, text, random bytes, compressed…).
        public static let notACapture = Code(backing: .notACapture)
        /// A capture file in a version or variant libpcap does not read.
        public static let unsupportedFormat = Code(backing: .unsupportedFormat)
        /// The file's structure is broken (impossible record length, bad block…).
        public static let damaged = Code(backing: .damaged)
        /// The file ends in the middle of a header or record (a cut or still-growing file).
        public static let truncated = Code(backing: .truncated)
        /// The BPF filter expression does not compile for this capture.
        public static let filter = Code(backing: .filter)
        /// Live capture: no permission to capture on the interface (root or CAP_NET_RAW is
        /// needed), or to put it in promiscuous mode.
        public static let permissionDenied = Code(backing: .permissionDenied)
        /// Live capture: the interface does not exist.
        public static let noSuchInterface = Code(backing: .noSuchInterface)
        /// Live capture: the interface exists but is down.
        public static let interfaceDown = Code(backing: .interfaceDown)
        /// Live capture: any other failure to start or go on capturing (the interface went away…).
        public static let captureFailed = Code(backing: .captureFailed)

        /// `"cannot-open"`, `"not-a-capture"`, `"unsupported-format"`, `"damaged"`, `"truncated"`,
        /// `"filter"`, `"permission-denied"`, `"no-such-interface"`, `"interface-down"`,
        /// `"capture-failed"`: stable identifiers for reports.
        public var description: String {
            switch backing {
            case .cannotOpen: "cannot-open"
            case .notACapture: "not-a-capture"
            case .unsupportedFormat: "unsupported-format"
            case .damaged: "damaged"
            case .truncated: "truncated"
            case .filter: "filter"
            case .permissionDenied: "permission-denied"
            case .noSuchInterface: "no-such-interface"
            case .interfaceDown: "interface-down"
            case .captureFailed: "capture-failed"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The capture file's path, as given to ``CaptureFile/init(path:filter:)`` — or, for a live
    /// capture, the interface name.
    public var path: String
    /// One line of human text, without the path (libpcap's message where it has one).
    public var reason: String
    /// The 1-based number of the record at which reading broke, when known.
    public var recordNumber: Int?

    /// Creates an error; `reason` should be one line.
    public init(code: Code, path: String, reason: String, recordNumber: Int? = nil) {
        self.code = code
        self.path = path
        self.reason = reason
        self.recordNumber = recordNumber
    }

    /// One line: `"<path>: <reason>"`, plus `" (at record N)"` when the record is known.
    public var description: String {
        var text = "\(path): \(reason)"
        if let recordNumber { text += " (at record \(recordNumber))" }
        return text
    }

    /// Compares ``code`` only.
    public static func == (lhs: CaptureError, rhs: CaptureError) -> Bool {
        lhs.code == rhs.code
    }
}
