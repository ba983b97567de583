// Replies shared by the success and delete handlers.
#include "handlers/replies.h"

namespace s3upload::handlers::internal {

http::Response UploadError(int status, std::string_view message, bool prevent_retry) {
  JsonObject body;
  body.SetString("error", message);
  if (prevent_retry) body.Set("preventRetry", "true");
  return http::JsonResponse(status, body.Serialize());
}

http::Response Refused(const verify::Refusal& refusal, std::string_view message) {
  http::Response response = UploadError(403, message, /*prevent_retry=*/true);
  response.log_fields = {{"refused", refusal.rule}, {"detail", refusal.detail}};
  return response;
}

http::Response StorageFailure(const s3::Error& error) {
  http::Response response =
      error.kind == s3::Error::Kind::kBusy
          ? UploadError(503, "the server is busy with other storage calls; try again shortly",
                        /*prevent_retry=*/false)
          : UploadError(502, "the storage service could not be reached; try again later",
                        /*prevent_retry=*/false);
  const char* kind = "unavailable";
  switch (error.kind) {
    case s3::Error::Kind::kUnavailable:
      break;
    case s3::Error::Kind::kBusy:
      kind = "busy";
      break;
    case s3::Error::Kind::kDenied:
      kind = "denied";
      break;
    case s3::Error::Kind::kRejected:
      kind = "rejected";
      break;
  }
  response.log_fields = {{"s3_error", kind}, {"detail", error.message}};
  if (error.http_status != 0)
    response.log_fields.emplace_back("s3_status", std::to_string(error.http_status));
  return response;
}

void JsonObject::Set(std::string name, std::string json_value) {
  for (auto& [existing, value] : members_) {
    if (existing == name) {
      value = std::move(json_value);
      return;
    }
  }
  members_.emplace_back(std::move(name), std::move(json_value));
}

void JsonObject::SetString(std::string name, std::string_view value) {
  Set(std::move(name), http::JsonQuote(value));
}

std::string JsonObject::Serialize() const {
  std::string out = "{";
  for (const auto& [name, value] : members_) {
    if (out.size() > 1) out += ',';
    out += http::JsonQuote(name);
    out += ':';
    out += value;
  }
  out += '}';
  return out;
}

FormValue FindField(const http::Fields& form, std::string_view name) {
  FormValue found;
  for (const auto& [field, value] : form) {
    if (field != name) continue;
    if (found.present) {
      found.repeated = true;
    } else {
      found.value = value;
      found.present = true;
    }
  }
  return found;
}

}  // namespace s3upload::handlers::internal
