// Writes the verified policy back as JSON, byte for byte as the browser's JSON.stringify wrote the
// original: members and conditions in the received order, no whitespace, JSON.stringify's string
// escaping. For every body Fine Uploader sends, the result therefore equals the body, and so the
// signature equals what the client and the documented vectors expect; for anything else, S3 sees
// exactly the conditions we checked and nothing the parser did not understand.
#include <string>

#include "text/plain_prefix.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

void AppendBound(std::string& out, const PolicyBound& bound) {
  if (bound.quoted) out += '"';
  out += std::to_string(bound.value);
  if (bound.quoted) out += '"';
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  // ECMA-262 QuoteJSONString: the two-character escapes for " \ \b \f \n \r \t, \u00xx (lower-case
  // hex) for the other control characters, everything else - '/' and non-ASCII included - as is.
  // (Lone surrogates, which it would also escape, cannot occur: the parser refused them.)
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t i = 0;
  while (i < text.size()) {
    // Runs that need no escape (all of a Fine Uploader policy) are appended whole: JSON.stringify
    // escapes only control characters, '"' and '\\'.
    const std::size_t run = i + text::PlainPrefixLength<0x20, 0xff, '"', '\\'>(text.substr(i));
    out.append(text.substr(i, run - i));
    if (run == text.size()) break;
    const char ch = text[run];
    i = run + 1;
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default: {
        const auto c = static_cast<unsigned char>(ch);  // another control character
        out += "\\u00";
        out += kHex[c >> 4];
        out += kHex[c & 0x0f];
      }
    }
  }
  out += '"';
}

std::string SerializePolicy(const PolicyDocument& policy) {
  // Written into one string, sized for the common case (every value plain) up front.
  std::size_t estimate = policy.expiration.size() + 40;
  for (const PolicyCondition& condition : policy.conditions) {
    estimate += condition.name.size() + condition.value.size() + 48;
  }
  std::string out;
  out.reserve(estimate);
  const auto append_expiration = [&] {
    out += "\"expiration\":";
    AppendJsonString(out, policy.expiration);
  };
  const auto append_conditions = [&] {
    out += "\"conditions\":[";
    for (std::size_t i = 0; i < policy.conditions.size(); ++i) {
      const PolicyCondition& condition = policy.conditions[i];
      if (i > 0) out += ',';
      if (condition.is_range) {
        out += '[';
        AppendJsonString(out, condition.name);
        out += ',';
        AppendBound(out, condition.min);
        out += ',';
        AppendBound(out, condition.max);
        out += ']';
      } else {
        out += '{';
        AppendJsonString(out, condition.name);
        out += ':';
        AppendJsonString(out, condition.value);
        out += '}';
      }
    }
    out += ']';
  };
  out += '{';
  if (policy.expiration_first) {
    append_expiration();
    out += ',';
    append_conditions();
  } else {
    append_conditions();
    out += ',';
    append_expiration();
  }
  out += '}';
  return out;
}

}  // namespace s3upload::verify::internal
