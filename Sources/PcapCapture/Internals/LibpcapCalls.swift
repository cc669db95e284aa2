// The libpcap boundary: every call into libpcap in this package goes through one function in
// this file (the swift-system `Syscalls.swift` pattern). Nothing outside this file names a
// `pcap_*` function or a `DLT_*` constant, and no C type leaves the module (`internal import`).
import ByteText
internal import CPcap
import CaptureModel

#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// The size of libpcap's error buffer, `PCAP_ERRBUF_SIZE` (256 bytes).
let libpcapErrorBufferSize = Int(PCAP_ERRBUF_SIZE)

/// What one call of `pcap_next_ex` produced.
///
/// `packet`'s pointers stay valid only until the next call on the same handle; the caller must
/// copy the bytes before calling again.
enum LibpcapNextResult {
    case packet(header: UnsafePointer<pcap_pkthdr>, data: UnsafePointer<UInt8>)
    case endOfFile
    case error(String)
}

/// A compiled BPF program, owned by value; release it with ``libpcapFreeCode(_:)``.
typealias LibpcapProgram = bpf_program

/// Opens a savefile (pcap or pcapng) with nanosecond timestamp precision.
///
/// From then on `pcap_pkthdr.ts.tv_usec` holds **nanoseconds** (libpcap scales µs files).
/// - Returns: the handle, or the text libpcap put into its error buffer.
/// The corresponding C function is `pcap_open_offline_with_tstamp_precision`.
func libpcapOpenOffline(path: String) -> Result<OpaquePointer, LibpcapMessage> {
    var errorBuffer = [CChar](repeating: 0, count: libpcapErrorBufferSize)
    // SAFETY: `errorBuffer` holds PCAP_ERRBUF_SIZE bytes as libpcap requires, and outlives the
    // call; `path` is bridged to a NUL-terminated C string for the duration of the call.
    let handle = errorBuffer.withUnsafeMutableBufferPointer { buffer in
        pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), buffer.baseAddress)
    }
    if let handle { return .success(handle) }
    return .failure(LibpcapMessage(cString: errorBuffer))
}

/// Opens a savefile from a stdio stream (a gzip-decompressing stream, see `GzipSource`), with
/// nanosecond timestamp precision. On success libpcap owns the stream and closes it in
/// `pcap_close`; on failure the caller still owns it.
///
/// The corresponding C function is `pcap_fopen_offline_with_tstamp_precision`.
func libpcapFOpenOffline(_ stream: UnsafeMutablePointer<FILE>) -> Result<OpaquePointer, LibpcapMessage> {
    var errorBuffer = [CChar](repeating: 0, count: libpcapErrorBufferSize)
    // SAFETY: `errorBuffer` holds PCAP_ERRBUF_SIZE bytes as libpcap requires, and outlives the call.
    let handle = errorBuffer.withUnsafeMutableBufferPointer { buffer in
        pcap_fopen_offline_with_tstamp_precision(stream, UInt32(PCAP_TSTAMP_PRECISION_NANO), buffer.baseAddress)
    }
    if let handle { return .success(handle) }
    return .failure(LibpcapMessage(cString: errorBuffer))
}

/// The position of libpcap's stdio stream in the file (bytes read from it so far, stdio's
/// read-ahead included), for progress reporting; 0 when unknown.
///
/// The corresponding C functions are `pcap_file` and `ftello`.
func libpcapStreamPosition(_ handle: OpaquePointer) -> Int64 {
    guard let stream = pcap_file(handle) else { return 0 }
    return max(0, Int64(ftello(stream)))
}

/// Closes a handle and frees everything libpcap allocated for it.
///
/// The corresponding C function is `pcap_close`.
func libpcapClose(_ handle: OpaquePointer) {
    pcap_close(handle)
}

/// Reads the next record of a savefile.
///
/// Return codes are converted here, in one place: `1` is a record, `PCAP_ERROR_BREAK` (−2) is the
/// end of the file, `PCAP_ERROR` (−1) is an error described by `pcap_geterr`; `0` (a live-capture
/// timeout, never seen on savefiles) and anything else are reported as errors too.
/// The corresponding C function is `pcap_next_ex`.
func libpcapNextEx(_ handle: OpaquePointer) -> LibpcapNextResult {
    var header: UnsafeMutablePointer<pcap_pkthdr>?
    var data: UnsafePointer<UInt8>?
    let status = pcap_next_ex(handle, &header, &data)
    switch status {
    case 1:
        guard let header, let data else { return .error("libpcap returned a record without data") }
        return .packet(header: UnsafePointer(header), data: data)
    case PCAP_ERROR_BREAK:
        return .endOfFile
    case PCAP_ERROR:
        return .error(libpcapGetErr(handle).text)
    default:
        return .error("unexpected result \(status) from pcap_next_ex")
    }
}

/// The link-layer header type of the savefile (a `DLT_*` value, already mapped from the file's
/// `LINKTYPE_*` by libpcap).
///
/// The corresponding C function is `pcap_datalink`.
func libpcapDatalink(_ handle: OpaquePointer) -> Int32 {
    pcap_datalink(handle)
}

/// libpcap's short name for a `DLT_*` value (`"EN10MB"`, `"IEEE802_11_RADIO"`), or `""` when it
/// has none.
///
/// The corresponding C function is `pcap_datalink_val_to_name`.
func libpcapDatalinkValueToName(_ dlt: Int32) -> String {
    guard let name = pcap_datalink_val_to_name(dlt) else { return "" }
    return String(cString: name)
}

/// The snapshot length recorded in the savefile header (or the pcapng interface block).
///
/// The corresponding C function is `pcap_snapshot`.
func libpcapSnapshot(_ handle: OpaquePointer) -> Int32 {
    pcap_snapshot(handle)
}

/// The text of the last error on a handle.
///
/// The corresponding C function is `pcap_geterr`.
func libpcapGetErr(_ handle: OpaquePointer) -> LibpcapMessage {
    guard let text = pcap_geterr(handle) else { return LibpcapMessage(text: "unknown libpcap error") }
    return LibpcapMessage(text: String(cString: text))
}

/// Compiles a BPF filter expression (tcpdump syntax, `pcap-filter(7)`) for the handle's link type.
///
/// Uses `PCAP_NETMASK_UNKNOWN`, so `ip broadcast` is not available — as with `tcpdump -r`.
/// The corresponding C function is `pcap_compile`.
func libpcapCompile(_ handle: OpaquePointer, expression: String) -> Result<LibpcapProgram, LibpcapMessage> {
    var program = bpf_program()
    let status = pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN)
    guard status == 0 else { return .failure(libpcapGetErr(handle)) }
    return .success(program)
}

/// Runs a compiled filter over one record; true when the record matches.
///
/// The corresponding C function is `pcap_offline_filter`.
func libpcapOfflineFilter(
    _ program: UnsafePointer<LibpcapProgram>, header: UnsafePointer<pcap_pkthdr>, data: UnsafePointer<UInt8>
) -> Bool {
    pcap_offline_filter(program, header, data) != 0
}

/// Frees the instructions of a compiled filter.
///
/// The corresponding C function is `pcap_freecode`.
func libpcapFreeCode(_ program: inout LibpcapProgram) {
    pcap_freecode(&program)
}

/// The libpcap version string, e.g. `"libpcap version 1.10.3 (with TPACKET_V3)"`.
///
/// The corresponding C function is `pcap_lib_version`.
func libpcapLibVersion() -> String {
    guard let text = pcap_lib_version() else { return "libpcap (unknown version)" }
    return String(cString: text)
}

/// Reads the capture time, captured length and wire length out of a record header.
///
/// With `PCAP_TSTAMP_PRECISION_NANO`, `ts.tv_usec` holds nanoseconds.
func libpcapRecordFields(_ header: UnsafePointer<pcap_pkthdr>) -> (
    seconds: Int64, nanoseconds: Int64, capturedLength: Int, originalLength: Int
) {
    let h = header.pointee
    return (Int64(h.ts.tv_sec), Int64(h.ts.tv_usec), Int(h.caplen), Int(h.len))
}

/// Maps libpcap's `DLT_*` value onto the pipeline's ``LinkLayer``.
///
/// Only the imported constants are used, never literals: `DLT_RAW` is 12 on Linux but 14 on
/// OpenBSD, and `DLT_LOOP` is 108 on Linux but 12 on OpenBSD. libpcap already maps the file's
/// `LINKTYPE_RAW` (101) to `DLT_RAW`, and `LINKTYPE_IPV4`/`LINKTYPE_IPV6` (228/229) come back as
/// `DLT_IPV4`/`DLT_IPV6`.
func linkLayer(forDLT dlt: Int32) -> LinkLayer {
    switch dlt {
    case DLT_EN10MB: .ethernet
    case DLT_LINUX_SLL: .linuxCooked
    case DLT_LINUX_SLL2: .linuxCooked2
    case DLT_RAW: .rawIP
    case DLT_IPV4: .ipv4
    case DLT_IPV6: .ipv6
    case DLT_NULL: .bsdNull
    case DLT_LOOP: .bsdLoop
    default: .unsupported(dlt: dlt, name: libpcapDatalinkValueToName(dlt))
    }
}

/// A message from libpcap (error buffer or `pcap_geterr`), flattened to one line.
struct LibpcapMessage: Error {
    var text: String

    init(text: String) {
        self.text = LibpcapMessage.oneLine(text)
    }

    init(cString buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(text: String(decoding: bytes, as: UTF8.self))
    }

    /// Collapses newlines and surrounding blanks so that every error stays on one line.
    static func oneLine(_ text: String) -> String {
        let pieces = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
        return pieces.map { $0.trimmingASCII(" \t") }.filter { !$0.isEmpty }.joined(separator: " ")
    }
}

// MARK: - Live capture (issue #8)

/// A `pcap_dumper_t` (the savefile writer of `pcap_dump_open`).
typealias LibpcapDumper = OpaquePointer

/// What `pcap_activate` and the `pcap_set_*` calls before it can say, one case per documented
/// return code that a user can act on (`pcap_activate(3PCAP)`).
enum LibpcapActivationFailure: Error {
    /// `PCAP_ERROR_PERM_DENIED`: no permission to open the device (needs root or CAP_NET_RAW).
    case permissionDenied(String)
    /// `PCAP_ERROR_PROMISC_PERM_DENIED`: no permission to put the device in promiscuous mode.
    case promiscuousPermissionDenied(String)
    /// `PCAP_ERROR_NO_SUCH_DEVICE`: the device does not exist.
    case noSuchDevice(String)
    /// `PCAP_ERROR_IFACE_NOT_UP`: the device is not up.
    case interfaceNotUp(String)
    /// `PCAP_ERROR` or any other negative code, with `pcap_geterr`'s or `pcap_statustostr`'s text.
    case other(String)
}

/// Creates a live-capture handle for `device`, not yet activated.
///
/// The corresponding C function is `pcap_create`.
func libpcapCreate(device: String) -> Result<OpaquePointer, LibpcapMessage> {
    var errorBuffer = [CChar](repeating: 0, count: libpcapErrorBufferSize)
    // SAFETY: `errorBuffer` holds PCAP_ERRBUF_SIZE bytes as libpcap requires, and outlives the call.
    let handle = errorBuffer.withUnsafeMutableBufferPointer { buffer in
        pcap_create(device, buffer.baseAddress)
    }
    if let handle { return .success(handle) }
    return .failure(LibpcapMessage(cString: errorBuffer))
}

/// Sets the options of a handle before `pcap_activate`: snapshot length, promiscuous mode,
/// immediate mode (each packet is delivered as soon as it arrives, instead of when a kernel
/// buffer fills), the read timeout in milliseconds (how long `pcap_next_ex` waits before returning
/// 0 so the caller can do other work), and nanosecond time stamps when the platform offers them.
///
/// The kernel buffer size (`bufferBytes`) bounds how long a burst can outrun the reader before
/// the kernel drops packets.
/// - Returns: true when nanosecond precision was accepted (otherwise ``libpcapRecordFields(_:)``
///   returns microseconds in its `nanoseconds` field and the caller must scale).
/// The corresponding C functions are `pcap_set_snaplen`, `pcap_set_promisc`,
/// `pcap_set_immediate_mode`, `pcap_set_timeout`, `pcap_set_buffer_size` and
/// `pcap_set_tstamp_precision`.
func libpcapConfigure(
    _ handle: OpaquePointer, snapshotLength: Int32, promiscuous: Bool, immediate: Bool, timeoutMilliseconds: Int32,
    bufferBytes: Int32
) -> Bool {
    // Before activation these only fail with PCAP_ERROR_ACTIVATED, which cannot happen here.
    _ = pcap_set_buffer_size(handle, bufferBytes)
    _ = pcap_set_snaplen(handle, snapshotLength)
    _ = pcap_set_promisc(handle, promiscuous ? 1 : 0)
    _ = pcap_set_immediate_mode(handle, immediate ? 1 : 0)
    _ = pcap_set_timeout(handle, timeoutMilliseconds)
    return pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO)) == 0
}

/// Activates a handle created by ``libpcapCreate(device:)``.
///
/// - Returns: the warning text when activation succeeded with a warning (`PCAP_WARNING*`, e.g.
///   promiscuous mode not supported), nil without one; or the failure, mapped from the
///   `PCAP_ERROR_*` code, with libpcap's own text (`pcap_geterr`) when it wrote one.
/// The corresponding C functions are `pcap_activate`, `pcap_geterr` and `pcap_statustostr`.
func libpcapActivate(_ handle: OpaquePointer) -> Result<String?, LibpcapActivationFailure> {
    let status = pcap_activate(handle)
    if status == 0 { return .success(nil) }
    let detail = libpcapGetErr(handle).text
    let generic = pcap_statustostr(status).map { String(cString: $0) } ?? "error \(status)"
    let text = detail.isEmpty ? generic : detail
    if status > 0 { return .success(text) }
    switch status {
    case PCAP_ERROR_PERM_DENIED: return .failure(.permissionDenied(text))
    case PCAP_ERROR_PROMISC_PERM_DENIED: return .failure(.promiscuousPermissionDenied(text))
    case PCAP_ERROR_NO_SUCH_DEVICE: return .failure(.noSuchDevice(text))
    case PCAP_ERROR_IFACE_NOT_UP: return .failure(.interfaceNotUp(text))
    default: return .failure(.other(text))
    }
}

/// Installs a compiled filter in the kernel (or libpcap's userland filter), so that only matching
/// packets are delivered and counted.
///
/// The corresponding C function is `pcap_setfilter`.
func libpcapSetFilter(_ handle: OpaquePointer, _ program: inout LibpcapProgram) -> LibpcapMessage? {
    pcap_setfilter(handle, &program) == 0 ? nil : libpcapGetErr(handle)
}

/// What one `pcap_next_ex` call on a live handle produced.
enum LibpcapLiveResult {
    /// A packet; the pointers are valid until the next call on the handle.
    case packet(header: UnsafePointer<pcap_pkthdr>, data: UnsafePointer<UInt8>)
    /// The read timeout expired without a packet (return code 0).
    case timeout
    /// `pcap_breakloop` was called (`PCAP_ERROR_BREAK`).
    case stopped
    /// `PCAP_ERROR`: the device went away, or another error, with `pcap_geterr`'s text.
    case error(String)
}

/// Reads the next packet of a live handle, waiting at most the read timeout.
///
/// The corresponding C function is `pcap_next_ex`.
func libpcapNextLive(_ handle: OpaquePointer) -> LibpcapLiveResult {
    var header: UnsafeMutablePointer<pcap_pkthdr>?
    var data: UnsafePointer<UInt8>?
    let status = pcap_next_ex(handle, &header, &data)
    switch status {
    case 1:
        guard let header, let data else { return .error("libpcap returned a packet without data") }
        return .packet(header: UnsafePointer(header), data: data)
    case 0: return .timeout
    case PCAP_ERROR_BREAK: return .stopped
    case PCAP_ERROR: return .error(libpcapGetErr(handle).text)
    default: return .error("unexpected result \(status) from pcap_next_ex")
    }
}

/// Kernel counters of a live handle: packets received by the filter, dropped because the
/// buffer was full, and dropped by the interface (where the platform knows).
///
/// The corresponding C function is `pcap_stats`.
func libpcapStats(_ handle: OpaquePointer) -> (received: UInt64, dropped: UInt64, interfaceDropped: UInt64)? {
    var stats = pcap_stat()
    guard pcap_stats(handle, &stats) == 0 else { return nil }
    return (UInt64(stats.ps_recv), UInt64(stats.ps_drop), UInt64(stats.ps_ifdrop))
}

/// Opens a savefile for writing packets of `handle` (pcap format, the handle's link type,
/// snapshot length and time-stamp precision). `"-"` is standard output.
///
/// The corresponding C function is `pcap_dump_open`.
func libpcapDumpOpen(_ handle: OpaquePointer, path: String) -> Result<LibpcapDumper, LibpcapMessage> {
    guard let dumper = pcap_dump_open(handle, path) else { return .failure(libpcapGetErr(handle)) }
    return .success(dumper)
}

/// Appends one record, exactly as libpcap delivered it, to a savefile.
///
/// The corresponding C function is `pcap_dump`.
func libpcapDump(_ dumper: LibpcapDumper, header: UnsafePointer<pcap_pkthdr>, data: UnsafePointer<UInt8>) {
    // SAFETY: pcap_dump's first argument is the dumper passed as `u_char *` (the pcap_handler
    // convention); header and data are the record libpcap just returned.
    pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), header, data)
}

/// Writes buffered records to the savefile.
///
/// - Returns: false when the write failed (disk full, …).
/// The corresponding C function is `pcap_dump_flush`.
func libpcapDumpFlush(_ dumper: LibpcapDumper) -> Bool {
    pcap_dump_flush(dumper) == 0
}

/// Flushes and closes a savefile.
///
/// The corresponding C function is `pcap_dump_close`.
func libpcapDumpClose(_ dumper: LibpcapDumper) {
    pcap_dump_close(dumper)
}

/// Puts an activated handle in non-blocking mode, so that `pcap_next_ex` returns 0 at once when no
/// packet is waiting. The caller then waits with ``libpcapWaitReadable(_:timeoutMilliseconds:)``.
///
/// (libpcap 1.10 on Linux does not return from a blocking `pcap_next_ex` when the read timeout
/// expires without a packet: it polls again. Waiting ourselves is what keeps the loop ticking.)
/// - Returns: the selectable descriptor (`pcap_get_selectable_fd`), or the reason it is not
///   available (the handle then stays in blocking mode).
/// The corresponding C functions are `pcap_setnonblock` and `pcap_get_selectable_fd`.
func libpcapMakeNonBlocking(_ handle: OpaquePointer) -> Result<Int32, LibpcapMessage> {
    let descriptor = pcap_get_selectable_fd(handle)
    guard descriptor >= 0 else { return .failure(LibpcapMessage(text: "no selectable descriptor")) }
    var errorBuffer = [CChar](repeating: 0, count: libpcapErrorBufferSize)
    // SAFETY: `errorBuffer` holds PCAP_ERRBUF_SIZE bytes as libpcap requires, and outlives the call.
    let status = errorBuffer.withUnsafeMutableBufferPointer { buffer in
        pcap_setnonblock(handle, 1, buffer.baseAddress)
    }
    guard status == 0 else { return .failure(LibpcapMessage(cString: errorBuffer)) }
    return .success(descriptor)
}

/// Waits until `descriptor` is readable or `timeoutMilliseconds` pass (a signal ends the wait
/// early too). True when it is readable.
///
/// The corresponding C function is `poll`.
func libpcapWaitReadable(_ descriptor: Int32, timeoutMilliseconds: Int32) -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, timeoutMilliseconds) > 0
}

// MARK: - Filters and link types for the pcapng reader (issue #18)

/// The `DLT_*` value for a file's `LINKTYPE_*` value (https://www.tcpdump.org/linktypes.html), as
/// libpcap's own `linktype_to_dlt` maps it: the two values are equal except where a `DLT_*`
/// differs between platforms (`LINKTYPE_RAW` 101 is `DLT_RAW`, `LINKTYPE_LOOP` 108 is `DLT_LOOP`).
func dlt(forLinkType linkType: Int) -> Int32 {
    switch linkType {
    case 101: DLT_RAW
    case 108: DLT_LOOP
    default: Int32(clamping: linkType)
    }
}

/// Compiles `expression` for records of link type `dlt`, without a capture: a "dead" handle
/// (`pcap_open_dead`) stands for one. Used to check a filter before any file is read, and to
/// filter the records of a pcapng file whose interfaces have different link types.
///
/// The corresponding C functions are `pcap_open_dead`, `pcap_compile` and `pcap_close`.
func libpcapCompile(expression: String, dlt: Int32) -> Result<LibpcapProgram, LibpcapMessage> {
    guard let handle = pcap_open_dead(dlt, 262_144) else {
        return .failure(LibpcapMessage(text: "cannot make a libpcap handle"))
    }
    defer { pcap_close(handle) }
    return libpcapCompile(handle, expression: expression)
}

/// Runs a compiled filter over one record given by its bytes and lengths (`pcap_offline_filter`
/// reads only `caplen` and `len` from the header).
///
/// The corresponding C function is `pcap_offline_filter`.
func libpcapOfflineFilter(
    _ program: UnsafePointer<LibpcapProgram>, bytes: UnsafeBufferPointer<UInt8>, originalLength: Int
) -> Bool {
    guard let base = bytes.baseAddress else { return false }
    var header = pcap_pkthdr()
    header.caplen = UInt32(clamping: bytes.count)
    header.len = UInt32(clamping: originalLength)
    return pcap_offline_filter(program, &header, base) != 0
}

/// True when libpcap's message is its refusal of a valid pcapng file whose interfaces differ —
/// "an interface has a type N different from the type of the first interface", or "an interface
/// has a snapshot length N different from the snapshot length of the first interface" (libpcap
/// 1.10 sf-pcapng.c `add_interface`: one link type and one snapshot length per file) — which the
/// pcapng reader reads instead.
func isMixedInterfaceRefusal(_ message: String) -> Bool {
    message.contains("different from the type of the first interface")
        || message.contains("different from the snapshot length of the first interface")
}

/// The pipeline's ``LinkLayer`` for a file's `LINKTYPE_*` value.
func linkLayer(forLinkType linkType: Int) -> LinkLayer {
    linkLayer(forDLT: dlt(forLinkType: linkType))
}
