// Fuzz target: the REST "headers" string to sign of Fine Uploader's chunked uploads (protocol 4.3,
// 4.4), through verify::VerifyRestStringToSign.
//
// Input: the first byte chooses the version (bit 0: v2 / v4) and the profile (bit 1: the protocol
// document's virtual-hosted profile / a per-user, path-style one); the rest is the string.
//
// Invariants on every accepted string:
// - v2: string_to_sign is the received string; its method line matches the operation;
// - v4: the string starts with AWS4-HMAC-SHA256, string_to_sign is its first three lines and the
//   hex SHA-256 of the canonical request received; the scope is the profile's region and the
//   string's own day; the method line matches the operation;
// - the key passes CheckKey for the caller;
// - the same string sent as Fine Uploader sends it ({"headers": "..."}) is accepted identically;
// - the signature has the shape of its version.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_support.h"
#include "s3upload/aws.h"
#include "s3upload/http.h"
#include "s3upload/verify.h"

namespace {

using namespace s3upload;

struct Setup {
  verify::UploadRules doc = fuzz::DocRules();
  verify::UploadRules user = fuzz::UserRules();
  verify::Caller anonymous;
  verify::Caller alice = fuzz::CallerNamed("alice");
  aws::Credentials credentials{std::string(fuzz::kAccessKey),
                               aws::SecretKey(std::string(fuzz::kSecret))};
};

const Setup* g_setup = nullptr;

std::string_view MethodOf(verify::MultipartOperation operation) {
  switch (operation) {
    case verify::MultipartOperation::kInitiate:
    case verify::MultipartOperation::kComplete:
      return "POST";
    case verify::MultipartOperation::kUploadPart:
      return "PUT";
    case verify::MultipartOperation::kAbort:
      return "DELETE";
  }
  return "";
}

// The n-th '\n'-separated line (n from 0), or nullopt.
std::optional<std::string_view> Line(std::string_view text, std::size_t n) {
  for (; n > 0; --n) {
    const std::size_t newline = text.find('\n');
    if (newline == std::string_view::npos) return std::nullopt;
    text.remove_prefix(newline + 1);
  }
  return text.substr(0, text.find('\n'));
}

void CheckAccepted(const verify::SigningTask& task, std::string_view headers,
                   verify::SignatureVersion version, const verify::UploadRules& rules,
                   const verify::Caller& caller) {
  S3US_FUZZ_CHECK(task.kind == verify::SigningTask::Kind::kRest);
  S3US_FUZZ_CHECK(task.version == version);
  S3US_FUZZ_CHECK(task.operation.has_value());
  S3US_FUZZ_CHECK(!verify::CheckKey(task.key, rules.key, caller));
  const std::string_view method = MethodOf(*task.operation);

  if (version == verify::SignatureVersion::kV2) {
    S3US_FUZZ_CHECK(task.string_to_sign == headers);
    S3US_FUZZ_CHECK(Line(headers, 0) == method);
    S3US_FUZZ_CHECK(task.scope_day.empty() && task.region.empty());
    const std::string signature = g_setup->credentials.SignV2(task.string_to_sign);
    S3US_FUZZ_CHECK(signature.size() == 28 && signature.back() == '=');
  } else {
    S3US_FUZZ_CHECK(Line(headers, 0) == aws::kSigV4Algorithm);
    S3US_FUZZ_CHECK(Line(headers, 3) == method);
    const std::optional<std::string_view> amz_date = Line(headers, 1);
    const std::optional<std::string_view> scope = Line(headers, 2);
    S3US_FUZZ_CHECK(amz_date && scope);
    S3US_FUZZ_CHECK(aws::ParseAmzDate(*amz_date).has_value());
    S3US_FUZZ_CHECK(task.region == rules.region);
    S3US_FUZZ_CHECK(task.scope_day == amz_date->substr(0, 8));
    S3US_FUZZ_CHECK(*scope == aws::CredentialScope(task.scope_day, task.region, "s3"));
    const std::size_t head = amz_date->size() + scope->size() + Line(headers, 0)->size() + 3;
    const std::string_view canonical = headers.substr(head);
    S3US_FUZZ_CHECK(task.string_to_sign ==
                    aws::StringToSign(*amz_date, *scope, aws::Sha256Hex(canonical)));
    const std::string signature =
        g_setup->credentials.SignV4(task.scope_day, task.region, "s3", task.string_to_sign);
    S3US_FUZZ_CHECK(signature.size() == 64 && fuzz::IsLowerHex(signature));
  }

  // The string inside the JSON body Fine Uploader really sends.
  const std::string body = "{\"headers\":" + http::JsonStringify(headers) + "}";
  const verify::Verdict wrapped =
      verify::VerifySignRequest(body, version, rules, caller, fuzz::Now());
  const auto* task_wrapped = std::get_if<verify::SigningTask>(&wrapped);
  S3US_FUZZ_CHECK(task_wrapped != nullptr);
  S3US_FUZZ_CHECK(task_wrapped->string_to_sign == task.string_to_sign);
  S3US_FUZZ_CHECK(task_wrapped->key == task.key);
  S3US_FUZZ_CHECK(task_wrapped->operation == task.operation);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_setup = new Setup();  // lives as long as the process
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const auto version =
      (data[0] & 1) != 0 ? verify::SignatureVersion::kV4 : verify::SignatureVersion::kV2;
  const bool user = (data[0] & 2) != 0;
  const verify::UploadRules& rules = user ? g_setup->user : g_setup->doc;
  const verify::Caller& caller = user ? g_setup->alice : g_setup->anonymous;
  const std::string_view headers = fuzz::AsText(data + 1, size - 1);

  const verify::Verdict verdict =
      verify::VerifyRestStringToSign(headers, version, rules, caller, fuzz::Now());
  if (const auto* task = std::get_if<verify::SigningTask>(&verdict)) {
    if (fuzz::Verbose()) std::fprintf(stderr, "%s: signed\n", rules.profile.c_str());
    CheckAccepted(*task, headers, version, rules, caller);
  } else {
    const auto& refusal = std::get<verify::Refusal>(verdict);
    if (fuzz::Verbose()) {
      std::fprintf(stderr, "%s: %s (%s)\n", rules.profile.c_str(), refusal.rule.c_str(),
                   refusal.detail.c_str());
    }
    S3US_FUZZ_CHECK(!refusal.rule.empty());
  }
  return 0;
}
