// POST policy documents (protocol sections 3.2, 11.5-11.11). Every condition is parsed into a name
// and a value and checked by the one rule for that name; a name without a rule is refused. The
// verified conditions, not the received bytes, are what gets serialised and signed.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <memory_resource>
#include <set>
#include <string>
#include <vector>

#include "s3upload/aws.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

constexpr std::string_view kRange = "content-length-range";

// Condition names that are form fields of S3's POST API itself are matched exactly, as Fine
// Uploader writes them; header-like names are case-insensitive in HTTP and so in S3's form
// handling, and are matched (and compared for duplicates) case-insensitively.
enum class Field {
  kAcl,
  kBucket,
  kKey,
  kContentType,
  kSuccessActionStatus,
  kSuccessActionRedirect,
  kStorageClass,
  kServerSideEncryption,
  kSseVariant,
  kSecurityToken,
  kAlgorithm,
  kCredential,
  kDate,
  kMetadata,
  kObjectHeader,
  kUnknown,
};

// Every condition is classified. Header-like names are compared as a lower-case copy of their
// first bytes, on the stack, rather than without case against each known name in turn (a dozen
// comparisons of names that share their length and their "x-amz-" prefix).
Field Classify(std::string_view name) {
  if (name == "acl") return Field::kAcl;
  if (name == "bucket") return Field::kBucket;
  if (name == "key") return Field::kKey;
  if (name == "success_action_status") return Field::kSuccessActionStatus;
  if (name == "success_action_redirect") return Field::kSuccessActionRedirect;
  // Longer than every name and prefix below, so a longer name can only match a prefix.
  std::array<char, 32> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init): written next
  const std::size_t size = std::min(name.size(), buffer.size());
  for (std::size_t i = 0; i < size; ++i) buffer[i] = ToLowerAscii(name[i]);
  const std::string_view lower(buffer.data(), size);
  if (size == name.size()) {
    if (lower == "content-type") return Field::kContentType;
    if (lower == "cache-control" || lower == "content-disposition" || lower == "content-encoding") {
      return Field::kObjectHeader;
    }
    if (lower == "x-amz-storage-class") return Field::kStorageClass;
    if (lower == "x-amz-server-side-encryption") return Field::kServerSideEncryption;
    if (lower == "x-amz-security-token") return Field::kSecurityToken;
    if (lower == "x-amz-algorithm") return Field::kAlgorithm;
    if (lower == "x-amz-credential") return Field::kCredential;
    if (lower == "x-amz-date") return Field::kDate;
  }
  if (lower.starts_with("x-amz-server-side-encryption-")) return Field::kSseVariant;
  if (lower.starts_with("x-amz-meta-")) return Field::kMetadata;
  return Field::kUnknown;
}

// The name under which UploadRules::object_headers lists a header (any case of one of the three).
std::string_view ObjectHeaderName(std::string_view name) {
  if (EqualsIgnoreCase(name, "cache-control")) return "Cache-Control";
  if (EqualsIgnoreCase(name, "content-disposition")) return "Content-Disposition";
  return "Content-Encoding";
}

// An order in which two names are equivalent exactly when their lower-case forms are equal, so
// that a set finds a name repeated in another case without storing lower-cased copies. Shorter
// names come first: most pairs differ in length, and the names share long prefixes ("x-amz-").
struct LessIgnoringCase {
  bool operator()(std::string_view a, std::string_view b) const {
    if (a.size() != b.size()) return a.size() < b.size();
    for (std::size_t i = 0; i < a.size(); ++i) {
      const char x = ToLowerAscii(a[i]);
      const char y = ToLowerAscii(b[i]);
      if (x != y) return x < y;
    }
    return false;
  }
};

// Views into the parsed document, which outlives the verifier.
struct Credential {
  std::string_view day;     // YYYYMMDD
  std::string_view region;  // == rules.region once verified
};

// Everything the walk over the conditions learns; the cross-condition checks run on it afterwards.
// The views point into the parsed document.
struct Seen {
  std::optional<std::string_view> key;
  bool bucket = false;
  bool content_type = false;
  bool status = false;
  bool redirect = false;
  bool range = false;
  bool algorithm = false;
  std::optional<Credential> credential;
  std::optional<TimePoint> date;
};

class PolicyVerifier {
 public:
  // names_buffer_ and conditions_buffer_ are scratch memory, left uninitialised on purpose.
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
  PolicyVerifier(SignatureVersion version, const UploadRules& rules, const Caller& caller,
                 TimePoint now)
      : version_(version), rules_(rules), caller_(caller), now_(now), metadata_("policy", rules) {}
  PolicyVerifier(const PolicyVerifier&) = delete;  // the lists allocate from the buffers inside
  PolicyVerifier& operator=(const PolicyVerifier&) = delete;

  Verdict Run(const rapidjson::Value& root);

 private:
  std::optional<Refusal> CheckDocumentFields(const rapidjson::Value& root);
  std::optional<Refusal> CheckExpiration(const rapidjson::Value& value);
  std::optional<Refusal> CheckVersionShape(const rapidjson::Value& conditions);
  std::optional<Refusal> CheckCondition(const rapidjson::Value& condition);
  std::optional<Refusal> CheckArrayCondition(const rapidjson::Value& array);
  std::optional<Refusal> CheckRange(const rapidjson::Value& array);
  std::optional<Refusal> CheckField(std::string_view name, std::string_view value);
  std::optional<Refusal> CheckV4Field(Field field, std::string_view value);
  std::optional<Refusal> CheckCredential(std::string_view value);
  std::optional<Refusal> CheckCompleteness();
  std::optional<Refusal> MarkSeen(std::string_view name);

  const SignatureVersion version_;
  const UploadRules& rules_;
  const Caller& caller_;
  const TimePoint now_;
  MetadataBudget metadata_;
  // The condition names seen so far, for the duplicate check, in memory on the stack for any policy
  // Fine Uploader sends (a dozen names). A short list is searched linearly (most names differ in
  // length, so most comparisons end at once); from kNamesInSet names on, a set takes over, so that
  // even a policy of kMaxPolicyConditions conditions costs no quadratic time.
  static constexpr std::size_t kNamesInSet = 32;
  std::array<std::byte, 1024> names_buffer_;
  std::pmr::monotonic_buffer_resource names_memory_{names_buffer_.data(), names_buffer_.size()};
  std::pmr::vector<std::string_view> name_list_{&names_memory_};
  std::pmr::set<std::string_view, LessIgnoringCase> name_set_{&names_memory_};
  Seen seen_;
  // The verified conditions, likewise on the stack for an ordinary policy.
  std::array<std::byte, 2048> conditions_buffer_;
  std::pmr::monotonic_buffer_resource conditions_memory_{conditions_buffer_.data(),
                                                         conditions_buffer_.size()};
  PolicyDocument policy_{.expiration_first = true,
                         .expiration = {},
                         .conditions = std::pmr::vector<PolicyCondition>(&conditions_memory_)};
};

std::optional<Refusal> PolicyVerifier::CheckDocumentFields(const rapidjson::Value& root) {
  // Exactly {"expiration", "conditions"}: no wrapper, no extra member S3 might read one day.
  const bool exact =
      root.MemberCount() == 2 && root.HasMember("expiration") && root.HasMember("conditions");
  if (!exact) {
    std::string names;
    for (const auto& member : root.GetObject()) {
      if (!names.empty()) names += ", ";
      names += Quote(StringOf(member.name));
    }
    return Refuse("policy.document.fields",
                  "expected exactly \"expiration\" and \"conditions\", got [" + names + "]");
  }
  policy_.expiration_first = StringOf(root.MemberBegin()->name) == "expiration";
  return std::nullopt;
}

std::optional<Refusal> PolicyVerifier::CheckExpiration(const rapidjson::Value& value) {
  if (!value.IsString()) return Refuse("policy.expiration.malformed", "expiration is not a string");
  const std::string_view text = StringOf(value);
  const std::optional<TimePoint> expiration = aws::ParseIso8601(text);
  if (!expiration) return Refuse("policy.expiration.malformed", "expiration " + Quote(text));
  if (*expiration <= now_) return Refuse("policy.expiration.past", "expiration " + Quote(text));
  if (*expiration > now_ + rules_.max_policy_lifetime) {
    return Refuse("policy.expiration.too-far",
                  "expiration " + Quote(text) + " is more than " +
                      std::to_string(rules_.max_policy_lifetime.count()) + "s ahead");
  }
  policy_.expiration = text;
  return std::nullopt;
}

// Section 11.2: the version comes from the request, and the body must have that version's shape.
// x-amz-credential is what makes a policy a v4 policy (it names the signing key's scope).
std::optional<Refusal> PolicyVerifier::CheckVersionShape(const rapidjson::Value& conditions) {
  bool has_credential = false;
  for (const rapidjson::Value& condition : conditions.GetArray()) {
    if (condition.IsObject() && condition.MemberCount() == 1 &&
        EqualsIgnoreCase(StringOf(condition.MemberBegin()->name), "x-amz-credential")) {
      has_credential = true;
    }
  }
  if (version_ == SignatureVersion::kV4 && !has_credential) {
    return Refuse("version.mismatch", "v4 requested, but the policy has no x-amz-credential");
  }
  if (version_ == SignatureVersion::kV2 && has_credential) {
    return Refuse("version.mismatch", "v2 requested, but the policy has an x-amz-credential");
  }
  return std::nullopt;
}

std::optional<Refusal> PolicyVerifier::MarkSeen(std::string_view name) {
  bool repeated = false;
  if (name_list_.size() < kNamesInSet) {
    if (name_list_.empty()) name_list_.reserve(kNamesInSet);
    for (const std::string_view seen : name_list_) {
      if (EqualsIgnoreCase(seen, name)) {
        repeated = true;
        break;
      }
    }
    if (!repeated) {
      name_list_.push_back(name);
      if (name_list_.size() == kNamesInSet) name_set_.insert(name_list_.begin(), name_list_.end());
    }
  } else {
    repeated = !name_set_.insert(name).second;
  }
  if (repeated) {
    return Refuse("policy.condition.duplicate", "condition " + Quote(name) + " repeated");
  }
  return std::nullopt;
}

std::optional<Refusal> PolicyVerifier::CheckCondition(const rapidjson::Value& condition) {
  if (condition.IsArray()) return CheckArrayCondition(condition);
  if (!condition.IsObject() || condition.MemberCount() != 1) {
    return Refuse("policy.condition.form",
                  "a condition must be an object with one member or a content-length-range");
  }
  const auto& member = *condition.MemberBegin();
  const std::string_view name = StringOf(member.name);
  if (!member.value.IsString()) {
    return Refuse("policy.condition.not-string", "condition " + Quote(name) + " is not a string");
  }
  if (auto refusal = MarkSeen(name)) return refusal;
  const std::string_view value = StringOf(member.value);
  if (auto refusal = CheckField(name, value)) return refusal;
  policy_.conditions.push_back(PolicyCondition{false, name, value, {}, {}});
  return std::nullopt;
}

std::optional<Refusal> PolicyVerifier::CheckArrayCondition(const rapidjson::Value& array) {
  if (array.Empty() || !array[0].IsString()) {
    return Refuse("policy.condition.array", "an array condition without an operator");
  }
  const std::string_view op = StringOf(array[0]);
  // Matching operators is what S3 does case-insensitively; refusing them needs a name in the log.
  if (EqualsIgnoreCase(op, "starts-with")) {
    return Refuse("policy.condition.starts-with", "starts-with conditions are never signed");
  }
  if (EqualsIgnoreCase(op, "eq")) {
    return Refuse("policy.condition.eq", "eq conditions are not accepted");
  }
  if (op != kRange) return Refuse("policy.condition.array", "array condition " + Quote(op));
  return CheckRange(array);
}

std::optional<Refusal> PolicyVerifier::CheckRange(const rapidjson::Value& array) {
  if (auto refusal = MarkSeen(kRange)) return refusal;
  if (array.Size() != 3) {
    return Refuse("policy.content-length-range.malformed", "expected a minimum and a maximum");
  }
  PolicyBound bounds[2];
  for (int i = 0; i < 2; ++i) {
    const rapidjson::Value& value = array[static_cast<rapidjson::SizeType>(i + 1)];
    std::optional<std::uint64_t> number;
    if (value.IsString()) {
      number = ParseDecimal(StringOf(value));
    } else if (value.IsUint64() && !value.IsDouble()) {
      number = value.GetUint64();
    }
    if (!number) {
      return Refuse("policy.content-length-range.malformed",
                    "bounds must be non-negative decimal integers");
    }
    bounds[i] = PolicyBound{*number, value.IsString()};
  }
  const auto [min, max] = std::pair(bounds[0].value, bounds[1].value);
  if (min < rules_.min_size) {
    return Refuse("policy.content-length-range.min",
                  "minimum " + std::to_string(min) + " below " + std::to_string(rules_.min_size));
  }
  if (max > rules_.max_size) {
    return Refuse("policy.content-length-range.max",
                  "maximum " + std::to_string(max) + " above " + std::to_string(rules_.max_size));
  }
  if (min > max) {
    return Refuse("policy.content-length-range.order",
                  "minimum " + std::to_string(min) + " above maximum " + std::to_string(max));
  }
  seen_.range = true;
  policy_.conditions.push_back(PolicyCondition{true, kRange, {}, bounds[0], bounds[1]});
  return std::nullopt;
}

std::optional<Refusal> PolicyVerifier::CheckField(std::string_view name, std::string_view value) {
  const Field field = Classify(name);
  switch (field) {
    case Field::kAcl:
      return CheckAcl("policy", value, rules_);
    case Field::kBucket:
      seen_.bucket = true;
      if (value == rules_.bucket) return std::nullopt;
      return Refuse("policy.bucket", "bucket " + Quote(value));
    case Field::kKey:
      seen_.key = value;
      return CheckKey(value, rules_.key, caller_);
    case Field::kContentType:
      seen_.content_type = true;
      return CheckContentTypeFor("policy", value, rules_);
    case Field::kSuccessActionStatus:
      seen_.status = true;
      if (Contains(rules_.success_action_statuses, value)) return std::nullopt;
      return Refuse("policy.success-action-status", "status " + Quote(value));
    case Field::kSuccessActionRedirect:
      // Exact match only: an open redirect on S3's own domain is a phishing gift.
      seen_.redirect = true;
      if (Contains(rules_.success_action_redirects, value)) return std::nullopt;
      return Refuse("policy.success-action-redirect", "redirect " + Quote(value));
    case Field::kStorageClass:
      return CheckStorageClass("policy", value, rules_);
    case Field::kServerSideEncryption:
      return CheckServerSideEncryption("policy", value, rules_);
    case Field::kSseVariant:
      if (auto refusal = RefuseSseVariant("policy", ToLowerAscii(name))) return refusal;
      return Refuse("policy.condition.unknown", "condition " + Quote(name));
    case Field::kSecurityToken:
      // Server-side signing uses long-term keys (protocol section 9); a token here means a client
      // trying to ride on temporary credentials it should not have.
      return Refuse("policy.session-token", "x-amz-security-token is never signed");
    case Field::kAlgorithm:
    case Field::kCredential:
    case Field::kDate:
      return CheckV4Field(field, value);
    case Field::kMetadata:
      return metadata_.Add(name.substr(std::string_view("x-amz-meta-").size()), value);
    case Field::kObjectHeader: {
      const std::string_view header = ObjectHeaderName(name);
      const auto allowed = rules_.object_headers.find(std::string(header));
      if (allowed != rules_.object_headers.end() && Contains(allowed->second, value)) {
        return std::nullopt;
      }
      return Refuse("policy." + ToLowerAscii(name),
                    std::string(header) + " " + Quote(value) + " is not allowed");
    }
    case Field::kUnknown:
      break;
  }
  return Refuse("policy.condition.unknown", "condition " + Quote(name));
}

std::optional<Refusal> PolicyVerifier::CheckV4Field(Field field, std::string_view value) {
  if (version_ == SignatureVersion::kV2) {
    return Refuse("policy.v2.v4-field", "v4 condition in a v2 policy");
  }
  switch (field) {
    case Field::kAlgorithm:
      seen_.algorithm = true;
      if (value == aws::kSigV4Algorithm) return std::nullopt;
      return Refuse("policy.v4.algorithm", "x-amz-algorithm " + Quote(value));
    case Field::kCredential:
      return CheckCredential(value);
    default: {
      const std::optional<TimePoint> date = aws::ParseAmzDate(value);
      if (!date) return Refuse("policy.v4.date.malformed", "x-amz-date " + Quote(value));
      if (!WithinSkew(*date, now_, rules_.max_clock_skew)) {
        return Refuse("policy.v4.date.skew", "x-amz-date " + Quote(value) + " is too far from now");
      }
      seen_.date = date;
      return std::nullopt;
    }
  }
}

// "<access key>/<YYYYMMDD>/<region>/s3/aws4_request": every part compared exactly, each with its
// own rule so that the operator sees which one a client got wrong.
std::optional<Refusal> PolicyVerifier::CheckCredential(std::string_view value) {
  std::array<std::string_view, 5> parts;
  if (SplitInto(value, '/', parts) != parts.size()) {
    return Refuse("policy.v4.credential.malformed", "x-amz-credential " + Quote(value));
  }
  if (parts[0] != rules_.access_key_id) {
    return Refuse("policy.v4.credential.access-key", "access key " + Quote(parts[0]));
  }
  if (!aws::ParseAmzDay(parts[1])) {
    return Refuse("policy.v4.credential.day", "credential day " + Quote(parts[1]));
  }
  if (parts[2] != rules_.region) {
    return Refuse("policy.v4.credential.region", "region " + Quote(parts[2]));
  }
  if (parts[3] != "s3") return Refuse("policy.v4.credential.service", "service " + Quote(parts[3]));
  if (parts[4] != "aws4_request") {
    return Refuse("policy.v4.credential.terminator", "terminator " + Quote(parts[4]));
  }
  seen_.credential = Credential{parts[1], parts[2]};
  return std::nullopt;
}

std::optional<Refusal> PolicyVerifier::CheckCompleteness() {
  if (!seen_.bucket) return Refuse("policy.bucket.missing", "no bucket condition");
  if (!seen_.key) return Refuse("policy.key.missing", "no key condition");
  if (!seen_.content_type && rules_.require_content_type) {
    return Refuse("policy.content-type.missing", "no Content-Type condition");
  }
  if (seen_.status && seen_.redirect) {
    return Refuse("policy.success-action.both",
                  "success_action_status and success_action_redirect together");
  }
  if (version_ == SignatureVersion::kV4) {
    if (!seen_.algorithm) return Refuse("policy.v4.algorithm.missing", "no x-amz-algorithm");
    if (!seen_.date) return Refuse("policy.v4.date.missing", "no x-amz-date");
    // Fine Uploader dates the credential with its raw clock and x-amz-date with the drift-adjusted
    // one (protocol 3.2 notes), so around midnight they may name adjacent days; never further.
    const auto credential_day = aws::ParseAmzDay(seen_.credential->day);
    const auto date_day = std::chrono::floor<std::chrono::days>(*seen_.date);
    if (!credential_day || !WithinSkew(*credential_day, date_day, std::chrono::days(1))) {
      return Refuse("policy.v4.credential.day-mismatch",
                    "credential day " + Quote(seen_.credential->day) + " vs x-amz-date " +
                        aws::FormatAmzDate(*seen_.date));
    }
  }
  return std::nullopt;
}

Verdict PolicyVerifier::Run(const rapidjson::Value& root) {
  if (auto refusal = CheckVersionAllowed(version_, rules_)) return *refusal;
  if (auto refusal = CheckDocumentFields(root)) return *refusal;
  const rapidjson::Value& conditions = root["conditions"];
  if (!conditions.IsArray()) {
    return Refuse("policy.conditions.not-array", "conditions is not an array");
  }
  if (conditions.Size() > kMaxPolicyConditions) {
    return Refuse("policy.conditions.too-many",
                  std::to_string(conditions.Size()) + " conditions, at most " +
                      std::to_string(kMaxPolicyConditions) + " allowed");
  }
  if (auto refusal = CheckVersionShape(conditions)) return *refusal;
  if (auto refusal = CheckExpiration(root["expiration"])) return *refusal;
  policy_.conditions.reserve(conditions.Size() + 1);  // + the range we may add
  for (const rapidjson::Value& condition : conditions.GetArray()) {
    if (auto refusal = CheckCondition(condition)) return *refusal;
  }
  if (auto refusal = CheckCompleteness()) return *refusal;

  // Narrowing needs no form field, so S3 accepts the added condition (protocol 3.4, 11.7).
  if (!seen_.range) {
    policy_.conditions.push_back(PolicyCondition{
        true, kRange, {}, PolicyBound{rules_.min_size, true}, PolicyBound{rules_.max_size, true}});
  }

  SigningTask task;
  task.kind = SigningTask::Kind::kPolicy;
  task.version = version_;
  // Written on the stack for any policy Fine Uploader sends, and encoded from there. (The room
  // needed assumes every byte escaped: ~4 KiB for a 600-byte policy.)
  std::array<char, 8192> scratch;  // NOLINT(cppcoreguidelines-pro-type-member-init): scratch
  std::string spill;
  task.string_to_sign = aws::Base64Encode(SerializePolicy(policy_, scratch, spill));
  task.key = std::string(*seen_.key);
  if (version_ == SignatureVersion::kV4) {
    task.scope_day = std::string(seen_.credential->day);
    task.region = std::string(seen_.credential->region);
  }
  return task;
}

}  // namespace

Verdict VerifyPolicyObject(const rapidjson::Value& root, SignatureVersion version,
                           const UploadRules& rules, const Caller& caller, TimePoint now) {
  return PolicyVerifier(version, rules, caller, now).Run(root);
}

}  // namespace s3upload::verify::internal

namespace s3upload::verify {

Verdict VerifyPolicy(std::string_view policy_json, SignatureVersion version,
                     const UploadRules& rules, const Caller& caller, TimePoint now) {
  internal::RequestJson json;
  if (auto refusal = internal::ParseStrictJson(policy_json, json)) return *refusal;
  const rapidjson::Value& doc = json.doc();
  if (!doc.IsObject()) return internal::Refuse("request.not-object", "the body is not an object");
  return internal::VerifyPolicyObject(doc, version, rules, caller, now);
}

}  // namespace s3upload::verify
