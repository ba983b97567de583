// Fuzz target: the signature request body Fine Uploader posts for a POST policy (protocol 3.3),
// through verify::VerifySignRequest (strict JSON, policy or REST, every condition) for both
// versions and two different profiles, and signed the way the sign handler signs when accepted.
//
// Invariants on every accepted policy:
// - the version is the one asked for, string_to_sign (the policy) is canonical base64;
// - the decoded document re-verifies under the same profile to exactly the same bytes (what we
//   sign is a fixed point of parse + verify + serialise), and carries a content-length-range;
// - the key passes CheckKey for the caller; a v4 scope names the profile's region and a real day;
// - VerifyPolicy on the raw body agrees with VerifySignRequest;
// - the signature has the shape of its version.
// And on every body: the compact-JSON reader (verify/json_compact.cc) declines it, or builds the
// document the strict RapidJSON parse builds (compared as written back by RapidJSON's Writer).
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "fuzz_support.h"
#include "s3upload/aws.h"
#include "s3upload/verify.h"
#include "verify/internal.h"

namespace {

using namespace s3upload;

struct Profile {
  verify::UploadRules rules;
  verify::Caller caller;
};

struct Setup {
  Profile doc{fuzz::DocRules(), verify::Caller{}};
  Profile user{fuzz::UserRules(), fuzz::CallerNamed("alice")};
  aws::Credentials credentials{std::string(fuzz::kAccessKey),
                               aws::SecretKey(std::string(fuzz::kSecret))};
};

const Setup* g_setup = nullptr;

void CheckSignature(const verify::SigningTask& task) {
  if (task.version == verify::SignatureVersion::kV4) {
    const std::string signature =
        g_setup->credentials.SignV4(task.scope_day, task.region, "s3", task.string_to_sign);
    S3US_FUZZ_CHECK(signature.size() == 64 && fuzz::IsLowerHex(signature));
  } else {
    const std::string signature = g_setup->credentials.SignV2(task.string_to_sign);
    S3US_FUZZ_CHECK(signature.size() == 28 && signature.back() == '=');
  }
}

void CheckAccepted(const verify::SigningTask& task, std::string_view body,
                   verify::SignatureVersion version, const Profile& profile) {
  const verify::UploadRules& rules = profile.rules;
  S3US_FUZZ_CHECK(task.version == version);
  S3US_FUZZ_CHECK(!task.string_to_sign.empty());
  S3US_FUZZ_CHECK(!verify::CheckKey(task.key, rules.key, profile.caller));
  if (version == verify::SignatureVersion::kV4) {
    S3US_FUZZ_CHECK(task.region == rules.region);
    S3US_FUZZ_CHECK(aws::ParseAmzDay(task.scope_day).has_value());
  } else {
    S3US_FUZZ_CHECK(task.scope_day.empty() && task.region.empty());
  }

  if (task.kind == verify::SigningTask::Kind::kRest) {
    // A {"headers": ...} body: the rest target checks the strings themselves.
    S3US_FUZZ_CHECK(task.operation.has_value());
    CheckSignature(task);
    return;
  }

  S3US_FUZZ_CHECK(!task.operation.has_value());
  const std::optional<std::string> document = aws::Base64Decode(task.string_to_sign);
  S3US_FUZZ_CHECK(document.has_value());
  S3US_FUZZ_CHECK(aws::Base64Encode(*document) == task.string_to_sign);
  S3US_FUZZ_CHECK(document->find("[\"content-length-range\",") != std::string::npos);

  // What we sign is exactly what we would accept again.
  const verify::Verdict again =
      verify::VerifyPolicy(*document, version, rules, profile.caller, fuzz::Now());
  const auto* task_again = std::get_if<verify::SigningTask>(&again);
  if (task_again == nullptr) {
    const auto& refusal = std::get<verify::Refusal>(again);
    std::fprintf(stderr, "re-verification refused by %s (%s)\n", refusal.rule.c_str(),
                 refusal.detail.c_str());
  }
  S3US_FUZZ_CHECK(task_again != nullptr);
  S3US_FUZZ_CHECK(task_again->string_to_sign == task.string_to_sign);
  S3US_FUZZ_CHECK(task_again->key == task.key);
  S3US_FUZZ_CHECK(task_again->scope_day == task.scope_day);
  S3US_FUZZ_CHECK(task_again->region == task.region);

  // The policy path of the whole request and the policy verifier alone agree.
  const verify::Verdict direct =
      verify::VerifyPolicy(body, version, rules, profile.caller, fuzz::Now());
  const auto* task_direct = std::get_if<verify::SigningTask>(&direct);
  S3US_FUZZ_CHECK(task_direct != nullptr);
  S3US_FUZZ_CHECK(task_direct->string_to_sign == task.string_to_sign);

  CheckSignature(task);
}

template <typename Value>
std::string Written(const Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return {buffer.GetString(), buffer.GetSize()};
}

void CheckCompactReader(std::string_view body) {
  std::string text(body);
  text.push_back('\0');
  rapidjson::MemoryPoolAllocator<> values;
  rapidjson::MemoryPoolAllocator<> stack;
  verify::internal::RequestJson::Document compact(&values, 1024, &stack);
  if (!verify::internal::ReadCompactJson(text.data(), body.size(), compact)) {
    S3US_FUZZ_CHECK(compact.IsNull());
    return;
  }
  rapidjson::Document strict;
  if (const auto refusal = verify::internal::ParseStrictJson(body, strict)) {
    // Only the text-level checks that run before either reader (UTF-8, NUL, byte order mark).
    S3US_FUZZ_CHECK(refusal->rule == "request.json");
    return;
  }
  S3US_FUZZ_CHECK(Written(compact) == Written(strict));
}

void Run(std::string_view body, verify::SignatureVersion version, const Profile& profile) {
  const verify::Verdict verdict =
      verify::VerifySignRequest(body, version, profile.rules, profile.caller, fuzz::Now());
  if (const auto* task = std::get_if<verify::SigningTask>(&verdict)) {
    if (fuzz::Verbose())
      std::fprintf(stderr, "%s v%d: signed\n", profile.rules.profile.c_str(),
                   version == verify::SignatureVersion::kV4 ? 4 : 2);
    CheckAccepted(*task, body, version, profile);
  } else {
    const auto& refusal = std::get<verify::Refusal>(verdict);
    if (fuzz::Verbose()) {
      std::fprintf(stderr, "%s v%d: %s (%s)\n", profile.rules.profile.c_str(),
                   version == verify::SignatureVersion::kV4 ? 4 : 2, refusal.rule.c_str(),
                   refusal.detail.c_str());
    }
    S3US_FUZZ_CHECK(!refusal.rule.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  g_setup = new Setup();  // lives as long as the process
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body = fuzz::AsText(data, size);
  CheckCompactReader(body);
  for (const Profile* profile : {&g_setup->doc, &g_setup->user}) {
    Run(body, verify::SignatureVersion::kV2, *profile);
    Run(body, verify::SignatureVersion::kV4, *profile);
  }
  return 0;
}
