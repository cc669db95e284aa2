// Checks a path before libpcap sees it: libpcap would block forever on a FIFO without a writer,
// calls a directory "Is a directory" only on some platforms, and cannot tell pcap µs/ns or the
// byte order back to its caller. Only this file calls the C library's file functions.
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

/// Makes sure `path` names a regular, readable file and returns its first four bytes.
///
/// Rejects, with a one-line reason: a missing or unreadable path, a directory, a FIFO, a socket
/// or a device (reading those could block or never end), and an empty file.
/// The corresponding C functions are `stat`, `open`, `read` and `close`.
func probeCaptureFile(path: String) -> Result<[UInt8], CaptureError> {
    func fail(_ code: CaptureError.Code, _ reason: String) -> Result<[UInt8], CaptureError> {
        .failure(CaptureError(code: code, path: path, reason: reason))
    }
    var info = stat()
    guard stat(path, &info) == 0 else {
        return fail(.cannotOpen, "cannot open: \(errnoText(errno))")
    }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: return fail(.cannotOpen, "is a directory, not a capture file")
    case S_IFIFO: return fail(.cannotOpen, "is a FIFO (named pipe); only regular capture files can be read")
    case S_IFSOCK: return fail(.cannotOpen, "is a socket; only regular capture files can be read")
    case S_IFCHR, S_IFBLK: return fail(.cannotOpen, "is a device; only regular capture files can be read")
    default: return fail(.cannotOpen, "is not a regular file")
    }
    if info.st_size == 0 {
        return fail(.notACapture, "is empty (0 bytes), not a capture file")
    }
    let descriptor = open(path, O_RDONLY | O_NONBLOCK)
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
