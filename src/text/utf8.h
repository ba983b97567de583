// Strict UTF-8 (RFC 3629; Unicode 15, table 3-7): the one check every module applies to text a
// client sent before it is compared, logged, signed or written into JSON.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace s3upload::text {

// Whether `text` is well-formed UTF-8: no truncated sequence, no stray continuation byte, no
// overlong form, no surrogate (U+D800..U+DFFF), nothing above U+10FFFF. NUL is a character like
// any other: callers that must refuse it check it themselves.
bool IsValidUtf8(std::string_view text);

}  // namespace s3upload::text
