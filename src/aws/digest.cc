// SHA-256, HMAC-SHA256 and HMAC-SHA1 on OpenSSL 3 (EVP_Digest, EVP_MAC).
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "aws/openssl_handles.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace internal {

namespace {
[[noreturn]] void OpenSslFailure(const char* what) {
  // Only possible when the OpenSSL installation is broken (no default provider); signing cannot go
  // on, and carrying on with a garbage MAC would be worse than stopping.
  std::fprintf(stderr, "s3-upload-signer: fatal: OpenSSL %s failed\n", what);
  std::abort();
}
}  // namespace

const EVP_MD* Sha256Algorithm() {
  static const EvpMdPtr md(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  if (!md) OpenSslFailure("EVP_MD_fetch(SHA256)");
  return md.get();
}

const EVP_MD* Sha1Algorithm() {
  static const EvpMdPtr md(EVP_MD_fetch(nullptr, "SHA1", nullptr));
  if (!md) OpenSslFailure("EVP_MD_fetch(SHA1)");
  return md.get();
}

const EVP_MAC* HmacAlgorithm() {
  static const EvpMacPtr mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  if (!mac) OpenSslFailure("EVP_MAC_fetch(HMAC)");
  return mac.get();
}

}  // namespace internal

namespace {

enum class HmacDigest { kSha256, kSha1 };

// One HMAC context per thread and digest, created with its digest once: re-keying an existing
// context (EVP_MAC_init with a new key and no params) avoids an allocation and a digest lookup per
// MAC on the hot path.
internal::EvpMacCtxPtr NewHmacContext(const char* digest_name) {
  internal::EvpMacCtxPtr ctx(EVP_MAC_CTX_new(const_cast<EVP_MAC*>(internal::HmacAlgorithm())));
  if (!ctx) internal::OpenSslFailure("EVP_MAC_CTX_new");
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, const_cast<char*>(digest_name), 0),
      OSSL_PARAM_construct_end()};
  if (EVP_MAC_CTX_set_params(ctx.get(), params) != 1) {
    internal::OpenSslFailure("EVP_MAC_CTX_set_params");
  }
  return ctx;
}

EVP_MAC_CTX* ThreadHmacContext(HmacDigest digest) {
  if (digest == HmacDigest::kSha256) {
    thread_local const internal::EvpMacCtxPtr sha256_ctx = NewHmacContext("SHA256");
    return sha256_ctx.get();
  }
  thread_local const internal::EvpMacCtxPtr sha1_ctx = NewHmacContext("SHA1");
  return sha1_ctx.get();
}

template <std::size_t N>
std::array<unsigned char, N> Hmac(HmacDigest digest, std::span<const unsigned char> key,
                                  std::string_view data) {
  EVP_MAC_CTX* ctx = ThreadHmacContext(digest);
  // EVP_MAC_init rejects a null key pointer even for length 0.
  static const unsigned char kNoKey = 0;
  const unsigned char* key_bytes = key.empty() ? &kNoKey : key.data();
  std::array<unsigned char, N> out{};
  std::size_t out_length = 0;
  if (EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      EVP_MAC_final(ctx, out.data(), &out_length, out.size()) != 1 || out_length != N) {
    internal::OpenSslFailure("HMAC");
  }
  return out;
}

std::span<const unsigned char> Bytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  Sha256Digest out{};
  unsigned int out_length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &out_length, internal::Sha256Algorithm(),
                 nullptr) != 1 ||
      out_length != out.size()) {
    internal::OpenSslFailure("EVP_Digest(SHA256)");
  }
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data) {
  return Hmac<32>(HmacDigest::kSha256, key, data);
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  return Hmac<32>(HmacDigest::kSha256, Bytes(key), data);
}

Sha1Digest HmacSha1(std::string_view key, std::string_view data) {
  return Hmac<20>(HmacDigest::kSha1, Bytes(key), data);
}

}  // namespace s3upload::aws
