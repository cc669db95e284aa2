public import CaptureModel

/// One step of reading a capture file with ``CaptureFile/next()``.
public enum CaptureRecord: Sendable {
    /// The next record, with its bytes copied once out of libpcap's buffer.
    case packet(CapturedPacket)
    /// The file ended cleanly; every later call returns this again.
    case endOfFile
    /// Reading stopped at a broken or cut record; the records before it were good.
    ///
    /// The error's code is ``CaptureError/Code/truncated`` when the file ends in the middle of a
    /// record, ``CaptureError/Code/damaged`` otherwise; its `recordNumber` is the frame number
    /// that could not be read. Every later call returns ``endOfFile``.
    case damaged(CaptureError)
}
