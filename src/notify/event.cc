// The webhook event body and its signature header. Both are pure functions so that the exact bytes
// the application receives (and the MAC over them) are testable without any HTTP.
#include <string>

#include "s3upload/http.h"
#include "s3upload/notify.h"

namespace s3upload::notify {

std::string EventJson(const UploadEvent& event) {
  // Built by hand rather than with a JSON writer: the key order and the escaping are part of the
  // contract (the receiver verifies the MAC over these bytes, and may log or compare them).
  std::string out = R"({"event":"upload.confirmed","profile":)";
  out += http::JsonStringify(event.profile);
  out += R"(,"bucket":)";
  out += http::JsonStringify(event.bucket);
  out += R"(,"key":)";
  out += http::JsonStringify(event.key);
  out += R"(,"uuid":)";
  out += http::JsonStringify(event.uuid);
  out += R"(,"name":)";
  out += http::JsonStringify(event.name);
  out += R"(,"size":)";
  out += std::to_string(event.size);
  out += R"(,"etag":)";
  out += http::JsonStringify(event.etag);
  out += R"(,"content_type":)";
  out += http::JsonStringify(event.content_type);
  out += R"(,"user":)";
  out += event.user.empty() ? std::string("null") : http::JsonStringify(event.user);
  out += '}';
  return out;
}

std::string SignatureHeaderValue(const aws::SecretKey& secret, std::int64_t unix_time,
                                 std::string_view body) {
  const std::string timestamp = std::to_string(unix_time);
  std::string signed_text;
  signed_text.reserve(timestamp.size() + 1 + body.size());
  signed_text += timestamp;
  signed_text += '.';
  signed_text += body;
  // The timestamp is inside the MAC so that a captured call cannot be replayed later with a fresh
  // "t=": the receiver checks both the MAC and that t is recent.
  const aws::Sha256Digest mac = aws::HmacSha256(secret.reveal(), signed_text);
  return "t=" + timestamp + ",v1=" + aws::HexEncode(mac);
}

}  // namespace s3upload::notify
