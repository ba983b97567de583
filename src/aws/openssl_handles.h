// RAII ownership of the OpenSSL objects this module uses, and the algorithms fetched once per
// process.
#pragma once

#include <openssl/evp.h>

#include <memory>

namespace s3upload::aws::internal {

struct EvpMdDeleter {
  void operator()(EVP_MD* md) const { EVP_MD_free(md); }
};
struct EvpMacDeleter {
  void operator()(EVP_MAC* mac) const { EVP_MAC_free(mac); }
};
struct EvpMacCtxDeleter {
  void operator()(EVP_MAC_CTX* ctx) const { EVP_MAC_CTX_free(ctx); }
};
struct EvpMdCtxDeleter {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};

using EvpMdPtr = std::unique_ptr<EVP_MD, EvpMdDeleter>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, EvpMacDeleter>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, EvpMacCtxDeleter>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxDeleter>;

// Explicit fetches are done once (thread-safe static initialisation) instead of per call: implicit
// fetching by name costs a lookup in OpenSSL's provider store on every digest.
const EVP_MD* Sha256Algorithm();
const EVP_MD* Sha1Algorithm();
const EVP_MAC* HmacAlgorithm();

}  // namespace s3upload::aws::internal
