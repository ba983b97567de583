// SHA-256, HMAC-SHA256 and HMAC-SHA1, and the MACs under identified keys of keyed_mac.h.
//
// HMAC is RFC 2104 written out over OpenSSL's SHA-256 and SHA-1 functions (SHA256_Init/Update/
// Final, whose compression code - SHA-NI where the CPU has it - is what OpenSSL's EVP interface
// runs underneath). OpenSSL 3 deprecates them for EVP, but its EVP HMAC copies the keyed digest
// state twice per MAC, and in 3.0 each copy is a heap allocation and a provider dispatch: on the
// hot path (one MAC per signed policy or part, under a key already in use) that was a third of
// the MAC's time. Here a keyed state is two plain structs (the inner and outer hash after the
// padded key), and a MAC under it copies them on the stack. RFC 4231 and RFC 2202 vectors check
// it (tests/aws/digest_test.cc). OPENSSL_API_COMPAT is set for this file alone, so that the
// deprecation warnings do not bury others.
#define OPENSSL_API_COMPAT 10101
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "aws/keyed_mac.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

[[noreturn]] void OpenSslFailure(const char* what) {
  // Only possible when OpenSSL is broken (its SHA functions fail only on a null argument);
  // signing cannot go on, and carrying on with a garbage MAC would be worse than stopping.
  std::fprintf(stderr, "s3-upload-signer: fatal: OpenSSL %s failed\n", what);
  std::abort();
}

// What HMAC needs of a hash: its state type, block and digest sizes, and the three steps.
template <typename StateType, std::size_t kBlock, typename DigestType, int (*kInit)(StateType*),
          int (*kUpdate)(StateType*, const void*, std::size_t),
          int (*kFinal)(unsigned char*, StateType*)>
struct HashFunctions {
  using State = StateType;
  using Digest = DigestType;
  static constexpr std::size_t kBlockBytes = kBlock;
  static void Init(State& state) {
    if (kInit(&state) != 1) OpenSslFailure("SHA init");
  }
  static void Update(State& state, const void* data, std::size_t size) {
    if (kUpdate(&state, data, size) != 1) OpenSslFailure("SHA update");
  }
  static void Final(State& state, Digest& out) {
    if (kFinal(out.data(), &state) != 1) OpenSslFailure("SHA final");
  }
};
using Sha256Hash = HashFunctions<SHA256_CTX, SHA256_CBLOCK, Sha256Digest, SHA256_Init,
                                 SHA256_Update, SHA256_Final>;
using Sha1Hash = HashFunctions<SHA_CTX, SHA_CBLOCK, Sha1Digest, SHA1_Init, SHA1_Update, SHA1_Final>;

// The digest of `data` hashed on from `state` (a copy, wiped once used: it may be keyed).
template <typename Hash>
typename Hash::Digest HashOn(typename Hash::State state, std::string_view data) {
  Hash::Update(state, data.data(), data.size());
  typename Hash::Digest out{};
  Hash::Final(state, out);
  OPENSSL_cleanse(&state, sizeof state);
  return out;
}

template <typename Hash>
typename Hash::Digest Digest(std::string_view data) {
  typename Hash::State state;
  Hash::Init(state);
  return HashOn<Hash>(state, data);
}

// The hash states after the inner and outer padded key: all that a MAC under the key needs.
template <typename Hash>
struct KeyedState {
  typename Hash::State inner{};
  typename Hash::State outer{};
  std::uint64_t key_id = 0;  // 0: a key without an id, or none

  void SetKey(std::span<const unsigned char> key) {
    std::array<unsigned char, Hash::kBlockBytes> pad{};  // the key, zero-padded to a block
    if (key.size() > pad.size()) {
      typename Hash::Digest hashed =
          Digest<Hash>({reinterpret_cast<const char*>(key.data()), key.size()});
      std::copy(hashed.begin(), hashed.end(), pad.begin());
      OPENSSL_cleanse(hashed.data(), hashed.size());
    } else {
      std::copy(key.begin(), key.end(), pad.begin());
    }
    for (unsigned char& byte : pad) byte ^= 0x36;
    Hash::Init(inner);
    Hash::Update(inner, pad.data(), pad.size());
    for (unsigned char& byte : pad) byte ^= 0x36 ^ 0x5c;
    Hash::Init(outer);
    Hash::Update(outer, pad.data(), pad.size());
    OPENSSL_cleanse(pad.data(), pad.size());
  }

  typename Hash::Digest Mac(std::string_view data) const {
    const typename Hash::Digest inner_digest = HashOn<Hash>(inner, data);
    return HashOn<Hash>(outer,
                        {reinterpret_cast<const char*>(inner_digest.data()), inner_digest.size()});
  }
};

// One keyed state per thread and hash: a worker MACs under the same key request after request
// (keyed_mac.h), and then keeps the state of its previous MAC.
template <typename Hash>
KeyedState<Hash>& ThreadState() {
  thread_local KeyedState<Hash> state;
  return state;
}

// `key` empty and key_id set: the thread's state must already hold key_id (the caller checked).
template <typename Hash>
typename Hash::Digest Hmac(std::uint64_t key_id, std::span<const unsigned char> key,
                           std::string_view data) {
  KeyedState<Hash>& state = ThreadState<Hash>();
  if (key_id == 0 || state.key_id != key_id) {
    state.key_id = 0;  // the key without an id is never re-used
    state.SetKey(key);
    state.key_id = key_id;
  }
  return state.Mac(data);
}

std::span<const unsigned char> Bytes(std::string_view text) {
  return {reinterpret_cast<const unsigned char*>(text.data()), text.size()};
}

}  // namespace

Sha256Digest Sha256(std::string_view data) { return Digest<Sha256Hash>(data); }

std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }

Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data) {
  return Hmac<Sha256Hash>(0, key, data);
}

Sha256Digest HmacSha256(std::string_view key, std::string_view data) {
  return Hmac<Sha256Hash>(0, Bytes(key), data);
}

Sha1Digest HmacSha1(std::string_view key, std::string_view data) {
  return Hmac<Sha1Hash>(0, Bytes(key), data);
}

namespace internal {

std::uint64_t NewMacKeyId() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

Sha256Digest HmacSha256(std::uint64_t key_id, std::span<const unsigned char> key,
                        std::string_view data) {
  return Hmac<Sha256Hash>(key_id, key, data);
}

Sha1Digest HmacSha1(std::uint64_t key_id, std::string_view key, std::string_view data) {
  return Hmac<Sha1Hash>(key_id, Bytes(key), data);
}

std::optional<Sha256Digest> HmacSha256IfKeyed(std::uint64_t key_id, std::string_view data) {
  if (key_id == 0 || ThreadState<Sha256Hash>().key_id != key_id) return std::nullopt;
  return Hmac<Sha256Hash>(key_id, {}, data);
}

}  // namespace internal

}  // namespace s3upload::aws
