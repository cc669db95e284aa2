import CaptureModel
import TCPReassembly
import TestSupport

typealias TLSBytes = TLSRecordBuilder

extension TLSRecordBuilder {
    static let t0 = Timestamp(seconds: 1_795_627_201)
    static func origin(_ seconds: Double, frame: Int) -> StreamOrigin {
        StreamOrigin(timestamp: t0.adding(seconds: seconds), frame: frame)
    }
}
