public import CaptureModel

/// One step of reading a live capture with ``LiveCapture/next()``.
public enum LiveRecord: Sendable {
    /// A packet, its bytes copied once out of libpcap's buffer (and, with a savefile, written to it).
    case packet(CapturedPacket)
    /// The read timeout passed without a packet: time for the caller's timers and stop checks.
    case timeout
    /// Capturing cannot go on (the interface went away, the savefile could not be written…).
    /// Every later call returns it again.
    case failed(CaptureError)
}

/// Kernel counters of a live capture (`pcap_stats`).
public struct LiveCaptureStatistics: Sendable, Hashable {
    /// Packets that passed the filter (`ps_recv`; on Linux, those the kernel queued for us).
    public var received: UInt64
    /// Packets dropped because the buffer was full (`ps_drop`): the analysis misses them.
    public var dropped: UInt64
    /// Packets dropped by the interface or its driver (`ps_ifdrop`), where the platform tells.
    public var interfaceDropped: UInt64

    public init(received: UInt64, dropped: UInt64, interfaceDropped: UInt64) {
        self.received = received
        self.dropped = dropped
        self.interfaceDropped = interfaceDropped
    }
}

/// A live capture on a network interface, through libpcap (`pcap_create` … `pcap_activate`).
///
/// Like ``CaptureFile`` the value owns libpcap's `pcap_t` (and the savefile writer, if any) and
/// closes them in `deinit`; it is `~Copyable`, so neither can be shared or closed twice.
///
/// The handle is set up for watching callbacks as they happen:
/// - snapshot length 262,144 bytes (tcpdump's default), so bodies are captured whole;
/// - a 32 MiB kernel buffer (`pcap_set_buffer_size`), so bursts are not dropped;
/// - immediate mode (`pcap_set_immediate_mode`): each packet is delivered when it arrives, not
///   when a kernel buffer fills;
/// - a read timeout (default 100 ms): ``next()`` returns ``LiveRecord/timeout`` when nothing
///   arrived, so the caller can advance its clock and notice a stop request. The handle is
///   non-blocking (`pcap_setnonblock`) and the wait is a `poll` on `pcap_get_selectable_fd`: a
///   blocking `pcap_next_ex` on Linux (libpcap 1.10) keeps polling past `pcap_set_timeout`;
/// - nanosecond time stamps where the platform offers them (microseconds are scaled);
/// - a BPF filter installed in the kernel with `pcap_setfilter`, so only matching packets are
///   copied to user space, counted and saved.
///
/// ```swift
/// var capture = try LiveCapture(interface: "lo", filter: "tcp port 9000", savefile: "cb.pcap")
/// while !stopRequested {
///     switch capture.next() {
///     case .packet(let packet): handle(packet)
///     case .timeout: tick()
///     case .failed(let error): report(error); return
///     }
/// }
/// ```
///
/// `Sendable` for the same reason as ``CaptureFile``: one owner at a time, one thread at a time.
public struct LiveCapture: ~Copyable, @unchecked Sendable {
    /// tcpdump's default snapshot length: every packet of a normal MTU, bodies included.
    public static let defaultSnapshotLength = 262_144
    /// The kernel buffer (`pcap_set_buffer_size`): 32 MiB, 16 times libpcap's default, so that a
    /// burst of callbacks is not dropped while the pipeline catches up.
    public static let defaultBufferBytes = 32 << 20

    /// The interface, as given.
    public let interface: String
    /// The link layer of the interface (`pcap_datalink` after activation).
    public let linkLayer: LinkLayer
    /// The snapshot length in effect.
    public let snapshotLength: Int
    /// The BPF filter expression installed, if any.
    public let filter: String?
    /// The savefile packets are written to (`-w`), if any.
    public let savefile: String?
    /// The warning `pcap_activate` gave, if it succeeded with one (e.g. promiscuous mode not
    /// supported on this interface).
    public let activationWarning: String?
    /// Packets delivered so far (each one's ``CapturedPacket/frameNumber`` is its position, as in
    /// the savefile).
    public private(set) var packetsRead = 0

    private let handle: OpaquePointer
    private let dumper: LibpcapDumper?
    /// True when libpcap delivers nanoseconds; false when the `tv_usec` field holds microseconds.
    private let nanosecondStamps: Bool
    /// The descriptor waited on between non-blocking reads, or nil when libpcap has none (the
    /// handle then blocks for up to its read timeout).
    private let descriptor: Int32?
    private let readTimeoutMilliseconds: Int32
    private var failure: CaptureError?
    /// The record copies (``RecordCopies``).
    private var recordCopies = RecordCopies()

    /// Opens `interface` for live capture.
    ///
    /// - Parameters:
    ///   - interface: an interface name as `ip link` shows it (`lo`, `eth0`), or `any`.
    ///   - filter: a BPF expression in tcpdump syntax, compiled for the interface's link type.
    ///   - savefile: a path to write every captured packet to, as tcpdump's `-w` does (pcap, with
    ///     nanosecond time stamps where available); written as packets arrive, flushed on every
    ///     read timeout and when the value is dropped.
    ///   - snapshotLength: bytes kept of each packet.
    ///   - readTimeoutMilliseconds: the longest ``next()`` waits before returning ``LiveRecord/timeout``.
    ///   - promiscuous: capture traffic not addressed to this host too (off: a callback server
    ///     only needs its own traffic).
    ///   - bufferBytes: the kernel buffer packets wait in until they are read.
    /// - Throws: ``CaptureError`` whose ``CaptureError/path`` is the interface, with code
    ///   `permissionDenied` (not root and no CAP_NET_RAW), `noSuchInterface`, `interfaceDown`,
    ///   `filter` (the expression does not compile; the message quotes it), `cannotOpen` (the
    ///   savefile cannot be created), or `captureFailed` (anything else libpcap refuses).
    public init(
        interface: String, filter: String? = nil, savefile: String? = nil, snapshotLength: Int = defaultSnapshotLength,
        readTimeoutMilliseconds: Int = 100, promiscuous: Bool = false, bufferBytes: Int = defaultBufferBytes
    ) throws(CaptureError) {
        let handle = try Self.create(interface)
        let nano = libpcapConfigure(
            handle, snapshotLength: Int32(clamping: snapshotLength), promiscuous: promiscuous, immediate: true,
            timeoutMilliseconds: Int32(clamping: readTimeoutMilliseconds), bufferBytes: Int32(clamping: bufferBytes))
        let warning = try Self.activate(handle, interface: interface)
        if let filter { try Self.install(filter, on: handle, interface: interface) }
        let descriptor: Int32?
        switch libpcapMakeNonBlocking(handle) {
        case .success(let fd): descriptor = fd
        case .failure: descriptor = nil
        }
        var dumper: LibpcapDumper?
        if let savefile { dumper = try Self.openSavefile(savefile, for: handle) }
        self.interface = interface
        self.filter = filter
        self.savefile = savefile
        self.handle = handle
        self.dumper = dumper
        self.nanosecondStamps = nano
        self.descriptor = descriptor
        self.readTimeoutMilliseconds = Int32(clamping: readTimeoutMilliseconds)
        self.activationWarning = warning
        self.linkLayer = PcapCapture.linkLayer(forDLT: libpcapDatalink(handle))
        self.snapshotLength = Int(libpcapSnapshot(handle))
    }

    // The steps of `init`: each step after `create` that fails closes the handle (`pcap_close`) before it throws.

    /// A new handle for `interface` (`pcap_create`).
    private static func create(_ interface: String) throws(CaptureError) -> OpaquePointer {
        switch libpcapCreate(device: interface) {
        case .success(let created): return created
        case .failure(let message):
            throw CaptureError(code: .captureFailed, path: interface, reason: "cannot capture: \(message.text)")
        }
    }

    /// Activates `handle` (`pcap_activate`); the warning it succeeded with, if any.
    private static func activate(_ handle: OpaquePointer, interface: String) throws(CaptureError) -> String? {
        switch libpcapActivate(handle) {
        case .success(let warning): return warning
        case .failure(let failure):
            libpcapClose(handle)
            throw Self.error(for: failure, interface: interface)
        }
    }

    /// Compiles `filter` for the activated `handle`'s link type and installs it in the kernel
    /// (`pcap_compile`, `pcap_setfilter`, `pcap_freecode`).
    private static func install(_ filter: String, on handle: OpaquePointer, interface: String) throws(CaptureError) {
        switch libpcapCompile(handle, expression: filter) {
        case .success(var program):
            let failed = libpcapSetFilter(handle, &program)
            libpcapFreeCode(&program)
            if let failed {
                libpcapClose(handle)
                throw CaptureError(
                    code: .filter, path: interface,
                    reason: "cannot install capture filter \"\(filter)\": \(failed.text)")
            }
        case .failure(let message):
            libpcapClose(handle)
            throw CaptureError(
                code: .filter, path: interface, reason: "invalid capture filter \"\(filter)\": \(message.text)")
        }
    }

    /// The savefile writer for `path` (`pcap_dump_open`).
    private static func openSavefile(_ path: String, for handle: OpaquePointer) throws(CaptureError) -> LibpcapDumper {
        switch libpcapDumpOpen(handle, path: path) {
        case .success(let opened): return opened
        case .failure(let message):
            libpcapClose(handle)
            throw CaptureError(code: .cannotOpen, path: path, reason: "cannot write the capture file: \(message.text)")
        }
    }

    /// The typed error for a failed `pcap_activate`, with a hint the user can act on.
    private static func error(for failure: LibpcapActivationFailure, interface: String) -> CaptureError {
        switch failure {
        case .permissionDenied(let text):
            CaptureError(
                code: .permissionDenied, path: interface,
                reason:
                    "no permission to capture (\(text)); run as root or give the binary CAP_NET_RAW and CAP_NET_ADMIN")
        case .promiscuousPermissionDenied(let text):
            CaptureError(
                code: .permissionDenied, path: interface,
                reason: "no permission to capture in promiscuous mode (\(text))")
        case .noSuchDevice(let text):
            CaptureError(
                code: .noSuchInterface, path: interface,
                reason: "no such interface (\(text)); `ip link` lists the interfaces")
        case .interfaceNotUp(let text):
            CaptureError(
                code: .interfaceDown, path: interface,
                reason: "the interface is down (\(text)); bring it up with `ip link set \(interface) up`")
        case .other(let text):
            CaptureError(code: .captureFailed, path: interface, reason: "cannot capture: \(text)")
        }
    }

    deinit {
        if let dumper { libpcapDumpClose(dumper) }
        libpcapClose(handle)
    }

    /// Waits for the next packet, at most the read timeout.
    ///
    /// The packet is written to the savefile (if any) exactly as libpcap delivered it, then copied
    /// once into ``CapturedPacket/bytes``; `frameNumber` counts the packets delivered, so it is the
    /// packet's frame number in the savefile too.
    /// The corresponding C functions are `pcap_next_ex`, `pcap_dump` and `pcap_dump_flush`.
    public mutating func next() -> LiveRecord {
        if let failure { return .failed(failure) }
        var result = libpcapNextLive(handle)
        if case .timeout = result, let descriptor {
            // Non-blocking: nothing was waiting. Wait for the descriptor, then read once more.
            if libpcapWaitReadable(descriptor, timeoutMilliseconds: readTimeoutMilliseconds) {
                result = libpcapNextLive(handle)
            }
        }
        switch result {
        case .timeout, .stopped:
            if let dumper, !libpcapDumpFlush(dumper) {
                return fail(
                    CaptureError(
                        code: .captureFailed, path: savefile ?? interface, reason: "cannot write the capture file"))
            }
            return .timeout
        case .error(let message):
            return fail(CaptureError(code: .captureFailed, path: interface, reason: "capture stopped: \(message)"))
        case .packet(let header, let data):
            if let dumper { libpcapDump(dumper, header: header, data: data) }
            packetsRead += 1
            let fields = libpcapRecordFields(header)
            let fraction = nanosecondStamps ? fields.nanoseconds : fields.nanoseconds * 1000
            // SAFETY: libpcap guarantees `data` points at `caplen` readable bytes until the next
            // call on this handle; they are copied here, before that call.
            let bytes = recordCopies.copy(UnsafeBufferPointer(start: data, count: fields.capturedLength))
            return .packet(
                CapturedPacket(
                    frameNumber: packetsRead, timestamp: Timestamp(seconds: fields.seconds, nanoseconds: fraction),
                    bytes: bytes, originalLength: fields.originalLength, linkLayer: linkLayer))
        }
    }

    private mutating func fail(_ error: CaptureError) -> LiveRecord {
        failure = error
        return .failed(error)
    }

    /// Writes the packets buffered for the savefile to disk (also done on every read timeout).
    /// The corresponding C function is `pcap_dump_flush`.
    public func flushSavefile() {
        if let dumper { _ = libpcapDumpFlush(dumper) }
    }

    /// The kernel's counters so far, or nil when the platform cannot tell.
    /// The corresponding C function is `pcap_stats`.
    public var statistics: LiveCaptureStatistics? {
        libpcapStats(handle).map {
            LiveCaptureStatistics(received: $0.received, dropped: $0.dropped, interfaceDropped: $0.interfaceDropped)
        }
    }

    /// `"live capture on lo (EN10MB, snaplen 262144)"`, for reports.
    public var formatDescription: String {
        "live capture on \(interface) (\(nanosecondStamps ? "ns" : "µs"), snaplen \(snapshotLength))"
    }
}
