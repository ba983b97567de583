// Strict UTF-8 (RFC 3629; Unicode 15, table 3-7): the one check every module applies to text a
// client sent before it is compared, logged, signed or written into JSON, and the one encoder.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace s3upload::text {

// Whether `text` is well-formed UTF-8: no truncated sequence, no stray continuation byte, no
// overlong form, no surrogate (U+D800..U+DFFF), nothing above U+10FFFF. NUL is a character like
// any other: callers that must refuse it check it themselves.
bool IsValidUtf8(std::string_view text);

// One decoding step at text[offset] (offset < text.size()): a whole well-formed sequence (`valid`),
// or the longest prefix of one that is ill-formed, at least one byte, which stands for one U+FFFD
// (the "maximal subpart" substitution of Unicode chapter 3, as TextDecoder does).
struct Utf8Step {
  std::size_t length = 1;
  bool valid = false;
};
Utf8Step NextUtf8Step(std::string_view text, std::size_t offset);

// Appends the UTF-8 encoding of `code` (at most U+10FFFF; the caller checks that, and that it is
// not a surrogate, if it must).
void AppendUtf8(std::string& out, char32_t code);

}  // namespace s3upload::text
