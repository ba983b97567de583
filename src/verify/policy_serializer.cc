// Writes the verified policy back as JSON, byte for byte as the browser's JSON.stringify wrote the
// original: members and conditions in the received order, no whitespace, JSON.stringify's string
// escaping. For every body Fine Uploader sends, the result therefore equals the body, and so the
// signature equals what the client and the documented vectors expect; for anything else, S3 sees
// exactly the conditions we checked and nothing the parser did not understand.
#include <charconv>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>

#include "text/plain_prefix.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

char* WriteText(char* out, std::string_view text) {
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  return out + text.size();
}

// A bound as received: a number, or a decimal string.
char* WriteBound(char* out, const PolicyBound& bound) {
  if (bound.quoted) *out++ = '"';
  out = std::to_chars(out, out + std::numeric_limits<std::uint64_t>::digits10 + 1, bound.value).ptr;
  if (bound.quoted) *out++ = '"';
  return out;
}

// The longest a bound can be written: 20 digits and two quotes.
constexpr std::size_t kBoundBytes = std::numeric_limits<std::uint64_t>::digits10 + 1 + 2;

}  // namespace

char* WriteJsonString(char* out, std::string_view text) {
  // ECMA-262 QuoteJSONString: the two-character escapes for " \ \b \f \n \r \t, \u00xx (lower-case
  // hex) for the other control characters, everything else - '/' and non-ASCII included - as is.
  // (Lone surrogates, which it would also escape, cannot occur: the parser refused them.)
  static constexpr char kHex[] = "0123456789abcdef";
  *out++ = '"';
  std::size_t i = 0;
  while (true) {
    // Runs that need no escape (all of a Fine Uploader policy) are copied whole: JSON.stringify
    // escapes only control characters, '"' and '\\'.
    const std::size_t run = i + text::PlainPrefixLength<0x20, 0xff, '"', '\\'>(text.substr(i));
    out = WriteText(out, text.substr(i, run - i));
    if (run == text.size()) break;
    const char ch = text[run];
    i = run + 1;
    *out++ = '\\';
    switch (ch) {
      case '"':
      case '\\':
        *out++ = ch;
        break;
      case '\b':
        *out++ = 'b';
        break;
      case '\f':
        *out++ = 'f';
        break;
      case '\n':
        *out++ = 'n';
        break;
      case '\r':
        *out++ = 'r';
        break;
      case '\t':
        *out++ = 't';
        break;
      default: {
        const auto c = static_cast<unsigned char>(ch);  // another control character
        out = WriteText(out, "u00");
        *out++ = kHex[c >> 4];
        *out++ = kHex[c & 0x0f];
      }
    }
  }
  *out++ = '"';
  return out;
}

namespace {

// The longest the policy's JSON can be: every byte of every string escaped.
std::size_t SerializedPolicyBound(const PolicyDocument& policy) {
  // {"expiration":...,"conditions":[...]} and per condition {"name":"value"}, or
  // ["name",min,max], and a comma.
  std::size_t bound = JsonStringBound(policy.expiration.size()) + 32;
  for (const PolicyCondition& condition : policy.conditions) {
    bound += JsonStringBound(condition.name.size()) + JsonStringBound(condition.value.size()) +
             2 * kBoundBytes + 8;
  }
  return bound;
}

char* WritePolicy(const PolicyDocument& policy, char* out) {
  const auto write_expiration = [&] {
    out = WriteText(out, "\"expiration\":");
    out = WriteJsonString(out, policy.expiration);
  };
  const auto write_conditions = [&] {
    out = WriteText(out, "\"conditions\":[");
    for (std::size_t i = 0; i < policy.conditions.size(); ++i) {
      const PolicyCondition& condition = policy.conditions[i];
      if (i > 0) *out++ = ',';
      if (condition.is_range) {
        *out++ = '[';
        out = WriteJsonString(out, condition.name);
        *out++ = ',';
        out = WriteBound(out, condition.min);
        *out++ = ',';
        out = WriteBound(out, condition.max);
        *out++ = ']';
      } else {
        *out++ = '{';
        out = WriteJsonString(out, condition.name);
        *out++ = ':';
        out = WriteJsonString(out, condition.value);
        *out++ = '}';
      }
    }
    *out++ = ']';
  };
  *out++ = '{';
  if (policy.expiration_first) {
    write_expiration();
    *out++ = ',';
    write_conditions();
  } else {
    write_conditions();
    *out++ = ',';
    write_expiration();
  }
  *out++ = '}';
  return out;
}

}  // namespace

std::string_view SerializePolicy(const PolicyDocument& policy, std::span<char> scratch,
                                 std::string& spill) {
  const std::size_t bound = SerializedPolicyBound(policy);
  char* out = scratch.data();
  if (bound > scratch.size()) {
    spill.resize(bound);
    out = spill.data();
  }
  return {out, static_cast<std::size_t>(WritePolicy(policy, out) - out)};
}

}  // namespace s3upload::verify::internal
