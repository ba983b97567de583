// Strict JSON for signature requests. The raw text is checked first (UTF-8, no NUL, no byte order
// mark). Compact JSON, what JSON.stringify writes (every Fine Uploader body), is then read into the
// document by json_compact.cc; any other text RapidJSON parses through json/depth_limit.h, which
// ends the parse at the level after kMaxJsonDepth (the bound the auth/ reader shares). RapidJSON's
// recursive reader is used: it runs fewer instructions than its iterative one, and its recursion
// goes no deeper than the handler lets the document go (a refused StartObject/StartArray ends the
// parse before the reader descends), which is kMaxJsonDepth levels. The rest is checked here, also
// iteratively: duplicate keys (RapidJSON keeps both, and which one a reader sees differs between
// parsers - the classic way to make a verifier and a signer disagree) and strings whose escapes
// decode to invalid UTF-8.
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <memory_resource>
#include <string>
#include <vector>

#include "json/depth_limit.h"
#include "text/utf8.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

// No kParseIterativeFlag (see above). No kParseValidateEncodingFlag: the whole body is checked to
// be UTF-8 before parsing (below), which refuses exactly what that flag refuses (raw bytes outside
// strings are syntax errors anyway; both refuse overlong forms, surrogates and code points above
// U+10FFFF), at a fraction of the cost of RapidJSON's character-by-character validation.
constexpr unsigned kParseFlags = 0;

std::optional<Refusal> CheckTree(const rapidjson::Value& root, bool check_strings) {
  // The walk's own lists live on the stack for ordinary documents, like the document itself.
  // Scratch memory for the allocator, not zeroed: that would be a memset per request for nothing.
  std::array<std::byte, 2048> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init)
  std::pmr::monotonic_buffer_resource memory(buffer.data(), buffer.size());
  std::pmr::vector<const rapidjson::Value*> pending(&memory);
  pending.reserve(64);
  pending.push_back(&root);
  std::pmr::vector<std::string_view> names(&memory);
  while (!pending.empty()) {
    const rapidjson::Value* value = pending.back();
    pending.pop_back();
    if (value->IsString()) {
      if (check_strings && !text::IsValidUtf8(StringOf(*value))) {
        return Refuse("request.json.encoding", "a string escape decodes to invalid UTF-8");
      }
    } else if (value->IsArray()) {
      for (const rapidjson::Value& element : value->GetArray()) pending.push_back(&element);
    } else if (value->IsObject()) {
      names.clear();
      for (const auto& member : value->GetObject()) {
        const std::string_view name = StringOf(member.name);
        if (check_strings && !text::IsValidUtf8(name)) {
          return Refuse("request.json.encoding", "a member name decodes to invalid UTF-8");
        }
        names.push_back(name);
        pending.push_back(&member.value);
      }
      // Two names are compared as they are (every object of a policy has one or two members).
      if (names.size() > 2) std::sort(names.begin(), names.end());
      const auto duplicate = std::adjacent_find(names.begin(), names.end());
      if (duplicate != names.end()) {
        return Refuse("request.json.duplicate-key", "member " + Quote(*duplicate) + " repeated");
      }
    }
  }
  return std::nullopt;
}

// What every body must pass before RapidJSON sees it. RapidJSON reads a NUL byte as the end of the
// input, so "{...}\0anything" would parse as "{...}"; and its UTF-8 stream skips a byte order mark.
// Neither belongs in a request body (a NUL is never valid JSON; inside strings it must be escaped).
std::optional<Refusal> CheckText(std::string_view text) {
  if (text.find('\0') != std::string_view::npos) {
    return Refuse("request.json", "not valid JSON: NUL byte");
  }
  if (text.starts_with("\xef\xbb\xbf")) {
    return Refuse("request.json", "not valid JSON: byte order mark");
  }
  if (!text::IsValidUtf8(text)) return Refuse("request.json", "not valid JSON: invalid UTF-8");
  return std::nullopt;
}

// The nesting is bounded while parsing (json/depth_limit.h), with the verdict of a bracket count
// before parsing: a text nested too deep is refused as such even where it is broken JSON.
template <unsigned Flags, typename Document, typename Stream, typename StackAllocator>
std::optional<Refusal> ParseChecked(Document& doc, Stream& stream, std::string_view text,
                                    StackAllocator* stack_allocator) {
  const json::DepthLimitedParse parse =
      json::ParseDepthLimited<Flags>(doc, stream, text, kMaxJsonDepth, stack_allocator);
  if (parse.too_deep) {
    return Refuse("request.json.depth",
                  "arrays and objects nested more than " + std::to_string(kMaxJsonDepth) + " deep");
  }
  if (parse.result.IsError()) {
    return Refuse("request.json", std::string("not valid JSON: ") +
                                      rapidjson::GetParseError_En(parse.result.Code()) +
                                      " at byte " + std::to_string(parse.result.Offset()));
  }
  // Only an escape can make a string that is not a slice of the (valid UTF-8) text, and only a
  // \u escape one that is not valid UTF-8: without one, the strings need no second look.
  return CheckTree(doc, /*check_strings=*/text.find("\\u") != std::string_view::npos);
}

}  // namespace

// The buffers are scratch memory for the parser and its allocators, not zeroed: that would be a
// memset of 8 KiB per request for nothing.
RequestJson::RequestJson()  // NOLINT(cppcoreguidelines-pro-type-member-init)
    : values_(value_buffer_, sizeof value_buffer_, kSpillChunkBytes),
      stack_(stack_buffer_, sizeof stack_buffer_, kSpillChunkBytes),
      doc_(&values_, kParseStackBytes, &stack_) {}

std::optional<Refusal> ParseStrictJson(std::string_view text, RequestJson& json) {
  if (auto refusal = CheckText(text)) return refusal;
  // In situ: RapidJSON decodes the strings inside a NUL-terminated copy and points at them, instead
  // of building each one on its stack and copying it again into the document.
  // RapidJSON's SSE2 scans read the aligned 16-byte block that holds the terminating NUL, which may
  // reach up to 15 bytes past it: the copy keeps that much room after the NUL.
  constexpr std::size_t kScanPadding = 16;
  char* copy = json.text_buffer_;
  if (text.size() + kScanPadding > sizeof json.text_buffer_) {
    json.large_text_.resize(text.size() + kScanPadding);
    copy = json.large_text_.data();
  }
  std::memcpy(copy, text.data(), text.size());
  copy[text.size()] = '\0';
  // Compact JSON, without \u escapes or duplicate names, is read without RapidJSON's reader
  // (json_compact.cc), and needs no second look.
  if (ReadCompactJson(copy, text.size(), json.doc_)) return std::nullopt;
  // That reader may have decoded escapes in place before it gave up: RapidJSON gets a new copy.
  std::memcpy(copy, text.data(), text.size());
  rapidjson::InsituStringStream stream(copy);
  return ParseChecked<kParseFlags | rapidjson::kParseInsituFlag>(json.doc_, stream, text,
                                                                 &json.stack_);
}

std::optional<Refusal> ParseStrictJson(std::string_view text, rapidjson::Document& doc) {
  if (auto refusal = CheckText(text)) return refusal;
  rapidjson::MemoryStream memory(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
  return ParseChecked<kParseFlags>(doc, stream, text,
                                   static_cast<rapidjson::CrtAllocator*>(nullptr));
}

}  // namespace s3upload::verify::internal
