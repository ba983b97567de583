// Writes the verified policy back as JSON, byte for byte as the browser's JSON.stringify wrote the
// original: members and conditions in the received order, no whitespace, JSON.stringify's string
// escaping. For every body Fine Uploader sends, the result therefore equals the body, and so the
// signature equals what the client and the documented vectors expect; for anything else, S3 sees
// exactly the conditions we checked and nothing the parser did not understand.
#include <string>

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
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
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
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0x0f];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string SerializePolicy(const PolicyDocument& policy) {
  std::string conditions = "[";
  for (std::size_t i = 0; i < policy.conditions.size(); ++i) {
    const PolicyCondition& condition = policy.conditions[i];
    if (i > 0) conditions += ',';
    if (condition.is_range) {
      conditions += '[';
      AppendJsonString(conditions, condition.name);
      conditions += ',';
      AppendBound(conditions, condition.min);
      conditions += ',';
      AppendBound(conditions, condition.max);
      conditions += ']';
    } else {
      conditions += '{';
      AppendJsonString(conditions, condition.name);
      conditions += ':';
      AppendJsonString(conditions, condition.value);
      conditions += '}';
    }
  }
  conditions += ']';

  std::string expiration;
  AppendJsonString(expiration, policy.expiration);

  std::string out = "{";
  if (policy.expiration_first) {
    out += "\"expiration\":" + expiration + ",\"conditions\":" + conditions;
  } else {
    out += "\"conditions\":" + conditions + ",\"expiration\":" + expiration;
  }
  out += '}';
  return out;
}

}  // namespace s3upload::verify::internal
