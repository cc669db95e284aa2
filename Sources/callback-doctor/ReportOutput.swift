import ArgumentParser
import Foundation
import Rendering
import ReportModel

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Streams what `render` writes to `path` (``AtomicFileOutput``), or to standard output
/// (``FileDescriptorOutput``) when `path` is nil, a ``ByteSink`` chunk at a time: the report is
/// never held whole.
///
/// A file that cannot be written gives one line on standard error,
/// `callback-doctor: PATH: cannot write the report: REASON`, leaves no file behind (an existing
/// file at `path` keeps its old content) and throws `ExitCode(2)`. Standard output never fails:
/// after a write error (a closed pipe when SIGPIPE is ignored, a full disk) the rest is dropped,
/// as ``FileDescriptorOutput`` says.
func writeOutput(to path: String?, _ render: (ByteSink) -> Void) throws {
    guard let path else {
        let standardOutput = FileDescriptorOutput(STDOUT_FILENO)
        let sink = ByteSink(destination: standardOutput.write)
        render(sink)
        // The error, if any, is the write(2) error that made the rest be dropped.
        try? sink.finish()
        return
    }
    let file: AtomicFileOutput
    do {
        file = try AtomicFileOutput(path: path)
    } catch {
        printError("\(TerminalSafety.escape(path)): cannot write the report: \(error.localizedDescription)")
        throw ExitCode(2)
    }
    let sink = ByteSink(destination: file.write)
    render(sink)
    do {
        try sink.finish()
        try file.commit()
    } catch {
        file.discard()
        printError("\(TerminalSafety.escape(path)): cannot write the report: \(error.localizedDescription)")
        throw ExitCode(2)
    }
}

/// A ``ByteSink`` destination writing to a file descriptor (standard output): `write(2)`,
/// repeated until the chunk is written, EINTR retried. On any other error the chunk's rest is
/// dropped and the error thrown, so the sink drops every later chunk too. A closed pipe ends the
/// process with SIGPIPE first, unless SIGPIPE is ignored: then it is EPIPE, and the process goes
/// on to its normal exit.
final class FileDescriptorOutput {
    let descriptor: Int32

    init(_ descriptor: Int32) { self.descriptor = descriptor }

    func write(_ chunk: [UInt8]) throws {
        if let code = writeAll(chunk, to: descriptor) { throw POSIXError(POSIXErrorCode(rawValue: code) ?? .EIO) }
    }
}

/// A ``ByteSink`` destination for `-o FILE`, written atomically as `String.write(toFile:atomically:)`
/// did before the report was streamed: the bytes go to a new temporary file in the same directory
/// (`open` with `O_CREAT | O_EXCL` and mode 0666, so the umask decides the permissions), which
/// ``commit()`` flushes to disk (`fsync`) and renames over `path`; ``discard()`` removes it. No
/// reader ever sees a partial report at `path`.
///
/// Errors are Foundation's `CocoaError` for the `errno`, with the same codes (and so the same
/// `localizedDescription`) that Foundation's atomic write gave for the same failure.
final class AtomicFileOutput {
    let path: String
    private let temporaryPath: String
    private var descriptor: Int32

    /// Creates the temporary file beside `path`.
    init(path: String) throws {
        self.path = path
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var attempt = 0
        while true {
            let candidate =
                directory + ".\(name).callback-doctor-\(String(UInt64.random(in: 0...UInt64.max), radix: 36))"
            let fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
            if fd >= 0 {
                temporaryPath = candidate
                descriptor = fd
                return
            }
            attempt += 1
            guard errno == EEXIST, attempt < 8 else { throw Self.error(errno, path: path) }
        }
    }

    /// Appends `chunk` to the temporary file: `write(2)` until done, EINTR retried.
    func write(_ chunk: [UInt8]) throws {
        if let code = writeAll(chunk, to: descriptor) { throw Self.error(code, path: path) }
    }

    /// Flushes the temporary file to disk, closes it and renames it to `path`.
    func commit() throws {
        // EINVAL: a file that cannot be synchronised (not a regular file); nothing to wait for.
        if fsync(descriptor) != 0 && errno != EINVAL { throw Self.error(errno, path: path) }
        let closed = close(descriptor)
        descriptor = -1
        if closed != 0 && errno != EINTR { throw Self.error(errno, path: path) }
        if rename(temporaryPath, path) != 0 { throw Self.error(errno, path: path) }
    }

    /// Closes and removes the temporary file (after a failure); `path` is left as it was.
    func discard() {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }

    /// Foundation's error for a failed file write with `code` (`errno`).
    static func error(_ code: Int32, path: String) -> CocoaError {
        let cocoa: CocoaError.Code
        switch code {
        case ENOENT: cocoa = .fileNoSuchFile
        case EPERM, EACCES: cocoa = .fileWriteNoPermission
        case ENAMETOOLONG: cocoa = .fileWriteInvalidFileName
        case ENOSPC, EDQUOT: cocoa = .fileWriteOutOfSpace
        case EROFS: cocoa = .fileWriteVolumeReadOnly
        case EEXIST: cocoa = .fileWriteFileExists
        default: cocoa = .fileWriteUnknown
        }
        var userInfo: [String: Any] = [NSFilePathErrorKey: path]
        if let posix = POSIXErrorCode(rawValue: code) { userInfo[NSUnderlyingErrorKey] = POSIXError(posix) }
        return CocoaError(cocoa, userInfo: userInfo)
    }
}

/// `write(2)` of all of `bytes` to `descriptor`, repeated after a partial write and after EINTR;
/// nil when every byte was written, else the `errno` of the call that failed.
private func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Int32? {
    bytes.withUnsafeBytes { buffer in
        guard var next = buffer.baseAddress else { return nil }
        var left = buffer.count
        while left > 0 {
            let written = write(descriptor, next, left)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            next += written
            left -= written
        }
        return nil
    }
}

/// Whether standard output is a terminal. The corresponding C function is `isatty`.
func standardOutputIsTerminal() -> Bool { isatty(STDOUT_FILENO) == 1 }

/// Writes `callback-doctor: LINE` to standard error.
func printError(_ line: String) {
    FileHandle.standardError.write(Data(("callback-doctor: " + line + "\n").utf8))
}
