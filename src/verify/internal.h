// verify/ internals shared by the verifiers. Not part of the module's interface: everything here
// may change without notice, and nothing outside src/verify/ and tests/verify/ includes it.
#pragma once

#include <rapidjson/document.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "s3upload/verify.h"

namespace s3upload::verify::internal {

// ---------------------------------------------------------------------------------------------
// Text helpers (text.cc)
// ---------------------------------------------------------------------------------------------

Refusal Refuse(std::string_view rule, std::string detail);

// Client input for a refusal detail: quoted and cut short, so that a log line stays one short line.
std::string Quote(std::string_view text);

constexpr bool IsDigit(char c) { return c >= '0' && c <= '9'; }
constexpr bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool IsAlnum(char c) { return IsDigit(c) || IsAlpha(c); }
constexpr bool IsHexDigit(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
constexpr bool IsLowerHexDigit(char c) { return IsDigit(c) || (c >= 'a' && c <= 'f'); }
constexpr char ToLowerAscii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
std::string ToLowerAscii(std::string_view text);
// The ASCII letters of eight bytes lower-cased at once (other bytes, non-ASCII ones included, as
// they are): bit 7 of each byte's low seven bits plus an offset tells whether it is >= 'A' and
// whether it is > 'Z', without a carry into the next byte.
constexpr std::uint64_t ToLowerAscii8(std::uint64_t bytes) {
  constexpr std::uint64_t kOnes = 0x0101010101010101;
  const std::uint64_t low_bits = bytes & (0x7f * kOnes);
  const std::uint64_t at_least_a = low_bits + (0x80 - 'A') * kOnes;
  const std::uint64_t above_z = low_bits + (0x80 - 'Z' - 1) * kOnes;
  const std::uint64_t upper = at_least_a & ~above_z & ~bytes & (0x80 * kOnes);
  return bytes | (upper >> 2);  // bit 7 -> bit 5: 'A' + 0x20 == 'a'
}
// Two texts of the same size: the ASCII letters compared without case, eight bytes at a time.
bool EqualsIgnoreCaseSameSize(const char* a, const char* b, std::size_t size);
// Inline only up to the size comparison: the duplicate check of every policy condition and the
// allowlists (extensions, media types, metadata names) run through chains of these, and most calls
// end there.
inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && EqualsIgnoreCaseSameSize(a.data(), b.data(), a.size());
}
bool Contains(const std::vector<std::string>& list, std::string_view value);
bool ContainsIgnoringCase(const std::vector<std::string>& list, std::string_view value);

// A decimal number as S3 writes sizes: digits only, no sign, no leading zero (except "0" itself),
// no overflow. nullopt otherwise.
std::optional<std::uint64_t> ParseDecimal(std::string_view text);

// Splits on every `separator`; "a//b" gives {"a", "", "b"}, "" gives {""}.
std::vector<std::string_view> Split(std::string_view text, char separator);
// The same without allocating, for texts of a known number of parts ("a/b/c/d"): stores the first
// parts.size() parts and returns how many there are in all.
std::size_t SplitInto(std::string_view text, char separator, std::span<std::string_view> parts);

// |t - now| <= skew, without overflowing on absurd inputs.
bool WithinSkew(TimePoint t, TimePoint now, std::chrono::seconds skew);

// ---------------------------------------------------------------------------------------------
// Strict JSON (json_strict.cc)
// ---------------------------------------------------------------------------------------------

// One request body, parsed in place: a copy of the text is decoded where it lies (RapidJSON's
// in-situ mode, so string values point into the copy), and the values and parse stacks come from
// buffers inside this object (meant to live on the stack). A body of ordinary size is so parsed
// without touching the heap, where rapidjson::Document would allocate a 64 KiB chunk and several
// small blocks per parse; larger ones take what they need from the heap. Not copyable, not
// movable: the document points into its own buffers.
class RequestJson {
 public:
  using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, rapidjson::MemoryPoolAllocator<>,
                                              rapidjson::MemoryPoolAllocator<>>;
  RequestJson();
  RequestJson(const RequestJson&) = delete;
  RequestJson& operator=(const RequestJson&) = delete;

  const Document& doc() const { return doc_; }

 private:
  friend std::optional<Refusal> ParseStrictJson(std::string_view text, RequestJson& json);

  // Enough for every Fine Uploader body (the largest, a v4 initiate, is 680 bytes and needs less
  // than 2 KiB of values and stacks).
  static constexpr std::size_t kTextBytes = 4096;
  static constexpr std::size_t kValueBytes = 2048;
  static constexpr std::size_t kStackBytes = 2048;
  static constexpr std::size_t kSpillChunkBytes = std::size_t{16} * 1024;
  static constexpr std::size_t kParseStackBytes = 1024;  // the initial size, as RapidJSON's default
  char text_buffer_[kTextBytes];
  std::string large_text_;  // the copy when the body does not fit text_buffer_
  alignas(std::max_align_t) char value_buffer_[kValueBytes];
  alignas(std::max_align_t) char stack_buffer_[kStackBytes];
  rapidjson::MemoryPoolAllocator<> values_;
  rapidjson::MemoryPoolAllocator<> stack_;
  Document doc_;
};

// Parses `text` (recursing no deeper than the depth bound), validating UTF-8, refusing
// arrays and objects nested more than kMaxJsonDepth deep (rule "request.json.depth", also when the
// text is broken JSON as well; counted while parsing), trailing garbage,
// duplicate object keys anywhere, and strings whose escapes decode to invalid UTF-8 (a lone
// "\udc00" passes RapidJSON's own validation). Rules "request.json*".
std::optional<Refusal> ParseStrictJson(std::string_view text, RequestJson& json);
// The same into a plain document (tests).
std::optional<Refusal> ParseStrictJson(std::string_view text, rapidjson::Document& doc);
// Reads `text` (`size` bytes and a NUL after them, decoded in place) into `doc` if it is compact
// JSON: an object at the top, no whitespace, no true/false/null, numbers only as non-negative
// integers below 2^64, no \u escapes, at most kMaxJsonDepth levels, no name twice in an object
// (and at most 16 members). Returns false for anything else, leaving `doc` as it was and `text`
// partly decoded; when it returns true, `doc` holds what RapidJSON's in-situ parse of the same
// text builds.
bool ReadCompactJson(char* text, std::size_t size, RequestJson::Document& doc);

// The bytes of a string value (which may contain NUL bytes from "\u0000").
inline std::string_view StringOf(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

// ---------------------------------------------------------------------------------------------
// Version gate (sign_request.cc)
// ---------------------------------------------------------------------------------------------

std::optional<Refusal> CheckVersionAllowed(SignatureVersion version, const UploadRules& rules);

// ---------------------------------------------------------------------------------------------
// Object properties a client may set, shared by policy conditions and REST initiate headers
// (object_fields.cc). `family` is "policy" or "rest" and prefixes the rule id.
// ---------------------------------------------------------------------------------------------

std::optional<Refusal> CheckAcl(std::string_view family, std::string_view value,
                                const UploadRules& rules);
std::optional<Refusal> CheckStorageClass(std::string_view family, std::string_view value,
                                         const UploadRules& rules);
std::optional<Refusal> CheckServerSideEncryption(std::string_view family, std::string_view value,
                                                 const UploadRules& rules);

// The x-amz-server-side-encryption-* names other than the algorithm itself. Customer keys (SSE-C)
// and KMS key ids have their own refusal; anything else in that family is unknown.
std::optional<Refusal> RefuseSseVariant(std::string_view family, std::string_view lower_name);

// x-amz-meta-*: each name allowed by the profile, all names and values together within the cap.
class MetadataBudget {
 public:
  MetadataBudget(std::string_view family, const UploadRules& rules)
      : family_(family), rules_(rules) {}
  // `name` without the "x-amz-meta-" prefix, any case (it is lower-cased, as S3 stores it).
  std::optional<Refusal> Add(std::string_view name, std::string_view value);

 private:
  std::string_view family_;
  const UploadRules& rules_;
  std::size_t used_ = 0;
};

// Content-Type against the profile; rules "<family>.content-type.syntax" / ".not-allowed".
std::optional<Refusal> CheckContentTypeFor(std::string_view family, std::string_view content_type,
                                           const UploadRules& rules);

// ---------------------------------------------------------------------------------------------
// The verified policy and its serialisation (policy_serializer.cc)
// ---------------------------------------------------------------------------------------------

struct PolicyBound {
  std::uint64_t value = 0;
  bool quoted = true;  // received as a JSON string ("1") rather than a number (1)
};

// The verified policy refers to the parsed request body (no copy of each name and value): it lives
// only while the document it was read from does.
struct PolicyCondition {
  // A {"name": "value"} condition, or the content-length-range array.
  bool is_range = false;
  std::string_view name;  // as received (range: "content-length-range")
  std::string_view value;
  PolicyBound min, max;
};

struct PolicyDocument {
  bool expiration_first = true;  // member order as received
  std::string_view expiration;
  std::pmr::vector<PolicyCondition> conditions;  // memory the verifier provides
};

// The policy is written into memory its caller provides (on the stack for an ordinary policy):
// the writers check no capacity, the bounds below are what they may write at most.

// JSON.stringify's escaping of one string, quotes included, written at `out` (room for
// JsonStringBound(text.size()) bytes: each byte may become a six-byte \u00xx escape). Returns the
// end of what it wrote.
constexpr std::size_t JsonStringBound(std::size_t size) { return 6 * size + 2; }
char* WriteJsonString(char* out, std::string_view text);
// Compact JSON as JSON.stringify writes it for the same members in the same order: written into
// `scratch` when it has room for the longest the policy could be, else into `spill`; the result
// views the one written.
std::string_view SerializePolicy(const PolicyDocument& policy, std::span<char> scratch,
                                 std::string& spill);

// ---------------------------------------------------------------------------------------------
// The verifiers behind the public entry points
// ---------------------------------------------------------------------------------------------

// `root` is the parsed body, already known to be a JSON object.
Verdict VerifyPolicyObject(const rapidjson::Value& root, SignatureVersion version,
                           const UploadRules& rules, const Caller& caller, TimePoint now);
// `headers` already passed the shared string checks and matches the version's shape.
Verdict VerifyRestV2(std::string_view headers, const UploadRules& rules, const Caller& caller,
                     TimePoint now);
Verdict VerifyRestV4(std::string_view headers, const UploadRules& rules, const Caller& caller,
                     TimePoint now);

// ---------------------------------------------------------------------------------------------
// Pieces shared by the two REST verifiers (rest_common.cc)
// ---------------------------------------------------------------------------------------------

struct RestHeader {
  std::string_view name;   // lower case, checked syntax
  std::string_view value;  // raw, as received after the ':'
};

// The lists a REST verifier builds take their memory from the verifier's stack frame (a string of
// a dozen lines needs a few hundred bytes); only an unusually long string reaches the heap.
// NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init): buffer_ is scratch, see below
class RestScratch {
 public:
  RestScratch() = default;
  RestScratch(const RestScratch&) = delete;  // the lists point into buffer_
  RestScratch& operator=(const RestScratch&) = delete;
  std::pmr::memory_resource* resource() { return &memory_; }

 private:
  // Scratch memory for memory_, left uninitialised on purpose (zeroing it would cost a memset per
  // request). NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
  alignas(std::max_align_t) std::array<std::byte, 2048> buffer_;
  std::pmr::monotonic_buffer_resource memory_{buffer_.data(), buffer_.size()};
};

// "name:value" lines: names of lower-case letters, digits and '-', strictly ascending (sorted, no
// duplicates). Rules "rest.header.syntax", ".case", ".order", ".duplicate".
std::optional<Refusal> ParseHeaderLines(std::span<const std::string_view> lines,
                                        std::pmr::vector<RestHeader>& out);

// Names and values point into the query itself, or, for the parts that had percent escapes
// (decode=true), into the `decoded` string given to ParseQuery.
struct QueryItem {
  std::string_view name;
  std::string_view value;
  bool has_equals = false;  // "uploads" vs "uploads="
};

// Splits "a=b&c" into items. `decode`: percent-decode names and values (v4) into `decoded`, which
// must outlive the items; v2 sub-resources are used raw. Rule "rest.query.syntax".
std::optional<Refusal> ParseQuery(std::string_view query, bool decode,
                                  std::pmr::vector<QueryItem>& out, std::string& decoded);

struct RestOperation {
  MultipartOperation kind = MultipartOperation::kInitiate;
  std::uint32_t part_number = 0;  // kUploadPart only
  std::string_view upload_id;     // all but kInitiate; points where the query item's value does
};

// Method + query items -> one of the four multipart operations, or the rule that refuses it.
std::variant<RestOperation, Refusal> IdentifyOperation(std::string_view method,
                                                       std::span<const QueryItem> query,
                                                       const UploadRules& rules);

// One signed header that is not a protocol header (x-amz-date; v4 also host and
// x-amz-content-sha256): named refusals for the dangerous ones, the initiate allowlist, and
// "rest.header.unknown" for everything else.
std::optional<Refusal> CheckRestObjectHeader(const RestHeader& header, MultipartOperation operation,
                                             const UploadRules& rules, MetadataBudget& metadata);

// Whether `text` is exactly aws::UriEncode(aws::UriDecode(text), encode_slash), checked in place:
// every byte one that UriEncode keeps, or a '%' with two upper-case hex digits encoding a byte it
// does not keep.
bool IsCanonicalUriEncoding(std::string_view text, bool encode_slash);

// The object key in a request path: must be exactly UriEncode(decoded, false) (Fine Uploader's
// uriEscapePath), and the decoded key must pass CheckKey. On success `key` holds the decoded key.
std::optional<Refusal> DecodePathKey(std::string_view encoded, const KeyRules& rules,
                                     const Caller& caller, std::string& key);

}  // namespace s3upload::verify::internal
