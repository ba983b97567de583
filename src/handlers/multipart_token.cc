// MintUploadToken / VerifyUploadToken: see multipart_token.h for the format.
#include "handlers/multipart_token.h"

#include <openssl/crypto.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <system_error>

namespace s3upload::handlers::internal {
namespace {

using aws::Base64UrlDecode;
using aws::Base64UrlEncode;

constexpr std::string_view kContext = "s3-upload-signer multipart upload v1";
constexpr std::size_t kMacBytes = 32;
// Unix seconds up to the year 2286: ten digits at most are ever minted.
constexpr std::size_t kMaxExpiryDigits = 10;

void AppendField(std::string& out, std::string_view field) {
  out += '\n';
  out += std::to_string(field.size());
  out += ':';
  out += field;
}

aws::Sha256Digest Mac(const aws::SecretKey& secret, const UploadBinding& binding,
                      std::string_view upload_id, std::string_view expiry) {
  std::string message(kContext);
  AppendField(message, binding.profile);
  AppendField(message, binding.user);
  AppendField(message, binding.key);
  AppendField(message, upload_id);
  AppendField(message, expiry);
  return aws::HmacSha256(secret.reveal(), message);
}

std::string_view AsText(const aws::Sha256Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

TokenRefusal Malformed(std::string detail) {
  return TokenRefusal{"multipart.token.malformed", std::move(detail)};
}

}  // namespace

std::string MintUploadToken(const aws::SecretKey& secret, const UploadBinding& binding,
                            std::string_view upload_id, aws::TimePoint expires) {
  const std::string expiry = std::to_string(
      std::chrono::duration_cast<std::chrono::seconds>(expires.time_since_epoch()).count());
  const aws::Sha256Digest mac = Mac(secret, binding, upload_id, expiry);
  return Base64UrlEncode(upload_id) + "." + expiry + "." + Base64UrlEncode(AsText(mac));
}

std::variant<std::string, TokenRefusal> VerifyUploadToken(const aws::SecretKey& secret,
                                                          const UploadBinding& binding,
                                                          std::string_view token,
                                                          aws::TimePoint now) {
  if (token.size() > kMaxUploadTokenBytes) {
    return Malformed(std::to_string(token.size()) + " bytes, at most " +
                     std::to_string(kMaxUploadTokenBytes));
  }
  const std::size_t first = token.find('.');
  const std::size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return Malformed("not three parts separated by \".\"");
  }
  const std::string_view id_part = token.substr(0, first);
  const std::string_view expiry = token.substr(first + 1, second - first - 1);
  const std::string_view mac_part = token.substr(second + 1);

  std::int64_t expiry_seconds = 0;
  const auto [end, error] =
      std::from_chars(expiry.data(), expiry.data() + expiry.size(), expiry_seconds);
  if (expiry.empty() || expiry.size() > kMaxExpiryDigits || error != std::errc() ||
      end != expiry.data() + expiry.size() || expiry.front() == '-' || expiry.front() == '+' ||
      (expiry.size() > 1 && expiry.front() == '0')) {
    return Malformed("the expiry is not a number of seconds");
  }
  std::optional<std::string> upload_id = Base64UrlDecode(id_part);
  if (!upload_id || upload_id->empty()) return Malformed("the upload id is not base64url");
  std::optional<std::string> mac = Base64UrlDecode(mac_part);
  if (!mac || mac->size() != kMacBytes) return Malformed("the MAC is not 32 bytes of base64url");

  const aws::Sha256Digest expected = Mac(secret, binding, *upload_id, expiry);
  if (CRYPTO_memcmp(expected.data(), mac->data(), kMacBytes) != 0) {
    return TokenRefusal{"multipart.token.invalid",
                        "the token was not issued for this user, key and upload"};
  }
  const auto now_seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (now_seconds >= expiry_seconds) {
    return TokenRefusal{"multipart.token.expired",
                        "expired " + std::to_string(now_seconds - expiry_seconds) + " s ago"};
  }
  return std::move(*upload_id);
}

}  // namespace s3upload::handlers::internal
