// The part of OpenSSL's libcrypto (3.x) that Swift sees: EVP digests, EVP public-key
// verification and PEM public-key parsing. Only the CallbackSignature module imports this.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
