// verify: the rules. Decides whether a signing request is exactly something the operator allowed.
//
// Contract
// - Pure functions: the request bytes, the profile's UploadRules, the caller and the current time
//   go in; either a SigningTask (exactly what to sign, already verified) or a Refusal comes out.
//   No I/O, no configuration parsing, no clock, no signing key.
// - Default deny. Every condition of a POST policy and every line of a REST string to sign is
//   parsed into fields and compared exactly (never substring or regex matches on raw text). A
//   field, condition, header, method, sub-resource or query parameter that no rule allows is
//   refused. Nothing is signed that was not fully parsed and checked.
// - One rule per condition: a Refusal names the rule (a stable, dotted identifier such as
//   "policy.acl" or "rest.v4.host") and a short detail for the operator's log. The detail may
//   quote client input; the logger escapes it. Neither ever contains secrets.
// - A refusal is a value; nothing here throws across the module boundary.
//
// What a SigningTask promises
// - Policy: `string_to_sign` is the base64 of a policy document re-serialised by us from the
//   parsed, verified conditions (compact JSON, conditions in the order received, a
//   content-length-range added from the profile when the client sent none). The handler signs it
//   and returns that same base64 as the policy: the bytes signed are the bytes checked.
// - REST v2: `string_to_sign` is the received string, accepted only if re-assembling it from its
//   parsed fields gives the same bytes.
// - REST v4: the received canonical request is accepted only if rebuilding it with aws/'s
//   canonicalisation gives the same bytes; `string_to_sign` is lines 1-3 plus the hex SHA-256 of
//   that canonical request.
//
// Thread-safety: all functions are re-entrant; UploadRules is read-only here.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace s3upload::verify {

// Fixed limits, checked before the work they bound (README "What is verified", docs/rules.md).
// Arrays and objects nested deeper than this in a signature request are refused before the body is
// parsed (request.json.depth); Fine Uploader's bodies are 3 deep (object, conditions, condition).
inline constexpr std::size_t kMaxJsonDepth = 8;
// More conditions than this in a policy are refused before any is looked at
// (policy.conditions.too-many). Fine Uploader sends about a dozen, one per metadata name more.
inline constexpr std::size_t kMaxPolicyConditions = 64;
// A REST string to sign ("headers") longer than this, or of more lines, is refused before it is
// split (rest.too-long, rest.too-many-lines). Fine Uploader's are under 1 KiB and 20 lines.
inline constexpr std::size_t kMaxRestStringBytes = std::size_t{16} * 1024;
inline constexpr std::size_t kMaxRestLines = 64;
// S3's own limits: object keys of at most 1024 bytes (KeyRules::max_length can only lower it),
// at most 2 KiB of user metadata (UploadRules::max_metadata_bytes likewise), part numbers 1-10000.
inline constexpr std::size_t kMaxKeyBytes = 1024;
inline constexpr std::size_t kMaxMetadataBytes = 2048;
inline constexpr std::uint32_t kMaxPartNumber = 10000;
// The default UploadRules::max_upload_id_length (S3's upload ids are about 100-200 bytes).
inline constexpr std::size_t kMaxUploadIdBytes = 1024;

using TimePoint = std::chrono::system_clock::time_point;

enum class SignatureVersion { kV2, kV4 };
enum class Addressing { kVirtualHosted, kPathStyle };

// Which object keys a profile accepts.
struct KeyRules {
  // Fixed start of every key. "{user}" stands for the caller's REMOTE_USER, which must then be
  // present and be a safe path segment ([A-Za-z0-9._@+-], 1-64 bytes, not "." or "..").
  std::string prefix;
  // What may follow the prefix.
  enum class Shape {
    kUuidWithExtension,  // <uuid>.<ext>: Fine Uploader's default key ("uuid")
    kUuid,               // <uuid>
    kAnyName,            // any string passing the always-on rules below
  };
  std::vector<Shape> shapes{Shape::kUuidWithExtension};
  // Allowed extensions for kUuidWithExtension, compared case-insensitively. Empty: any extension
  // of 1-16 ASCII letters and digits.
  std::vector<std::string> extensions;
  std::size_t max_length = kMaxKeyBytes;  // bytes, whole key; at most kMaxKeyBytes
  // Always on: non-empty, valid UTF-8, no control characters (C0, DEL, C1), no leading '/', no
  // empty segment ("//"), no "." or ".." segment, no backslash.
};

// Everything a profile allows. Built by config/, read by the verifiers.
struct UploadRules {
  std::string profile;  // name, for logs
  std::string bucket;
  std::string region;
  // The Host header a client sends for this bucket: "<bucket>.<endpoint host>" when
  // virtual-hosted, "<endpoint host>" when path-style (with ":port" if the endpoint has one).
  std::string host;
  Addressing addressing = Addressing::kVirtualHosted;
  std::string access_key_id;  // the signing key's id; v4 credentials must name it

  bool allow_v2 = false;
  bool allow_v4 = true;

  KeyRules key;

  std::uint64_t min_size = 0;  // bytes, inclusive
  std::uint64_t max_size = 0;  // bytes, inclusive; config requires it

  // Exact types ("image/jpeg") and wildcards ("image/*"); "*/*" allows any. Compared
  // case-insensitively on type/subtype. A value with parameters ("; charset=UTF-8") is allowed only
  // by an entry with exactly those parameters (names case-insensitive, values exact); a wildcard
  // or parameterless entry never admits parameters.
  std::vector<std::string> content_types;
  // When true (default), a policy without a Content-Type condition is refused (the object would
  // get whatever type the form sends). Set false to allow iframe (IE <= 9) uploads.
  bool require_content_type = true;

  std::vector<std::string> acls{"private"};
  std::chrono::seconds max_policy_lifetime{15 * 60};
  std::chrono::seconds max_clock_skew{15 * 60};

  std::vector<std::string> success_action_statuses{"200", "201", "204"};
  std::vector<std::string> success_action_redirects;  // exact absolute URLs

  // Allowed x-amz-meta-* names, lower case, without the prefix ("qqfilename").
  std::vector<std::string> metadata_names{"qqfilename"};
  // Sum of names and values, as S3 counts it; at most kMaxMetadataBytes. How many x-amz-meta-*
  // fields there can be follows from metadata_names (each name at most once) and this size.
  std::size_t max_metadata_bytes = kMaxMetadataBytes;

  std::vector<std::string> storage_classes{"STANDARD"};
  std::vector<std::string> server_side_encryption{"AES256"};

  // Standard object headers a client may set, each with its exact allowed values:
  // "Cache-Control", "Content-Disposition", "Content-Encoding". Absent name: refused.
  std::map<std::string, std::vector<std::string>> object_headers;

  // Largest upload id accepted in a REST string (bytes); ids are opaque but printable.
  std::size_t max_upload_id_length = kMaxUploadIdBytes;
};

// Who is asking: from the web server's authentication (REMOTE_USER) or a bearer token.
struct Caller {
  std::string user;  // empty: anonymous
  // What a bearer token narrows (never widens): a smaller maximum object size, and the only
  // content types allowed (same syntax as UploadRules::content_types; empty: no narrowing).
  std::optional<std::uint64_t> max_size;
  std::vector<std::string> content_types;

  bool narrows() const { return max_size.has_value() || !content_types.empty(); }
};

// `rules` with the caller's narrowing in place of the profile's own limits: max_size is the smaller
// of the two (min_size stays), content_types is the caller's list when it has one. A request must
// pass the verifier with `rules` AND with these; whatever these add to a signed policy (the size
// range) is then within both.
UploadRules NarrowedRules(const UploadRules& rules, const Caller& caller);

struct Refusal {
  std::string rule;    // stable dotted identifier, e.g. "policy.condition.unknown"
  std::string detail;  // for the log
};

enum class MultipartOperation { kInitiate, kUploadPart, kComplete, kAbort };

// What the sign handler must sign, after verification.
struct SigningTask {
  enum class Kind { kPolicy, kRest };
  Kind kind = Kind::kPolicy;
  SignatureVersion version = SignatureVersion::kV4;
  std::string string_to_sign;  // exactly the bytes to HMAC; kPolicy: also the reply's "policy"
  std::string scope_day;       // v4: YYYYMMDD of the signing key
  std::string region;          // v4: region of the signing key
  std::string key;             // the object key (decoded), for logs
  std::optional<MultipartOperation> operation;  // kRest only
};

using Verdict = std::variant<SigningTask, Refusal>;

// The whole signature request of Fine Uploader: `body` is the raw JSON body; a top-level string
// "headers" means a REST string to sign, otherwise the body is a policy document. `version` comes
// from the request (v4=true) and must be allowed by the rules and match the body's shape.
Verdict VerifySignRequest(std::string_view body, SignatureVersion version, const UploadRules& rules,
                          const Caller& caller, TimePoint now);

// The parts, exposed for tests and for other handlers.
Verdict VerifyPolicy(std::string_view policy_json, SignatureVersion version,
                     const UploadRules& rules, const Caller& caller, TimePoint now);
Verdict VerifyRestStringToSign(std::string_view headers, SignatureVersion version,
                               const UploadRules& rules, const Caller& caller, TimePoint now);
std::optional<Refusal> CheckKey(std::string_view key, const KeyRules& rules, const Caller& caller);

// An object a client names after its upload (success, delete): the bucket must be the profile's,
// the key must pass CheckKey for this caller, and when the key's last segment is a uuid (with or
// without an extension) and the client also sent a uuid, the two must be the same. Refusals are
// "<rule_prefix>.bucket", "<rule_prefix>.uuid" or a "key.*" rule.
std::optional<Refusal> CheckObjectReference(std::string_view rule_prefix, std::string_view bucket,
                                            std::string_view key, std::string_view uuid,
                                            const UploadRules& rules, const Caller& caller);
std::optional<Refusal> CheckContentType(std::string_view content_type, const UploadRules& rules);

// Whether `id` has the form every S3 upload id we sign for must have: 1 to max_bytes bytes, each a
// letter, a digit or one of "._~+/=-". Opaque otherwise; the form keeps anything that could change
// how a string to sign is split or a URL is read out of it. The REST verifiers refuse other ids
// (rest.upload-id); the multipart handler hands out no token for one.
bool IsWellFormedUploadId(std::string_view id, std::size_t max_bytes = kMaxUploadIdBytes);

}  // namespace s3upload::verify
