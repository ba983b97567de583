// S3Client: HEAD and DELETE of one object through outbound/ (retries, deadline, concurrency cap),
// each attempt signed afresh, and the answers turned into the values handlers decide on.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <variant>

#include "s3/answers.h"
#include "s3upload/s3.h"

namespace s3upload::s3 {
namespace {

using internal::AnswerError;
using internal::CallFailure;
using internal::IsSuccess;
using internal::XmlElementText;

std::optional<std::uint64_t> ParseSize(std::string_view text) {
  std::uint64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

S3Client::S3Client(BucketLocation location, std::shared_ptr<const aws::Credentials> credentials,
                   outbound::Transport& transport, outbound::Limiter& limiter,
                   outbound::CallOptions options, std::function<aws::TimePoint()> clock)
    : caller_(std::move(location), std::move(credentials), transport, limiter, std::move(options),
              std::move(clock)) {}

HeadResult S3Client::Head(const std::string& key) {
  const outbound::CallOutcome outcome = caller_.Call("HEAD", key);
  if (!std::holds_alternative<outbound::HttpResponse>(outcome.result)) {
    return CallFailure("HEAD", outcome);
  }
  const auto& response = std::get<outbound::HttpResponse>(outcome.result);
  if (response.status == 404) return NotFound{};
  if (!IsSuccess(response.status)) return AnswerError("HEAD", response);

  const std::optional<std::string_view> length = response.Header("content-length");
  const std::optional<std::uint64_t> size = length ? ParseSize(*length) : std::nullopt;
  if (!size) {
    // The size is what the caller checks; an answer without it cannot be trusted to be S3's.
    return Error{
        Error::Kind::kUnavailable, response.status,
        "S3 HEAD answered " + std::to_string(response.status) + " without a valid Content-Length"};
  }
  ObjectHead head;
  head.size = *size;
  head.etag = std::string(response.Header("etag").value_or(""));
  head.content_type = std::string(response.Header("content-type").value_or(""));
  return head;
}

DeleteResult S3Client::Delete(const std::string& key) {
  const outbound::CallOutcome outcome = caller_.Call("DELETE", key);
  if (!std::holds_alternative<outbound::HttpResponse>(outcome.result)) {
    return CallFailure("DELETE", outcome);
  }
  const auto& response = std::get<outbound::HttpResponse>(outcome.result);
  // S3 answers 204 whether or not the object existed; some S3-compatible stores say 404. Either
  // way the object is not there any more, which is what the caller asked for. A missing bucket
  // is not a missing object but a configuration error, and must not read as success.
  if (IsSuccess(response.status)) return Deleted{};
  if (response.status == 404 && XmlElementText(response.body, "Code") != "NoSuchBucket") {
    return Deleted{};
  }
  return AnswerError("DELETE", response);
}

std::string S3Client::PresignGet(const std::string& key, std::chrono::seconds expires,
                                 aws::TimePoint now) {
  return PresignedGetUrl(caller_.location(), key, caller_.credentials(), now, expires);
}

}  // namespace s3upload::s3
