import CaptureModel
import PacketDecoding
import TestSupport
import Testing

/// Every record of every corpus file decodes without a crash, and the outcome per file is
/// pinned: the number of TCP segments, their TCP payload length (captured + missing), and the
/// skip reasons by key.
///
/// The table was checked frame by frame against tshark 4.0.17
/// (`-o ip.defragment:FALSE -o ipv6.defragment:FALSE`, first `tcp.srcport`/`tcp.dstport`/`tcp.len`):
/// every TCP segment agrees in ports and length. The only differences are by design —
/// link types this tool does not decode (802.11, PPI, C-HDLC, ARCNET, NFLOG, IPoIB, IPNET…),
/// IP fragments (tshark still shows the first fragment's ports; here IPv4 fragments are held and
/// the reassembled datagram is one segment), and TCP headers tshark flags as bogus or cut (shown
/// here as `malformed:tcp` / `truncated:tcp`). Tunnels (VXLAN, L2TP) are decoded to the inner TCP,
/// as tshark does; those files were checked with tshark's defaults.
/// Records are read with the test-only `CorpusReader`, which, unlike libpcap, also reads
/// pcapng files whose interfaces have different link types.
@Suite(.enabled(if: Corpus.isAvailable, Corpus.absentComment))
struct CorpusDecodeTests {
    struct Summary: Equatable, CustomStringConvertible {
        var tcp = 0
        var tcpBytes = 0
        var skipped: [String: Int] = [:]
        var description: String { "tcp: \(tcp), tcpBytes: \(tcpBytes), skipped: \(skipped.sorted { $0.key < $1.key })" }
    }

    static let expected: [String: Summary] = [
        "http/arkime__http-100-continue.pcap": Summary(tcp: 16, tcpBytes: 852, skipped: [:]),
        "http/arkime__http-500-head.pcap": Summary(tcp: 10, tcpBytes: 312, skipped: [:]),
        "http/arkime__http-content-gzip.pcap": Summary(tcp: 12, tcpBytes: 1373, skipped: [:]),
        "http/arkime__http-no-length.pcap": Summary(tcp: 10, tcpBytes: 1196, skipped: [:]),
        "http/arkime__http-syn-ack.pcap": Summary(tcp: 13, tcpBytes: 12679, skipped: [:]),
        "http/arkime__tcp-reassembly-synthetic.pcap": Summary(tcp: 106, tcpBytes: 757, skipped: [:]),
        "http/arkime__v6-http.pcap": Summary(
            tcp: 10, tcpBytes: 2499, skipped: ["non-tcp:icmpv6": 37, "non-tcp:udp": 8]),
        "http/arkime__wireshark-retrans.pcap": Summary(tcp: 108, tcpBytes: 23192, skipped: [:]),
        // IPv6 HTTP inside L2TPv2 (UDP 1701) over PPPoE: the tunnelled connection decodes too.
        "http/dpkt__nb6-http.pcap": Summary(
            tcp: 30, tcpBytes: 1925,
            skipped: ["non-ip:0x0806": 6, "non-tcp:icmp": 1, "non-tcp:icmpv6": 1, "non-tcp:udp": 24]),
        "http/gopacket__test_loopback.pcap": Summary(tcp: 24, tcpBytes: 56331, skipped: [:]),
        "http/ndpi__1kxun.pcap": Summary(tcp: 1381, tcpBytes: 2377982, skipped: ["non-tcp:udp": 342]),
        "http/ndpi__bot.pcap": Summary(tcp: 402, tcpBytes: 407096, skipped: [:]),
        "http/ndpi__fuzz-2006-09-29-28586.pcap": Summary(
            tcp: 114, tcpBytes: 23178,
            skipped: [
                "ip-fragment": 2, "malformed:ipv4": 2, "malformed:tcp": 3, "non-ip:0x0881": 1, "non-ip:0x08c6": 1,
                "non-ip:0x0900": 1, "non-ip:0x0c00": 1, "non-ip:0x5500": 1, "non-ip:0xe700": 1, "non-tcp:115": 1,
                "non-tcp:170": 3,
            ]),
        "http/ndpi__hls.pcapng": Summary(tcp: 13, tcpBytes: 471, skipped: [:]),
        "http/ndpi__http-crash-content-disposition.pcap": Summary(tcp: 9, tcpBytes: 2844, skipped: [:]),
        "http/ndpi__http-lines-split.pcap": Summary(tcp: 14, tcpBytes: 1699, skipped: [:]),
        "http/ndpi__http_asymmetric.pcapng": Summary(tcp: 23, tcpBytes: 8665, skipped: [:]),
        "http/ndpi__http_starting_with_reply.pcapng": Summary(tcp: 18, tcpBytes: 8301, skipped: [:]),
        "http/ndpi__http_ua_splitted_in_two_pkts.pcapng": Summary(tcp: 115, tcpBytes: 68704, skipped: [:]),
        "http/ndpi__log4j-webapp-exploit.pcap": Summary(tcp: 422, tcpBytes: 5830, skipped: ["non-ip:0x0806": 4]),
        "http/ndpi__sites.pcapng": Summary(tcp: 693, tcpBytes: 321311, skipped: ["non-tcp:udp": 6]),
        "http/ndpi__tls_heur__vmess-websocket.pcapng": Summary(tcp: 96, tcpBytes: 61720, skipped: ["non-tcp:udp": 4]),
        "http/ndpi__webdav.pcap": Summary(tcp: 92, tcpBytes: 15993, skipped: [:]),
        "http/scapy__http_chunk.pcap": Summary(tcp: 66, tcpBytes: 36119, skipped: [:]),
        "http/scapy__http_head.pcapng": Summary(tcp: 10, tcpBytes: 629, skipped: [:]),
        "http/suricata__bug-2511_response_identity_identity_gzip_identity_gzip_gzip.pcap": Summary(
            tcp: 11, tcpBytes: 731, skipped: [:]),
        "http/suricata__decode-sll2-01.pcap": Summary(tcp: 5, tcpBytes: 82, skipped: [:]),
        "http/suricata__decode-sll2-02.pcap": Summary(tcp: 159, tcpBytes: 2598957, skipped: [:]),
        "http/suricata__http-ipv6.pcap": Summary(tcp: 14, tcpBytes: 791, skipped: [:]),
        "http/suricata__http-pipeline-files-with-gap.pcap": Summary(tcp: 169, tcpBytes: 61577, skipped: [:]),
        "http/suricata__tcp-rst-unacked-stream-10.pcap": Summary(tcp: 75, tcpBytes: 54379, skipped: [:]),
        "http/zeek__1000-requests-one-dropped-response.pcap": Summary(tcp: 4102, tcpBytes: 996757, skipped: [:]),
        "http/zeek__206_example_a.pcap": Summary(tcp: 672, tcpBytes: 581878, skipped: [:]),
        "http/zeek__basic-auth-with-colon.pcap": Summary(tcp: 12, tcpBytes: 984, skipped: [:]),
        "http/zeek__connect-with-header.pcap": Summary(tcp: 58, tcpBytes: 59143, skipped: [:]),
        "http/zeek__content-length-overflow.pcap": Summary(tcp: 10, tcpBytes: 228, skipped: [:]),
        "http/zeek__cooper-grill-dvwa.pcapng": Summary(tcp: 48, tcpBytes: 16649, skipped: ["non-ip:0x0806": 16]),
        "http/zeek__curl_http_09.pcap": Summary(tcp: 8, tcpBytes: 133, skipped: [:]),
        "http/zeek__entity_gap.pcap": Summary(tcp: 13, tcpBytes: 3695, skipped: [:]),
        "http/zeek__get-without-fins.pcap": Summary(tcp: 11, tcpBytes: 5143, skipped: [:]),
        "http/zeek__get.pcap": Summary(tcp: 14, tcpBytes: 5143, skipped: [:]),
        "http/zeek__get_nosyn.pcap": Summary(tcp: 11, tcpBytes: 5143, skipped: [:]),
        "http/zeek__handshake-reorder.pcap": Summary(tcp: 14, tcpBytes: 5143, skipped: [:]),
        "http/zeek__http-desync-request-response-5.pcap": Summary(tcp: 53, tcpBytes: 1306, skipped: [:]),
        "http/zeek__http-lower-case-nonstandard-port.pcap": Summary(tcp: 10, tcpBytes: 1227, skipped: [:]),
        "http/zeek__http-post-large.pcap": Summary(tcp: 38, tcpBytes: 244780, skipped: [:]),
        "http/zeek__http-vlan-0.pcap": Summary(tcp: 14, tcpBytes: 5143, skipped: [:]),
        "http/zeek__iso-download.pcap": Summary(tcp: 289, tcpBytes: 358740, skipped: [:]),
        "http/zeek__methods.pcap": Summary(tcp: 655, tcpBytes: 184311, skipped: [:]),
        "http/zeek__missing-zlib-header.pcap": Summary(tcp: 28, tcpBytes: 12760, skipped: [:]),
        "http/zeek__pipelined-requests.pcap": Summary(tcp: 49, tcpBytes: 42362, skipped: [:]),
        "http/zeek__smuggle-http-request.pcap": Summary(tcp: 23, tcpBytes: 664, skipped: [:]),
        "http/zeek__tcp-fast-open.pcap": Summary(tcp: 16, tcpBytes: 1658, skipped: [:]),
        "http/zeek__variant-04-te_cl_desync.pcap": Summary(tcp: 8, tcpBytes: 132, skipped: [:]),
        "http/zeek__vlan-qinqinq.pcap": Summary(tcp: 14, tcpBytes: 5143, skipped: [:]),
        "http/zeek__vxlan-encapsulated-http.pcap": Summary(tcp: 12, tcpBytes: 9299, skipped: [:]),  // VXLAN decoded
        "http/zeek__websocket.pcap": Summary(tcp: 27, tcpBytes: 1966, skipped: [:]),
        "http/zeek__wikipedia.pcap": Summary(
            tcp: 78, tcpBytes: 13807, skipped: ["non-ip:0x0806": 6, "non-ip:llc": 4, "non-tcp:udp": 48]),
        "http/zeek__zero-length-bodies-with-drops.pcap": Summary(tcp: 44, tcpBytes: 16437, skipped: [:]),
        "robustness/CUT__zeek__cooper-grill-dvwa__mid-block.pcapng": Summary(
            tcp: 26, tcpBytes: 6150, skipped: ["non-ip:0x0806": 16]),
        "robustness/CUT__zeek__get__mid-packet-data.pcap": Summary(tcp: 6, tcpBytes: 1584, skipped: [:]),
        "robustness/CUT__zeek__pipelined-requests__half.pcap": Summary(tcp: 24, tcpBytes: 19920, skipped: [:]),
        "robustness/arkime__80211http.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:127": 26]),
        "robustness/arkime__bigendian.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:icmp": 2]),
        "robustness/arkime__ip-boundaries.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/dpkt__truncated_dns.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/dpkt__truncated_dns_2.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/gopacket__be_test001.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 4]),
        "robustness/gopacket__be_test901.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 3]),
        "robustness/gopacket__le_test001.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 4]),
        "robustness/gopacket__le_test004.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 4]),
        "robustness/gopacket__le_test006.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 5]),
        "robustness/gopacket__le_test100.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 5]),
        "robustness/gopacket__le_test901.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 3]),
        "robustness/libpcap__http_PPI.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:192": 5]),
        "robustness/libpcap__pcap-invalid-version-1.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/libpcap__pcap-invalid-version-2.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/libpcap__pcapng-invalid-vers-1.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:ospf": 1]),
        "robustness/libpcap__pcapng-invalid-vers-2.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:ospf": 1]),
        "robustness/libpcap__shb-option-too-long.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-ip:0x0806": 1]),
        "robustness/ndpi__kerberos_fuzz.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["malformed:tcp": 1]),
        "robustness/ndpi__ossfuzz_seed_fake_traces_4.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 2]),
        "robustness/ndpi__reasm_crash_anon.pcapng": Summary(
            tcp: 207, tcpBytes: 6343, skipped: ["malformed:tcp": 1, "truncated:tcp": 1]),
        "robustness/scapy__bad_rsn_parsing_overrides_ssid.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["link-type:127": 1]),
        "robustness/suricata__bug-1450-04_tls_DER-incomplete-header.pcap": Summary(
            tcp: 6, tcpBytes: 4503, skipped: [:]),
        "robustness/suricata__bug-6875-01_fuzz.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["malformed:tcp": 1]),
        "robustness/suricata__decode-chdlc-01_hdlc-http_1tx.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["link-type:104": 17]),
        "robustness/suricata__http-mime-truncated.pcap": Summary(tcp: 2696, tcpBytes: 2526699, skipped: [:]),
        "robustness/tcpdump__LINKTYPE_IPV4.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__LINKTYPE_IPV4_invalid.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["malformed:ipv4": 1]),
        "robustness/tcpdump__LINKTYPE_IPV6.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__LINKTYPE_IPV6_invalid.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["malformed:ipv6": 1]),
        "robustness/tcpdump__LINKTYPE_PKTAP.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:258": 1]),
        "robustness/tcpdump__LINKTYPE_RAW_ipv4.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__LINKTYPE_RAW_ipv6.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__arcnet-rfc1201-arp-icmp-http.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["link-type:129": 26]),
        "robustness/tcpdump__bigtcp-ipv4.pcap": Summary(tcp: 1, tcpBytes: 80000, skipped: [:]),
        "robustness/tcpdump__e1000g.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:226": 20]),
        "robustness/tcpdump__gso-ipv4.pcap": Summary(tcp: 1, tcpBytes: 7240, skipped: [:]),
        "robustness/tcpdump__heap-overflow-1.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["malformed:link": 1]),
        "robustness/tcpdump__heapoverflow-tcp_print.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:tcp": 1]),
        "robustness/tcpdump__ip6_frag_asan.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:ipv6Extension": 1]),
        "robustness/tcpdump__ipoib.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:242": 30]),
        "robustness/tcpdump__ipv4_invalid_hdr_length.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["malformed:ipv4": 1]),
        "robustness/tcpdump__ipv4_invalid_length.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:ipv4": 1]),
        "robustness/tcpdump__ipv4_invalid_total_length.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__ipv4_tcp_http_xml_tso.pcap": Summary(tcp: 1, tcpBytes: 1976, skipped: [:]),
        "robustness/tcpdump__ipv6-bad-version.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["malformed:ipv6": 2, "non-tcp:icmpv6": 2]),
        "robustness/tcpdump__ipv6-too-long-jumbo.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:12": 1]),
        "robustness/tcpdump__ipv6_frag6_negative_len.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:igmp": 1]),
        "robustness/tcpdump__ipv6_invalid_length.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:ipv6": 1]),
        "robustness/tcpdump__juniper_header-heapoverflow.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["link-type:178": 1]),
        "robustness/tcpdump__mptcp-dss-oobr.pcap": Summary(tcp: 1, tcpBytes: 0, skipped: [:]),
        "robustness/tcpdump__pktap-heap-overflow.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:149": 2]),
        "robustness/tcpdump__relts-0x80000000.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:igmp": 1]),
        "robustness/tcpdump__slip-bad-direction.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:8": 1]),
        "robustness/tcpdump__tcp-auth-heapoverflow.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:tcp": 1]),
        "robustness/tcpdump__tcp-handshake-nano.pcap": Summary(tcp: 3, tcpBytes: 0, skipped: [:]),
        "robustness/tcpdump__tcp_eight_lowest_weight_flags_set.pcap": Summary(tcp: 1, tcpBytes: 0, skipped: [:]),
        "robustness/tcpdump__tcp_header_heapoverflow.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:tcp": 1]),
        "robustness/tcpdump__tcp_rst_data-trunc.pcap": Summary(tcp: 1, tcpBytes: 58, skipped: [:]),
        "robustness/tcpdump__tfo-5c1fa7f9ae91.pcap": Summary(tcp: 14, tcpBytes: 4, skipped: [:]),
        "robustness/tcpdump__time_2038.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__time_2038_overflow.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__time_2106_overflow.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__time_2107.pcapng": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:udp": 1]),
        "robustness/tcpdump__timestamp_invalid_micro.pcap": Summary(tcp: 3, tcpBytes: 0, skipped: [:]),
        "robustness/tcpdump__timestamp_invalid_nano.pcap": Summary(tcp: 3, tcpBytes: 0, skipped: [:]),
        "robustness/tcpdump__unsupported-link-type-160.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["link-type:160": 1]),
        "robustness/tcpdump__unsupported-link-type-dbus.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["link-type:231": 2]),
        "robustness/zeek__get-to-ssh-server.pcap": Summary(tcp: 9, tcpBytes: 626, skipped: [:]),
        "robustness/zeek__http-bad-request-with-version.pcap": Summary(tcp: 12, tcpBytes: 276, skipped: [:]),
        "robustness/zeek__http-to-ssh.pcap": Summary(tcp: 13, tcpBytes: 153, skipped: [:]),
        "robustness/zeek__ip-bogus-header-len.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:icmp": 1]),
        "robustness/zeek__ip-discarder-truncated-tcp-oob.pcapng": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["truncated:tcp": 1]),
        "robustness/zeek__ip4-tcp-bad-chksum.pcap": Summary(tcp: 1, tcpBytes: 0, skipped: [:]),
        "robustness/zeek__ip4-trunc.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:ipv4": 1]),
        "robustness/zeek__ip6-trunc.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:ipv6": 1]),
        "robustness/zeek__ipv4-fragmented-3.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["ip-fragment": 5]),
        // Two fragments of a SYN: held, then reassembled into one segment.
        "robustness/zeek__ipv4-fragmented-syn.pcap": Summary(tcp: 1, tcpBytes: 0, skipped: ["ip-fragment": 1]),
        "robustness/zeek__ipv4-internally-truncated-header.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["truncated:ipv4": 1]),
        "robustness/zeek__ipv4-truncated-broken-header.pcap": Summary(
            tcp: 0, tcpBytes: 0, skipped: ["malformed:ipv4": 1]),
        "robustness/zeek__ipv6-http-atomic-frag.pcap": Summary(tcp: 36, tcpBytes: 412, skipped: ["non-tcp:icmpv6": 2]),
        "robustness/zeek__linux_dlt_sll2.pcap": Summary(
            tcp: 0, tcpBytes: 0,
            skipped: ["non-ip:0x0806": 1, "non-ip:0x8035": 1, "non-tcp:icmp": 2, "non-tcp:icmpv6": 2]),
        "robustness/zeek__nflog-bad-tlv-len.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:239": 1]),
        "robustness/zeek__nflog-http.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["link-type:239": 13]),
        "robustness/zeek__no-version.pcap": Summary(tcp: 11, tcpBytes: 446, skipped: [:]),
        "robustness/zeek__one-sided-2745.pcap": Summary(tcp: 6, tcpBytes: 0, skipped: [:]),
        "robustness/zeek__rst-inject-rae.pcap": Summary(tcp: 9, tcpBytes: 175, skipped: [:]),
        "robustness/zeek__syn-bad.pcap": Summary(tcp: 1, tcpBytes: 0, skipped: [:]),
        "robustness/zeek__tcp__reassembly.pcap": Summary(tcp: 117, tcpBytes: 34370, skipped: [:]),
        "robustness/zeek__tcp__truncated-header.pcap": Summary(tcp: 23, tcpBytes: 605, skipped: ["truncated:tcp": 1]),
        "robustness/zeek__trunc-hdr.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["truncated:link": 1]),
        "robustness/zeek__unknown-ip-short-payload.pcap": Summary(tcp: 0, tcpBytes: 0, skipped: ["non-tcp:253": 4]),
    ]

    static let allFiles = Corpus.files(in: "http") + Corpus.files(in: "robustness")

    @Test(arguments: allFiles)
    func everyRecordDecodes(_ path: String) {
        var decoder = PacketDecoder()
        var summary = Summary()
        for packet in CorpusReader.packets(of: path) {
            let result = decoder.decode(packet)
            #expect(invariantsHold(result, for: packet), "frame \(packet.frameNumber)")
            switch result {
            case .tcp(let segment):
                summary.tcp += 1
                summary.tcpBytes += segment.payload.count + segment.missingPayloadLength
            case .skipped(let reason):
                summary.skipped[reason.key, default: 0] += 1
                #expect(!reason.description.isEmpty)
            }
        }
        let key = String(path.split(separator: "/").suffix(2).joined(separator: "/"))
        if let expected = Self.expected[key] {
            #expect(summary == expected)
        }
    }

    /// Spot checks on files whose point is one decoding rule.
    @Test func namedBehaviours() throws {
        func results(_ relative: String) throws -> [DecodedPacket] {
            let path = try #require(Corpus.path(relative), "corpus file \(relative) is missing")
            var decoder = PacketDecoder()
            return CorpusReader.packets(of: path).map { decoder.decode($0) }
        }
        // RFC 6946 atomic fragments carry ordinary HTTP.
        let atomic = try results("robustness/zeek__ipv6-http-atomic-frag.pcap").compactMap(\.segment)
        #expect(atomic.contains { $0.destination.port == 80 && !$0.payload.isEmpty })
        // TSO super-frame with IPv4 total length 0: the HTTP POST is the payload.
        let tso = try #require(try results("robustness/tcpdump__ipv4_tcp_http_xml_tso.pcap").first?.segment)
        #expect(tso.payload.starts(with: Array("POST ".utf8)))
        // QinQinQ tags are stepped over.
        let qinqinq = try results("http/zeek__vlan-qinqinq.pcap")
        #expect(!qinqinq.isEmpty && qinqinq.allSatisfy { $0.segment != nil }, "\(qinqinq.count) packets")
        // Version mismatches for the raw IPv4 / IPv6 link types.
        #expect(
            try results("robustness/tcpdump__LINKTYPE_IPV4_invalid.pcap").first?.skipReason?.key == "malformed:ipv4")
        #expect(
            try results("robustness/tcpdump__LINKTYPE_IPV6_invalid.pcap").first?.skipReason?.key == "malformed:ipv6")
        // A one-byte snaplen leaves only a truncated link header.
        #expect(try results("robustness/zeek__trunc-hdr.pcap").first?.skipReason == .truncated(layer: .link))
    }
}
