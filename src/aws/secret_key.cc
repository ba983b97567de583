// SecretKey: a secret that is wiped from memory when it is no longer needed.
#include <openssl/crypto.h>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {
// Cleanses the whole buffer, not only size() bytes: a moved-from string that kept its characters
// inline (short-string optimisation) has size 0 but still holds the secret in that buffer.
// resize() to the capacity makes every byte of the buffer part of the string, so the cleanse stays
// within the string's own storage.
void Wipe(std::string& secret) {
  secret.resize(secret.capacity());
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}
}  // namespace

SecretKey::SecretKey(std::string secret) : secret_(std::move(secret)) {
  Wipe(secret);  // the parameter, moved from, may still hold a short secret inline
}

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
