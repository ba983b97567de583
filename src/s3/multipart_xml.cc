// ParseXml and the readers of S3's multipart answers (InitiateMultipartUploadResult,
// ListPartsResult, CompleteMultipartUploadResult, Error).
//
// S3's answers are small, flat documents; this reads exactly the XML they use (elements, text,
// the predefined entities, character references, comments, processing instructions, CDATA) and
// refuses everything else, DOCTYPE above all: no entity is ever defined by the document, so no
// expansion attack (billion laughs, external entities) is possible. Iterative, with a bounded
// depth and element count.
#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include "s3upload/s3_multipart.h"
#include "text/utf8.h"

namespace s3upload::s3 {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Name characters, loosely: anything that cannot end a name. XML's own rules are wider than what
// S3 uses and stricter than what this needs to be safe.
bool EndsName(char c) { return IsSpace(c) || c == '>' || c == '/' || c == '=' || c == '<'; }

// Decodes `raw` character data (between tags) into `out`; false on an unknown or broken entity.
bool DecodeText(std::string_view raw, std::string& out) {
  for (std::size_t i = 0; i < raw.size();) {
    const char c = raw[i];
    if (c != '&') {
      out += c;
      ++i;
      continue;
    }
    const std::size_t semicolon = raw.find(';', i);
    if (semicolon == std::string_view::npos || semicolon - i > 12) return false;
    const std::string_view entity = raw.substr(i + 1, semicolon - i - 1);
    i = semicolon + 1;
    if (entity == "lt") {
      out += '<';
    } else if (entity == "gt") {
      out += '>';
    } else if (entity == "amp") {
      out += '&';
    } else if (entity == "quot") {
      out += '"';
    } else if (entity == "apos") {
      out += '\'';
    } else if (entity.size() >= 2 && entity[0] == '#') {
      const bool hex = entity[1] == 'x';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      std::uint32_t cp = 0;
      const auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), cp, hex ? 16 : 10);
      if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
        return false;
      }
      // XML's Char production: no NUL, no surrogates, nothing above U+10FFFF.
      if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return false;
      text::AppendUtf8(out, static_cast<char32_t>(cp));
    } else {
      return false;
    }
  }
  return true;
}

bool IsBlank(std::string_view text) {
  for (char c : text) {
    if (!IsSpace(c)) return false;
  }
  return true;
}

class Parser {
 public:
  explicit Parser(std::string_view xml) : xml_(xml) {}

  std::variant<XmlElement, std::string> Run() {
    if (xml_.size() > kMaxXmlBytes) return Fail("document too large");
    if (xml_.starts_with("\xEF\xBB\xBF")) pos_ = 3;  // a UTF-8 byte order mark
    XmlElement root;
    bool have_root = false;
    std::vector<XmlElement*> open;  // the path to the element being read
    std::size_t elements = 0;
    while (pos_ < xml_.size()) {
      if (xml_[pos_] != '<') {
        const std::size_t next = xml_.find('<', pos_);
        const std::string_view raw = xml_.substr(
            pos_, next == std::string_view::npos ? std::string_view::npos : next - pos_);
        pos_ = next == std::string_view::npos ? xml_.size() : next;
        if (open.empty()) {
          if (!IsBlank(raw)) return Fail("text outside the root element");
          continue;
        }
        if (!DecodeText(raw, open.back()->text)) return Fail("unknown or malformed entity");
        continue;
      }
      const std::string_view rest = xml_.substr(pos_);
      if (rest.starts_with("<?")) {
        if (!SkipPast("?>")) return Fail("unterminated processing instruction");
        continue;
      }
      if (rest.starts_with("<!--")) {
        if (!SkipPast("-->")) return Fail("unterminated comment");
        continue;
      }
      if (rest.starts_with("<![CDATA[")) {
        if (open.empty()) return Fail("CDATA outside the root element");
        const std::size_t end = xml_.find("]]>", pos_ + 9);
        if (end == std::string_view::npos) return Fail("unterminated CDATA section");
        open.back()->text.append(xml_.substr(pos_ + 9, end - pos_ - 9));
        pos_ = end + 3;
        continue;
      }
      if (rest.starts_with("<!")) return Fail("DOCTYPE and declarations are not accepted");
      if (rest.starts_with("</")) {
        pos_ += 2;
        const std::string_view name = ReadName();
        SkipSpaces();
        if (pos_ >= xml_.size() || xml_[pos_] != '>') return Fail("malformed end tag");
        ++pos_;
        if (open.empty() || open.back()->name != name) {
          return Fail("end tag </" + std::string(name.substr(0, 64)) + "> does not match");
        }
        open.pop_back();
        continue;
      }
      // A start tag.
      ++pos_;
      const std::string_view name = ReadName();
      if (name.empty()) return Fail("malformed start tag");
      if (open.empty() && have_root) return Fail("content after the root element");
      if (open.size() >= kMaxXmlDepth) return Fail("nested too deeply");
      if (++elements > kMaxXmlElements) return Fail("too many elements");
      XmlElement* element = nullptr;
      if (open.empty()) {
        element = &root;
        have_root = true;
      } else {
        open.back()->children.emplace_back();
        element = &open.back()->children.back();
      }
      element->name = std::string(name);
      bool self_closing = false;
      if (auto error = SkipAttributes(self_closing)) return Fail(*error);
      if (!self_closing) open.push_back(element);
    }
    if (!have_root) return Fail("no root element");
    if (!open.empty()) return Fail("element <" + open.back()->name + "> is not closed");
    return root;
  }

 private:
  static std::string Fail(std::string message) { return "malformed XML: " + message; }

  bool SkipPast(std::string_view terminator) {
    const std::size_t end = xml_.find(terminator, pos_);
    if (end == std::string_view::npos) return false;
    pos_ = end + terminator.size();
    return true;
  }

  void SkipSpaces() {
    while (pos_ < xml_.size() && IsSpace(xml_[pos_])) ++pos_;
  }

  std::string_view ReadName() {
    const std::size_t start = pos_;
    while (pos_ < xml_.size() && !EndsName(xml_[pos_])) ++pos_;
    return xml_.substr(start, pos_ - start);
  }

  // After the name of a start tag: attributes (name="value" or name='value', skipped) up to ">"
  // or "/>".
  std::optional<std::string> SkipAttributes(bool& self_closing) {
    while (true) {
      const std::size_t before = pos_;
      SkipSpaces();
      if (pos_ >= xml_.size()) return "unterminated start tag";
      if (xml_[pos_] == '>') {
        ++pos_;
        return std::nullopt;
      }
      if (xml_.substr(pos_).starts_with("/>")) {
        pos_ += 2;
        self_closing = true;
        return std::nullopt;
      }
      if (pos_ == before) return "malformed attribute";  // no space before it
      if (ReadName().empty()) return "malformed attribute";
      SkipSpaces();
      if (pos_ >= xml_.size() || xml_[pos_] != '=') return "malformed attribute";
      ++pos_;
      SkipSpaces();
      if (pos_ >= xml_.size() || (xml_[pos_] != '"' && xml_[pos_] != '\'')) {
        return "malformed attribute value";
      }
      const char quote = xml_[pos_++];
      const std::size_t end = xml_.find(quote, pos_);
      if (end == std::string_view::npos) return "unterminated attribute value";
      if (xml_.substr(pos_, end - pos_).find('<') != std::string_view::npos) {
        return "malformed attribute value";
      }
      pos_ = end + 1;
    }
  }

  std::string_view xml_;
  std::size_t pos_ = 0;
};

// "S3 error AccessDenied: Access Denied" from an <Error> root; "" for another root.
std::string ErrorText(const XmlElement& root) {
  if (root.name != "Error") return "";
  const XmlElement* code = root.Child("Code");
  const XmlElement* message = root.Child("Message");
  std::string text = "S3 error " + (code ? code->text.substr(0, 100) : std::string("(no code)"));
  if (message != nullptr) text += ": " + message->text.substr(0, 200);
  return text;
}

// The root, checked to be `expected` (an <Error> root gives S3's code and message).
std::variant<XmlElement, std::string> Root(std::string_view xml, std::string_view expected) {
  auto parsed = ParseXml(xml);
  if (auto* message = std::get_if<std::string>(&parsed)) return std::move(*message);
  XmlElement& root = std::get<XmlElement>(parsed);
  if (root.name == expected) return std::move(root);
  if (std::string error = ErrorText(root); !error.empty()) return error;
  return "unexpected answer <" + root.name.substr(0, 64) + ">, expected <" + std::string(expected) +
         ">";
}

std::optional<std::uint64_t> ParseUnsigned(std::string_view text) {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

std::string_view Trimmed(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

}  // namespace

const XmlElement* XmlElement::Child(std::string_view child_name) const {
  for (const XmlElement& child : children) {
    if (child.name == child_name) return &child;
  }
  return nullptr;
}

std::variant<XmlElement, std::string> ParseXml(std::string_view xml) { return Parser(xml).Run(); }

std::variant<CreatedUpload, std::string> ParseInitiateMultipartUploadResult(std::string_view xml) {
  auto root = Root(xml, "InitiateMultipartUploadResult");
  if (auto* message = std::get_if<std::string>(&root)) return std::move(*message);
  const XmlElement* upload_id = std::get<XmlElement>(root).Child("UploadId");
  if (upload_id == nullptr || Trimmed(upload_id->text).empty()) {
    return std::string("InitiateMultipartUploadResult without an UploadId");
  }
  return CreatedUpload{std::string(Trimmed(upload_id->text))};
}

std::variant<PartsPage, std::string> ParseListPartsResult(std::string_view xml) {
  auto root_or_error = Root(xml, "ListPartsResult");
  if (auto* message = std::get_if<std::string>(&root_or_error)) return std::move(*message);
  const XmlElement& root = std::get<XmlElement>(root_or_error);
  PartsPage page;
  if (const XmlElement* truncated = root.Child("IsTruncated")) {
    const std::string_view value = Trimmed(truncated->text);
    if (value != "true" && value != "false") {
      return "ListPartsResult: IsTruncated is \"" + std::string(value.substr(0, 20)) + "\"";
    }
    page.truncated = value == "true";
  }
  if (page.truncated) {
    const XmlElement* marker = root.Child("NextPartNumberMarker");
    const auto value = marker ? ParseUnsigned(Trimmed(marker->text)) : std::nullopt;
    if (!value || *value < 1 || *value > 10000) {
      return std::string("ListPartsResult: truncated without a valid NextPartNumberMarker");
    }
    page.next_part_number_marker = static_cast<std::uint32_t>(*value);
  }
  for (const XmlElement& child : root.children) {
    if (child.name != "Part") continue;
    const XmlElement* number = child.Child("PartNumber");
    const XmlElement* etag = child.Child("ETag");
    const XmlElement* size = child.Child("Size");
    const auto number_value = number ? ParseUnsigned(Trimmed(number->text)) : std::nullopt;
    const auto size_value = size ? ParseUnsigned(Trimmed(size->text)) : std::nullopt;
    if (!number_value || *number_value < 1 || *number_value > 10000 || !size_value ||
        etag == nullptr) {
      return std::string("ListPartsResult: a Part without a valid PartNumber, ETag and Size");
    }
    UploadedPart part;
    part.part_number = static_cast<std::uint32_t>(*number_value);
    part.etag = std::string(Trimmed(etag->text));
    part.size = *size_value;
    if (const XmlElement* modified = child.Child("LastModified")) {
      part.last_modified = std::string(Trimmed(modified->text));
    }
    page.parts.push_back(std::move(part));
  }
  return page;
}

std::variant<CompletedUpload, std::string> ParseCompleteMultipartUploadResult(
    std::string_view xml) {
  auto root_or_error = Root(xml, "CompleteMultipartUploadResult");
  if (auto* message = std::get_if<std::string>(&root_or_error)) return std::move(*message);
  const XmlElement& root = std::get<XmlElement>(root_or_error);
  CompletedUpload done;
  const auto text = [&root](std::string_view name) {
    const XmlElement* child = root.Child(name);
    return child ? std::string(Trimmed(child->text)) : std::string();
  };
  done.location = text("Location");
  done.bucket = text("Bucket");
  done.key = text("Key");
  done.etag = text("ETag");
  return done;
}

}  // namespace s3upload::s3
