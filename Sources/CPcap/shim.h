// The libpcap API as Swift sees it. Only the PcapCapture module imports this.
#include <pcap/pcap.h>
