// zlib as Swift sees it (RFC 1950 zlib, RFC 1951 deflate, RFC 1952 gzip).
// `inflateInit2` is a macro in zlib.h, so Swift cannot call it; this wrapper can.
#include <zlib.h>

static inline int cd_inflateInit2(z_streamp strm, int windowBits) {
    return inflateInit2(strm, windowBits);
}
