// Replies shared by the handlers that act on stored objects (success, delete).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3upload/http.h"
#include "s3upload/s3.h"
#include "s3upload/verify.h"

namespace s3upload::handlers::internal {

// {"error": message, "preventRetry": true|false}. preventRetry tells Fine Uploader that trying the
// same request again cannot help (a refused or broken upload), as opposed to a passing failure.
http::Response UploadError(int status, std::string_view message, bool prevent_retry);

// {"error": message, "message": message}: "error" as every other answer has it, "message" what
// Uppy (and other Companion clients) show for a 4xx answer. For the params and multipart handlers.
http::Response MessageError(int status, std::string_view message);

// A request naming a bucket or key the caller may not touch: 403, the rule in the log.
http::Response Refused(const verify::Refusal& refusal, std::string_view message);

// The answer to an S3 call that failed (503 when busy, 502 otherwise), the reason in the log.
http::Response StorageFailure(const s3::Error& error);

// What the log says of a failed S3 call: s3_error (busy, denied, rejected, unavailable), detail,
// and s3_status when S3 answered.
http::Fields StorageFailureLogFields(const s3::Error& error);

// Client input in a log detail: quoted, cut to 120 bytes ("..." after).
std::string Quoted(std::string_view text);

// A random (version 4) UUID, lower case, for keys; nullopt if the system has no randomness to
// give (then nothing is signed).
std::optional<std::string> RandomUuid();

// A JSON object built member by member; a later member with the same name replaces the earlier one.
class JsonObject {
 public:
  void Set(std::string name, std::string json_value);
  void SetString(std::string name, std::string_view value);
  std::string Serialize() const;

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

// The first value of `name` in the form, and whether the form repeats it (an ambiguity we refuse).
struct FormValue {
  std::string value;
  bool present = false;
  bool repeated = false;
};
FormValue FindField(const http::Fields& form, std::string_view name);

}  // namespace s3upload::handlers::internal
