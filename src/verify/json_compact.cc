// The compact JSON that clients write with JSON.stringify (every Fine Uploader body), read straight
// into the document, in situ, without RapidJSON's reader. It reads only a subset of JSON: an
// object at the top, no whitespace, no true/false/null, numbers only as non-negative integers up
// to 2^64 - 1, no \u escapes, at most kMaxJsonDepth levels, objects of at most kMaxMembers members
// and no name twice in one object. Anything else, valid JSON or not, makes it return false, and the
// caller parses the text again with RapidJSON and its strict checks, which decide (and name the
// error). So the subset may be narrow, but what it accepts must be exactly what RapidJSON would
// build from the same text: the same values in the same order, each string the same bytes,
// NUL-terminated at the same place of the buffer, each number with the same flags.
// tests/verify/json_compact_test.cc compares the two on every body the tests know and on every
// one-byte change of them.
//
// Why: RapidJSON's reader takes a byte-at-a-time path to the 16-byte alignment of every string
// before its SSE2 scan, and a policy is mostly short strings: with the walk for duplicate names
// after it, its parse was about a quarter of the instructions of verifying and signing a policy,
// SHA-256 aside. Here a string ends at the first quote, backslash or control character that
// text::PlainPrefixLength finds from wherever it starts, and names are compared as they are read.
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

#include "text/plain_prefix.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

// Most members an object may have here: a policy's top object has two, a condition one, a
// REST request's one; an Uppy body has a handful.
constexpr std::size_t kMaxMembers = 16;

// A member name, trivially constructible so that an array of them costs nothing to create.
struct Name {
  const char* data;
  std::size_t size;
};

template <typename Handler>
class CompactReader {
 public:
  CompactReader(char* text, std::size_t size, Handler& handler)
      : text_(text), size_(size), handler_(handler) {}

  bool ReadDocument() {
    return Peek() == '{' && ReadValue(1) && at_ == size_;  // nothing after the value
  }

 private:
  char Peek() const { return at_ < size_ ? text_[at_] : '\0'; }
  bool Take(char c) {
    if (Peek() != c) return false;
    ++at_;
    return true;
  }

  bool ReadValue(std::size_t depth) {
    switch (Peek()) {
      case '"':
        return ReadString(false).data() != nullptr;
      case '{':
        return depth <= kMaxJsonDepth && ReadObject(depth);
      case '[':
        return depth <= kMaxJsonDepth && ReadArray(depth);
      default:
        return ReadNumber();
    }
  }

  // Also declines an object with a name repeated (so that the caller's strict parse refuses it,
  // naming the name) or with more members than it compares with each other.
  bool ReadObject(std::size_t depth) {
    ++at_;  // '{'
    handler_.StartObject();
    // Not initialised: written before it is read, and most objects have one member.
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-member-init)
    std::array<Name, kMaxMembers> names;
    rapidjson::SizeType members = 0;
    if (!Take('}')) {
      do {
        if (members == names.size() || Peek() != '"') return false;
        const std::string_view name = ReadString(true);
        if (name.data() == nullptr || !Take(':')) return false;
        for (rapidjson::SizeType i = 0; i < members; ++i) {
          if (std::string_view(names[i].data, names[i].size) == name) return false;
        }
        names[members++] = Name{name.data(), name.size()};
        if (!ReadValue(depth + 1)) return false;
      } while (Take(','));
      if (!Take('}')) return false;
    }
    handler_.EndObject(members);
    return true;
  }

  bool ReadArray(std::size_t depth) {
    ++at_;  // '['
    handler_.StartArray();
    rapidjson::SizeType elements = 0;
    if (!Take(']')) {
      do {
        if (!ReadValue(depth + 1)) return false;
        ++elements;
      } while (Take(','));
      if (!Take(']')) return false;
    }
    handler_.EndArray(elements);
    return true;
  }

  // Decoded where it stands, as RapidJSON's in-situ parse does: an escape shortens the text, so
  // the bytes after it move left, and a NUL ends the decoded string. Returns the decoded string,
  // or a view without data if the reader declines.
  std::string_view ReadString(bool is_key) {
    ++at_;  // '"'
    char* const start = text_ + at_;
    char* to = start;
    while (true) {
      const std::size_t run = text::PlainPrefixLength<0x20, 0xff, '"', '\\'>(
          std::string_view(text_ + at_, size_ - at_));
      if (to != text_ + at_) std::memmove(to, text_ + at_, run);
      to += run;
      at_ += run;
      if (at_ == size_) return {};  // unterminated
      const char c = text_[at_++];
      if (c == '"') break;
      if (c != '\\' || at_ == size_) return {};  // a control character, or a lone backslash
      switch (text_[at_++]) {
        case '"':
          *to++ = '"';
          break;
        case '\\':
          *to++ = '\\';
          break;
        case '/':
          *to++ = '/';
          break;
        case 'b':
          *to++ = '\b';
          break;
        case 'f':
          *to++ = '\f';
          break;
        case 'n':
          *to++ = '\n';
          break;
        case 'r':
          *to++ = '\r';
          break;
        case 't':
          *to++ = '\t';
          break;
        default:
          return {};  // \u (RapidJSON's, with the UTF-8 check after it) or not an escape
      }
    }
    *to = '\0';
    const auto length = static_cast<rapidjson::SizeType>(to - start);
    if (is_key) {
      handler_.Key(start, length, false);
    } else {
      handler_.String(start, length, false);
    }
    return {start, length};
  }

  // Digits only, read as S3 writes sizes (ParseDecimal: no leading zero except "0" itself, no
  // overflow). A fraction or an exponent after them is declined by the caller, which expects
  // ',', ']' or '}' there.
  bool ReadNumber() {
    const std::size_t first = at_;
    while (at_ < size_ && IsDigit(text_[at_])) ++at_;
    const std::optional<std::uint64_t> value =
        ParseDecimal(std::string_view(text_ + first, at_ - first));
    if (!value) return false;
    handler_.Uint64(*value);  // the same value, flags included, as RapidJSON's Uint below 2^32
    return true;
  }

  char* const text_;
  const std::size_t size_;
  Handler& handler_;
  std::size_t at_ = 0;
};

}  // namespace

bool ReadCompactJson(char* text, std::size_t size, RequestJson::Document& doc) {
  bool read = false;
  const auto generate = [&](RequestJson::Document& handler) {
    read = CompactReader(text, size, handler).ReadDocument();
    return read;
  };
  doc.Populate(generate);
  return read;
}

}  // namespace s3upload::verify::internal
