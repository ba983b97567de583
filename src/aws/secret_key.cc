// SecretKey: a secret in secure memory (secure::SecureBuffer), and nowhere else.
#include <openssl/crypto.h>

#include "s3upload/aws.h"

namespace s3upload::aws {

SecretKey::SecretKey(std::string secret) : secret_(std::string_view(secret)) {
  // Cleanses the string's whole buffer, not only size() bytes: a string that was moved from may
  // keep its characters inline (short-string optimisation) beyond a size of 0. resize() to the
  // capacity makes every byte of the buffer part of the string, so the cleanse stays within it.
  secret.resize(secret.capacity());
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace s3upload::aws
