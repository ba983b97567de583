// The application's answer to a webhook, read strictly. Its members end up in the reply the
// browser gets, so only a well-formed JSON object is taken: one that every JSON parser reads the
// same way (no duplicate names, well-formed UTF-8, nothing after the value) and of bounded size,
// members and depth.
//
// The body is read with RapidJSON's iterative SAX reader and each member value is written back
// out as it is read, so neither parsing nor re-serialising recurses (and the parse ends at the
// 17th level anyway) and numbers are copied as written (kParseNumbersAsStringsFlag) instead of
// going through a double and losing digits.
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "s3upload/http.h"
#include "s3upload/notify.h"
#include "text/utf8.h"

namespace s3upload::notify {
namespace {

constexpr std::size_t kMaxReplyBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxReplyMembers = 64;
// Arrays and objects nested deeper than this (the root object is 1) end the parse as an error: the
// members go on to browsers, whose parsers do recurse.
constexpr std::size_t kMaxReplyDepth = 16;

constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseNumbersAsStringsFlag;

// Receives the parse events of the whole body. Depth 0 is outside the root, depth 1 is inside the
// root object (where names are member names and values are member values), deeper is inside a
// member value, whose events go to `writer_`. Returning false stops the parse as an error.
class ReplyHandler : public rapidjson::BaseReaderHandler<rapidjson::UTF8<>, ReplyHandler> {
 public:
  ReplyHandler() : writer_(buffer_) {}

  bool complete() const { return root_closed_; }
  ReplyMembers TakeMembers() { return std::move(members_); }

  // Numbers arrive as RawNumber (kParseNumbersAsStringsFlag); anything not handled below is
  // unexpected and refused.
  bool Default() { return false; }

  bool Null() {
    return Scalar([this] { return writer_.Null(); });
  }
  bool Bool(bool value) {
    return Scalar([this, value] { return writer_.Bool(value); });
  }
  bool RawNumber(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    return Scalar(
        [this, text, length] { return writer_.RawValue(text, length, rapidjson::kNumberType); });
  }
  bool String(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    // RapidJSON validates raw bytes, but an escape such as "\udc00" (a lone low surrogate) decodes
    // to bytes that are not UTF-8; those must not be passed on.
    if (!text::IsValidUtf8({text, length})) return false;
    return Scalar([this, text, length] { return writer_.String(text, length); });
  }

  bool StartObject() {
    if (root_closed_) return false;
    if (depth_ == 0) {
      ++depth_;
      object_names_.emplace_back();
      return true;
    }
    if (depth_ == kMaxReplyDepth || !writer_.StartObject()) return false;
    ++depth_;
    object_names_.emplace_back();
    return true;
  }

  bool Key(const char* text, rapidjson::SizeType length, bool /*copy*/) {
    const std::string_view name(text, length);
    if (!text::IsValidUtf8(name)) return false;
    // The reader only calls Key inside an object, so object_names_ is not empty here.
    if (!object_names_.back().emplace(name).second) return false;  // a repeated name
    if (depth_ == 1) {
      if (members_.size() == kMaxReplyMembers) return false;
      members_.emplace_back(std::string(name), std::string());
      buffer_.Clear();
      writer_.Reset(buffer_);
      return true;
    }
    return writer_.Key(text, length);
  }

  bool EndObject(rapidjson::SizeType /*member_count*/) {
    object_names_.pop_back();
    if (depth_ == 1) {
      depth_ = 0;
      root_closed_ = true;
      return true;
    }
    return writer_.EndObject() && EndContainer();
  }

  bool StartArray() {
    if (depth_ == 0) return false;  // the root must be an object
    if (depth_ == kMaxReplyDepth || !writer_.StartArray()) return false;
    ++depth_;
    return true;
  }

  bool EndArray(rapidjson::SizeType /*element_count*/) {
    return writer_.EndArray() && EndContainer();
  }

 private:
  template <typename Write>
  bool Scalar(Write write) {
    if (depth_ == 0) return false;  // the root must be an object
    if (!write()) return false;
    if (depth_ == 1) FinishMember();
    return true;
  }

  bool EndContainer() {
    --depth_;
    if (depth_ == 1) FinishMember();
    return true;
  }

  void FinishMember() {
    members_.back().second = EscapeForBrowsers({buffer_.GetString(), buffer_.GetSize()});
  }

  // The members end up in a reply to a browser, and may quote what a user typed. In JSON written by
  // RapidJSON these characters can only stand inside strings, where their \u escapes mean the same:
  // escaped, a reply sniffed as HTML carries no markup, and old eval-based parsers (Fine Uploader
  // falls back to eval) do not break on U+2028/U+2029.
  static std::string EscapeForBrowsers(std::string_view json) {
    std::string out;
    out.reserve(json.size());
    for (std::size_t i = 0; i < json.size(); ++i) {
      const char c = json[i];
      if (c == '<') {
        out += "\\u003c";
      } else if (c == '>') {
        out += "\\u003e";
      } else if (c == '&') {
        out += "\\u0026";
      } else if (json.substr(i, 3) == "\xe2\x80\xa8" || json.substr(i, 3) == "\xe2\x80\xa9") {
        out += json[i + 2] == '\xa8' ? "\\u2028" : "\\u2029";
        i += 2;
      } else {
        out += c;
      }
    }
    return out;
  }

  rapidjson::StringBuffer buffer_;
  rapidjson::Writer<rapidjson::StringBuffer> writer_;
  std::size_t depth_ = 0;
  bool root_closed_ = false;
  std::vector<std::set<std::string, std::less<>>> object_names_;  // one per open object
  ReplyMembers members_;
};

bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

std::optional<ReplyMembers> ParseReplyObject(std::string_view body) {
  if (body.size() > kMaxReplyBytes) return std::nullopt;
  // RapidJSON reads a NUL byte as the end of the input ("{}\0junk" would parse as "{}"), and its
  // UTF-8 input stream skips a byte order mark; neither is JSON.
  if (body.find('\0') != std::string_view::npos) return std::nullopt;
  if (body.starts_with("\xef\xbb\xbf")) return std::nullopt;
  bool blank = true;
  for (const char c : body) blank = blank && IsJsonWhitespace(c);
  if (blank) return ReplyMembers();

  rapidjson::MemoryStream memory(body.data(), body.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> input(memory);
  rapidjson::Reader reader;
  ReplyHandler handler;
  // Without kParseStopWhenDoneFlag anything but whitespace after the root value is an error.
  reader.Parse<kParseFlags>(input, handler);
  if (reader.HasParseError() || !handler.complete()) return std::nullopt;
  return handler.TakeMembers();
}

}  // namespace s3upload::notify
