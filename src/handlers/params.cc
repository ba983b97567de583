// The params handler: the server builds the whole upload (Uppy's and Shrine's getUploadParameters,
// Dropzone, plain forms). The client describes its file; PlanUpload decides everything and checks
// it; only then is a POST policy or a presigned PUT URL signed.

#include <string>

#include "handlers/html_page.h"
#include "handlers/replies.h"
#include "handlers/upload_plan.h"
#include "s3upload/handlers.h"

namespace s3upload::handlers {
namespace {

using internal::JsonObject;
using internal::ParamsRefusal;
using internal::RandomUuid;
using internal::UploadPlan;

http::Response Refused(const config::Profile& profile, const ParamsRefusal& refusal) {
  http::Response response = internal::MessageError(refusal.status, refusal.message);
  response.log_fields = {
      {"profile", profile.name}, {"refused", refusal.rule}, {"detail", refusal.detail}};
  return response;
}

// The same refusal as a page (reply: html): what the user sees instead of the form.
http::Response RefusedPage(const config::Profile& profile, const ParamsRefusal& refusal) {
  http::Response response =
      internal::HtmlMessage(refusal.status, "This upload cannot be prepared", refusal.message);
  response.log_fields = {
      {"profile", profile.name}, {"refused", refusal.rule}, {"detail", refusal.detail}};
  return response;
}

http::Response InternalError(bool html, const config::Profile& profile, std::string error) {
  http::Response response =
      html ? internal::HtmlMessage(500, "Something went wrong",
                                   "the upload could not be prepared; try again later")
           : http::JsonError(500, "internal error");
  response.log_fields = {{"profile", profile.name}, {"error", std::move(error)}};
  return response;
}

// The form for a browser without script: the signed fields as hidden inputs, in order, then the
// file (S3 reads the fields before the file, and ignores everything after it), then the button.
// S3 then redirects the browser to the plan's success_action_redirect.
http::Response FormPage(const UploadPlan& plan, const s3::PresignedPost& post,
                        const config::ParamsSettings& settings) {
  using internal::HtmlEscape;
  internal::HtmlPage page;
  page.title = "Upload a file";
  std::string& body = page.body;
  body += "<p>Choose a file of type <code id=\"content-type\">" + HtmlEscape(plan.content_type) +
          "</code>";
  if (plan.min_size == plan.max_size) {
    body += " of exactly " + internal::HumanSize(plan.max_size);
  } else {
    body += ", at most <span id=\"max-size\">" + internal::HumanSize(plan.max_size) + "</span>";
  }
  body += ". It goes straight to storage; this form is valid for " +
          std::to_string(settings.expires.count()) + " seconds.</p>\n";
  body += "<form method=\"post\" action=\"" + HtmlEscape(post.url) +
          "\" enctype=\"multipart/form-data\">\n";
  for (const auto& [name, value] : post.fields) {
    body += "<input type=\"hidden\" name=\"" + HtmlEscape(name) + "\" value=\"" +
            HtmlEscape(value) + "\">\n";
  }
  body +=
      "<p><label for=\"file\">File</label>\n<input type=\"file\" id=\"file\" name=\"file\" "
      "accept=\"" +
      HtmlEscape(plan.content_type) + "\" required></p>\n";
  body += "<p><button type=\"submit\">Upload</button></p>\n</form>\n";
  body += "<p class=\"note\">The file is stored as <code id=\"key\">" + HtmlEscape(plan.key) +
          "</code> with the type above, whatever it contains.</p>\n";
  page.form_action = {internal::UrlOrigin(post.url),
                      internal::UrlOrigin(plan.success_action_redirect)};
  return internal::HtmlResponse(200, page);
}

std::string JsonFields(const http::Fields& fields) {
  JsonObject object;
  for (const auto& [name, value] : fields) object.SetString(name, value);
  return object.Serialize();
}

}  // namespace

http::Response Params(const http::Request& request, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  // reply: html: a form page for a browser without script (the loader makes sure the profile
  // posts and redirects to a success page).
  const bool html = context.route.reply == config::Route::Reply::kHtml;
  if (!profile.params) {  // the loader refuses a params route to such a profile
    return InternalError(html, profile, "the profile has no params");
  }
  const config::ParamsSettings& settings = *profile.params;
  if (html && (settings.method != config::ParamsSettings::Method::kPost ||
               settings.success_action_redirects.empty())) {
    return InternalError(html, profile, "a form page needs params with method post and a redirect");
  }
  const auto refused = [&](const ParamsRefusal& refusal) {
    return html ? RefusedPage(profile, refusal) : Refused(profile, refusal);
  };

  auto file = internal::ReadFileDescription(request);
  if (const auto* refusal = std::get_if<ParamsRefusal>(&file)) return refused(*refusal);
  const std::optional<std::string> uuid = RandomUuid();
  if (!uuid) {
    return InternalError(html, profile, "no random bytes for a uuid");
  }
  auto planned = internal::PlanUpload(
      std::get<internal::FileDescription>(file), profile, context.caller, *uuid,
      html ? internal::FileNaming::kChosenLater : internal::FileNaming::kNamed);
  if (const auto* refusal = std::get_if<ParamsRefusal>(&planned)) {
    return refused(*refusal);
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
    if (html) {
      http::Response response = FormPage(plan, post, settings);
      response.log_fields = {{"profile", profile.name},
                             {"signed", "params-post"},
                             {"version", "v4"},
                             {"key", plan.key},
                             {"reply", "html"}};
      return response;
    }
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
