// The `success` map of a profile: what the success handler does besides checking the object (delete
// an invalid one, compare ETags, a presigned GET URL, a thumbnail URL) and the webhook it calls.
#include <chrono>
#include <memory>
#include <utility>

#include "config/secrets.h"
#include "config/sections.h"
#include "config/validators.h"

namespace s3upload::config::internal {
namespace {

using namespace std::chrono_literals;

// SigV4 presigned URLs live at most 7 days.
constexpr std::chrono::seconds kMaxPresignedGet = 7 * 24h;
constexpr std::string_view kPresigned = "presigned";

std::optional<WebhookSettings> ReadWebhook(const Field& section, const std::string& base_dir,
                                           const EnvironmentLookup& env, Diagnostics& diag) {
  const std::size_t errors_before = diag.count();
  const MapReader map = MapReader::Of(
      section,
      {"url", "secret_file", "secret_credential", "secret_env", "timeout", "retries", "required"},
      diag);
  if (!map.valid()) {
    return std::nullopt;
  }
  WebhookSettings webhook;
  if (std::optional<Field> field = map.Require("url")) {
    if (std::optional<std::string> url = ReadString(*field, diag)) {
      if (Status status = CheckWebhookUrl(*url); !status.ok()) {
        ValueError(*field, status.message(), diag);
      } else {
        webhook.url = std::move(*url);
      }
    }
  }
  SecretBuffer secret;
  const bool secret_ok = ReadConfiguredSecret(map, base_dir, env, diag, secret);
  if (std::optional<Field> field = map.Get("timeout")) {
    if (auto value = ReadDurationMs(*field, 100ms, 60s, diag)) {
      webhook.timeout = *value;
    }
  }
  if (std::optional<Field> field = map.Get("retries")) {
    if (auto value = ReadUnsigned(*field, 0, 10, diag)) {
      webhook.retries = static_cast<int>(*value);
    }
  }
  if (std::optional<Field> field = map.Get("required")) {
    if (auto value = ReadBool(*field, diag)) {
      webhook.required = *value;
    }
  }
  if (!secret_ok || diag.count() != errors_before) {
    return std::nullopt;
  }
  webhook.secret = std::make_shared<const aws::SecretKey>(secret.ToSecretKey());
  return webhook;
}

void ReadThumbnail(const Field& field, bool has_presigned_get, SuccessSettings& success,
                   Diagnostics& diag) {
  std::optional<std::string> text = ReadString(field, diag);
  if (!text) {
    return;
  }
  if (*text == kPresigned) {
    if (!has_presigned_get) {
      ValueError(field,
                 "\"presigned\" uses the presigned GET URL, which needs success.presigned_get "
                 "(its lifetime, e.g. 15m)",
                 diag);
      return;
    }
    success.thumbnail = SuccessSettings::Thumbnail::kPresigned;
    return;
  }
  if (!text->starts_with("http://") && !text->starts_with("https://")) {
    std::string message =
        "expected \"presigned\" or an http:// or https:// URL template "
        "(placeholders {bucket}, {key}, {uuid}), got " +
        Quote(*text);
    const std::string_view candidates[] = {kPresigned};
    if (ClosestMatch(*text, candidates)) {
      message += " (did you mean \"presigned\"?)";
    }
    ValueError(field, message, diag);
    return;
  }
  if (Status status = CheckThumbnailTemplate(*text); !status.ok()) {
    ValueError(field, status.message(), diag);
    return;
  }
  success.thumbnail = SuccessSettings::Thumbnail::kTemplate;
  success.thumbnail_template = std::move(*text);
}

}  // namespace

void ReadSuccessSettings(const MapReader& profile_map, const std::string& base_dir,
                         const EnvironmentLookup& env, SuccessSettings& success,
                         Diagnostics& diag) {
  std::optional<Field> section = profile_map.Get("success");
  if (!section) {
    return;
  }
  const MapReader map = MapReader::Of(
      *section, {"delete_invalid", "check_etag", "presigned_get", "thumbnail", "webhook"}, diag,
      std::nullopt, /*null_is_empty=*/true);
  if (!map.valid()) {
    return;
  }
  if (std::optional<Field> field = map.Get("delete_invalid")) {
    if (auto value = ReadBool(*field, diag)) {
      success.delete_invalid = *value;
    }
  }
  if (std::optional<Field> field = map.Get("check_etag")) {
    if (auto value = ReadBool(*field, diag)) {
      success.check_etag = *value;
    }
  }
  const std::optional<Field> presigned_get = map.Get("presigned_get");
  if (presigned_get) {
    success.presigned_get = ReadDuration(*presigned_get, 1s, kMaxPresignedGet, diag);
  }
  // A presigned_get with a bad value has its own error; "presigned" is then not blamed too.
  if (std::optional<Field> field = map.Get("thumbnail")) {
    ReadThumbnail(*field, presigned_get.has_value(), success, diag);
  }
  if (std::optional<Field> field = map.Get("webhook")) {
    success.webhook = ReadWebhook(*field, base_dir, env, diag);
  }
}

}  // namespace s3upload::config::internal
