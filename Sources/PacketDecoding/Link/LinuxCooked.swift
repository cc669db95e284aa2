/// Linux "cooked" capture headers, written by `tcpdump -i any`
/// (https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and `LINKTYPE_LINUX_SLL2.html`).
enum LinuxCooked {
    /// SLL v1: packet type (2), ARPHRD type (2), address length (2), address (8), protocol (2).
    static let version1HeaderLength = 16
    /// SLL v2: protocol (2), reserved (2), interface index (4), ARPHRD type (2), packet type (1),
    /// address length (1), address (8).
    static let version2HeaderLength = 20

    /// Consumes an SLL v1 header; the protocol field at offset 14 is an EtherType.
    /// - Throws: `.truncated(.link)` when fewer than 16 bytes were captured.
    static func parseVersion1(_ reader: inout ByteReader) throws(SkipReason) -> NetworkLayerKind {
        guard let etherType = reader.peekUInt16(at: 14), reader.skip(version1HeaderLength) else {
            throw .truncated(layer: .link)
        }
        return try EtherTypeDispatch.networkLayer(etherType: etherType, reader: &reader)
    }

    /// Consumes an SLL v2 header; the protocol field at offset 0 is an EtherType.
    /// - Throws: `.truncated(.link)` when fewer than 20 bytes were captured.
    static func parseVersion2(_ reader: inout ByteReader) throws(SkipReason) -> NetworkLayerKind {
        guard let etherType = reader.peekUInt16(at: 0), reader.skip(version2HeaderLength) else {
            throw .truncated(layer: .link)
        }
        return try EtherTypeDispatch.networkLayer(etherType: etherType, reader: &reader)
    }
}
