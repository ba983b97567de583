// Credentials: the secret plus a small cache of derived SigV4 signing keys. A signing key depends
// only on (day, region, service), so one derivation (four HMACs) serves every request of that day.
#include <openssl/crypto.h>

#include <cstring>
#include <string>

#include "aws/keyed_mac.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {
// Days roll over and a profile has one region: a handful of entries is all that is ever live.
constexpr std::size_t kMaxCachedKeys = 16;
}  // namespace

Credentials::Credentials(std::string access_key_id, SecretKey secret)
    : access_key_id_(std::move(access_key_id)),
      secret_(std::move(secret)),
      secret_mac_key_id_(internal::NewMacKeyId()),
      keys_(kMaxCachedKeys * sizeof(SigningKey)) {
  cache_.reserve(kMaxCachedKeys);
}

// keys_ wipes itself.
Credentials::~Credentials() = default;

Credentials::ScopedKey Credentials::Lookup(std::string_view day, std::string_view region,
                                           std::string_view service) const {
  {
    // The components are compared one by one (no joined string to build per lookup, and no way
    // for "a/b" + "c" and "a" + "b/c" to share an entry).
    std::lock_guard lock(cache_mutex_);
    for (std::size_t i = 0; i < cache_.size(); ++i) {
      const CachedKey& entry = cache_[i];
      if (entry.day == day && entry.region == region && entry.service == service) {
        ++cache_hits_;
        ScopedKey found{{}, entry.mac_key_id};
        std::memcpy(found.key.data(), keys_.data() + i * sizeof(SigningKey), sizeof(SigningKey));
        return found;
      }
    }
  }
  // Derived outside the lock: two threads may both derive the same key once, which is harmless.
  const ScopedKey derived{DeriveSigningKey(secret_, day, region, service), internal::NewMacKeyId()};
  std::lock_guard lock(cache_mutex_);
  ++derivations_;
  if (cache_.size() >= kMaxCachedKeys) {
    OPENSSL_cleanse(keys_.data(), keys_.size());
    cache_.clear();
  }
  std::memcpy(keys_.data() + cache_.size() * sizeof(SigningKey), derived.key.data(),
              sizeof(SigningKey));
  cache_.push_back(
      CachedKey{std::string(day), std::string(region), std::string(service), derived.mac_key_id});
  return derived;
}

SigningKey Credentials::SigningKeyFor(std::string_view day, std::string_view region,
                                      std::string_view service) const {
  return Lookup(day, region, service).key;
}

std::string Credentials::SignV4(std::string_view day, std::string_view region,
                                std::string_view service, std::string_view string_to_sign) const {
  // What this thread signed with last. A worker signs for the same credentials and scope request
  // after request (one profile, one day), and then its HMAC state still holds the signing key:
  // neither the cache nor its lock, which every worker would contend on, is needed. Only ids and
  // scope names are kept here, never key bytes.
  struct LastScope {
    std::uint64_t credentials_id = 0;
    std::string day, region, service;
    std::uint64_t mac_key_id = 0;
  };
  thread_local LastScope last;
  if (last.credentials_id == secret_mac_key_id_ && last.day == day && last.region == region &&
      last.service == service) {
    if (const auto mac = internal::HmacSha256IfKeyed(last.mac_key_id, string_to_sign)) {
      return HexEncode(*mac);
    }
  }
  const ScopedKey scoped = Lookup(day, region, service);
  last.credentials_id = secret_mac_key_id_;  // unique per Credentials: an id for the instance too
  last.day = day;
  last.region = region;
  last.service = service;
  last.mac_key_id = scoped.mac_key_id;
  return HexEncode(internal::HmacSha256(scoped.mac_key_id, scoped.key, string_to_sign));
}

std::string Credentials::SignV2(std::string_view string_to_sign) const {
  const Sha1Digest mac = internal::HmacSha1(secret_mac_key_id_, secret_.reveal(), string_to_sign);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::uint64_t Credentials::signing_key_derivations() const {
  std::lock_guard lock(cache_mutex_);
  return derivations_;
}

std::uint64_t Credentials::signing_key_cache_hits() const {
  std::lock_guard lock(cache_mutex_);
  return cache_hits_;
}

}  // namespace s3upload::aws
