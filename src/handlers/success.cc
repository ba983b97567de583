// The success handler: Fine Uploader's uploadSuccess endpoint (protocol document section 5).
//
// Nothing the client sends is trusted: the bucket and key must be ones signing would have allowed
// this caller, and the object itself is checked in S3 with the server key, because a client can
// skip the checks a policy makes (chunked uploads have no size limit at all, and v4 chunked uploads
// do not sign the content type).
#include <string>

#include "handlers/replies.h"
#include "s3upload/handlers.h"
#include "s3upload/log.h"

namespace s3upload::handlers {
namespace {

using internal::FindField;
using internal::JsonObject;
using internal::UploadError;

std::string_view Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

bool IsImage(std::string_view content_type) {
  constexpr std::string_view kImage = "image/";
  if (content_type.size() <= kImage.size()) return false;
  for (std::size_t i = 0; i < kImage.size(); ++i) {
    const char c = content_type[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kImage[i]) return false;
  }
  return true;
}

std::string UuidOf(std::string_view uuid, std::string_view key) {
  if (!uuid.empty()) return std::string(uuid);
  const std::size_t slash = key.rfind('/');
  const std::string_view name = slash == std::string_view::npos ? key : key.substr(slash + 1);
  return std::string(name.substr(0, name.find('.')));
}

std::string ExpandThumbnailTemplate(std::string_view pattern, const config::Profile& profile,
                                    const std::string& key, const std::string& uuid) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.substr(i).starts_with("{bucket}")) {
      out += profile.rules.bucket;
      i += 8;
    } else if (pattern.substr(i).starts_with("{key}")) {
      out += aws::UriEncode(key, /*encode_slash=*/false);
      i += 5;
    } else if (pattern.substr(i).starts_with("{uuid}")) {
      out += aws::UriEncode(uuid, /*encode_slash=*/true);
      i += 6;
    } else {
      out += pattern[i++];
    }
  }
  return out;
}

// The object breaks a rule: remove it (unless configured otherwise) and tell the client not to
// retry. The message is for the user; the rule goes to the log.
http::Response RejectObject(const Context& context, s3::ObjectStore& store, const std::string& key,
                            std::string_view rule, std::string detail, std::string_view message) {
  http::Response response = UploadError(422, message, /*prevent_retry=*/true);
  response.log_fields = {{"refused", std::string(rule)}, {"detail", std::move(detail)}};
  if (context.route.profile->success.delete_invalid) {
    const s3::DeleteResult deleted = store.Delete(key);
    if (const auto* error = std::get_if<s3::Error>(&deleted)) {
      // The client is told the same either way; the operator must know the object is still there.
      response.log_fields.emplace_back("delete_failed", error->message);
    } else {
      response.log_fields.emplace_back("deleted", "true");
    }
  }
  return response;
}

notify::WebhookTarget TargetOf(const config::WebhookSettings& webhook) {
  notify::WebhookTarget target;
  target.url = webhook.url;
  target.secret = webhook.secret;
  target.options.deadline = webhook.timeout;
  target.options.connect_timeout = std::min(webhook.timeout, std::chrono::milliseconds(2000));
  target.options.retry.max_attempts = webhook.retries + 1;
  return target;
}

}  // namespace

http::Response Success(const http::Request& request, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  const verify::UploadRules& rules = profile.rules;
  auto with_profile = [&profile](http::Response response) {
    response.log_fields.insert(response.log_fields.begin(), {"profile", profile.name});
    return response;
  };

  const auto form = http::ParseFormUrlEncoded(request.body);
  if (!form) {
    return with_profile(UploadError(400, "the request body is not a valid form", true));
  }
  const auto key = FindField(*form, "key");
  const auto bucket = FindField(*form, "bucket");
  const auto uuid = FindField(*form, "uuid");
  const auto name = FindField(*form, "name");
  const auto etag = FindField(*form, "etag");
  if (!key.present || !bucket.present) {
    return with_profile(UploadError(400, "the request names no key or no bucket", true));
  }
  if (key.repeated || bucket.repeated || uuid.repeated || etag.repeated) {
    return with_profile(UploadError(400, "the request names the object twice", true));
  }

  const verify::Caller& caller = context.caller;
  // A token's narrower limits, when it carries some, apply on top of the profile's.
  const std::optional<verify::UploadRules> narrowed =
      caller.narrows() ? std::optional(verify::NarrowedRules(rules, caller)) : std::nullopt;
  const verify::UploadRules& limits = narrowed ? *narrowed : rules;
  if (auto refusal = verify::CheckObjectReference("success", bucket.value, key.value, uuid.value,
                                                  rules, caller)) {
    return with_profile(internal::Refused(*refusal, "this upload cannot be confirmed here"));
  }

  s3::ObjectStore& store = context.services->StoreFor(profile);
  const s3::HeadResult head = store.Head(key.value);
  if (std::holds_alternative<s3::NotFound>(head)) {
    http::Response response =
        UploadError(404, "the uploaded file was not found in storage", /*prevent_retry=*/true);
    response.log_fields = {{"refused", "success.missing"}, {"key", key.value}};
    return with_profile(std::move(response));
  }
  if (const auto* error = std::get_if<s3::Error>(&head)) {
    http::Response response = internal::StorageFailure(*error);
    response.log_fields.emplace_back("key", key.value);
    return with_profile(std::move(response));
  }
  const auto& object = std::get<s3::ObjectHead>(head);

  // The checks a policy makes, made again on what really arrived.
  if (object.size < limits.min_size || object.size > limits.max_size) {
    const bool too_large = object.size > limits.max_size;
    const std::string message =
        too_large ? "the file is too large (" + std::to_string(object.size) + " bytes; at most " +
                        std::to_string(limits.max_size) + " are allowed)"
                  : "the file is too small (" + std::to_string(object.size) + " bytes; at least " +
                        std::to_string(limits.min_size) + " are needed)";
    return with_profile(RejectObject(context, store, key.value, "success.size",
                                     std::to_string(object.size) + " bytes", message));
  }
  std::optional<verify::Refusal> type_refusal =
      verify::CheckContentType(object.content_type, rules);
  if (!type_refusal && narrowed) {
    type_refusal = verify::CheckContentType(object.content_type, *narrowed);
  }
  if (const auto& refusal = type_refusal) {
    return with_profile(
        RejectObject(context, store, key.value, "success.content-type", refusal->detail,
                     "files of type \"" + object.content_type + "\" are not allowed"));
  }
  // Fine Uploader sends the ETag only for simple uploads, where it is the MD5 of the bytes S3 got.
  if (profile.success.check_etag && !etag.value.empty() &&
      Unquote(etag.value) != Unquote(object.etag)) {
    return with_profile(RejectObject(context, store, key.value, "success.etag",
                                     "client " + etag.value + ", storage " + object.etag,
                                     "the stored file is not the one that was uploaded"));
  }

  const std::string uuid_value = UuidOf(uuid.value, key.value);
  JsonObject reply;
  reply.Set("success", "true");
  reply.SetString("bucket", rules.bucket);
  reply.SetString("key", key.value);
  reply.Set("size", std::to_string(object.size));
  std::string presigned;
  if (profile.success.presigned_get) {
    presigned = store.PresignGet(key.value, *profile.success.presigned_get, context.now);
    reply.SetString("url", presigned);
  }
  if (IsImage(object.content_type)) {
    if (profile.success.thumbnail == config::SuccessSettings::Thumbnail::kPresigned &&
        !presigned.empty()) {
      reply.SetString("thumbnailUrl", presigned);
    } else if (profile.success.thumbnail == config::SuccessSettings::Thumbnail::kTemplate) {
      reply.SetString("thumbnailUrl", ExpandThumbnailTemplate(profile.success.thumbnail_template,
                                                              profile, key.value, uuid_value));
    }
  }

  http::Fields log_fields = {{"key", key.value}, {"size", std::to_string(object.size)}};
  if (const auto& webhook = profile.success.webhook) {
    const notify::UploadEvent event{profile.name,
                                    rules.bucket,
                                    key.value,
                                    uuid_value,
                                    name.value,
                                    object.size,
                                    std::string(Unquote(object.etag)),
                                    object.content_type,
                                    caller.user};
    const notify::WebhookResult result =
        context.services->Notifier().Notify(TargetOf(*webhook), event, context.now);
    if (const auto* failure = std::get_if<notify::WebhookFailure>(&result)) {
      log_fields.emplace_back("webhook_error", failure->message);
      if (webhook->required) {
        http::Response response =
            UploadError(502, "the upload could not be confirmed with the application; try again",
                        /*prevent_retry=*/false);
        response.log_fields = std::move(log_fields);
        return with_profile(std::move(response));
      }
      log::Write(log::Level::kWarning, "webhook failed; the upload is confirmed anyway",
                 {{"profile", profile.name}, {"key", key.value}, {"error", failure->message}});
    } else {
      // The application's answer wins: it can add thumbnailUrl and the like, or refuse.
      for (const auto& [member, value] : std::get<notify::ReplyMembers>(result)) {
        reply.Set(member, value);
      }
      log_fields.emplace_back("webhook", "ok");
    }
  }

  http::Response response = http::JsonResponse(200, reply.Serialize());
  response.log_fields = std::move(log_fields);
  return with_profile(std::move(response));
}

}  // namespace s3upload::handlers
