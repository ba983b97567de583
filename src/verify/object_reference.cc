// Objects named after their upload (success and delete requests): which bucket, which key, whose.
//
// Fine Uploader sends bucket and key back with every success and delete request; trusting them is
// how the official examples let anyone HEAD or delete any object with the server's key. Here they
// must be exactly what signing would have allowed this caller to create.
#include "verify/internal.h"

namespace s3upload::verify {
namespace {

// The uuid at the start of the key's last segment: "<uuid>" or "<uuid>.<ext>", else empty.
std::string_view UuidOfKey(std::string_view key) {
  const std::size_t slash = key.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  if (name.size() < 36 || (name.size() > 36 && name[36] != '.')) return {};
  const std::string_view candidate = name.substr(0, 36);
  for (std::size_t i = 0; i < candidate.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? candidate[i] != '-' : !internal::IsHexDigit(candidate[i])) return {};
  }
  return candidate;
}

}  // namespace

std::optional<Refusal> CheckObjectReference(std::string_view rule_prefix, std::string_view bucket,
                                            std::string_view key, std::string_view uuid,
                                            const UploadRules& rules, const Caller& caller) {
  if (bucket != rules.bucket) {
    return internal::Refuse(std::string(rule_prefix) + ".bucket",
                            "bucket " + internal::Quote(bucket) + " is not the profile's");
  }
  if (auto refusal = CheckKey(key, rules.key, caller)) return refusal;
  const std::string_view key_uuid = UuidOfKey(key);
  if (!uuid.empty() && !key_uuid.empty() && !internal::EqualsIgnoreCase(key_uuid, uuid)) {
    return internal::Refuse(
        std::string(rule_prefix) + ".uuid",
        "uuid " + internal::Quote(uuid) + " does not match key " + internal::Quote(key));
  }
  return std::nullopt;
}

}  // namespace s3upload::verify
