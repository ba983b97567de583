// Content-Type: the type a browser will later serve the object with, so it is the stored-XSS lever
// (landscape section 5.4). A value must be a well-formed media type and match an allowed entry:
// "type/subtype", "type/*" or "*/*", case-insensitive on type and subtype. Parameters (";
// charset=") are only accepted when an entry lists the same parameters with the same values: a
// wildcard entry never admits parameters, so nothing unexpected rides along on an allowed type.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "verify/internal.h"

namespace s3upload::verify {
namespace internal {
namespace {

// RFC 6838 restricted-name characters.
bool IsRestrictedNameChar(char c) {
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '&':
    case '-':
    case '^':
    case '_':
    case '.':
    case '+':
      return true;
    default:
      return IsAlnum(c);
  }
}

bool IsRestrictedName(std::string_view name) {
  if (name.empty() || name.size() > 127 || !IsAlnum(name.front())) return false;
  for (const char c : name) {
    if (!IsRestrictedNameChar(c)) return false;
  }
  return true;
}

// RFC 9110 tchar.
bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    const bool ok =
        IsAlnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A quoted-string without escapes: printable ASCII and spaces, no '"' or '\' inside.
bool IsSimpleQuotedString(std::string_view text) {
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return false;
  for (const char c : text.substr(1, text.size() - 2)) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

// Views into the text parsed: a value is parsed on every request, and the allowlist's entries
// with it, so nothing is copied or lower-cased; type, subtype and parameter names are compared
// without case instead.
struct MediaType {
  std::string_view type;
  std::string_view subtype;
  std::vector<std::pair<std::string_view, std::string_view>> parameters;  // name, exact value
};

// type "/" subtype *( *SP ";" *SP name "=" value ). Wildcards only when parsing allowlist entries.
std::optional<MediaType> ParseMediaType(std::string_view text, bool allow_wildcards) {
  const std::size_t semicolon = text.find(';');
  const std::string_view essence = text.substr(0, semicolon);
  const std::size_t slash = essence.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const std::string_view type = essence.substr(0, slash);
  std::string_view subtype = essence.substr(slash + 1);
  // Spaces before the ';' are optional whitespace; none is allowed anywhere else in the essence.
  while (semicolon != std::string_view::npos && subtype.ends_with(' ')) subtype.remove_suffix(1);
  const bool wildcard_type = allow_wildcards && type == "*" && subtype == "*";
  const bool wildcard_subtype = allow_wildcards && subtype == "*" && IsRestrictedName(type);
  if (!wildcard_type && !wildcard_subtype &&
      !(IsRestrictedName(type) && IsRestrictedName(subtype))) {
    return std::nullopt;
  }
  MediaType media{type, subtype, {}};
  if (semicolon == std::string_view::npos) return media;

  std::string_view rest = text.substr(semicolon);
  while (!rest.empty()) {
    // rest starts at a ';'
    rest.remove_prefix(1);
    while (rest.starts_with(' ')) rest.remove_prefix(1);
    const std::size_t next = rest.find(';');
    std::string_view parameter = rest.substr(0, next);
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next);
    if (!rest.empty()) {
      while (parameter.ends_with(' ')) parameter.remove_suffix(1);
    }
    const std::size_t equals = parameter.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view name = parameter.substr(0, equals);
    const std::string_view value = parameter.substr(equals + 1);
    if (!IsToken(name) || !(IsToken(value) || IsSimpleQuotedString(value))) return std::nullopt;
    media.parameters.emplace_back(name, value);
  }
  return media;
}

bool Matches(const MediaType& entry, const MediaType& candidate) {
  if (!entry.parameters.empty() || !candidate.parameters.empty()) {
    const auto same_parameter = [](const auto& a, const auto& b) {
      return EqualsIgnoreCase(a.first, b.first) && a.second == b.second;
    };
    return EqualsIgnoreCase(entry.type, candidate.type) &&
           EqualsIgnoreCase(entry.subtype, candidate.subtype) &&
           std::equal(entry.parameters.begin(), entry.parameters.end(),
                      candidate.parameters.begin(), candidate.parameters.end(), same_parameter);
  }
  if (entry.type == "*") return true;
  if (!EqualsIgnoreCase(entry.type, candidate.type)) return false;
  return entry.subtype == "*" || EqualsIgnoreCase(entry.subtype, candidate.subtype);
}

}  // namespace

std::optional<Refusal> CheckContentTypeFor(std::string_view family, std::string_view content_type,
                                           const UploadRules& rules) {
  // The rule id is only built for a refusal: it is longer than a string's inline buffer.
  const auto rule = [family](std::string_view name) {
    return std::string(family) + ".content-type." + std::string(name);
  };
  const std::optional<MediaType> candidate = ParseMediaType(content_type, false);
  if (!candidate) return Refuse(rule("syntax"), "Content-Type " + Quote(content_type));
  for (const std::string& allowed : rules.content_types) {
    const std::optional<MediaType> entry = ParseMediaType(allowed, true);
    if (entry && Matches(*entry, *candidate)) return std::nullopt;
  }
  return Refuse(rule("not-allowed"), "Content-Type " + Quote(content_type));
}

}  // namespace internal

std::optional<Refusal> CheckContentType(std::string_view content_type, const UploadRules& rules) {
  return internal::CheckContentTypeFor("policy", content_type, rules);
}

}  // namespace s3upload::verify
