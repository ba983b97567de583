// The params handler: the server builds the whole upload (Uppy's and Shrine's getUploadParameters,
// Dropzone, plain forms). The client describes its file; PlanUpload decides everything and checks
// it; only then is a POST policy or a presigned PUT URL signed.
#include <openssl/rand.h>

#include <array>
#include <string>

#include "handlers/replies.h"
#include "handlers/upload_plan.h"
#include "s3upload/handlers.h"

namespace s3upload::handlers {
namespace {

using internal::JsonObject;
using internal::ParamsRefusal;
using internal::UploadPlan;

// A random (version 4) UUID, lower case; nullopt if the system has no randomness to give.
std::optional<std::string> RandomUuid() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::nullopt;
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  const std::string hex = aws::HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

// {"error": message, "message": message}: "message" is what Uppy shows for a 4xx answer.
http::Response Refused(const config::Profile& profile, const ParamsRefusal& refusal) {
  JsonObject body;
  body.SetString("error", refusal.message);
  body.SetString("message", refusal.message);
  // JsonResponse adds Cache-Control: no-store, as to every answer.
  http::Response response = http::JsonResponse(refusal.status, body.Serialize());
  response.log_fields = {
      {"profile", profile.name}, {"refused", refusal.rule}, {"detail", refusal.detail}};
  return response;
}

std::string JsonFields(const http::Fields& fields) {
  JsonObject object;
  for (const auto& [name, value] : fields) object.SetString(name, value);
  return object.Serialize();
}

}  // namespace

http::Response Params(const http::Request& request, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  if (!profile.params) {  // the loader refuses a params route to such a profile
    http::Response response = http::JsonError(500, "internal error");
    response.log_fields = {{"profile", profile.name}, {"error", "the profile has no params"}};
    return response;
  }
  const config::ParamsSettings& settings = *profile.params;

  auto file = internal::ReadFileDescription(request);
  if (const auto* refusal = std::get_if<ParamsRefusal>(&file)) return Refused(profile, *refusal);
  const std::optional<std::string> uuid = RandomUuid();
  if (!uuid) {
    http::Response response = http::JsonError(500, "internal error");
    response.log_fields = {{"profile", profile.name}, {"error", "no random bytes for a uuid"}};
    return response;
  }
  auto planned = internal::PlanUpload(std::get<internal::FileDescription>(file), profile,
                                      context.caller, *uuid);
  if (const auto* refusal = std::get_if<ParamsRefusal>(&planned)) {
    return Refused(profile, *refusal);
  }
  const UploadPlan& plan = std::get<UploadPlan>(planned);

  // Everything is checked; now, and only now, sign.
  const s3::BucketLocation location{profile.endpoint, profile.rules.addressing,
                                    profile.rules.bucket, profile.rules.region};
  const aws::Credentials& credentials = *profile.signing_credentials;
  const std::string meta_field =
      plan.name_metadata.empty() ? "" : "x-amz-meta-" + plan.name_metadata;
  JsonObject reply;
  std::string_view kind;
  if (settings.method == config::ParamsSettings::Method::kPost) {
    s3::PostPolicy policy;
    policy.key = plan.key;
    policy.fields.emplace_back("Content-Type", plan.content_type);
    if (!plan.success_action_redirect.empty()) {
      policy.fields.emplace_back("success_action_redirect", plan.success_action_redirect);
    } else {
      policy.fields.emplace_back("success_action_status", plan.success_action_status);
    }
    if (!meta_field.empty()) policy.fields.emplace_back(meta_field, plan.name_metadata_value);
    policy.min_size = plan.min_size;
    policy.max_size = plan.max_size;
    policy.expires = settings.expires;
    const s3::PresignedPost post = s3::PresignPost(location, policy, credentials, context.now);
    reply.SetString("method", "POST");
    reply.SetString("url", post.url);
    reply.Set("fields", JsonFields(post.fields));
    kind = "params-post";
  } else {
    // The headers the client must send as they are; Content-Length is signed too, but browsers
    // set it themselves (scripts may not), from the file's size.
    http::Fields headers = {{"Content-Type", plan.content_type}};
    if (!meta_field.empty()) headers.emplace_back(meta_field, plan.name_metadata_value);
    std::vector<aws::Header> signed_headers = {{"content-length", std::to_string(plan.max_size)}};
    for (const auto& [name, value] : headers) signed_headers.push_back({name, value});
    reply.SetString("method", "PUT");
    reply.SetString("url", s3::PresignedPutUrl(location, plan.key, signed_headers, credentials,
                                               context.now, settings.expires));
    reply.Set("fields", "{}");
    reply.Set("headers", JsonFields(headers));
    kind = "params-put";
  }
  reply.Set("expires", std::to_string(settings.expires.count()));
  reply.SetString("key", plan.key);

  // A signed upload is for this caller and this moment: JsonResponse's Cache-Control: no-store
  // keeps every cache from keeping or sharing it.
  http::Response response = http::JsonResponse(200, reply.Serialize());
  response.log_fields = {{"profile", profile.name},
                         {"signed", std::string(kind)},
                         {"version", "v4"},
                         {"key", plan.key}};
  return response;
}

}  // namespace s3upload::handlers
