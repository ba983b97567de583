// Object keys: the always-on rules, the profile's prefix (with the caller's user) and shapes.
//
// The always-on rules exist because a key is later used as a path by people and tools (S3
// consoles, sync tools, web servers serving a bucket): "..", "//", a leading '/', backslashes and
// control characters are how uploads escape their folder or forge log lines there.
#include <string>

#include "text/utf8.h"
#include "verify/internal.h"

namespace s3upload::verify {
namespace {

using internal::IsAlnum;
using internal::IsHexDigit;
using internal::Quote;
using internal::Refuse;

constexpr std::string_view kUserPlaceholder = "{user}";

// REMOTE_USER is whatever the web server authenticated; only a plain segment may become part of a
// key, so that no user name can reach into another user's folder.
bool IsSafeUserSegment(std::string_view user) {
  if (user.empty() || user.size() > 64 || user == "." || user == "..") return false;
  for (const char c : user) {
    if (!(IsAlnum(c) || c == '.' || c == '_' || c == '@' || c == '+' || c == '-')) return false;
  }
  return true;
}

// C0, DEL and C1 (U+0080-U+009F, encoded C2 80 - C2 9F). Called on valid UTF-8 only.
bool HasControlCharacter(std::string_view key) {
  for (std::size_t i = 0; i < key.size(); ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c < 0x20 || c == 0x7f) return true;
    if (c == 0xc2 && i + 1 < key.size()) {
      const auto next = static_cast<unsigned char>(key[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return true;
    }
  }
  return false;
}

// 8-4-4-4-12 hex digits, either case (Fine Uploader's qq.getUniqueId is lower case; others vary).
bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash_position ? text[i] != '-' : !IsHexDigit(text[i])) return false;
  }
  return true;
}

bool IsExtensionSyntax(std::string_view extension) {
  if (extension.empty() || extension.size() > 16) return false;
  for (const char c : extension) {
    if (!IsAlnum(c)) return false;
  }
  return true;
}

enum class ShapeResult { kMatch, kNoMatch, kBadExtension };

ShapeResult MatchShape(std::string_view name, KeyRules::Shape shape, const KeyRules& rules) {
  switch (shape) {
    case KeyRules::Shape::kAnyName:
      return ShapeResult::kMatch;
    case KeyRules::Shape::kUuid:
      return IsUuid(name) ? ShapeResult::kMatch : ShapeResult::kNoMatch;
    case KeyRules::Shape::kUuidWithExtension: {
      if (name.size() < 38 || name[36] != '.' || !IsUuid(name.substr(0, 36))) {
        return ShapeResult::kNoMatch;
      }
      const std::string_view extension = name.substr(37);
      if (!IsExtensionSyntax(extension)) return ShapeResult::kBadExtension;
      if (rules.extensions.empty()) return ShapeResult::kMatch;
      return internal::ContainsIgnoringCase(rules.extensions, extension)
                 ? ShapeResult::kMatch
                 : ShapeResult::kBadExtension;
    }
  }
  return ShapeResult::kNoMatch;
}

std::optional<Refusal> CheckAlwaysOnRules(std::string_view key, const KeyRules& rules) {
  if (key.empty()) return Refuse("key.empty", "the key is empty");
  if (key.size() > rules.max_length) {
    return Refuse("key.too-long", std::to_string(key.size()) + " bytes, at most " +
                                      std::to_string(rules.max_length) + " allowed");
  }
  if (!text::IsValidUtf8(key)) return Refuse("key.utf8", "the key is not valid UTF-8");
  if (HasControlCharacter(key)) {
    return Refuse("key.control", "control character in key " + Quote(key));
  }
  if (key.front() == '/') return Refuse("key.leading-slash", "key " + Quote(key));
  if (key.find('\\') != std::string_view::npos) return Refuse("key.backslash", "key " + Quote(key));
  for (std::size_t start = 0;;) {  // each '/'-separated segment, without building a list of them
    const std::size_t slash = key.find('/', start);
    const std::string_view segment = key.substr(start, slash - start);
    // A trailing '/' leaves an empty last segment: a "folder" object, never an upload.
    if (segment.empty()) return Refuse("key.empty-segment", "key " + Quote(key));
    if (segment == "." || segment == "..") return Refuse("key.dot-segment", "key " + Quote(key));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  // S3 replaces ${filename} in a POST form's key with the uploaded file's name, which would let
  // the browser choose the final key after we checked it.
  if (key.find("${filename}") != std::string_view::npos) {
    return Refuse("key.variable", "key " + Quote(key) + " uses ${filename}");
  }
  return std::nullopt;
}

}  // namespace

std::optional<Refusal> CheckKey(std::string_view key, const KeyRules& rules, const Caller& caller) {
  if (auto refusal = CheckAlwaysOnRules(key, rules)) return refusal;

  std::string prefix;
  std::string_view rest = rules.prefix;
  while (!rest.empty()) {
    const std::size_t at = rest.find(kUserPlaceholder);
    prefix.append(rest.substr(0, at));
    if (at == std::string_view::npos) break;
    if (!IsSafeUserSegment(caller.user)) {
      return Refuse("key.user", caller.user.empty()
                                    ? "the key prefix needs an authenticated user"
                                    : "user " + Quote(caller.user) + " cannot be a key segment");
    }
    prefix.append(caller.user);
    rest.remove_prefix(at + kUserPlaceholder.size());
  }
  if (!key.starts_with(prefix)) {
    return Refuse("key.prefix", "key " + Quote(key) + " is outside " + Quote(prefix));
  }

  const std::string_view name = key.substr(prefix.size());
  bool bad_extension = false;
  for (const KeyRules::Shape shape : rules.shapes) {
    const ShapeResult result = MatchShape(name, shape, rules);
    if (result == ShapeResult::kMatch) return std::nullopt;
    bad_extension = bad_extension || result == ShapeResult::kBadExtension;
  }
  if (bad_extension) {
    return Refuse("key.extension", "extension of " + Quote(name) + " is not allowed");
  }
  return Refuse("key.shape", "name " + Quote(name) + " has none of the allowed shapes");
}

}  // namespace s3upload::verify
