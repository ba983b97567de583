// Strict JSON for token headers and payloads, the same rules as verify/json_strict.cc (kept
// separate so that auth/ does not depend on verify/'s internals; the depth bound is shared, in
// json/depth_limit.h). Nesting is bounded while parsing (kMaxTokenJsonDepth); RapidJSON parses
// iteratively and validates the raw UTF-8; the rest is checked here, also iteratively: repeated
// keys (RapidJSON keeps both, and which one a reader sees differs between parsers - the classic way
// to make two JWT libraries read different claims from one token) and strings whose escapes decode
// to invalid UTF-8.
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <vector>

#include "auth/internal.h"
#include "json/depth_limit.h"
#include "s3upload/auth.h"
#include "text/utf8.h"

namespace s3upload::auth::internal {
namespace {

constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

JsonProblem CheckTree(const rapidjson::Value& root) {
  std::vector<const rapidjson::Value*> pending{&root};
  std::vector<std::string_view> names;
  while (!pending.empty()) {
    const rapidjson::Value* value = pending.back();
    pending.pop_back();
    if (value->IsString()) {
      if (!text::IsValidUtf8(StringOf(*value))) return JsonProblem::kSyntax;
    } else if (value->IsArray()) {
      for (const rapidjson::Value& element : value->GetArray()) pending.push_back(&element);
    } else if (value->IsObject()) {
      names.clear();
      for (const auto& member : value->GetObject()) {
        const std::string_view name = StringOf(member.name);
        if (!text::IsValidUtf8(name)) return JsonProblem::kSyntax;
        names.push_back(name);
        pending.push_back(&member.value);
      }
      std::sort(names.begin(), names.end());
      if (std::adjacent_find(names.begin(), names.end()) != names.end()) {
        return JsonProblem::kDuplicateKey;
      }
    }
  }
  return JsonProblem::kNone;
}

}  // namespace

JsonProblem ParseStrictJson(std::string_view text, rapidjson::Document& doc) {
  // RapidJSON reads a NUL byte as the end of the input ("{...}\0anything" would parse as "{...}")
  // and its UTF-8 stream skips a byte order mark; neither belongs in a token.
  if (text.find('\0') != std::string_view::npos || text.starts_with("\xef\xbb\xbf")) {
    return JsonProblem::kSyntax;
  }
  // Nesting is bounded while parsing (json/depth_limit.h): too deep wins over any other syntax
  // error, as it would in a bracket count before parsing.
  rapidjson::MemoryStream memory(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
  const json::DepthLimitedParse parse = json::ParseDepthLimited<kParseFlags>(
      doc, stream, text, kMaxTokenJsonDepth, static_cast<rapidjson::CrtAllocator*>(nullptr));
  if (parse.too_deep) return JsonProblem::kTooDeep;
  if (parse.result.IsError()) return JsonProblem::kSyntax;
  return CheckTree(doc);
}

}  // namespace s3upload::auth::internal
