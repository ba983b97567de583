// WebhookNotifier: one signed POST of the event through outbound/, and the answer read as
// ReplyMembers or turned into a WebhookFailure for the log.
//
// Failure messages go to the log, so they name what happened (status, failure kind, the
// transport's message, attempts) but never the secret, the signature or the URL (a webhook URL
// may carry a token in its query).
#include <chrono>
#include <string>
#include <utility>
#include <variant>

#include "s3upload/notify.h"
#include "s3upload/version.h"

namespace s3upload::notify {
namespace {

// The same for every attempt of one event, so the application can drop a retry of a call it
// already handled (e.g. one whose answer was lost to a timeout). Bucket, key and ETag identify the
// uploaded object version; NUL cannot occur in any of them, so the join is unambiguous.
std::string EventId(const UploadEvent& event) {
  std::string joined = event.bucket;
  joined += '\0';
  joined += event.key;
  joined += '\0';
  joined += event.etag;
  return aws::Sha256Hex(joined);
}

std::string_view FailureKindName(outbound::FailureKind kind) {
  switch (kind) {
    case outbound::FailureKind::kConnect:
      return "connection failed";
    case outbound::FailureKind::kTimeout:
      return "timeout";
    case outbound::FailureKind::kProtocol:
      return "protocol error";
    case outbound::FailureKind::kBusy:
      return "busy";
  }
  return "unknown failure";
}

std::string AfterAttempts(int attempts) {
  if (attempts <= 1) return "";
  return " after " + std::to_string(attempts) + " attempts";
}

WebhookFailure Failure(std::string message) { return WebhookFailure{std::move(message)}; }

}  // namespace

WebhookNotifier::WebhookNotifier(outbound::Transport& transport, outbound::Limiter& limiter)
    : transport_(transport), limiter_(limiter) {}

WebhookResult WebhookNotifier::Notify(const WebhookTarget& target, const UploadEvent& event,
                                      aws::TimePoint now) {
  // An empty key would make the signature something anyone can compute; the configuration should
  // never get here without a secret, but a call that cannot be trusted is not made.
  if (!target.secret || target.secret->empty()) {
    return Failure("webhook not called: no secret configured");
  }
  const std::string body = EventJson(event);
  const std::int64_t unix_time =
      std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  // Signed once: `now` is the time of the event, and every attempt carries the same body, so the
  // signature is the same too (the deadline keeps retries well within the receiver's tolerance).
  const std::string signature = SignatureHeaderValue(*target.secret, unix_time, body);
  const std::string event_id = EventId(event);

  const auto make_request = [&](int /*attempt*/) {
    outbound::HttpRequest request;
    request.method = "POST";
    request.url = target.url;
    request.headers = {
        {"Content-Type", "application/json"},
        {"User-Agent", std::string(kProgramName) + "/" + kVersion},
        {"X-Upload-Event-Id", event_id},
        {std::string(kSignatureHeader), signature},
    };
    request.body = body;
    return request;
  };
  const outbound::CallOutcome outcome =
      outbound::CallWithRetries(transport_, limiter_, make_request, target.options);

  if (const auto* error = std::get_if<outbound::CallError>(&outcome.result)) {
    std::string message = "webhook call failed (";
    message += FailureKindName(error->kind);
    message += ")";
    if (!error->message.empty()) message += ": " + error->message;
    return Failure(message + AfterAttempts(outcome.attempts));
  }
  const auto& response = std::get<outbound::HttpResponse>(outcome.result);
  const std::string status = std::to_string(response.status);
  if (response.status < 200 || response.status > 299) {
    // The body is not quoted: it is the application's text, of any size and content.
    return Failure("webhook answered HTTP " + status + AfterAttempts(outcome.attempts));
  }
  std::optional<ReplyMembers> members = ParseReplyObject(response.body);
  if (!members) return Failure("webhook answered " + status + " but not with a JSON object");
  return std::move(*members);
}

}  // namespace s3upload::notify
