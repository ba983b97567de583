// The multipart handler: Uppy's Companion-compatible multipart routes (multipart_request.h has
// the exact calls and answers), bound to the caller.
//
// - create: the client only describes its file (as for params); the key comes from the
//   profile's params template, the Content-Type and the file-name metadata are set on the upload
//   by the server (the browser's part uploads carry no headers), and the answer's uploadId is an
//   upload token (multipart_token.h) over profile, user, key, S3's upload id and expiry.
// - every later call: the token must be genuine for this route's profile, this caller's user and
//   the key the client names, and not expired; the key must still pass the key rules. Otherwise
//   403, without any S3 call and without signing anything.
// - sign part (and batch): part numbers 1..multipart.max_parts; a presigned UploadPart URL valid
//   for multipart.part_expires.
// - complete: the parts the client names (ascending, each once) must be exactly parts S3 lists
//   for the upload, with the same ETags; S3's listing (all pages) must hold at most max_parts
//   parts whose sizes add up to within the profile's size range (narrowed by the caller's token),
//   or the upload is aborted and refused (422). Then CompleteMultipartUpload with the listed
//   ETags, and a HEAD of the object as a last check of its size.

#include <string>
#include <utility>
#include <vector>

#include "handlers/multipart_request.h"
#include "handlers/multipart_token.h"
#include "handlers/replies.h"
#include "handlers/upload_plan.h"
#include "s3upload/handlers.h"
#include "s3upload/s3_multipart.h"
#include "s3upload/verify.h"

namespace s3upload::handlers {
namespace {

using internal::JsonObject;
using internal::MessageError;
using internal::MultipartAction;
using internal::MultipartCall;
using internal::MultipartQuery;
using internal::MultipartRefusal;
using internal::RandomUuid;
using internal::StorageFailureLogFields;

// ListParts pages: S3 returns at most 1000 parts per page.
constexpr std::uint32_t kPartsPerPage = 1000;

http::Response Refused(const MultipartRefusal& refusal) {
  http::Response response = MessageError(refusal.status, refusal.message);
  if (!refusal.allow.empty()) response.headers.emplace_back("Allow", refusal.allow);
  response.log_fields = {{"refused", refusal.rule}, {"detail", refusal.detail}};
  return response;
}

http::Response Internal(std::string detail) {
  http::Response response = MessageError(500, "internal error");
  response.log_fields = {{"error", std::move(detail)}};
  return response;
}

// The answer to an S3 call that failed: S3's own 4xx verdict on the upload (404 no such upload,
// 400 invalid part, ...) is passed on as such; unreachable or failing S3 is 502, the cap 503.
http::Response S3Failure(const s3::Error& error) {
  http::Response response;
  if (error.kind == s3::Error::Kind::kRejected && error.http_status == 404) {
    response = MessageError(404, "no such upload (completed, aborted or expired)");
  } else if (error.kind == s3::Error::Kind::kRejected) {
    response = MessageError(400, "the storage service refused the request");
  } else if (error.kind == s3::Error::Kind::kBusy) {
    response = MessageError(503, "the server is busy with other storage calls; try again shortly");
  } else {
    response = MessageError(502, "the storage service could not be reached; try again later");
  }
  response.log_fields = StorageFailureLogFields(error);
  return response;
}

class MultipartHandler {
 public:
  MultipartHandler(const http::Request& request, const Context& context,
                   const config::Profile& profile, s3::MultipartStore& store)
      : request_(request),
        context_(context),
        profile_(profile),
        settings_(*profile.multipart),
        store_(store) {}

  http::Response Run() {
    auto call = internal::ParseMultipartCall(request_.method, request_.path, context_.route.path);
    if (auto* refusal = std::get_if<MultipartRefusal>(&call)) return Refused(*refusal);
    const MultipartCall& parsed = std::get<MultipartCall>(call);
    if (parsed.action == MultipartAction::kCreate) return Create();

    auto query = internal::ReadMultipartQuery(
        request_.query, parsed.action == MultipartAction::kBatch, settings_.max_parts);
    if (auto* refusal = std::get_if<MultipartRefusal>(&query)) return Refused(*refusal);
    query_ = std::get<MultipartQuery>(std::move(query));
    key_field_ = {"key", query_.key};

    // Who may touch this upload: the token decides, before anything else happens.
    const internal::UploadBinding binding{profile_.name, context_.caller.user, query_.key};
    auto verified = internal::VerifyUploadToken(*settings_.token_secret, binding, parsed.upload_id,
                                                context_.now);
    if (auto* refusal = std::get_if<internal::TokenRefusal>(&verified)) {
      const bool expired = refusal->rule == "multipart.token.expired";
      return WithKey(Refused(MultipartRefusal{
          403, refusal->rule, refusal->detail,
          expired ? "this upload has expired; start it again"
                  : "this upload does not belong to you, or the request names another file",
          ""}));
    }
    upload_id_ = std::get<std::string>(std::move(verified));
    // The key was made under the key rules; a reload may have narrowed them since.
    if (auto refusal = verify::CheckKey(query_.key, profile_.rules.key, context_.caller)) {
      return WithKey(Refused(MultipartRefusal{403, refusal->rule, refusal->detail,
                                              "this file cannot be uploaded here", ""}));
    }

    switch (parsed.action) {
      case MultipartAction::kSignPart:
        return SignPart(parsed.part_number);
      case MultipartAction::kBatch:
        return Batch();
      case MultipartAction::kList:
        return List();
      case MultipartAction::kComplete:
        return Complete();
      case MultipartAction::kAbort:
        return Abort();
      case MultipartAction::kCreate:
        break;
    }
    return Internal("unknown multipart action");
  }

 private:
  http::Response WithKey(http::Response response) const {
    if (!key_field_.first.empty()) response.log_fields.push_back(key_field_);
    return response;
  }

  // --- create ----------------------------------------------------------------------------------

  http::Response Create() {
    auto file = internal::ReadFileDescription(request_);
    if (const auto* refusal = std::get_if<internal::ParamsRefusal>(&file)) {
      return Refused(
          MultipartRefusal{refusal->status, refusal->rule, refusal->detail, refusal->message, ""});
    }
    const std::optional<std::string> uuid = RandomUuid();
    if (!uuid) return Internal("no random bytes for a uuid");
    // The params plan as for a POST of unknown size: the key, the exact type, the name metadata
    // and a declared size checked; what a POST form would add (success action) is not used.
    config::Profile planning = profile_;
    planning.params->method = config::ParamsSettings::Method::kPost;
    planning.params->exact_size = false;
    planning.params->success_action_redirects.clear();
    auto planned = internal::PlanUpload(std::get<internal::FileDescription>(file), planning,
                                        context_.caller, *uuid);
    if (const auto* refusal = std::get_if<internal::ParamsRefusal>(&planned)) {
      return Refused(
          MultipartRefusal{refusal->status, refusal->rule, refusal->detail, refusal->message, ""});
    }
    const internal::UploadPlan& plan = std::get<internal::UploadPlan>(planned);
    key_field_ = {"key", plan.key};

    s3::NewObject object;
    object.key = plan.key;
    object.content_type = plan.content_type;
    if (!plan.name_metadata.empty()) {
      object.metadata.push_back({"x-amz-meta-" + plan.name_metadata, plan.name_metadata_value});
    }
    const s3::CreateResult created = store_.Create(object);
    if (const auto* error = std::get_if<s3::Error>(&created)) return WithKey(S3Failure(*error));
    const std::string& upload_id = std::get<s3::CreatedUpload>(created).upload_id;
    if (!verify::IsWellFormedUploadId(upload_id)) {
      // Not something to hand out; and not something to leave behind either.
      const s3::AbortResult aborted = store_.Abort(plan.key, upload_id);
      http::Response response = MessageError(502, "the storage service gave an unusable answer");
      response.log_fields = {
          {"error", "S3 gave an upload id that is not of the form we sign for"},
          {"aborted", std::holds_alternative<s3::Aborted>(aborted) ? "true" : "false"}};
      return WithKey(std::move(response));
    }
    const aws::TimePoint expires =
        std::chrono::time_point_cast<std::chrono::seconds>(context_.now) + settings_.upload_expires;
    const internal::UploadBinding binding{profile_.name, context_.caller.user, plan.key};
    JsonObject reply;
    reply.SetString("key", plan.key);
    reply.SetString("uploadId", internal::MintUploadToken(*settings_.token_secret, binding,
                                                          upload_id, expires));
    reply.SetString("bucket", profile_.rules.bucket);
    http::Response response = http::JsonResponse(200, reply.Serialize());
    response.log_fields = {{"multipart", "created"}, {"content_type", plan.content_type}};
    return WithKey(std::move(response));
  }

  // --- parts -----------------------------------------------------------------------------------

  http::Response SignPart(std::uint32_t part_number) {
    if (part_number > settings_.max_parts) {
      return WithKey(Refused(MultipartRefusal{
          400, "multipart.part-number",
          "part " + std::to_string(part_number) + ", at most " +
              std::to_string(settings_.max_parts),
          "an upload may have at most " + std::to_string(settings_.max_parts) + " parts", ""}));
    }
    JsonObject reply;
    reply.SetString("url", store_.PresignPart(query_.key, upload_id_, part_number,
                                              settings_.part_expires, context_.now));
    reply.Set("expires", std::to_string(settings_.part_expires.count()));
    http::Response response = http::JsonResponse(200, reply.Serialize());
    response.log_fields = {
        {"signed", "multipart-part"}, {"version", "v4"}, {"part", std::to_string(part_number)}};
    return WithKey(std::move(response));
  }

  http::Response Batch() {
    JsonObject urls;
    for (std::uint32_t number : query_.part_numbers) {
      urls.SetString(
          std::to_string(number),
          store_.PresignPart(query_.key, upload_id_, number, settings_.part_expires, context_.now));
    }
    JsonObject reply;
    reply.Set("presignedUrls", urls.Serialize());
    http::Response response = http::JsonResponse(200, reply.Serialize());
    response.log_fields = {{"signed", "multipart-part"},
                           {"version", "v4"},
                           {"parts", std::to_string(query_.part_numbers.size())}};
    return WithKey(std::move(response));
  }

  // Every part S3 lists for the upload, all pages, at most max_parts + one page of them (more
  // than max_parts is an answer in itself). An error, or nullopt with `failure` set.
  std::optional<std::vector<s3::UploadedPart>> ListAll(http::Response& failure) {
    std::vector<s3::UploadedPart> parts;
    std::uint32_t marker = 0;
    const std::uint32_t max_pages = settings_.max_parts / kPartsPerPage + 2;
    for (std::uint32_t page = 0; page < max_pages; ++page) {
      const s3::ListPartsResult listed =
          store_.ListParts(query_.key, upload_id_, marker, kPartsPerPage);
      if (const auto* error = std::get_if<s3::Error>(&listed)) {
        failure = S3Failure(*error);
        return std::nullopt;
      }
      const s3::PartsPage& got = std::get<s3::PartsPage>(listed);
      parts.insert(parts.end(), got.parts.begin(), got.parts.end());
      if (!got.truncated || parts.size() > settings_.max_parts) return parts;
      if (got.next_part_number_marker <= marker) {
        failure = MessageError(502, "the storage service gave an unusable answer");
        failure.log_fields = {{"error", "ListParts does not advance"}};
        return std::nullopt;
      }
      marker = got.next_part_number_marker;
    }
    return parts;
  }

  http::Response List() {
    http::Response failure;
    const auto parts = ListAll(failure);
    if (!parts) return WithKey(std::move(failure));
    // S3's Part objects, as Companion passes them on (the ETag with its quotes).
    std::string body = "[";
    for (const s3::UploadedPart& part : *parts) {
      if (body.size() > 1) body += ',';
      JsonObject item;
      item.Set("PartNumber", std::to_string(part.part_number));
      item.Set("Size", std::to_string(part.size));
      item.SetString("ETag", part.etag);
      if (!part.last_modified.empty()) item.SetString("LastModified", part.last_modified);
      body += item.Serialize();
    }
    body += ']';
    http::Response response = http::JsonResponse(200, std::move(body));
    response.log_fields = {{"multipart", "listed"}, {"parts", std::to_string(parts->size())}};
    return WithKey(std::move(response));
  }

  // --- complete and abort ----------------------------------------------------------------------

  // A refusal that also ends the upload: nothing of it may stay in the bucket.
  http::Response RefuseAndAbort(int status, std::string rule, std::string detail,
                                std::string message) {
    http::Response response = Refused(
        MultipartRefusal{status, std::move(rule), std::move(detail), std::move(message), ""});
    const s3::AbortResult aborted = store_.Abort(query_.key, upload_id_);
    if (const auto* error = std::get_if<s3::Error>(&aborted)) {
      response.log_fields.emplace_back("abort_failed", error->message);
    } else {
      response.log_fields.emplace_back("aborted", "true");
    }
    return WithKey(std::move(response));
  }

  http::Response Complete() {
    auto body = internal::ReadCompleteBody(request_.body, settings_.max_parts);
    if (auto* refusal = std::get_if<MultipartRefusal>(&body)) return WithKey(Refused(*refusal));
    const std::vector<internal::ClientPart>& wanted =
        std::get<std::vector<internal::ClientPart>>(body);

    http::Response failure;
    const auto listed = ListAll(failure);
    if (!listed) return WithKey(std::move(failure));

    const verify::UploadRules& rules = profile_.rules;
    const verify::Caller& caller = context_.caller;
    const std::uint64_t max_size =
        caller.narrows() ? verify::NarrowedRules(rules, caller).max_size : rules.max_size;
    if (listed->size() > settings_.max_parts) {
      return RefuseAndAbort(422, "multipart.parts.too-many",
                            std::to_string(listed->size()) + " parts in S3, at most " +
                                std::to_string(settings_.max_parts),
                            "the upload has too many parts");
    }
    std::uint64_t total = 0;
    for (const s3::UploadedPart& part : *listed) {
      // No overflow: at most 10000 parts, each at most 5 GiB by S3's rules; and a sum that
      // passed max_size stops here.
      total += part.size;
      if (total > max_size) break;
    }
    if (total > max_size) {
      return RefuseAndAbort(
          422, "multipart.size.too-large",
          "parts of more than " + std::to_string(max_size) + " bytes in S3",
          "the file is too large (at most " + std::to_string(max_size) + " bytes are allowed)");
    }
    if (total < rules.min_size) {
      return RefuseAndAbort(
          422, "multipart.size.too-small",
          std::to_string(total) + " bytes in S3, at least " + std::to_string(rules.min_size),
          "the file is too small (at least " + std::to_string(rules.min_size) +
              " bytes are needed)");
    }

    // The client's list, part by part, against S3's (both ascending; S3 lists in order).
    std::vector<s3::PartToComplete> parts;
    parts.reserve(wanted.size());
    std::size_t at = 0;
    for (const internal::ClientPart& part : wanted) {
      while (at < listed->size() && (*listed)[at].part_number < part.part_number) ++at;
      if (at == listed->size() || (*listed)[at].part_number != part.part_number ||
          internal::UnquotedEtag((*listed)[at].etag) != part.etag) {
        return WithKey(Refused(MultipartRefusal{
            400, "multipart.parts.mismatch",
            "part " + std::to_string(part.part_number) + " is not in S3 with that ETag",
            "the parts named are not the parts uploaded", ""}));
      }
      parts.push_back({part.part_number, (*listed)[at].etag});
    }

    const s3::CompleteResult completed = store_.Complete(query_.key, upload_id_, parts);
    if (const auto* error = std::get_if<s3::Error>(&completed)) return WithKey(S3Failure(*error));

    // A last look at what S3 made: its size is the size of the parts named, which the listing
    // bounded; this catches a store that does not hold the ETags to their parts.
    http::Response response;
    s3::ObjectStore* objects = context_.services ? &context_.services->StoreFor(profile_) : nullptr;
    std::string checked = "skipped";
    if (objects != nullptr) {
      const s3::HeadResult head = objects->Head(query_.key);
      if (const auto* object = std::get_if<s3::ObjectHead>(&head)) {
        checked = "true";
        if (object->size > max_size || object->size < rules.min_size) {
          const s3::DeleteResult deleted = objects->Delete(query_.key);
          response = Refused(MultipartRefusal{
              422, "multipart.size.object",
              "the completed object has " + std::to_string(object->size) + " bytes",
              "the file is too large or too small for this upload", ""});
          response.log_fields.emplace_back(
              "deleted", std::holds_alternative<s3::Deleted>(deleted) ? "true" : "false");
          return WithKey(std::move(response));
        }
      } else if (const auto* error = std::get_if<s3::Error>(&head)) {
        checked = "failed: " + error->message;
      } else {
        checked = "failed: not found";
      }
    }

    const s3::CompletedUpload& done = std::get<s3::CompletedUpload>(completed);
    JsonObject reply;
    reply.SetString("location", done.location.empty()
                                    ? s3::AddressOf(store_.location(), query_.key).url
                                    : done.location);
    reply.SetString("key", query_.key);
    reply.SetString("bucket", profile_.rules.bucket);
    response = http::JsonResponse(200, reply.Serialize());
    response.log_fields = {{"multipart", "completed"},
                           {"parts", std::to_string(parts.size())},
                           {"size_checked", checked}};
    return WithKey(std::move(response));
  }

  http::Response Abort() {
    const s3::AbortResult aborted = store_.Abort(query_.key, upload_id_);
    if (const auto* error = std::get_if<s3::Error>(&aborted)) return WithKey(S3Failure(*error));
    http::Response response = http::JsonResponse(200, "{}");
    response.log_fields = {{"multipart", "aborted"}};
    return WithKey(std::move(response));
  }

  const http::Request& request_;
  const Context& context_;
  const config::Profile& profile_;
  const config::MultipartSettings& settings_;
  s3::MultipartStore& store_;
  MultipartQuery query_;
  std::string upload_id_;  // S3's, from a verified token
  std::pair<std::string, std::string> key_field_;
};

}  // namespace

http::Response Multipart(const http::Request& request, const Context& context) {
  const config::Profile& profile = *context.route.profile;
  s3::MultipartStore* store =
      context.services ? context.services->MultipartStoreFor(profile) : nullptr;
  http::Response response;
  if (!profile.multipart || !profile.params || store == nullptr) {
    // The loader refuses a multipart route to a profile without both sections.
    response = Internal("the profile has no multipart or params section");
  } else {
    response = MultipartHandler(request, context, profile, *store).Run();
  }
  response.log_fields.insert(response.log_fields.begin(), {"profile", profile.name});
  return response;
}

}  // namespace s3upload::handlers
