// Signature Version 2: base64(HMAC-SHA1(secret, string to sign)).
#include "s3upload/aws.h"

namespace s3upload::aws {

std::string SignV2(const SecretKey& secret, std::string_view string_to_sign) {
  const Sha1Digest mac = HmacSha1(secret.reveal(), string_to_sign);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

}  // namespace s3upload::aws
