/* The bare libpcap read loop: pcap_next_ex over every record of a capture, nothing else.
 *
 *     cc -O2 -o pcap_loop bench/pcap_loop.c -lpcap && ./pcap_loop FILE
 *
 * The floor for any tool that reads captures through libpcap: it opens the file the way
 * callback-doctor does (nanosecond precision) and touches nothing but libpcap's own record
 * header. Prints the record count and the captured bytes so the work cannot be optimised away.
 */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: %s capture.pcap\n", argv[0]);
        return 2;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    pcap_t *pcap = pcap_open_offline_with_tstamp_precision(argv[1], PCAP_TSTAMP_PRECISION_NANO, errbuf);
    if (pcap == NULL) {
        fprintf(stderr, "%s: %s\n", argv[1], errbuf);
        return 2;
    }
    struct pcap_pkthdr *header;
    const u_char *data;
    unsigned long long records = 0, bytes = 0;
    int status;
    while ((status = pcap_next_ex(pcap, &header, &data)) == 1) {
        records++;
        bytes += header->caplen;
    }
    if (status != PCAP_ERROR_BREAK) {
        fprintf(stderr, "%s: %s\n", argv[1], pcap_geterr(pcap));
        pcap_close(pcap);
        return 2;
    }
    printf("%llu records, %llu bytes\n", records, bytes);
    pcap_close(pcap);
    return 0;
}
