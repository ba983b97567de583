// SHA-256, HMAC-SHA256 and HMAC-SHA1 on OpenSSL 3 (EVP_Digest, EVP_MAC), and the MACs under
// identified keys of keyed_mac.h.
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "aws/keyed_mac.h"
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

// A thread's context for one digest, and the id of the key it holds (keyed_mac.h).
struct ThreadHmac {
  internal::EvpMacCtxPtr ctx;
  std::uint64_t key_id = 0;  // 0: a key without an id, or none
};

ThreadHmac& ThreadHmacFor(HmacDigest digest) {
  if (digest == HmacDigest::kSha256) {
    thread_local ThreadHmac sha256{NewHmacContext("SHA256")};
    return sha256;
  }
  thread_local ThreadHmac sha1{NewHmacContext("SHA1")};
  return sha1;
}

// `key` empty and key_id set: the context must already hold key_id (the caller checked).
template <std::size_t N>
std::array<unsigned char, N> Hmac(HmacDigest digest, std::uint64_t key_id,
                                  std::span<const unsigned char> key, std::string_view data) {
  ThreadHmac& thread = ThreadHmacFor(digest);
  // Already keyed with these bytes: EVP_MAC_init without a key restarts from the keyed state.
  const bool keyed = key_id != 0 && thread.key_id == key_id;
  thread.key_id = 0;  // unknown until the MAC below succeeded
  // EVP_MAC_init rejects a null key pointer even for length 0.
  static const unsigned char kNoKey = 0;
  const unsigned char* key_bytes = key.empty() ? &kNoKey : key.data();
  const int init = keyed ? EVP_MAC_init(thread.ctx.get(), nullptr, 0, nullptr)
                         : EVP_MAC_init(thread.ctx.get(), key_bytes, key.size(), nullptr);
  std::array<unsigned char, N> out{};
  std::size_t out_length = 0;
  if (init != 1 ||
      EVP_MAC_update(thread.ctx.get(), reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) != 1 ||
      EVP_MAC_final(thread.ctx.get(), out.data(), &out_length, out.size()) != 1 ||
      out_length != N) {
    internal::OpenSslFailure("HMAC");
  }
  thread.key_id = key_id;
  return out;
}

std::span<const unsigned char> Bytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

Sha256Digest Sha256(std::string_view data) {
  // One digest context per thread, re-initialised for every digest: EVP_Digest would create and
  // free one (and its provider state) each time.
  thread_local const internal::EvpMdCtxPtr ctx = [] {
    internal::EvpMdCtxPtr created(EVP_MD_CTX_new());
    if (!created) internal::OpenSslFailure("EVP_MD_CTX_new");
    return created;
  }();
  Sha256Digest out{};
  unsigned int out_length = 0;
  if (EVP_DigestInit_ex2(ctx.get(), internal::Sha256Algorithm(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &out_length) != 1 || out_length != out.size()) {
    internal::OpenSslFailure("SHA256");
  }
  return out;
}

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data) {
  return Hmac<32>(HmacDigest::kSha256, 0, key, data);
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  return Hmac<32>(HmacDigest::kSha256, 0, Bytes(key), data);
}

Sha1Digest HmacSha1(std::string_view key, std::string_view data) {
  return Hmac<20>(HmacDigest::kSha1, 0, Bytes(key), data);
}

namespace internal {

std::uint64_t NewMacKeyId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Sha256Digest HmacSha256(std::uint64_t key_id, std::span<const unsigned char> key,
                        std::string_view data) {
  return Hmac<32>(HmacDigest::kSha256, key_id, key, data);
}

Sha1Digest HmacSha1(std::uint64_t key_id, std::string_view key, std::string_view data) {
  return Hmac<20>(HmacDigest::kSha1, key_id, Bytes(key), data);
}

std::optional<Sha256Digest> HmacSha256IfKeyed(std::uint64_t key_id, std::string_view data) {
  if (key_id == 0 || ThreadHmacFor(HmacDigest::kSha256).key_id != key_id) return std::nullopt;
  return Hmac<32>(HmacDigest::kSha256, key_id, {}, data);
}

}  // namespace internal

}  // namespace s3upload::aws
