// Credentials: the secret plus a small cache of derived SigV4 signing keys. A signing key depends
// only on (day, region, service), so one derivation (four HMACs) serves every request of that day.
#include <string>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {
// Days roll over and a profile has one region: a handful of entries is all that is ever live.
constexpr std::size_t kMaxCachedKeys = 16;
}  // namespace

Credentials::Credentials(std::string access_key_id, SecretKey secret)
    : access_key_id_(std::move(access_key_id)), secret_(std::move(secret)) {}

SigningKey Credentials::SigningKeyFor(std::string_view day, std::string_view region,
                                      std::string_view service) const {
  // The cache key joins the components with '/', which identifies them only if none contains a
  // '/' (otherwise "a/b"+"c" and "a"+"b/c" would share an entry and get each other's key). No
  // valid scope component does, so such a request is derived every time and never cached.
  if (day.find('/') != std::string_view::npos || region.find('/') != std::string_view::npos ||
      service.find('/') != std::string_view::npos) {
    const SigningKey key = DeriveSigningKey(secret_, day, region, service);
    std::lock_guard lock(cache_mutex_);
    ++derivations_;
    return key;
  }
  std::string cache_key;
  cache_key.reserve(day.size() + region.size() + service.size() + 2);
  cache_key.append(day).append("/").append(region).append("/").append(service);
  {
    std::lock_guard lock(cache_mutex_);
    if (const auto it = cache_.find(cache_key); it != cache_.end()) {
      ++cache_hits_;
      return it->second;
    }
  }
  // Derived outside the lock: two threads may both derive the same key once, which is harmless.
  const SigningKey key = DeriveSigningKey(secret_, day, region, service);
  std::lock_guard lock(cache_mutex_);
  ++derivations_;
  if (cache_.size() >= kMaxCachedKeys) cache_.clear();
  cache_.emplace(std::move(cache_key), key);
  return key;
}

std::string Credentials::SignV4(std::string_view day, std::string_view region,
                                std::string_view service, std::string_view string_to_sign) const {
  return Signature(SigningKeyFor(day, region, service), string_to_sign);
}

std::string Credentials::SignV2(std::string_view string_to_sign) const {
  return aws::SignV2(secret_, string_to_sign);
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
