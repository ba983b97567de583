// notify: tells the application that an upload was confirmed, with a signed webhook.
//
// Contract
// - The event is a JSON object (EventJson) POSTed to the profile's URL with Content-Type
//   application/json and the header
//       X-Upload-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
//   so that the application can check that the call is ours and recent (it should refuse a
//   timestamp older than a few minutes). The secret is the profile's webhook secret, by reference.
// - The call goes through outbound/ (timeout, retries on failures and 5xx, the concurrency cap).
//   A 2xx answer is success; its body, if it is a JSON object, is returned member by member so the
//   success handler can merge it into its reply (thumbnailUrl and the like). An empty 2xx body is
//   success with no members. Anything else (non-2xx, timeout, a body that is not a JSON object) is
//   a WebhookFailure with a message for the log.
//
// Thread-safety: WebhookNotifier may be used from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "s3upload/aws.h"
#include "s3upload/outbound.h"

namespace s3upload::notify {

inline constexpr std::string_view kSignatureHeader = "X-Upload-Signature";

struct UploadEvent {
  std::string profile;
  std::string bucket;
  std::string key;
  std::string uuid;
  std::string name;  // the original file name as the client sent it (untrusted display text)
  std::uint64_t size = 0;
  std::string etag;  // as S3 reports it, quotes removed
  std::string content_type;
  std::string user;  // REMOTE_USER, empty when anonymous
};

// {"event":"upload.confirmed","profile":...,"bucket":...,"key":...,"uuid":...,"name":...,
//  "size":N,"etag":...,"content_type":...,"user":...} (user null when anonymous)
std::string EventJson(const UploadEvent& event);

// "t=<unix_time>,v1=<hex>" as described above.
std::string SignatureHeaderValue(const aws::SecretKey& secret, std::int64_t unix_time,
                                 std::string_view body);

struct WebhookTarget {
  std::string url;
  std::shared_ptr<const aws::SecretKey> secret;
  outbound::CallOptions options;  // deadline, retries, connect timeout
};

// Members of the application's answer: (name, the member's value as compact JSON text).
using ReplyMembers = std::vector<std::pair<std::string, std::string>>;

struct WebhookFailure {
  std::string message;
};

using WebhookResult = std::variant<ReplyMembers, WebhookFailure>;

// The members of a JSON object body; an empty (or all-whitespace) body gives no members; anything
// else is nullopt, and so is a body over 64 KiB, of more than 64 members, or with arrays and
// objects nested more than 16 deep (the root object counting as 1).
std::optional<ReplyMembers> ParseReplyObject(std::string_view body);

class Notifier {
 public:
  virtual ~Notifier() = default;
  virtual WebhookResult Notify(const WebhookTarget& target, const UploadEvent& event,
                               aws::TimePoint now) = 0;
};

class WebhookNotifier final : public Notifier {
 public:
  WebhookNotifier(outbound::Transport& transport, outbound::Limiter& limiter);
  WebhookResult Notify(const WebhookTarget& target, const UploadEvent& event,
                       aws::TimePoint now) override;

 private:
  outbound::Transport& transport_;
  outbound::Limiter& limiter_;
};

}  // namespace s3upload::notify
