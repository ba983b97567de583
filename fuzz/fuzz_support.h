// Shared by the fuzz targets: the invariant check, the frozen clock of the protocol vectors and the
// profile of the protocol document's example configuration.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "s3upload/aws.h"
#include "s3upload/verify.h"

// An invariant of the code under test. A violation is a finding like a sanitizer report: it names
// the condition on stderr and traps, so that libFuzzer saves the input.
#define S3US_FUZZ_CHECK(condition)                                                        \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "fuzz invariant violated: %s (%s:%d)\n", #condition, __FILE__, \
                   __LINE__);                                                             \
      __builtin_trap();                                                                   \
    }                                                                                     \
  } while (false)

namespace s3upload::fuzz {

// S3US_FUZZ_VERBOSE=1 in the environment: the targets print each input's outcome (to check what
// the seeds reach: run the fuzzer on a corpus with -runs=0).
inline bool Verbose() {
  static const bool verbose = std::getenv("S3US_FUZZ_VERBOSE") != nullptr;
  return verbose;
}

inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The protocol document's frozen clock, 2024-05-01T12:00:00Z: the seed vectors are dated so.
inline aws::TimePoint Now() {
  static const aws::TimePoint now = *aws::ParseAmzDate("20240501T120000Z");
  return now;
}

inline constexpr std::string_view kAccessKey = "AKIAIOSFODNN7EXAMPLE";
inline constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

// The example configuration of the protocol document (section 0), both versions allowed: the
// profile every seed vector is accepted by (tests/verify/verify_test_support.h has the same).
inline verify::UploadRules DocRules() {
  verify::UploadRules rules;
  rules.profile = "doc";
  rules.bucket = "mybucket";
  rules.region = "eu-west-1";
  rules.host = "mybucket.s3.amazonaws.com";
  rules.addressing = verify::Addressing::kVirtualHosted;
  rules.access_key_id = std::string(kAccessKey);
  rules.allow_v2 = true;
  rules.allow_v4 = true;
  rules.key.shapes = {verify::KeyRules::Shape::kUuidWithExtension};
  rules.min_size = 1;
  rules.max_size = 20000000;
  rules.content_types = {"image/*"};
  rules.require_content_type = true;
  rules.acls = {"private", "public-read"};
  rules.success_action_statuses = {"200"};
  rules.success_action_redirects = {"https://app.example.com/success.html"};
  rules.metadata_names = {"qqfilename", "category"};
  rules.storage_classes = {"STANDARD", "REDUCED_REDUNDANCY"};
  rules.server_side_encryption = {"AES256"};
  rules.object_headers = {{"Cache-Control", {"max-age=3600"}}};
  return rules;
}

// A second, different profile: per-user prefix, any name, path-style, us-east-1, no Content-Type
// required (iframe uploads), parameters on a content type, every object header.
inline verify::UploadRules UserRules() {
  verify::UploadRules rules = DocRules();
  rules.profile = "user";
  rules.region = "us-east-1";
  rules.host = "s3.us-east-1.amazonaws.com";
  rules.addressing = verify::Addressing::kPathStyle;
  rules.key.prefix = "uploads/{user}/";
  rules.key.shapes = {verify::KeyRules::Shape::kAnyName, verify::KeyRules::Shape::kUuid};
  rules.key.max_length = 200;
  rules.min_size = 0;
  rules.max_size = 1000;
  rules.content_types = {"*/*", "text/plain; charset=utf-8"};
  rules.require_content_type = false;
  rules.success_action_statuses = {"200", "201", "204"};
  rules.object_headers = {{"Cache-Control", {"max-age=3600", "no-cache"}},
                          {"Content-Disposition", {"attachment"}},
                          {"Content-Encoding", {"gzip"}}};
  rules.max_metadata_bytes = 64;
  rules.max_upload_id_length = 32;
  return rules;
}

// A caller authenticated by the web server as `user` (REMOTE_USER), with no token narrowing.
inline verify::Caller CallerNamed(std::string user) {
  verify::Caller caller;
  caller.user = std::move(user);
  return caller;
}

inline bool IsLowerHex(std::string_view text) {
  for (const char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

inline bool IsDigits(std::string_view text) {
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

}  // namespace s3upload::fuzz
