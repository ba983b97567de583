// The success handler: Fine Uploader's uploadSuccess endpoint (protocol document section 5).
//
// Nothing the client sends is trusted: the bucket and key must be ones signing would have allowed
// this caller, and the object itself is checked in S3 with the server key, because a client can
// skip the checks a policy makes (chunked uploads have no size limit at all, and v4 chunked uploads
// do not sign the content type).
#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "handlers/html_page.h"
#include "handlers/replies.h"
#include "s3upload/handlers.h"
#include "s3upload/log.h"

namespace s3upload::handlers {
namespace {

using internal::FindField;
using internal::FormValue;
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
                            std::string_view rule, std::string detail, std::string_view message,
                            bool may_delete = true) {
  http::Response response = UploadError(422, message, /*prevent_retry=*/true);
  response.log_fields = {{"refused", std::string(rule)}, {"detail", std::move(detail)}};
  if (context.route.profile->success.delete_invalid && may_delete) {
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

// A success call's object reference, from a form (Fine Uploader's POST body) or a query (the
// redirect S3 sends a browser on after a form upload: bucket, key, etag).
struct Reference {
  FormValue key, bucket, uuid, name, etag;
};

// The request's reference, or the reason it has none (400).
std::variant<Reference, std::string> ReadReference(std::string_view text) {
  const auto form = http::ParseFormUrlEncoded(text);
  if (!form) return std::string("the request body is not a valid form");
  Reference ref{FindField(*form, "key"), FindField(*form, "bucket"), FindField(*form, "uuid"),
                FindField(*form, "name"), FindField(*form, "etag")};
  if (!ref.key.present || !ref.bucket.present) {
    return std::string("the request names no key or no bucket");
  }
  if (ref.key.repeated || ref.bucket.repeated || ref.uuid.repeated || ref.etag.repeated) {
    return std::string("the request names the object twice");
  }
  return ref;
}

// A confirmed upload: the JSON reply as Fine Uploader gets it, and the facts a page shows.
struct Confirmed {
  JsonObject reply;
  http::Fields log_fields;
  std::string key;
  std::uint64_t size = 0;
  std::string content_type;
  std::string url;                   // the presigned GET, if configured
  std::string thumbnail;             // images: thumbnailUrl, if configured
  notify::ReplyMembers application;  // the webhook's answer, merged into `reply`
};

// Everything the success handler checks and does, whatever the reply's form: a confirmed upload,
// or the JSON answer of the refusal or failure (without the profile in its log fields).
std::variant<Confirmed, http::Response> Confirm(const Reference& ref, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  const verify::UploadRules& rules = profile.rules;
  const auto& [key, bucket, uuid, name, etag] = ref;

  const verify::Caller& caller = context.caller;
  // A token's narrower limits, when it carries some, apply on top of the profile's.
  const std::optional<verify::UploadRules> narrowed =
      caller.narrows() ? std::optional(verify::NarrowedRules(rules, caller)) : std::nullopt;
  const verify::UploadRules& limits = narrowed ? *narrowed : rules;
  if (auto refusal = verify::CheckObjectReference("success", bucket.value, key.value, uuid.value,
                                                  rules, caller)) {
    return internal::Refused(*refusal, "this upload cannot be confirmed here");
  }

  s3::ObjectStore& store = context.services->StoreFor(profile);
  const s3::HeadResult head = store.Head(key.value);
  if (std::holds_alternative<s3::NotFound>(head)) {
    http::Response response =
        UploadError(404, "the uploaded file was not found in storage", /*prevent_retry=*/true);
    response.log_fields = {{"refused", "success.missing"}, {"key", key.value}};
    return response;
  }
  if (const auto* error = std::get_if<s3::Error>(&head)) {
    http::Response response = internal::StorageFailure(*error);
    response.log_fields.emplace_back("key", key.value);
    return response;
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
    return RejectObject(context, store, key.value, "success.size",
                        std::to_string(object.size) + " bytes", message);
  }
  std::optional<verify::Refusal> type_refusal =
      verify::CheckContentType(object.content_type, rules);
  if (!type_refusal && narrowed) {
    type_refusal = verify::CheckContentType(object.content_type, *narrowed);
  }
  if (const auto& refusal = type_refusal) {
    return RejectObject(context, store, key.value, "success.content-type", refusal->detail,
                        "files of type \"" + object.content_type + "\" are not allowed");
  }
  // Fine Uploader sends the ETag only for simple uploads, where it is the MD5 of the bytes S3 got
  // (so does S3's redirect after a form upload). The object itself keeps the rules: a page's
  // link (reply: html, a GET any site can make a browser send) never deletes it for this.
  if (profile.success.check_etag && !etag.value.empty() &&
      Unquote(etag.value) != Unquote(object.etag)) {
    return RejectObject(context, store, key.value, "success.etag",
                        "client " + etag.value + ", storage " + object.etag,
                        "the stored file is not the one that was uploaded",
                        /*may_delete=*/context.route.reply != config::Route::Reply::kHtml);
  }

  Confirmed confirmed;
  confirmed.key = key.value;
  confirmed.size = object.size;
  confirmed.content_type = object.content_type;
  const std::string uuid_value = UuidOf(uuid.value, key.value);
  JsonObject& reply = confirmed.reply;
  reply.Set("success", "true");
  reply.SetString("bucket", rules.bucket);
  reply.SetString("key", key.value);
  reply.Set("size", std::to_string(object.size));
  if (profile.success.presigned_get) {
    confirmed.url = store.PresignGet(key.value, *profile.success.presigned_get, context.now);
    reply.SetString("url", confirmed.url);
  }
  if (IsImage(object.content_type)) {
    if (profile.success.thumbnail == config::SuccessSettings::Thumbnail::kPresigned &&
        !confirmed.url.empty()) {
      confirmed.thumbnail = confirmed.url;
    } else if (profile.success.thumbnail == config::SuccessSettings::Thumbnail::kTemplate) {
      confirmed.thumbnail = ExpandThumbnailTemplate(profile.success.thumbnail_template, profile,
                                                    key.value, uuid_value);
    }
    if (!confirmed.thumbnail.empty()) reply.SetString("thumbnailUrl", confirmed.thumbnail);
  }

  http::Fields& log_fields = confirmed.log_fields;
  log_fields = {{"key", key.value}, {"size", std::to_string(object.size)}};
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
        return response;
      }
      log::Write(log::Level::kWarning, "webhook failed; the upload is confirmed anyway",
                 {{"profile", profile.name}, {"key", key.value}, {"error", failure->message}});
    } else {
      // The application's answer wins: it can add thumbnailUrl and the like, or refuse.
      confirmed.application = std::get<notify::ReplyMembers>(result);
      for (const auto& [member, value] : confirmed.application) reply.Set(member, value);
      log_fields.emplace_back("webhook", "ok");
    }
  }
  return confirmed;
}

// A member of the application's answer that is a JSON string, decoded; nullopt otherwise.
std::optional<std::string> StringMember(const notify::ReplyMembers& members,
                                        std::string_view name) {
  std::optional<std::string> found;
  for (const auto& [member, value] : members) {
    if (member != name) continue;
    rapidjson::Document doc;
    doc.Parse(value.data(), value.size());
    found = !doc.HasParseError() && doc.IsString()
                ? std::optional(std::string(doc.GetString(), doc.GetStringLength()))
                : std::nullopt;
  }
  return found;
}

// The "error" of one of our JSON answers (UploadError's): what the page says.
std::string ErrorMessage(const http::Response& json) {
  rapidjson::Document doc;
  doc.Parse(json.body.data(), json.body.size());
  if (!doc.HasParseError() && doc.IsObject() && doc.HasMember("error") && doc["error"].IsString()) {
    return std::string(doc["error"].GetString(), doc["error"].GetStringLength());
  }
  return "the upload could not be confirmed";
}

// reply: html, a failure: the same status and log fields as the JSON answer, as a page.
http::Response FailurePage(const http::Response& json) {
  const int status = json.status;
  const char* title = status == 502 || status == 503 ? "The upload could not be checked"
                                                     : "The upload was not accepted";
  http::Response page = internal::HtmlMessage(status, title, ErrorMessage(json));
  page.log_fields = json.log_fields;
  return page;
}

// reply: html, a confirmed upload: the key, the size, the type, a link and (images) a preview.
// An application that answers {"success": false, "error": ...} refuses it: 422.
http::Response ConfirmedPage(Confirmed confirmed) {
  using internal::HtmlEscape;
  const notify::ReplyMembers& application = confirmed.application;
  for (const auto& [member, value] : application) {
    if (member == "success" && value != "true") {
      http::Response page = internal::HtmlMessage(
          422, "The upload was not accepted",
          StringMember(application, "error").value_or("the application refused this upload"));
      page.log_fields = std::move(confirmed.log_fields);
      page.log_fields.emplace_back("application_refused", "true");
      return page;
    }
  }
  // The application's links win, as in the JSON reply, when they are http(s) URLs.
  for (const auto& [member, slot] :
       {std::pair{"url", &confirmed.url}, std::pair{"thumbnailUrl", &confirmed.thumbnail}}) {
    if (auto text = StringMember(application, member);
        text && !internal::UrlOrigin(*text).empty()) {
      *slot = *text;
    }
  }
  internal::HtmlPage page;
  page.title = "Upload complete";
  page.body = "<p id=\"result\">The file is stored as <code id=\"key\">" +
              HtmlEscape(confirmed.key) + "</code>: <span id=\"size\">" +
              std::to_string(confirmed.size) + "</span> bytes, type <code id=\"content-type\">" +
              HtmlEscape(confirmed.content_type) + "</code>. It was checked in storage.</p>\n";
  if (!confirmed.url.empty() && !internal::UrlOrigin(confirmed.url).empty()) {
    page.body += "<p><a id=\"link\" href=\"" + HtmlEscape(confirmed.url) +
                 "\" rel=\"noreferrer\">Open the file</a></p>\n";
  }
  if (const std::string origin = internal::UrlOrigin(confirmed.thumbnail); !origin.empty()) {
    page.body += "<p><img id=\"preview\" src=\"" + HtmlEscape(confirmed.thumbnail) +
                 "\" alt=\"The uploaded image\"></p>\n";
    page.img_src = {origin};
  }
  http::Response response = internal::HtmlResponse(200, page);
  response.log_fields = std::move(confirmed.log_fields);
  return response;
}

}  // namespace

http::Response Success(const http::Request& request, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  auto with_profile = [&profile](http::Response response) {
    response.log_fields.insert(response.log_fields.begin(), {"profile", profile.name});
    return response;
  };
  // reply: html: the page S3 redirects a form upload to, GET with bucket, key and etag in the
  // query. Checked exactly like Fine Uploader's POST; only the reply is a page.
  const bool html = context.route.reply == config::Route::Reply::kHtml;

  auto ref = ReadReference(html ? std::string_view(request.query) : request.body);
  if (const auto* problem = std::get_if<std::string>(&ref)) {
    if (html) {
      return with_profile(internal::HtmlMessage(
          400, "The upload was not accepted",
          "this address does not name an uploaded file (bucket and key, once each)"));
    }
    return with_profile(UploadError(400, *problem, true));
  }
  auto outcome = Confirm(std::get<Reference>(ref), context);
  if (auto* failure = std::get_if<http::Response>(&outcome)) {
    return with_profile(html ? FailurePage(*failure) : std::move(*failure));
  }
  auto& confirmed = std::get<Confirmed>(outcome);
  if (html) return with_profile(ConfirmedPage(std::move(confirmed)));
  http::Response response = http::JsonResponse(200, confirmed.reply.Serialize());
  response.log_fields = std::move(confirmed.log_fields);
  return with_profile(std::move(response));
}

}  // namespace s3upload::handlers
