import CZlib

/// Test-only compressor through zlib's `deflate`, to build gzip / zlib / raw-deflate fixtures.
enum Compressor {
    enum Format {
        /// RFC 1952 (windowBits 15 + 16).
        case gzip
        /// RFC 1950 zlib wrapper (windowBits 15).
        case zlib
        /// RFC 1951 raw deflate (windowBits -15).
        case rawDeflate

        var windowBits: Int32 {
            switch self {
            case .gzip: return 15 + 16
            case .zlib: return 15
            case .rawDeflate: return -15
            }
        }
    }

    static func compress(_ input: [UInt8], _ format: Format, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        // deflateInit2 is a macro; deflateInit2_ is the function behind it.
        let initCode = deflateInit2_(
            &stream,
            level,
            Z_DEFLATED,
            format.windowBits,
            8,
            Z_DEFAULT_STRATEGY,
            zlibVersion(),
            Int32(MemoryLayout<z_stream>.size)
        )
        precondition(initCode == Z_OK, "deflateInit2_ failed: \(initCode)")
        defer { deflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var input = input
        input.withUnsafeMutableBufferPointer { inBuffer in
            stream.next_in = inBuffer.baseAddress
            stream.avail_in = UInt32(inBuffer.count)
            var code: Int32 = Z_OK
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuffer in
                    stream.next_out = outBuffer.baseAddress
                    stream.avail_out = UInt32(outBuffer.count)
                    code = deflate(&stream, Z_FINISH)
                    output += outBuffer[0..<(outBuffer.count - Int(stream.avail_out))]
                }
            } while code == Z_OK || code == Z_BUF_ERROR
            precondition(code == Z_STREAM_END, "deflate failed: \(code)")
        }
        return output
    }

    static func compress(_ text: String, _ format: Format) -> [UInt8] {
        compress(Array(text.utf8), format)
    }
}
