// Strict JSON for signature requests. RapidJSON parses iteratively (its own heap stack, so a body
// of 100000 '[' cannot exhaust ours) and validates the raw UTF-8; the rest is checked here, also
// iteratively: duplicate keys (RapidJSON keeps both, and which one a reader sees differs between
// parsers - the classic way to make a verifier and a signer disagree) and strings whose escapes
// decode to invalid UTF-8.
#include <rapidjson/error/en.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <string>
#include <vector>

#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

std::optional<Refusal> CheckTree(const rapidjson::Value& root) {
  std::vector<const rapidjson::Value*> pending{&root};
  std::vector<std::string_view> names;
  while (!pending.empty()) {
    const rapidjson::Value* value = pending.back();
    pending.pop_back();
    if (value->IsString()) {
      if (!IsValidUtf8(StringOf(*value))) {
        return Refuse("request.json.encoding", "a string escape decodes to invalid UTF-8");
      }
    } else if (value->IsArray()) {
      for (const rapidjson::Value& element : value->GetArray()) pending.push_back(&element);
    } else if (value->IsObject()) {
      names.clear();
      for (const auto& member : value->GetObject()) {
        const std::string_view name = StringOf(member.name);
        if (!IsValidUtf8(name)) {
          return Refuse("request.json.encoding", "a member name decodes to invalid UTF-8");
        }
        names.push_back(name);
        pending.push_back(&member.value);
      }
      std::sort(names.begin(), names.end());
      const auto duplicate = std::adjacent_find(names.begin(), names.end());
      if (duplicate != names.end()) {
        return Refuse("request.json.duplicate-key", "member " + Quote(*duplicate) + " repeated");
      }
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Refusal> ParseStrictJson(std::string_view text, rapidjson::Document& doc) {
  // RapidJSON reads a NUL byte as the end of the input, so "{...}\0anything" would parse as
  // "{...}"; and its UTF-8 stream skips a byte order mark. Neither belongs in a request body (a
  // NUL is never valid JSON; inside strings it must be escaped).
  if (text.find('\0') != std::string_view::npos) {
    return Refuse("request.json", "not valid JSON: NUL byte");
  }
  if (text.starts_with("\xef\xbb\xbf")) {
    return Refuse("request.json", "not valid JSON: byte order mark");
  }
  doc.Parse<kParseFlags>(text.data(), text.size());
  if (doc.HasParseError()) {
    return Refuse("request.json", std::string("not valid JSON: ") +
                                      rapidjson::GetParseError_En(doc.GetParseError()) +
                                      " at byte " + std::to_string(doc.GetErrorOffset()));
  }
  return CheckTree(doc);
}

}  // namespace s3upload::verify::internal
