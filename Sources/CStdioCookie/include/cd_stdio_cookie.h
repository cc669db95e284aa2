// A read-only stdio stream whose reads call back into Swift (glibc's fopencookie).
//
// fopencookie is a GNU extension that Swift's Glibc module does not show (it needs _GNU_SOURCE),
// so this one-function C target makes it callable. PcapCapture uses it to give libpcap a FILE *
// that inflates a gzip file with zlib as libpcap reads it.
#ifndef CD_STDIO_COOKIE_H
#define CD_STDIO_COOKIE_H

#include <stdio.h>
#include <sys/types.h>

/// Reads up to `size` bytes into `buffer`: the byte count, 0 at the end, -1 on error (errno set).
typedef ssize_t (*cd_cookie_read_function)(void *cookie, char *buffer, size_t size);
/// Releases the cookie; 0 on success.
typedef int (*cd_cookie_close_function)(void *cookie);

/// A stream opened for reading ("r") over `cookie`; NULL (errno set) when it cannot be made.
FILE *cd_fopencookie_read(void *cookie, cd_cookie_read_function read, cd_cookie_close_function close);

#endif
