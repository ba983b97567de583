// BearerToken: the credentials of "Authorization: Bearer <token68>" (RFC 6750 section 2.1,
// RFC 9110 section 11.4).
#include <algorithm>

#include "s3upload/auth.h"

namespace s3upload::auth {
namespace {

constexpr std::string_view kScheme = "bearer";  // compared case-insensitively

bool IsToken68Character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '+' || c == '/';
}

bool IsOptionalWhitespace(char c) { return c == ' ' || c == '\t'; }

}  // namespace

std::optional<std::string_view> BearerToken(std::string_view value) {
  while (!value.empty() && IsOptionalWhitespace(value.front())) value.remove_prefix(1);
  while (!value.empty() && IsOptionalWhitespace(value.back())) value.remove_suffix(1);
  if (value.size() <= kScheme.size() || value[kScheme.size()] != ' ') return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = value[i];
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (lower != kScheme[i]) return std::nullopt;
  }
  std::string_view token = value.substr(kScheme.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  // token68 = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
  const std::size_t body = token.find_last_not_of('=');
  if (token.empty() || body == std::string_view::npos) return std::nullopt;
  if (!std::all_of(token.begin(), token.begin() + static_cast<std::ptrdiff_t>(body) + 1,
                   IsToken68Character)) {
    return std::nullopt;
  }
  return token;
}

}  // namespace s3upload::auth
