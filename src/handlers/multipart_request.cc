// ParseMultipartCall, ReadMultipartQuery and ReadCompleteBody: the multipart handler's reading of
// a request, every bound checked before the work it bounds.
#include "handlers/multipart_request.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <system_error>
#include <utility>

#include "handlers/replies.h"
#include "s3upload/verify.h"

namespace s3upload::handlers::internal {
namespace {

MultipartRefusal Refuse(int status, std::string rule, std::string detail, std::string message) {
  return MultipartRefusal{status, std::move(rule), std::move(detail), std::move(message), ""};
}

MultipartRefusal NotFound(std::string_view path) {
  return Refuse(404, "multipart.path", "no multipart call at " + std::string(path.substr(0, 200)),
                "not found");
}

MultipartRefusal WrongMethod(std::string_view method, std::string allow) {
  MultipartRefusal refusal =
      Refuse(405, "multipart.method", std::string(method.substr(0, 16)) + " here, allowed " + allow,
             "method not allowed");
  refusal.allow = std::move(allow);
  return refusal;
}

bool IsEtagCharacter(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

constexpr std::size_t kMaxEtagBytes = 128;

MultipartRefusal BodyRefusal(std::string detail) {
  return Refuse(400, "multipart.parts.malformed", std::move(detail),
                "the request body is not {\"parts\": [{\"PartNumber\": n, \"ETag\": \"...\"}]}");
}

// The member names of `object`, refusing one given twice (RapidJSON keeps both).
bool HasDuplicateMember(const rapidjson::Value& object) {
  for (auto it = object.MemberBegin(); it != object.MemberEnd(); ++it) {
    for (auto earlier = object.MemberBegin(); earlier != it; ++earlier) {
      if (it->name == earlier->name) return true;
    }
  }
  return false;
}

}  // namespace

std::string_view UnquotedEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    return etag.substr(1, etag.size() - 2);
  }
  return etag;
}

std::optional<std::uint32_t> ParsePartNumber(std::string_view text, std::uint32_t max_parts) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || text.size() > 5 || error != std::errc() || end != text.data() + text.size() ||
      text.front() == '0') {
    return std::nullopt;
  }
  if (value < 1 || value > std::min(max_parts, verify::kMaxPartNumber)) return std::nullopt;
  return value;
}

std::variant<MultipartCall, MultipartRefusal> ParseMultipartCall(std::string_view method,
                                                                 std::string_view path,
                                                                 std::string_view route_path) {
  // The bare prefix ("/s3/multipart") or the prefix itself: create.
  if (path.size() <= route_path.size()) {
    if (method != "POST") return WrongMethod(method, "POST");
    return MultipartCall{MultipartAction::kCreate, "", 0};
  }
  const std::string_view rest = path.substr(route_path.size());
  const std::size_t slash = rest.find('/');
  MultipartCall call;
  call.upload_id = std::string(rest.substr(0, slash));
  if (call.upload_id.empty()) return NotFound(path);
  if (slash == std::string_view::npos) {
    if (method == "GET") {
      call.action = MultipartAction::kList;
    } else if (method == "DELETE") {
      call.action = MultipartAction::kAbort;
    } else {
      return WrongMethod(method, "DELETE, GET");
    }
    return call;
  }
  const std::string_view last = rest.substr(slash + 1);
  if (last.find('/') != std::string_view::npos || last.empty()) return NotFound(path);
  if (last == "complete") {
    if (method != "POST") return WrongMethod(method, "POST");
    call.action = MultipartAction::kComplete;
    return call;
  }
  if (last == "batch") {
    if (method != "GET") return WrongMethod(method, "GET");
    call.action = MultipartAction::kBatch;
    return call;
  }
  if (!std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return NotFound(path);
  }
  if (method != "GET") return WrongMethod(method, "GET");
  const std::optional<std::uint32_t> number = ParsePartNumber(last, verify::kMaxPartNumber);
  if (!number) {
    return Refuse(400, "multipart.part-number", "part " + Quoted(last),
                  "part numbers are 1 to 10000");
  }
  call.action = MultipartAction::kSignPart;
  call.part_number = *number;
  return call;
}

std::variant<MultipartQuery, MultipartRefusal> ReadMultipartQuery(std::string_view query,
                                                                  bool batch,
                                                                  std::uint32_t max_parts) {
  const std::optional<http::Fields> fields = http::ParseFormUrlEncoded(query);
  if (!fields) {
    return Refuse(400, "multipart.request.query", "malformed percent-encoding",
                  "the request's parameters are not properly encoded");
  }
  std::optional<std::string> key, numbers;
  for (const auto& [name, value] : *fields) {
    std::optional<std::string>* slot = nullptr;
    if (name == "key") {
      slot = &key;
    } else if (batch && name == "partNumbers") {
      slot = &numbers;
    } else {
      return Refuse(400, "multipart.request.query", "parameter " + Quoted(name),
                    "unknown parameter \"" + name.substr(0, 64) + "\"");
    }
    if (slot->has_value()) {
      return Refuse(400, "multipart.request.query", "parameter " + Quoted(name) + " repeated",
                    "the parameter \"" + name + "\" is given twice");
    }
    *slot = value;
  }
  if (!key || key->empty()) {
    return Refuse(400, "multipart.request.key", "no key", "the request names no key");
  }
  if (key->size() > verify::kMaxKeyBytes) {
    return Refuse(400, "key.too-long", std::to_string(key->size()) + " bytes",
                  "the key is too long");
  }
  MultipartQuery result;
  result.key = std::move(*key);
  if (batch) {
    if (!numbers || numbers->empty()) {
      return Refuse(400, "multipart.request.part-numbers", "no partNumbers",
                    "the request names no partNumbers");
    }
    std::string_view rest = *numbers;
    while (true) {
      const std::size_t comma = rest.find(',');
      const std::string_view item = rest.substr(0, comma);
      const std::optional<std::uint32_t> number = ParsePartNumber(item, max_parts);
      if (!number) {
        return Refuse(400, "multipart.part-number", "part " + Quoted(item),
                      "part numbers are 1 to " + std::to_string(max_parts));
      }
      if (std::find(result.part_numbers.begin(), result.part_numbers.end(), *number) !=
          result.part_numbers.end()) {
        return Refuse(400, "multipart.request.part-numbers", "part " + Quoted(item) + " repeated",
                      "a part number is given twice");
      }
      // Bounded: distinct numbers within 1..max_parts.
      result.part_numbers.push_back(*number);
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  return result;
}

std::variant<std::vector<ClientPart>, MultipartRefusal> ReadCompleteBody(std::string_view body,
                                                                         std::uint32_t max_parts) {
  rapidjson::Document doc;
  // Iterative: no recursion whatever the nesting (the body is bounded by server.max_body_size).
  doc.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(body.data(),
                                                                                    body.size());
  if (doc.HasParseError()) {
    return BodyRefusal(std::string(rapidjson::GetParseError_En(doc.GetParseError())) + " at " +
                       std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsObject() || doc.MemberCount() != 1 || !doc.HasMember("parts")) {
    return BodyRefusal("not an object with exactly the member \"parts\"");
  }
  const rapidjson::Value& parts = doc["parts"];
  if (!parts.IsArray()) return BodyRefusal("parts is not an array");
  if (parts.Empty()) {
    return Refuse(400, "multipart.parts.none", "no parts", "an upload needs at least one part");
  }
  if (parts.Size() > max_parts) {
    return Refuse(400, "multipart.parts.too-many",
                  std::to_string(parts.Size()) + " parts, at most " + std::to_string(max_parts),
                  "an upload may have at most " + std::to_string(max_parts) + " parts");
  }
  std::vector<ClientPart> result;
  result.reserve(parts.Size());
  for (const rapidjson::Value& part : parts.GetArray()) {
    if (!part.IsObject() || HasDuplicateMember(part)) {
      return BodyRefusal("a part is not an object of distinct members");
    }
    ClientPart read;
    bool have_number = false, have_etag = false;
    for (const auto& member : part.GetObject()) {
      const std::string_view name(member.name.GetString(), member.name.GetStringLength());
      const rapidjson::Value& value = member.value;
      if (name == "PartNumber") {
        if (!value.IsUint() || value.GetUint() < 1 ||
            value.GetUint() > std::min(max_parts, verify::kMaxPartNumber)) {
          return Refuse(400, "multipart.part-number", "PartNumber out of range or not a number",
                        "part numbers are 1 to " + std::to_string(max_parts));
        }
        read.part_number = value.GetUint();
        have_number = true;
      } else if (name == "ETag") {
        if (!value.IsString()) return BodyRefusal("ETag is not a string");
        const std::string_view etag =
            UnquotedEtag(std::string_view(value.GetString(), value.GetStringLength()));
        if (etag.empty() || etag.size() > kMaxEtagBytes ||
            !std::all_of(etag.begin(), etag.end(), IsEtagCharacter)) {
          return BodyRefusal("ETag " + Quoted(etag) + " is not an S3 ETag");
        }
        read.etag = std::string(etag);
        have_etag = true;
      } else if (name == "Size") {
        if (!value.IsUint64()) return BodyRefusal("Size is not a number");
      } else {
        return BodyRefusal("unknown member " + Quoted(name) + " in a part");
      }
    }
    if (!have_number || !have_etag) return BodyRefusal("a part without PartNumber or ETag");
    if (!result.empty() && read.part_number <= result.back().part_number) {
      return Refuse(400, "multipart.parts.order",
                    "part " + std::to_string(read.part_number) + " after part " +
                        std::to_string(result.back().part_number),
                    "the parts must be listed in ascending order, each once");
    }
    result.push_back(std::move(read));
  }
  return result;
}

}  // namespace s3upload::handlers::internal
