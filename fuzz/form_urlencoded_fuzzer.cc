// Fuzz target: http::ParseFormUrlEncoded, the parser of the success and delete handlers' bodies
// (application/x-www-form-urlencoded) and of every query string.
//
// Invariants:
// - the parse fails exactly when the text has a '%' not followed by two hex digits (the contract:
//   a malformed escape fails the whole parse, nothing else does);
// - there are at most as many fields as '&'-separated pieces, none longer than the text;
// - re-encoding the fields (every byte but unreserved ones as %XX, alternately '+' for spaces) and
//   parsing that again gives the same fields.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "s3upload/http.h"

namespace {

using namespace s3upload;

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool HasMalformedEscape(std::string_view text) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (i + 2 >= text.size() || !IsHex(text[i + 1]) || !IsHex(text[i + 2])) return true;
    i += 2;
  }
  return false;
}

std::string Encode(std::string_view text, bool plus_for_space) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else if (c == ' ' && plus_for_space) {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = fuzz::AsText(data, size);
  const std::optional<http::Fields> fields = http::ParseFormUrlEncoded(text);
  S3US_FUZZ_CHECK(fields.has_value() == !HasMalformedEscape(text));
  if (!fields) return 0;

  std::size_t pieces = 1;
  for (const char c : text) pieces += c == '&' ? 1 : 0;
  S3US_FUZZ_CHECK(fields->size() <= pieces);

  std::string encoded;
  bool plus = false;
  for (const auto& [name, value] : *fields) {
    S3US_FUZZ_CHECK(!name.empty() || !value.empty() || text.find('=') != std::string_view::npos);
    S3US_FUZZ_CHECK(name.size() <= text.size() && value.size() <= text.size());
    if (!encoded.empty()) encoded += '&';
    encoded += Encode(name, plus);
    encoded += '=';
    encoded += Encode(value, !plus);
    plus = !plus;
  }
  const std::optional<http::Fields> again = http::ParseFormUrlEncoded(encoded);
  S3US_FUZZ_CHECK(again.has_value());
  // An empty name with an empty value encodes as "=", which parses back as one such field.
  S3US_FUZZ_CHECK(*again == *fields);
  return 0;
}
