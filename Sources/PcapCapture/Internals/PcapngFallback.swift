import CaptureModel

/// Reading a pcapng file with callback-doctor's own ``PcapngReader``, for the one case libpcap
/// refuses: interfaces of different link types. Holds the reader over its stream, each
/// interface's ``LinkLayer``, and the capture filter compiled once per link type (a BPF program
/// is compiled for one link-layer header; libpcap compiles it against a dead handle of that type).
final class PcapngFallback {
    private(set) var reader: PcapngReader<StreamByteSource>
    private let stream: any ByteStream
    /// The filter expression, if any.
    private let filter: String?
    /// Compiled programs by LINKTYPE_* value; freed in `deinit`.
    private var programs: [Int: LibpcapProgram] = [:]
    /// Packet records still to pass over: those libpcap had already delivered before it refused
    /// the file (they went down the pipeline then).
    var recordsToSkip: Int

    init(stream: any ByteStream, filter: String?, recordsToSkip: Int = 0) {
        self.stream = stream
        self.filter = filter
        self.recordsToSkip = recordsToSkip
        self.reader = PcapngReader(source: StreamByteSource(stream: stream))
    }

    deinit {
        for key in programs.keys { libpcapFreeCode(&programs[key]!) }
        stream.close()
    }

    /// The next step of the reader.
    func next() -> PcapngStep { reader.next() }

    /// The bytes of the current block (a packet's `data` range points into them).
    var block: [UInt8] { reader.block }

    /// Every interface's link layer, in file order.
    var linkLayers: [LinkLayer] { reader.interfaces.map { PcapCapture.linkLayer(forLinkType: $0.linkType) } }

    /// The link layer of interface `index`.
    func linkLayer(ofInterface index: Int) -> LinkLayer {
        PcapCapture.linkLayer(forLinkType: reader.interfaces[index].linkType)
    }

    /// The snapshot length of the first interface (0 when there is none yet).
    var firstSnapshotLength: Int { reader.interfaces.first.map { Int($0.snapLength) } ?? 0 }

    /// Whether the packet passes the filter (always without one); the compile error's text when
    /// the filter does not compile for this interface's link type.
    func matches(_ packet: PcapngPacket) -> Result<Bool, LibpcapMessage> {
        guard let filter else { return .success(true) }
        let linkType = reader.interfaces[packet.interface].linkType
        if programs[linkType] == nil {
            switch libpcapCompile(expression: filter, dlt: dlt(forLinkType: linkType)) {
            case .success(let program): programs[linkType] = program
            case .failure(let message): return .failure(message)
            }
        }
        let matched = withUnsafePointer(to: programs[linkType]!) { program in
            reader.block.withUnsafeBufferPointer { block in
                libpcapOfflineFilter(
                    program, bytes: UnsafeBufferPointer(rebasing: block[packet.data]),
                    originalLength: packet.originalLength)
            }
        }
        return .success(matched)
    }
}
