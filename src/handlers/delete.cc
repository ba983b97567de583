// The delete handler: Fine Uploader's deleteFile endpoint (protocol document section 6).
//
//   DELETE <route>/<uuid>?key=...&bucket=...
//   POST   <route>[/...]  with _method=DELETE&qquuid=<uuid>&key=...&bucket=...  (IE <= 9, XDR)
//
// Deletes only what the caller could have uploaded: the same bucket and key rules as signing, so a
// key outside the caller's prefix never reaches S3. A missing object is deleted already (204).
#include <string>

#include "handlers/replies.h"
#include "s3upload/handlers.h"

namespace s3upload::handlers {
namespace {

using internal::FindField;
using internal::UploadError;

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) {
      return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
    };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

}  // namespace

http::Response Delete(const http::Request& request, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  auto with_profile = [&profile](http::Response response) {
    response.log_fields.insert(response.log_fields.begin(), {"profile", profile.name});
    return response;
  };

  // The uuid Fine Uploader puts after the route's path (DELETE only).
  std::string path_uuid;
  if (context.route.is_prefix && request.path.size() > context.route.path.size()) {
    path_uuid = request.path.substr(context.route.path.size());
  }

  const bool is_post = request.method == "POST";
  const auto form = http::ParseFormUrlEncoded(is_post ? request.body : request.query);
  if (!form) {
    return with_profile(UploadError(400, "the request parameters are not a valid form", true));
  }
  if (is_post) {
    const auto method = FindField(*form, "_method");
    if (!method.present || method.repeated || !EqualsIgnoreCase(method.value, "DELETE")) {
      return with_profile(
          UploadError(400, "a POST to the delete endpoint needs _method=DELETE", true));
    }
  }
  const auto key = FindField(*form, "key");
  const auto bucket = FindField(*form, "bucket");
  const auto form_uuid = FindField(*form, "qquuid");
  if (!key.present || !bucket.present) {
    return with_profile(UploadError(400, "the request names no key or no bucket", true));
  }
  if (key.repeated || bucket.repeated || form_uuid.repeated) {
    return with_profile(UploadError(400, "the request names the object twice", true));
  }
  if (path_uuid.find('/') != std::string::npos ||
      (!path_uuid.empty() && form_uuid.present && path_uuid != form_uuid.value)) {
    return with_profile(UploadError(400, "the request names two different files", true));
  }
  const std::string& uuid = path_uuid.empty() ? form_uuid.value : path_uuid;

  if (auto refusal = verify::CheckObjectReference("delete", bucket.value, key.value, uuid,
                                                  profile.rules, context.caller)) {
    return with_profile(internal::Refused(*refusal, "this file cannot be deleted here"));
  }

  const s3::DeleteResult deleted = context.services->StoreFor(profile).Delete(key.value);
  if (const auto* error = std::get_if<s3::Error>(&deleted)) {
    http::Response response = internal::StorageFailure(*error);
    response.log_fields.emplace_back("key", key.value);
    return with_profile(std::move(response));
  }
  http::Response response;
  response.status = 204;
  response.headers.emplace_back("Cache-Control", "no-store");
  response.log_fields = {{"key", key.value}, {"deleted", "true"}};
  return with_profile(std::move(response));
}

}  // namespace s3upload::handlers
