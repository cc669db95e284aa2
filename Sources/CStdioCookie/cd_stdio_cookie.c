#define _GNU_SOURCE
#include "cd_stdio_cookie.h"

FILE *cd_fopencookie_read(void *cookie, cd_cookie_read_function read, cd_cookie_close_function close) {
    cookie_io_functions_t functions = {.read = read, .write = NULL, .seek = NULL, .close = close};
    return fopencookie(cookie, "r", functions);
}
