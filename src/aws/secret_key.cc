// SecretKey: a secret that is wiped from memory when it is no longer needed.
#include <openssl/crypto.h>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {
void Wipe(std::string& secret) {
  if (!secret.empty()) OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}
}  // namespace

SecretKey::SecretKey(std::string secret) : secret_(std::move(secret)) {}

SecretKey::SecretKey(SecretKey&& other) noexcept : secret_(std::move(other.secret_)) {
  Wipe(other.secret_);  // a moved-from short string keeps its bytes in the inline buffer
}

SecretKey& SecretKey::operator=(SecretKey&& other) noexcept {
  if (this != &other) {
    Wipe(secret_);
    secret_ = std::move(other.secret_);
    Wipe(other.secret_);
  }
  return *this;
}

SecretKey::~SecretKey() { Wipe(secret_); }

}  // namespace s3upload::aws
