// Strict UTF-8: the decoding step, validation and encoding (utf8.h).
#include "text/utf8.h"

#include "text/plain_prefix.h"

namespace s3upload::text {

namespace {

bool InRange(unsigned char byte, unsigned char low, unsigned char high) {
  return byte >= low && byte <= high;
}

}  // namespace

Utf8Step NextUtf8Step(std::string_view text, std::size_t offset) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(offset);
  if (lead < 0x80) return {1, true};
  // The trailing bytes a lead byte needs, and the range its first trailing byte must be in: the
  // narrower ranges after E0, ED, F0 and F4 are what exclude overlong forms, surrogates and code
  // points above U+10FFFF (Unicode table 3-7).
  std::size_t trailing = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xbf;
  if (InRange(lead, 0xc2, 0xdf)) {
    trailing = 1;
  } else if (lead == 0xe0) {
    trailing = 2;
    low = 0xa0;
  } else if (lead == 0xed) {
    trailing = 2;
    high = 0x9f;
  } else if (InRange(lead, 0xe1, 0xef)) {
    trailing = 2;
  } else if (lead == 0xf0) {
    trailing = 3;
    low = 0x90;
  } else if (InRange(lead, 0xf1, 0xf3)) {
    trailing = 3;
  } else if (lead == 0xf4) {
    trailing = 3;
    high = 0x8f;
  } else {
    return {1, false};  // a continuation byte, C0, C1 or F5..FF: never the start of a character
  }
  std::size_t length = 1;
  while (length <= trailing && offset + length < text.size() &&
         InRange(byte(offset + length), low, high)) {
    ++length;
    low = 0x80;
    high = 0xbf;
  }
  return {length, length == trailing + 1};
}

bool IsValidUtf8(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    i += PlainPrefixLength<0x00, 0x7f>(text.substr(i));  // ASCII: nearly all of any request
    if (i == text.size()) break;
    const Utf8Step step = NextUtf8Step(text, i);
    if (!step.valid) return false;
    i += step.length;
  }
  return true;
}

void AppendUtf8(std::string& out, char32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xc0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xe0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (code & 0x3f));
  }
}

}  // namespace s3upload::text
