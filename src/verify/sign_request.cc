// The signature request as Fine Uploader sends it: one JSON body that is either {"headers": "..."}
// (a REST string to sign) or a policy document. Here: strict JSON, the choice between the two, and
// the version gate (protocol 11.2) that both paths pass first.
#include <string>

#include "s3upload/aws.h"
#include "text/plain_prefix.h"
#include "verify/internal.h"

namespace s3upload::verify {
namespace internal {

std::optional<Refusal> CheckVersionAllowed(SignatureVersion version, const UploadRules& rules) {
  const bool allowed = version == SignatureVersion::kV4 ? rules.allow_v4 : rules.allow_v2;
  if (allowed) return std::nullopt;
  return Refuse("version.not-allowed", std::string(version == SignatureVersion::kV4 ? "v4" : "v2") +
                                           " is not enabled for profile " + Quote(rules.profile));
}

namespace {

// Before anything splits the string into lines: bounded in bytes and in lines, and printable
// ASCII lines. Every field Fine Uploader puts in it is ASCII (keys and metadata are URI-encoded);
// a CR, NUL or tab could only make two parsers see different lines. One pass counts the lines and
// finds the first byte that is neither; the size refusals come first.
std::optional<Refusal> CheckRestText(std::string_view headers) {
  if (headers.size() > kMaxRestStringBytes) {
    return Refuse("rest.too-long", std::to_string(headers.size()) + " bytes, at most " +
                                       std::to_string(kMaxRestStringBytes) + " allowed");
  }
  std::size_t lines = 1;
  std::size_t bad = headers.size();  // the offset of the first byte that is not allowed
  for (std::size_t i = 0; i < headers.size(); ++i) {
    i += text::PlainPrefixLength<0x20, 0x7e>(headers.substr(i));  // nearly all of a string
    if (i == headers.size()) break;
    if (headers[i] == '\n') {
      ++lines;
    } else if (bad == headers.size()) {
      bad = i;
    }
  }
  if (lines > kMaxRestLines) {
    return Refuse("rest.too-many-lines", std::to_string(lines) + " lines, at most " +
                                             std::to_string(kMaxRestLines) + " allowed");
  }
  if (bad < headers.size()) {
    const auto c = static_cast<unsigned char>(headers[bad]);
    static constexpr char kHex[] = "0123456789abcdef";
    return Refuse("rest.charset", std::string("byte 0x") + kHex[c >> 4] + kHex[c & 0x0f] +
                                      " at offset " + std::to_string(bad));
  }
  return std::nullopt;
}

// The first line of every SigV4 string to sign.
bool HasV4Shape(std::string_view headers) {
  return headers.starts_with(aws::kSigV4Algorithm) &&
         headers.substr(aws::kSigV4Algorithm.size()).starts_with('\n');
}

}  // namespace
}  // namespace internal

Verdict VerifyRestStringToSign(std::string_view headers, SignatureVersion version,
                               const UploadRules& rules, const Caller& caller, TimePoint now) {
  if (auto refusal = internal::CheckVersionAllowed(version, rules)) return *refusal;
  if (auto refusal = internal::CheckRestText(headers)) return *refusal;
  const bool v4_shape = internal::HasV4Shape(headers);
  if (version == SignatureVersion::kV4 && !v4_shape) {
    return internal::Refuse("version.mismatch", "v4 requested, but the string is not SigV4");
  }
  if (version == SignatureVersion::kV2 && v4_shape) {
    return internal::Refuse("version.mismatch", "v2 requested, but the string is SigV4");
  }
  if (headers.ends_with('\n')) {
    return internal::Refuse("rest.trailing-newline", "the string ends with a newline");
  }
  return version == SignatureVersion::kV4 ? internal::VerifyRestV4(headers, rules, caller, now)
                                          : internal::VerifyRestV2(headers, rules, caller, now);
}

Verdict VerifySignRequest(std::string_view body, SignatureVersion version, const UploadRules& rules,
                          const Caller& caller, TimePoint now) {
  internal::RequestJson json;
  if (auto refusal = internal::ParseStrictJson(body, json)) return *refusal;
  const rapidjson::Value& doc = json.doc();
  if (!doc.IsObject()) return internal::Refuse("request.not-object", "the body is not an object");
  // Section 3.1: a top-level "headers" member, alone, makes a REST request.
  if (doc.MemberCount() == 1 && internal::StringOf(doc.MemberBegin()->name) == "headers") {
    const rapidjson::Value& headers = doc.MemberBegin()->value;
    if (!headers.IsString()) {
      return internal::Refuse("rest.headers.not-string", "\"headers\" is not a string");
    }
    return VerifyRestStringToSign(internal::StringOf(headers), version, rules, caller, now);
  }
  return internal::VerifyPolicyObject(doc, version, rules, caller, now);
}

}  // namespace s3upload::verify
