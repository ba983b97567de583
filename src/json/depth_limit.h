// Bounded nesting for RapidJSON documents, shared by the strict JSON readers of verify/ (request
// bodies) and auth/ (token headers and payloads). Header-only: it depends on RapidJSON alone.
//
// The depth is counted while the document is parsed, by a SAX handler between RapidJSON's reader
// and the document: one level too many ends the parse there, so no document ever holds more, and
// the recursive reader (which asks the handler before it descends) never recurses deeper than the
// limit. The text is not scanned for brackets first.
//
// A parse that fails for another reason is reported as too deep when the text's brackets (outside
// strings) nest deeper than the limit, wherever they are: for every input, the verdict is the one
// of a bracket pre-scan followed by the parse, which is what these readers did before.
#pragma once

#include <rapidjson/reader.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace s3upload::json {

// Whether the brackets of `text` nest deeper than `max_depth`, counted outside strings (a '\' in a
// string escapes the next byte). Exact for well-formed JSON (and for every prefix of it).
inline bool NestsDeeperThan(std::string_view text, std::size_t max_depth) {
  std::size_t depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

// Forwards every parse event to `target` (a rapidjson::GenericDocument, or any other handler) and
// refuses the array or object that would be nested deeper than `max_depth` (the root is level 1).
template <typename Target>
class DepthLimitedHandler {
 public:
  using Ch = typename Target::Ch;

  DepthLimitedHandler(Target& target, std::size_t max_depth)
      : target_(target), max_depth_(max_depth) {}

  bool Null() { return target_.Null(); }
  bool Bool(bool value) { return target_.Bool(value); }
  bool Int(int value) { return target_.Int(value); }
  bool Uint(unsigned value) { return target_.Uint(value); }
  bool Int64(std::int64_t value) { return target_.Int64(value); }
  bool Uint64(std::uint64_t value) { return target_.Uint64(value); }
  bool Double(double value) { return target_.Double(value); }
  bool RawNumber(const Ch* text, rapidjson::SizeType length, bool copy) {
    return target_.RawNumber(text, length, copy);
  }
  bool String(const Ch* text, rapidjson::SizeType length, bool copy) {
    return target_.String(text, length, copy);
  }
  bool Key(const Ch* text, rapidjson::SizeType length, bool copy) {
    return target_.Key(text, length, copy);
  }
  bool StartObject() { return Enter() && target_.StartObject(); }
  bool EndObject(rapidjson::SizeType member_count) {
    --depth_;
    return target_.EndObject(member_count);
  }
  bool StartArray() { return Enter() && target_.StartArray(); }
  bool EndArray(rapidjson::SizeType element_count) {
    --depth_;
    return target_.EndArray(element_count);
  }

 private:
  bool Enter() {
    if (depth_ == max_depth_) return false;
    ++depth_;
    return true;
  }

  Target& target_;
  const std::size_t max_depth_;
  std::size_t depth_ = 0;
};

struct DepthLimitedParse {
  rapidjson::ParseResult result;  // RapidJSON's error and offset when the parse failed
  bool too_deep = false;          // failed, and the text nests deeper than the limit
};

// Parses `stream` into `doc` with RapidJSON's reader and `flags` (iterative or not: either way the
// reader's stack grows with the depth, which is bounded), at most `max_depth` levels deep.
// `stack_allocator` is what the reader's own stack takes its memory from (as GenericDocument::Parse
// passes its stack allocator; nullptr: the reader's default). `text` is the whole input, for the
// bracket count when the parse fails. On failure `doc` is left as it was, like a failed Parse.
template <unsigned Flags, typename Document, typename Stream, typename StackAllocator>
DepthLimitedParse ParseDepthLimited(Document& doc, Stream& stream, std::string_view text,
                                    std::size_t max_depth, StackAllocator* stack_allocator) {
  DepthLimitedParse outcome;
  auto generate = [&](Document& target) {
    DepthLimitedHandler<Document> handler(target, max_depth);
    rapidjson::GenericReader<typename Document::EncodingType, typename Document::EncodingType,
                             StackAllocator>
        reader(stack_allocator);
    outcome.result = reader.template Parse<Flags>(stream, handler);
    return !outcome.result.IsError();
  };
  doc.Populate(generate);
  // Stopped at the level too many (whose brackets the count finds), or failed elsewhere in a text
  // that nests too deep all the same. A parse that succeeded never went deeper than the limit.
  if (outcome.result.IsError()) outcome.too_deep = NestsDeeperThan(text, max_depth);
  return outcome;
}

}  // namespace s3upload::json
