// JSON string literals: one implementation for every JSON text the responder
// writes itself (replies to browsers, webhook events). Client-supplied text may hold any bytes;
// what we write is always well-formed UTF-8 JSON that every receiver parses to the same text.
#include <string>

#include "s3upload/http.h"
#include "text/plain_prefix.h"
#include "text/utf8.h"

namespace s3upload::http {
namespace {

constexpr std::string_view kReplacementCharacter = "\xef\xbf\xbd";  // U+FFFD

enum class Audience { kAnyJsonParser, kBrowser };

// The bytes written as they are: printable ASCII except '"' and '\\', and for browsers also except
// '<', '>' and '&'. Everything else takes the escaping path below.
std::size_t PlainPrefix(std::string_view text, Audience audience) {
  return audience == Audience::kBrowser
             ? text::PlainPrefixLength<0x20, 0x7e, '"', '\\', '<', '>', '&'>(text)
             : text::PlainPrefixLength<0x20, 0x7e, '"', '\\'>(text);
}

void WriteJsonString(std::string& out, std::string_view text, Audience audience) {
  static constexpr char kHex[] = "0123456789abcdef";
  const bool for_browser = audience == Audience::kBrowser;
  out.reserve(out.size() + text.size() + 2);
  out += '"';
  // Printable ASCII that needs no escape is copied a run at a time: signatures and base64 policies
  // (most of what the responder quotes) are nothing else, and a byte-by-byte append costs several
  // times the copy.
  for (std::size_t i = 0; i < text.size();) {
    if (const std::size_t run = PlainPrefix(text.substr(i), audience); run > 0) {
      out.append(text.substr(i, run));
      i += run;
      continue;
    }
    const text::Utf8Step step = text::NextUtf8Step(text, i);
    const std::string_view sequence = text.substr(i, step.length);
    i += step.length;
    if (!step.valid) {
      out += kReplacementCharacter;
    } else if (sequence.size() > 1) {
      if (for_browser && sequence == "\xe2\x80\xa8") {
        out += "\\u2028";
      } else if (for_browser && sequence == "\xe2\x80\xa9") {
        out += "\\u2029";
      } else {
        out += sequence;
      }
    } else {
      const auto c = static_cast<unsigned char>(sequence[0]);
      switch (c) {
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
          if (c < 0x20 || (for_browser && (c == 0x7f || c == '<' || c == '>' || c == '&'))) {
            out += "\\u00";
            out += kHex[c >> 4];
            out += kHex[c & 0x0f];
          } else {
            out += static_cast<char>(c);
          }
      }
    }
  }
  out += '"';
}

}  // namespace

std::string JsonStringify(std::string_view text) {
  std::string out;
  WriteJsonString(out, text, Audience::kAnyJsonParser);
  return out;
}

std::string JsonQuote(std::string_view text) {
  std::string out;
  WriteJsonString(out, text, Audience::kBrowser);
  return out;
}

void AppendJsonQuote(std::string& out, std::string_view text) {
  WriteJsonString(out, text, Audience::kBrowser);
}

}  // namespace s3upload::http
