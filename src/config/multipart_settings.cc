// The `multipart` map of a profile: Uppy's multipart routes (handler: multipart). The secret that
// signs the upload tokens comes from a file, a systemd credential or the environment, like every
// other secret; the key template is the profile's `params.key`.
#include <chrono>
#include <memory>
#include <string>

#include "config/secrets.h"
#include "config/sections.h"

namespace s3upload::config::internal {
namespace {

using namespace std::chrono_literals;

// An HMAC-SHA256 key shorter than the hash is weaker than the hash (RFC 2104 section 3).
constexpr std::size_t kMinTokenSecretBytes = 32;
// A part URL is used at once; S3 caps presigned URLs at 7 days, an upload token needs no more.
constexpr std::chrono::seconds kMaxPartExpires = 1h;
constexpr std::chrono::seconds kMaxUploadExpires = 7 * 24h;

}  // namespace

void ReadMultipartSettings(const MapReader& profile_map, const std::string& base_dir,
                           const EnvironmentLookup& env,
                           std::optional<MultipartSettings>& multipart, Diagnostics& diag) {
  std::optional<Field> section = profile_map.Get("multipart");
  if (!section) {
    return;
  }
  const std::size_t errors_before = diag.count();
  const MapReader map = MapReader::Of(*section,
                                      {"secret_file", "secret_credential", "secret_env",
                                       "part_expires", "upload_expires", "max_parts"},
                                      diag);
  if (!map.valid()) {
    return;
  }
  MultipartSettings settings;
  SecretBuffer secret;
  const bool secret_ok = ReadConfiguredSecret(map, base_dir, env, diag, secret);
  if (secret_ok && secret.size() < kMinTokenSecretBytes) {
    diag.Error(section->KeyMark(), map.scope().Describe() + ": the token secret has " +
                                       std::to_string(secret.size()) + " bytes; at least " +
                                       std::to_string(kMinTokenSecretBytes) +
                                       " are needed (e.g. `openssl rand -hex 32`)");
  }
  if (std::optional<Field> field = map.Get("part_expires")) {
    if (auto value = ReadDuration(*field, 1s, kMaxPartExpires, diag)) {
      settings.part_expires = *value;
    }
  }
  if (std::optional<Field> field = map.Get("upload_expires")) {
    if (auto value = ReadDuration(*field, 1s, kMaxUploadExpires, diag)) {
      settings.upload_expires = *value;
    }
  }
  if (std::optional<Field> field = map.Get("max_parts")) {
    if (auto value = ReadUnsigned(*field, 1, verify::kMaxPartNumber, diag)) {
      settings.max_parts = static_cast<std::uint32_t>(*value);
    }
  }
  if (!secret_ok || diag.count() != errors_before) {
    return;
  }
  settings.token_secret = std::make_shared<const aws::SecretKey>(secret.ToSecretKey());
  multipart = std::move(settings);
}

}  // namespace s3upload::config::internal
