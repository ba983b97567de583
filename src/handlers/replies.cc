// Replies shared by the handlers that act on stored objects.
#include "handlers/replies.h"

#include <openssl/rand.h>

#include <array>

#include "s3upload/aws.h"

namespace s3upload::handlers::internal {

http::Response UploadError(int status, std::string_view message, bool prevent_retry) {
  JsonObject body;
  body.SetString("error", message);
  if (prevent_retry) body.Set("preventRetry", "true");
  return http::JsonResponse(status, body.Serialize());
}

http::Response MessageError(int status, std::string_view message) {
  JsonObject body;
  body.SetString("error", message);
  body.SetString("message", message);
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
  response.log_fields = StorageFailureLogFields(error);
  return response;
}

http::Fields StorageFailureLogFields(const s3::Error& error) {
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
  http::Fields fields = {{"s3_error", kind}, {"detail", error.message}};
  if (error.http_status != 0) fields.emplace_back("s3_status", std::to_string(error.http_status));
  return fields;
}

std::string Quoted(std::string_view text) {
  constexpr std::size_t kMax = 120;
  std::string out = "\"";
  out += text.substr(0, kMax);
  if (text.size() > kMax) out += "...";
  out += '"';
  return out;
}

std::optional<std::string> RandomUuid() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) return std::nullopt;
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  const std::string hex = aws::HexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
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
