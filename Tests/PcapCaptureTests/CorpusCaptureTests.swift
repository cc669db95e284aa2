import CaptureModel
import Foundation
import PcapCapture
import TestSupport
import Testing

/// Every corpus file (`http/` real captures, `robustness/` hostile ones) either throws a
/// `CaptureError` at open or yields records and then `.endOfFile` / `.damaged` — never a crash.
/// The table records what libpcap 1.10 makes of each file; counts agree with `capinfos` except
/// where libpcap itself refuses (pcapng major version 2, impossible capture lengths), as the corpus
/// MANIFEST notes. A pcapng whose interfaces have different link types, which libpcap refuses, is
/// read whole by the pcapng reader (issue #18).
@Suite(.enabled(if: Corpus.isAvailable, Corpus.absentComment))
struct CorpusCaptureTests {
    enum Expectation {
        /// Throws at open with this code.
        case refused(CaptureError.Code)
        /// Opens with this link layer (its `description`) and yields `count` records, then ends
        /// cleanly (`end == nil`) or with `.damaged` of this code.
        case records(Int, link: String, end: CaptureError.Code?)
    }

    static let expectations: [String: Expectation] = [
        "robustness/CUT__zeek__cooper-grill-dvwa__in-shb.pcapng": .refused(.truncated),
        "robustness/CUT__zeek__cooper-grill-dvwa__mid-block.pcapng": .records(42, link: "EN10MB", end: .truncated),
        "robustness/CUT__zeek__get__in-global-header.pcap": .refused(.truncated),
        "robustness/CUT__zeek__get__mid-packet-data.pcap": .records(6, link: "EN10MB", end: .truncated),
        "robustness/CUT__zeek__get__mid-record-header.pcap": .records(0, link: "EN10MB", end: .truncated),
        "robustness/CUT__zeek__pipelined-requests__half.pcap": .records(24, link: "EN10MB", end: .truncated),
        "robustness/GEN__not-a-pcap-text.pcap": .refused(.notACapture),
        "robustness/GEN__pcap-magic-only.pcap": .refused(.truncated),
        "robustness/GEN__random-bytes-seed42.pcap": .refused(.notACapture),
        "robustness/GEN__zero-bytes.pcap": .refused(.notACapture),
        "robustness/arkime__80211http.pcap": .records(26, link: "IEEE802_11_RADIO", end: nil),
        "robustness/arkime__bigendian.pcap": .records(2, link: "EN10MB", end: nil),
        "robustness/arkime__ip-boundaries.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/dpkt__truncated_dns.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/dpkt__truncated_dns_2.pcap": .records(1, link: "EN10MB", end: .truncated),
        "robustness/gopacket__be_test001.pcapng": .records(4, link: "EN10MB", end: nil),
        "robustness/gopacket__be_test901.pcapng": .records(1, link: "EN10MB", end: .damaged),
        "robustness/gopacket__le_test001.pcapng": .records(4, link: "EN10MB", end: nil),
        "robustness/gopacket__le_test002.pcapng": .refused(.damaged),
        "robustness/gopacket__le_test003.pcapng": .records(0, link: "EN10MB", end: nil),
        // Snapshot lengths 96 and 128: libpcap refuses them, the pcapng reader reads all 4 (as capinfos).
        "robustness/gopacket__le_test004.pcapng": .records(4, link: "EN10MB", end: nil),
        // Interfaces EN10MB and NULL: libpcap refuses them, the pcapng reader reads all 5 (as capinfos).
        "robustness/gopacket__le_test006.pcapng": .records(5, link: "EN10MB", end: nil),
        "robustness/gopacket__le_test100.pcapng": .records(5, link: "EN10MB", end: nil),
        // Nine interfaces (EN10MB, NULL; snapshot lengths 0, 96, 128), no packet: read to its end.
        "robustness/gopacket__le_test200.pcapng": .records(0, link: "EN10MB", end: nil),
        "robustness/gopacket__le_test901.pcapng": .records(1, link: "EN10MB", end: .damaged),
        "robustness/libpcap__http_PPI.pcap": .records(5, link: "PPI", end: nil),
        "robustness/libpcap__linktype-reserved-field-not-zero.pcap": .records(0, link: "DLT 3145728", end: nil),
        "robustness/libpcap__pcap-invalid-version-1.pcap": .refused(.unsupportedFormat),
        "robustness/libpcap__pcap-invalid-version-2.pcap": .refused(.unsupportedFormat),
        "robustness/libpcap__pcapng-invalid-vers-1.pcapng": .refused(.unsupportedFormat),
        "robustness/libpcap__pcapng-invalid-vers-2.pcapng": .refused(.unsupportedFormat),
        "robustness/libpcap__shb-option-too-long.pcapng": .refused(.damaged),
        "robustness/ndpi__fuzz-2021-10-13.pcap": .records(1, link: "NULL", end: .truncated),
        "robustness/ndpi__kerberos_fuzz.pcapng": .records(1, link: "IPV4", end: nil),
        "robustness/ndpi__ossfuzz_seed_fake_traces_4.pcapng": .records(2, link: "IPV4", end: nil),
        "robustness/ndpi__reasm_crash_anon.pcapng": .records(209, link: "LINUX_SLL", end: nil),
        "robustness/scapy__bad_rsn_parsing_overrides_ssid.pcap": .records(1, link: "IEEE802_11_RADIO", end: .truncated),
        // gzip-compressed pcapng: decompressed by zlib on the fly (the same 10 records as
        // http/scapy__http_head.pcapng).
        "robustness/scapy__http_head.pcapng.gz": .records(10, link: "EN10MB", end: nil),
        "robustness/suricata__bug-1450-04_tls_DER-incomplete-header.pcap": .records(6, link: "EN10MB", end: .damaged),
        "robustness/suricata__bug-6875-01_fuzz.pcap": .records(1, link: "EN10MB", end: .damaged),
        "robustness/suricata__decode-chdlc-01_hdlc-http_1tx.pcap": .records(17, link: "C_HDLC", end: nil),
        "robustness/suricata__http-mime-truncated.pcap": .records(2696, link: "EN10MB", end: .truncated),
        "robustness/tcpdump__LINKTYPE_IPV4.pcap": .records(1, link: "IPV4", end: nil),
        "robustness/tcpdump__LINKTYPE_IPV4_invalid.pcap": .records(1, link: "IPV4", end: nil),
        "robustness/tcpdump__LINKTYPE_IPV6.pcap": .records(1, link: "IPV6", end: nil),
        "robustness/tcpdump__LINKTYPE_IPV6_invalid.pcap": .records(1, link: "IPV6", end: nil),
        "robustness/tcpdump__LINKTYPE_PKTAP.pcap": .records(1, link: "PKTAP", end: nil),
        "robustness/tcpdump__LINKTYPE_RAW_ipv4.pcap": .records(1, link: "RAW", end: nil),
        "robustness/tcpdump__LINKTYPE_RAW_ipv6.pcap": .records(1, link: "RAW", end: nil),
        "robustness/tcpdump__arcnet-rfc1201-arp-icmp-http.pcap": .records(26, link: "ARCNET_LINUX", end: nil),
        "robustness/tcpdump__bigtcp-ipv4.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__e1000g.pcap": .records(20, link: "IPNET", end: nil),
        "robustness/tcpdump__empty.pcap": .records(0, link: "EN10MB", end: nil),
        "robustness/tcpdump__empty.pcapng": .records(0, link: "EN10MB", end: nil),
        "robustness/tcpdump__gso-ipv4.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__heap-overflow-1.pcap": .records(1, link: "RAW", end: nil),
        "robustness/tcpdump__heapoverflow-tcp_print.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ip6_frag_asan.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipoib.pcap": .records(30, link: "IPOIB", end: nil),
        "robustness/tcpdump__ipv4_invalid_hdr_length.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipv4_invalid_length.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipv4_invalid_total_length.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipv4_tcp_http_xml_tso.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipv6-bad-version.pcap": .records(4, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipv6-too-long-jumbo.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipv6_frag6_negative_len.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__ipv6_invalid_length.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__juniper_header-heapoverflow.pcap": .records(1, link: "JUNIPER_ETHER", end: nil),
        "robustness/tcpdump__mptcp-dss-oobr.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__pktap-heap-overflow.pcap": .records(2, link: "DLT 149", end: nil),
        "robustness/tcpdump__relts-0x80000000.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__slip-bad-direction.pcap": .records(1, link: "SLIP", end: nil),
        "robustness/tcpdump__tcp-auth-heapoverflow.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__tcp-handshake-nano.pcap": .records(3, link: "LINUX_SLL", end: nil),
        "robustness/tcpdump__tcp_eight_lowest_weight_flags_set.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__tcp_header_heapoverflow.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__tcp_rst_data-trunc.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__tfo-5c1fa7f9ae91.pcap": .records(14, link: "EN10MB", end: nil),
        "robustness/tcpdump__time_2038.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__time_2038_overflow.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__time_2106_overflow.pcapng": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__time_2107.pcapng": .records(1, link: "EN10MB", end: nil),
        "robustness/tcpdump__timestamp_invalid_micro.pcap": .records(3, link: "LINUX_SLL", end: nil),
        "robustness/tcpdump__timestamp_invalid_nano.pcap": .records(3, link: "LINUX_SLL", end: nil),
        "robustness/tcpdump__unsupported-link-type-160.pcap": .records(1, link: "DLT 160", end: nil),
        "robustness/tcpdump__unsupported-link-type-dbus.pcap": .records(2, link: "DBUS", end: nil),
        "robustness/zeek__get-to-ssh-server.pcap": .records(9, link: "EN10MB", end: nil),
        "robustness/zeek__http-bad-request-with-version.pcap": .records(12, link: "EN10MB", end: nil),
        "robustness/zeek__http-to-ssh.pcap": .records(13, link: "EN10MB", end: nil),
        "robustness/zeek__ip-bogus-header-len.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__ip-discarder-truncated-tcp-oob.pcapng": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__ip4-tcp-bad-chksum.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__ip4-trunc.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__ip6-trunc.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__ipv4-fragmented-3.pcap": .records(5, link: "EN10MB", end: nil),
        "robustness/zeek__ipv4-fragmented-syn.pcap": .records(2, link: "EN10MB", end: nil),
        "robustness/zeek__ipv4-internally-truncated-header.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__ipv4-truncated-broken-header.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__ipv6-http-atomic-frag.pcap": .records(38, link: "EN10MB", end: nil),
        "robustness/zeek__linux_dlt_sll2.pcap": .records(6, link: "LINUX_SLL2", end: nil),
        "robustness/zeek__nflog-bad-tlv-len.pcap": .records(1, link: "NFLOG", end: nil),
        "robustness/zeek__nflog-http.pcap": .records(13, link: "NFLOG", end: nil),
        "robustness/zeek__no-version.pcap": .records(11, link: "EN10MB", end: nil),
        "robustness/zeek__one-sided-2745.pcap": .records(6, link: "EN10MB", end: nil),
        "robustness/zeek__rst-inject-rae.pcap": .records(9, link: "EN10MB", end: nil),
        "robustness/zeek__syn-bad.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__tcp__reassembly.pcap": .records(117, link: "EN10MB", end: nil),
        "robustness/zeek__tcp__truncated-header.pcap": .records(24, link: "EN10MB", end: nil),
        "robustness/zeek__trunc-hdr.pcap": .records(1, link: "EN10MB", end: nil),
        "robustness/zeek__unknown-ip-short-payload.pcap": .records(4, link: "EN10MB", end: nil),
        "http/arkime__http-100-continue.pcap": .records(16, link: "EN10MB", end: nil),
        "http/arkime__http-500-head.pcap": .records(10, link: "EN10MB", end: nil),
        "http/arkime__http-content-gzip.pcap": .records(12, link: "EN10MB", end: nil),
        "http/arkime__http-no-length.pcap": .records(10, link: "EN10MB", end: nil),
        "http/arkime__http-syn-ack.pcap": .records(13, link: "EN10MB", end: nil),
        "http/arkime__tcp-reassembly-synthetic.pcap": .records(106, link: "EN10MB", end: nil),
        "http/arkime__v6-http.pcap": .records(55, link: "EN10MB", end: nil),
        "http/arkime__wireshark-retrans.pcap": .records(108, link: "EN10MB", end: nil),
        "http/dpkt__nb6-http.pcap": .records(62, link: "EN10MB", end: nil),
        "http/gopacket__test_loopback.pcap": .records(24, link: "NULL", end: nil),
        "http/ndpi__1kxun.pcap": .records(1723, link: "EN10MB", end: nil),
        "http/ndpi__bot.pcap": .records(402, link: "EN10MB", end: nil),
        "http/ndpi__fuzz-2006-09-29-28586.pcap": .records(131, link: "EN10MB", end: nil),
        "http/ndpi__hls.pcapng": .records(13, link: "RAW", end: nil),
        "http/ndpi__http-crash-content-disposition.pcap": .records(9, link: "RAW", end: nil),
        "http/ndpi__http-lines-split.pcap": .records(14, link: "EN10MB", end: nil),
        "http/ndpi__http_asymmetric.pcapng": .records(23, link: "EN10MB", end: nil),
        "http/ndpi__http_starting_with_reply.pcapng": .records(18, link: "EN10MB", end: nil),
        "http/ndpi__http_ua_splitted_in_two_pkts.pcapng": .records(115, link: "EN10MB", end: nil),
        "http/ndpi__log4j-webapp-exploit.pcap": .records(426, link: "LINUX_SLL", end: nil),
        "http/ndpi__sites.pcapng": .records(699, link: "EN10MB", end: nil),
        "http/ndpi__tls_heur__vmess-websocket.pcapng": .records(100, link: "LINUX_SLL", end: nil),
        "http/ndpi__webdav.pcap": .records(92, link: "EN10MB", end: nil),
        "http/scapy__http_chunk.pcap": .records(66, link: "EN10MB", end: nil),
        "http/scapy__http_head.pcapng": .records(10, link: "EN10MB", end: nil),
        "http/suricata__bug-2511_response_identity_identity_gzip_identity_gzip_gzip.pcap": .records(
            11, link: "EN10MB", end: nil),
        "http/suricata__decode-sll2-01.pcap": .records(5, link: "LINUX_SLL2", end: nil),
        "http/suricata__decode-sll2-02.pcap": .records(159, link: "LINUX_SLL2", end: nil),
        "http/suricata__http-ipv6.pcap": .records(14, link: "NULL", end: nil),
        "http/suricata__http-pipeline-files-with-gap.pcap": .records(169, link: "EN10MB", end: nil),
        "http/suricata__tcp-rst-unacked-stream-10.pcap": .records(75, link: "EN10MB", end: nil),
        "http/zeek__1000-requests-one-dropped-response.pcap": .records(4102, link: "EN10MB", end: nil),
        "http/zeek__206_example_a.pcap": .records(672, link: "EN10MB", end: nil),
        "http/zeek__basic-auth-with-colon.pcap": .records(12, link: "IPV4", end: nil),
        "http/zeek__connect-with-header.pcap": .records(58, link: "NULL", end: nil),
        "http/zeek__content-length-overflow.pcap": .records(10, link: "EN10MB", end: nil),
        "http/zeek__cooper-grill-dvwa.pcapng": .records(64, link: "EN10MB", end: nil),
        "http/zeek__curl_http_09.pcap": .records(8, link: "EN10MB", end: nil),
        "http/zeek__entity_gap.pcap": .records(13, link: "EN10MB", end: nil),
        "http/zeek__get-without-fins.pcap": .records(11, link: "EN10MB", end: nil),
        "http/zeek__get.pcap": .records(14, link: "EN10MB", end: nil),
        "http/zeek__get_nosyn.pcap": .records(11, link: "EN10MB", end: nil),
        "http/zeek__handshake-reorder.pcap": .records(14, link: "EN10MB", end: nil),
        "http/zeek__http-desync-request-response-5.pcap": .records(53, link: "EN10MB", end: nil),
        "http/zeek__http-lower-case-nonstandard-port.pcap": .records(10, link: "EN10MB", end: nil),
        "http/zeek__http-post-large.pcap": .records(38, link: "EN10MB", end: nil),
        "http/zeek__http-vlan-0.pcap": .records(14, link: "EN10MB", end: nil),
        "http/zeek__iso-download.pcap": .records(289, link: "EN10MB", end: nil),
        "http/zeek__methods.pcap": .records(655, link: "EN10MB", end: nil),
        "http/zeek__missing-zlib-header.pcap": .records(28, link: "EN10MB", end: nil),
        "http/zeek__pipelined-requests.pcap": .records(49, link: "EN10MB", end: nil),
        "http/zeek__smuggle-http-request.pcap": .records(23, link: "EN10MB", end: nil),
        "http/zeek__tcp-fast-open.pcap": .records(16, link: "EN10MB", end: nil),
        "http/zeek__variant-04-te_cl_desync.pcap": .records(8, link: "IPV4", end: nil),
        "http/zeek__vlan-qinqinq.pcap": .records(14, link: "EN10MB", end: nil),
        "http/zeek__vxlan-encapsulated-http.pcap": .records(12, link: "EN10MB", end: nil),
        "http/zeek__websocket.pcap": .records(27, link: "EN10MB", end: nil),
        "http/zeek__wikipedia.pcap": .records(136, link: "EN10MB", end: nil),
        "http/zeek__zero-length-bodies-with-drops.pcap": .records(44, link: "EN10MB", end: nil),
    ]

    static let allFiles = Corpus.files(in: "http") + Corpus.files(in: "robustness")

    /// The tests over ``allFiles`` run one case per file found: a file missing or renamed would run
    /// one case fewer and stay green. So: the files found are exactly MANIFEST.tsv's, every
    /// expectation above names one of them, and every one has an expectation.
    @Test func theCorpusHoldsEveryManifestFileAndEveryExpectationNamesOne() throws {
        let root = try #require(Corpus.root)
        let manifest = try String(contentsOfFile: root + "/MANIFEST.tsv", encoding: .utf8)
        let listed = Set(
            manifest.split(separator: "\n").dropFirst().compactMap { $0.split(separator: "\t").first.map(String.init) })
        let found = Set(Self.allFiles.map { String($0.dropFirst(root.count + 1)) })
        #expect(listed.count > 100, "MANIFEST.tsv lists \(listed.count) files")
        #expect(
            found == listed,
            "found but not listed: \(found.subtracting(listed).sorted()); listed but missing: \(listed.subtracting(found).sorted())"
        )
        #expect(
            Set(Self.expectations.keys).subtracting(found).isEmpty,
            "expectations for missing files: \(Set(Self.expectations.keys).subtracting(found).sorted())")
        #expect(
            found.subtracting(Self.expectations.keys).isEmpty,
            "files without an expectation: \(found.subtracting(Self.expectations.keys).sorted())")
    }

    @Test(arguments: allFiles)
    func everyFileOpensOrFailsCleanly(_ path: String) throws {
        let key = String(path.split(separator: "/").suffix(2).joined(separator: "/"))
        let outcome: ReadOutcome
        do {
            outcome = try readAll(path)
        } catch {
            #expect(error.description.hasPrefix(path + ": "))
            #expect(!error.description.contains("\n"))
            #expect(error.recordNumber == nil)
            let expectation = try #require(Self.expectations[key], "\(key) has no entry in `expectations`")
            guard case .refused(let code) = expectation else {
                Issue.record("\(key) should open but threw \(error)")
                return
            }
            #expect(error.code == code, "\(error)")
            return
        }
        #expect(outcome.endRepeats)
        #expect(outcome.packets.map(\.frameNumber) == (0..<outcome.packets.count).map { $0 + 1 })
        for packet in outcome.packets {
            #expect(packet.timestamp.nanoseconds < 1_000_000_000)
        }
        if let damage = outcome.damage {
            #expect(damage.description.hasPrefix(path + ": "))
            #expect(!damage.description.contains("\n"))
            #expect(damage.recordNumber == outcome.packets.count + 1)
        }
        let expectation = try #require(Self.expectations[key], "\(key) has no entry in `expectations`")
        guard case .records(let count, let link, let end) = expectation else {
            Issue.record("\(key) should be refused but opened")
            return
        }
        #expect(outcome.packets.count == count)
        #expect(outcome.linkLayer.description == link)
        #expect(outcome.damage?.code == end)
    }

    /// Files named CUT__ are real captures cut short: the records before the cut, then
    /// `.damaged` with code `.truncated` — or `.truncated` at open when the cut is in the header.
    @Test(arguments: Corpus.files(in: "robustness").filter { Corpus.name($0).hasPrefix("CUT__") })
    func cutFilesEndTruncated(_ path: String) {
        do {
            let outcome = try readAll(path)
            #expect(outcome.damage?.code == .truncated)
        } catch {
            #expect(error.code == .truncated)
        }
    }

    /// First records of nanosecond and microsecond files, as tshark 4.0 prints them
    /// (`frame.time_epoch`, `frame.len`, `frame.cap_len`).
    @Test(
        arguments: [
            (
                "robustness/tcpdump__tcp-handshake-nano.pcap", CaptureFormat.pcap(nanosecond: true, bigEndian: false),
                LinkLayer.linuxCooked,
                [
                    (Int64(1_418_145_369), UInt32(924_505_488), 76), (1_418_145_370, 52_027_262, 76),
                    (1_418_145_370, 52_115_157, 68),
                ]
            ),
            (
                "http/zeek__cooper-grill-dvwa.pcapng", .pcapng, .ethernet,
                [(1_730_145_002, 900_383_409, 66), (1_730_145_002, 901_314_287, 66), (1_730_145_007, 649_339_513, 66)]
            ),
            (
                "http/ndpi__tls_heur__vmess-websocket.pcapng", .pcapng, .linuxCooked,
                [(1_725_278_711, 295_335_826, 76), (1_725_278_711, 295_427_166, 76), (1_725_278_711, 295_448_083, 68)]
            ),
            (
                "http/ndpi__sites.pcapng", .pcapng, .ethernet,
                [(1_595_957_694, 169_758_000, 74), (1_595_957_694, 175_849_000, 74), (1_595_957_694, 181_636_000, 447)]
            ),
            ("robustness/arkime__bigendian.pcap", .pcap(nanosecond: false, bigEndian: true), .ethernet, []),
            (
                "robustness/tcpdump__time_2038_overflow.pcap", .pcap(nanosecond: false, bigEndian: false), .ethernet,
                [(2_147_483_648, 0, -1)]
            ),
            ("robustness/tcpdump__time_2106_overflow.pcapng", .pcapng, .ethernet, [(4_294_967_296, 0, -1)]),
            ("robustness/tcpdump__LINKTYPE_RAW_ipv6.pcap", .pcap(nanosecond: false, bigEndian: false), .rawIP, []),
            ("robustness/tcpdump__LINKTYPE_IPV4.pcap", .pcap(nanosecond: false, bigEndian: false), .ipv4, []),
            ("robustness/tcpdump__LINKTYPE_IPV6.pcap", .pcap(nanosecond: false, bigEndian: false), .ipv6, []),
            ("robustness/zeek__linux_dlt_sll2.pcap", .pcap(nanosecond: false, bigEndian: false), .linuxCooked2, []),
            ("http/gopacket__test_loopback.pcap", .pcap(nanosecond: false, bigEndian: false), .bsdNull, []),
            ("http/ndpi__webdav.pcap", .pcapng, .ethernet, []),
        ] as [(String, CaptureFormat, LinkLayer, [(Int64, UInt32, Int)])])
    func formatsLinksAndTimestampsMatchTshark(
        _ relative: String, _ format: CaptureFormat, _ link: LinkLayer, _ firstRecords: [(Int64, UInt32, Int)]
    ) throws {
        let path = try #require(Corpus.path(relative), "corpus file \(relative) is missing")
        let outcome = try readAll(path)
        #expect(outcome.format == format)
        #expect(outcome.linkLayer == link)
        for (packet, expected) in zip(outcome.packets, firstRecords) {
            #expect(packet.timestamp == Timestamp(seconds: expected.0, nanoseconds: Int64(expected.1)))
            if expected.2 >= 0 { #expect(packet.originalLength == expected.2) }
        }
        #expect(outcome.packets.count >= firstRecords.count)
    }

    /// A Wireshark/dumpcap pcapng with a filter: libpcap compiles against the file's link type.
    @Test func pcapngWithFilter() throws {
        let path = try #require(Corpus.path("http/ndpi__http_ua_splitted_in_two_pkts.pcapng"), "corpus file is missing")
        let all = try readAll(path)
        let http = try readAll(path, filter: "tcp port 80")
        let none = try readAll(path, filter: "udp port 53")
        #expect(all.packets.count == 115)
        #expect(!http.packets.isEmpty)
        #expect(http.packets.count <= all.packets.count)
        #expect(none.packets.isEmpty)
        for packet in http.packets {
            #expect(packet.bytes == all.packets[packet.frameNumber - 1].bytes)
        }
    }
}
