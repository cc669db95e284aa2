// Checks a path before libpcap sees it: libpcap calls a directory "Is a directory" only on some
// platforms, cannot tell pcap µs/ns or the byte order back to its caller, and would read a device
// forever; pipes and FIFOs are read as streams (issue #18). Only this file calls the C library's file functions.
#if canImport(Glibc)
    internal import Glibc
#elseif canImport(Musl)
    internal import Musl
#elseif canImport(Darwin)
    internal import Darwin
#endif

/// What the first bytes of a file say it is.
enum FileMagic: Equatable {
    case capture(CaptureFormat)
    case gzip
    case unknown([UInt8])
}

/// Classifies a file by its first four bytes (the pcap magic number, or pcapng's Section Header
/// Block type `0x0A0D0D0A`, which reads the same in both byte orders).
///
/// pcap magics (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-05.html §4):
/// `0xA1B2C3D4` µs, `0xA1B23C4D` ns, written in the writer's byte order; `0xA1B2CD34` is the
/// µs "modified pcap" variant libpcap also reads.
func classifyMagic(_ prefix: [UInt8]) -> FileMagic {
    guard prefix.count >= 4 else { return .unknown(prefix) }
    let big = UInt32(prefix[0]) << 24 | UInt32(prefix[1]) << 16 | UInt32(prefix[2]) << 8 | UInt32(prefix[3])
    let little = big.byteSwapped
    switch (big, little) {
    case (0x0A0D_0D0A, _): return .capture(.pcapng)
    case (0xA1B2_C3D4, _), (0xA1B2_CD34, _): return .capture(.pcap(nanosecond: false, bigEndian: true))
    case (_, 0xA1B2_C3D4), (_, 0xA1B2_CD34): return .capture(.pcap(nanosecond: false, bigEndian: false))
    case (0xA1B2_3C4D, _): return .capture(.pcap(nanosecond: true, bigEndian: true))
    case (_, 0xA1B2_3C4D): return .capture(.pcap(nanosecond: true, bigEndian: false))
    default:
        if prefix[0] == 0x1F, prefix[1] == 0x8B { return .gzip }
        return .unknown(Array(prefix.prefix(4)))
    }
}

/// What a capture input turned out to be.
enum ProbedInput {
    /// A regular file: the path to open (`/dev/stdin` for a file redirected to standard input)
    /// and its first four bytes.
    case file(openPath: String, prefix: [UInt8])
    /// A pipe, FIFO or socket, read once, front to back.
    case stream(DescriptorStream)
}

/// Finds out what `path` names: `-` is standard input; a regular file is checked and its first
/// four bytes read; a FIFO or a socket (`/dev/stdin` on a pipe, `<(…)`, `mkfifo`) is opened as a
/// stream — opening a FIFO waits for a writer, as `tcpdump -r` does.
///
/// Rejects, with a one-line reason: a missing or unreadable path, a directory, a device, a
/// terminal on standard input, and an empty file.
/// The corresponding C functions are `stat`, `fstat`, `isatty` and `open`.
func probeCaptureInput(path: String) -> Result<ProbedInput, CaptureError> {
    func fail(_ code: CaptureError.Code, _ reason: String) -> Result<ProbedInput, CaptureError> {
        .failure(CaptureError(code: code, path: path, reason: reason))
    }
    if path == "-" {
        if isatty(STDIN_FILENO) == 1 {
            return fail(
                .cannotOpen,
                "standard input is a terminal, not a capture; pipe one in (tcpdump -w - … | callback-doctor analyze -)")
        }
        var info = stat()
        guard fstat(STDIN_FILENO, &info) == 0 else {
            return fail(.cannotOpen, "cannot read standard input: \(errnoText(errno))")
        }
        if info.st_mode & S_IFMT == S_IFREG {
            // A file redirected with `<`: reopened by name, so it can be read again from its start.
            return probeCaptureFile(path: path, openPath: "/dev/stdin").map {
                .file(openPath: "/dev/stdin", prefix: $0)
            }
        }
        return .success(.stream(DescriptorStream(descriptor: STDIN_FILENO, owned: false)))
    }
    var info = stat()
    guard stat(path, &info) == 0 else {
        return fail(.cannotOpen, "cannot open: \(errnoText(errno))")
    }
    switch info.st_mode & S_IFMT {
    case S_IFIFO, S_IFSOCK:
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return fail(.cannotOpen, "cannot open: \(errnoText(errno))") }
        return .success(.stream(DescriptorStream(descriptor: descriptor, owned: true)))
    default:
        return probeCaptureFile(path: path, openPath: path).map { .file(openPath: path, prefix: $0) }
    }
}

/// Makes sure `openPath` names a regular, readable file and returns its first four bytes;
/// errors name `path`.
///
/// Rejects, with a one-line reason: a missing or unreadable path, a directory, a socket
/// or a device, and an empty file.
/// The corresponding C functions are `stat`, `open`, `read` and `close`.
func probeCaptureFile(path: String, openPath: String) -> Result<[UInt8], CaptureError> {
    func fail(_ code: CaptureError.Code, _ reason: String) -> Result<[UInt8], CaptureError> {
        .failure(CaptureError(code: code, path: path, reason: reason))
    }
    var info = stat()
    guard stat(openPath, &info) == 0 else {
        return fail(.cannotOpen, "cannot open: \(errnoText(errno))")
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: return fail(.cannotOpen, "is a directory, not a capture file")
    case S_IFCHR, S_IFBLK: return fail(.cannotOpen, "is a device; only capture files and pipes can be read")
    default: return fail(.cannotOpen, "is not a regular file")
    }
    if info.st_size == 0 {
        return fail(.notACapture, "is empty (0 bytes), not a capture file")
    }
    let descriptor = open(openPath, O_RDONLY | O_NONBLOCK)
    guard descriptor >= 0 else {
        return fail(.cannotOpen, "cannot open: \(errnoText(errno))")
    }
    defer { _ = close(descriptor) }
    var prefix = [UInt8](repeating: 0, count: 4)
    var filled = 0
    while filled < prefix.count {
        // SAFETY: the pointer covers `prefix[filled...]` (at most 4 - filled bytes) and is used
        // only inside the closure, while `prefix` is alive and not otherwise accessed.
        let got = prefix.withUnsafeMutableBytes { buffer -> Int in
            guard let base = buffer.baseAddress else { return 0 }
            return read(descriptor, base + filled, buffer.count - filled)
        }
        if got > 0 {
            filled += got
        } else if got == 0 {
            break
        } else if errno != EINTR {
            return fail(.cannotOpen, "cannot read: \(errnoText(errno))")
        }
    }
    prefix.removeLast(prefix.count - filled)
    return .success(prefix)
}

/// The C library's text for an `errno` value ("No such file or directory").
///
/// The corresponding C function is `strerror`.
func errnoText(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}
