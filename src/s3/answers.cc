// AnswerError, CallFailure, XmlElementText: see answers.h.
#include "s3/answers.h"

#include <algorithm>
#include <variant>

namespace s3upload::s3::internal {
namespace {

// S3's error bodies are short; anything longer is not worth a log line.
constexpr std::size_t kMaxLoggedText = 200;

}  // namespace

std::string_view XmlElementText(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const std::size_t start = xml.find(open);
  if (start == std::string_view::npos) return {};
  const std::size_t text_start = start + open.size();
  const std::size_t end = xml.find(close, text_start);
  if (end == std::string_view::npos) return {};
  return xml.substr(text_start, std::min(end - text_start, kMaxLoggedText));
}

Error AnswerError(std::string_view operation, const outbound::HttpResponse& response) {
  Error error;
  error.http_status = response.status;
  error.message = "S3 " + std::string(operation) + " answered " + std::to_string(response.status);
  // A HEAD answer has no body, so only the status.
  const std::string_view code = XmlElementText(response.body, "Code");
  const std::string_view text = XmlElementText(response.body, "Message");
  if (!code.empty() || !text.empty()) {
    error.message += " (";
    error.message += code;
    if (!code.empty() && !text.empty()) error.message += ": ";
    error.message += text;
    error.message += ")";
  }
  if (response.status == 403) {
    error.kind = Error::Kind::kDenied;
  } else if (response.status >= 500) {
    // Still 5xx after the retries (or the deadline cut them short).
    error.kind = Error::Kind::kUnavailable;
  } else {
    // Other 4xx, and 3xx too: a redirect from S3 means a wrong region or endpoint in the
    // configuration, which no retry fixes.
    error.kind = Error::Kind::kRejected;
  }
  return error;
}

Error CallFailure(std::string_view operation, const outbound::CallOutcome& outcome) {
  const auto& failure = std::get<outbound::CallError>(outcome.result);
  Error error;
  if (failure.kind == outbound::FailureKind::kBusy) {
    error.kind = Error::Kind::kBusy;
    error.message = "S3 " + std::string(operation) + " not tried: " + failure.message;
  } else {
    error.kind = Error::Kind::kUnavailable;
    error.message = "S3 " + std::string(operation) + " failed after " +
                    std::to_string(outcome.attempts) + " attempt(s): " + failure.message;
  }
  return error;
}

}  // namespace s3upload::s3::internal
