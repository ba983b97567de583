// JSON text helpers private to notify/: UTF-8 decoding by maximal subparts and string literals
// written the way JavaScript's JSON.stringify writes them.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace s3upload::notify::internal {

// One decoding step at text[offset]: either a whole well-formed UTF-8 sequence, or the longest
// prefix of one that is ill-formed (at least one byte), which stands for one U+FFFD. This is the
// "maximal subpart" substitution of Unicode chapter 3 (also what TextDecoder and Python's
// errors="replace" do), so a receiver decoding the same bytes sees the same text.
struct Utf8Step {
  std::size_t length = 1;
  bool valid = false;
};
Utf8Step DecodeUtf8Step(std::string_view text, std::size_t offset);

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// A JSON string literal (with the quotes) as JSON.stringify would write the string: '"' and '\'
// escaped, \b \f \n \r \t for those controls, \u00xx (lower-case hex) for the other controls,
// everything else as is. Ill-formed UTF-8 becomes U+FFFD (written as the character itself).
std::string JsonStringLiteral(std::string_view text);

}  // namespace s3upload::notify::internal
