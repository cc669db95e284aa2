/// Checking a BPF capture filter before any capture is read, so that a typo is one usage error
/// rather than the same error once per file (issue #18), and so that words typed without quotes
/// can be recognised as a filter.
public enum CaptureFilter {
    /// libpcap's message when `expression` compiles for none of the link types captures usually
    /// have (Ethernet, Linux cooked v2 of `tcpdump -i any`, raw IP); nil when it compiles for one.
    /// A filter may still fail on a capture of another link type; that capture then says so.
    ///
    /// The corresponding C functions are `pcap_open_dead`, `pcap_compile` and `pcap_freecode`.
    public static func problem(with expression: String) -> String? {
        var firstMessage: String?
        for linkType in [1, 276, 101] {
            switch libpcapCompile(expression: expression, dlt: dlt(forLinkType: linkType)) {
            case .success(var program):
                libpcapFreeCode(&program)
                return nil
            case .failure(let message):
                if firstMessage == nil { firstMessage = message.text }
            }
        }
        return firstMessage
    }
}
