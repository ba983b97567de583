// MultipartClient: CreateMultipartUpload, ListParts, CompleteMultipartUpload and
// AbortMultipartUpload through outbound/ (retries, deadline, concurrency cap), each attempt
// signed afresh (SignedS3Request, in signing.cc with the client's other requests).
#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "s3/answers.h"
#include "s3upload/aws.h"
#include "s3upload/s3_multipart.h"

namespace s3upload::s3 {
namespace {

using internal::AnswerError;
using internal::CallFailure;
using internal::IsSuccess;
using internal::XmlElementText;

// An answer that came back 2xx but cannot be read (or is an <Error> in a 200).
Error UnreadableAnswer(std::string_view operation, long status, std::string message) {
  return Error{Error::Kind::kUnavailable, status,
               "S3 " + std::string(operation) + ": " + std::move(message)};
}

void AppendXmlEscaped(std::string& out, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

std::string CompleteMultipartUploadBody(const std::vector<PartToComplete>& parts) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const PartToComplete& part : parts) {
    body += "<Part><PartNumber>" + std::to_string(part.part_number) + "</PartNumber><ETag>";
    AppendXmlEscaped(body, part.etag);
    body += "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  return body;
}

MultipartClient::MultipartClient(BucketLocation location,
                                 std::shared_ptr<const aws::Credentials> credentials,
                                 outbound::Transport& transport, outbound::Limiter& limiter,
                                 outbound::CallOptions options,
                                 std::function<aws::TimePoint()> clock)
    : caller_(std::move(location), std::move(credentials), transport, limiter, std::move(options),
              std::move(clock)) {}

CreateResult MultipartClient::Create(const NewObject& object) {
  std::vector<aws::Header> headers;
  if (!object.content_type.empty()) headers.push_back({"Content-Type", object.content_type});
  headers.insert(headers.end(), object.metadata.begin(), object.metadata.end());
  const outbound::CallOutcome outcome =
      caller_.Call("POST", object.key, {{"uploads", ""}}, headers, "");
  if (!std::holds_alternative<outbound::HttpResponse>(outcome.result)) {
    return CallFailure("CreateMultipartUpload", outcome);
  }
  const auto& response = std::get<outbound::HttpResponse>(outcome.result);
  if (!IsSuccess(response.status)) return AnswerError("CreateMultipartUpload", response);
  auto parsed = ParseInitiateMultipartUploadResult(response.body);
  if (auto* message = std::get_if<std::string>(&parsed)) {
    return UnreadableAnswer("CreateMultipartUpload", response.status, std::move(*message));
  }
  return std::get<CreatedUpload>(std::move(parsed));
}

ListPartsResult MultipartClient::ListParts(const std::string& key, const std::string& upload_id,
                                           std::uint32_t part_number_marker,
                                           std::uint32_t max_parts) {
  std::vector<aws::QueryParam> query = {{"max-parts", std::to_string(max_parts)},
                                        {"uploadId", upload_id}};
  if (part_number_marker > 0) {
    query.push_back({"part-number-marker", std::to_string(part_number_marker)});
  }
  const outbound::CallOutcome outcome = caller_.Call("GET", key, query, {}, "");
  if (!std::holds_alternative<outbound::HttpResponse>(outcome.result)) {
    return CallFailure("ListParts", outcome);
  }
  const auto& response = std::get<outbound::HttpResponse>(outcome.result);
  if (!IsSuccess(response.status)) return AnswerError("ListParts", response);
  auto parsed = ParseListPartsResult(response.body);
  if (auto* message = std::get_if<std::string>(&parsed)) {
    return UnreadableAnswer("ListParts", response.status, std::move(*message));
  }
  return std::get<PartsPage>(std::move(parsed));
}

CompleteResult MultipartClient::Complete(const std::string& key, const std::string& upload_id,
                                         const std::vector<PartToComplete>& parts) {
  const std::string body = CompleteMultipartUploadBody(parts);
  const outbound::CallOutcome outcome = caller_.Call("POST", key, {{"uploadId", upload_id}},
                                                     {{"Content-Type", "application/xml"}}, body);
  if (!std::holds_alternative<outbound::HttpResponse>(outcome.result)) {
    return CallFailure("CompleteMultipartUpload", outcome);
  }
  const auto& response = std::get<outbound::HttpResponse>(outcome.result);
  if (!IsSuccess(response.status)) return AnswerError("CompleteMultipartUpload", response);
  // S3 may answer 200 and then report a failure in the body: only a result element is success.
  auto parsed = ParseCompleteMultipartUploadResult(response.body);
  if (auto* message = std::get_if<std::string>(&parsed)) {
    return UnreadableAnswer("CompleteMultipartUpload", response.status, std::move(*message));
  }
  return std::get<CompletedUpload>(std::move(parsed));
}

AbortResult MultipartClient::Abort(const std::string& key, const std::string& upload_id) {
  const outbound::CallOutcome outcome =
      caller_.Call("DELETE", key, {{"uploadId", upload_id}}, {}, "");
  if (!std::holds_alternative<outbound::HttpResponse>(outcome.result)) {
    return CallFailure("AbortMultipartUpload", outcome);
  }
  const auto& response = std::get<outbound::HttpResponse>(outcome.result);
  if (IsSuccess(response.status)) return Aborted{};
  if (response.status == 404) {
    // Gone already: NoSuchUpload (S3), NoSuchKey (radosgw after an abort). A missing bucket is a
    // configuration error, not an aborted upload.
    const std::string_view code = XmlElementText(response.body, "Code");
    if (code == "NoSuchUpload" || code == "NoSuchKey") return Aborted{};
  }
  return AnswerError("AbortMultipartUpload", response);
}

std::string MultipartClient::PresignPart(const std::string& key, const std::string& upload_id,
                                         std::uint32_t part_number, std::chrono::seconds expires,
                                         aws::TimePoint now) {
  return PresignedUploadPartUrl(caller_.location(), key, upload_id, part_number,
                                caller_.credentials(), now, expires);
}

}  // namespace s3upload::s3
