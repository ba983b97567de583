// What the v2 and v4 REST verifiers share: header lines, the query (sub-resources), the four
// multipart operations (section 11.13) and the per-operation header allowlist (section 11.15).
#include <algorithm>
#include <array>
#include <string>

#include "s3upload/aws.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

// Upload ids are opaque but printable: letters, digits and "._~+/=-", looked up per byte.
constexpr std::array<bool, 256> UploadIdBytes() {
  std::array<bool, 256> allowed{};
  for (int c = 0; c < 256; ++c) allowed[c] = IsAlnum(static_cast<char>(c));
  for (const char c : std::string_view("._~+/=-")) allowed[static_cast<unsigned char>(c)] = true;
  return allowed;
}
constexpr std::array<bool, 256> kUploadIdBytes = UploadIdBytes();

std::optional<Refusal> CheckUploadId(std::string_view id, const UploadRules& rules) {
  if (id.empty() || id.size() > rules.max_upload_id_length) {
    return Refuse("rest.upload-id", "upload id of " + std::to_string(id.size()) + " bytes");
  }
  if (!IsWellFormedUploadId(id, rules.max_upload_id_length)) {
    return Refuse("rest.upload-id", "upload id " + Quote(id));
  }
  return std::nullopt;
}

// The bytes aws::UriEncode writes as they are: RFC 3986's unreserved characters, and '/' unless
// it encodes slashes.
constexpr std::array<bool, 256> KeptBytes(bool encode_slash) {
  std::array<bool, 256> kept{};
  for (int c = 0; c < 256; ++c) kept[c] = IsAlnum(static_cast<char>(c));
  for (const char c : std::string_view("-._~")) kept[static_cast<unsigned char>(c)] = true;
  kept['/'] = !encode_slash;
  return kept;
}
constexpr std::array<bool, 256> kKeptWithSlash = KeptBytes(/*encode_slash=*/false);
constexpr std::array<bool, 256> kKeptWithoutSlash = KeptBytes(/*encode_slash=*/true);

// The value of an upper-case hex digit (the only case UriEncode writes), or -1.
constexpr int UpperHexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsSubresourceName(std::string_view name) {
  return name == "uploads" || name == "partNumber" || name == "uploadId";
}

}  // namespace

std::optional<Refusal> ParseHeaderLines(std::span<const std::string_view> lines,
                                        std::pmr::vector<RestHeader>& out) {
  out.reserve(out.size() + lines.size());
  for (const std::string_view line : lines) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return Refuse("rest.header.syntax", "header line " + Quote(line));
    }
    const std::string_view name = line.substr(0, colon);
    for (const char c : name) {
      if (c >= 'A' && c <= 'Z') {
        return Refuse("rest.header.case", "header " + Quote(name) + " is not lower case");
      }
      if (!(IsDigit(c) || (c >= 'a' && c <= 'z') || c == '-')) {
        return Refuse("rest.header.syntax", "header name " + Quote(name));
      }
    }
    // Both signature versions sort the header names; an unsorted list was not made by a signer.
    if (!out.empty() && name == out.back().name) {
      return Refuse("rest.header.duplicate", "header " + Quote(name) + " repeated");
    }
    if (!out.empty() && name < out.back().name) {
      return Refuse("rest.header.order", "header " + Quote(name) + " out of order");
    }
    out.push_back(RestHeader{name, line.substr(colon + 1)});
  }
  return std::nullopt;
}

std::optional<Refusal> ParseQuery(std::string_view query, bool decode,
                                  std::pmr::vector<QueryItem>& out, std::string& decoded) {
  // No query at all is a plain object request, which IdentifyOperation names as such.
  if (query.empty()) return std::nullopt;
  // Decoding only shortens, so the decoded parts of the whole query fit in query.size() bytes:
  // reserved once, `decoded` never moves, and the views into it stay valid.
  const auto decode_part = [&decoded,
                            query](std::string_view part) -> std::optional<std::string_view> {
    // Without a '%' the decoded part is the part itself ('+' stays '+').
    if (part.find('%') == std::string_view::npos) return part;
    std::optional<std::string> plain = aws::UriDecode(part);
    if (!plain) return std::nullopt;
    if (decoded.capacity() < query.size()) decoded.reserve(query.size());
    const std::size_t start = decoded.size();
    decoded.append(*plain);
    return std::string_view(decoded).substr(start);
  };
  for (std::size_t start = 0;;) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view item = query.substr(start, end - start);
    const std::size_t equals = item.find('=');
    const std::string_view raw_name = item.substr(0, equals);
    const std::string_view raw_value =
        equals == std::string_view::npos ? std::string_view() : item.substr(equals + 1);
    if (raw_name.empty()) return Refuse("rest.query.syntax", "query " + Quote(query));
    QueryItem parsed;
    parsed.has_equals = equals != std::string_view::npos;
    if (decode) {
      const std::optional<std::string_view> name = decode_part(raw_name);
      const std::optional<std::string_view> value = decode_part(raw_value);
      if (!name || !value) return Refuse("rest.query.syntax", "bad escape in " + Quote(query));
      parsed.name = *name;
      parsed.value = *value;
    } else {
      parsed.name = raw_name;
      parsed.value = raw_value;
    }
    out.push_back(parsed);
    if (end == query.size()) return std::nullopt;
    start = end + 1;
  }
}

std::variant<RestOperation, Refusal> IdentifyOperation(std::string_view method,
                                                       std::span<const QueryItem> query,
                                                       const UploadRules& rules) {
  if (method != "POST" && method != "PUT" && method != "DELETE") {
    return Refuse("rest.method", "method " + Quote(method));
  }
  const QueryItem* uploads = nullptr;
  const QueryItem* part_number = nullptr;
  const QueryItem* upload_id = nullptr;
  for (const QueryItem& item : query) {
    // acl, policy, tagging, versionId, website, ... : every other sub-resource is another
    // operation than the four of a multipart upload.
    if (!IsSubresourceName(item.name)) {
      return Refuse("rest.query.unknown", "query parameter " + Quote(item.name));
    }
    const QueryItem*& slot = item.name == "uploads"      ? uploads
                             : item.name == "partNumber" ? part_number
                                                         : upload_id;
    if (slot != nullptr) {
      return Refuse("rest.query.duplicate", "query parameter " + Quote(item.name) + " repeated");
    }
    slot = &item;
  }

  RestOperation operation;
  if (method == "POST" && uploads && !part_number && !upload_id) {
    if (!uploads->value.empty()) return Refuse("rest.query.value", "uploads takes no value");
    operation.kind = MultipartOperation::kInitiate;
    return operation;
  }
  if (method == "PUT" && part_number && upload_id && !uploads) {
    const std::optional<std::uint64_t> number = ParseDecimal(part_number->value);
    if (!number || *number < 1 || *number > kMaxPartNumber) {
      return Refuse("rest.part-number", "partNumber " + Quote(part_number->value));
    }
    operation.kind = MultipartOperation::kUploadPart;
    operation.part_number = static_cast<std::uint32_t>(*number);
  } else if ((method == "POST" || method == "DELETE") && upload_id && !uploads && !part_number) {
    operation.kind = method == "POST" ? MultipartOperation::kComplete : MultipartOperation::kAbort;
  } else {
    std::string names;
    for (const QueryItem& item : query) {
      if (!names.empty()) names += '&';
      names.append(item.name);
    }
    return Refuse("rest.operation", std::string(method) + " with " + Quote(names) +
                                        " is not a multipart upload step");
  }
  if (auto refusal = CheckUploadId(upload_id->value, rules)) return *refusal;
  operation.upload_id = upload_id->value;
  return operation;
}

std::optional<Refusal> CheckRestObjectHeader(const RestHeader& header, MultipartOperation operation,
                                             const UploadRules& rules, MetadataBudget& metadata) {
  const std::string_view name = header.name;
  // Named refusals first, whatever the operation: these turn an upload into something else
  // (a copy that reads other objects, public grants, a redirect, temporary credentials, tags).
  if (name.starts_with("x-amz-copy-source")) {
    return Refuse("rest.header.copy-source", Quote(name) + " would copy another object");
  }
  if (name.starts_with("x-amz-grant-")) {
    return Refuse("rest.header.grant", Quote(name) + " grants are never signed");
  }
  if (name == "x-amz-website-redirect-location") {
    return Refuse("rest.header.website-redirect", "website redirects are never signed");
  }
  if (name == "x-amz-security-token") {
    return Refuse("rest.header.security-token", "x-amz-security-token is never signed");
  }
  if (name.starts_with("x-amz-tagging")) {
    return Refuse("rest.header.tagging", Quote(name) + " is never signed");
  }
  if (auto refusal = RefuseSseVariant("rest", name)) return refusal;

  const bool is_object_property = name == "x-amz-acl" || name == "x-amz-storage-class" ||
                                  name == "x-amz-server-side-encryption" ||
                                  name.starts_with("x-amz-meta-");
  if (!is_object_property) return Refuse("rest.header.unknown", "header " + Quote(name));
  if (operation != MultipartOperation::kInitiate) {
    return Refuse("rest.header.not-for-operation",
                  "header " + Quote(name) + " only belongs to the initiate request");
  }
  if (name == "x-amz-acl") return CheckAcl("rest", header.value, rules);
  if (name == "x-amz-storage-class") return CheckStorageClass("rest", header.value, rules);
  if (name == "x-amz-server-side-encryption") {
    return CheckServerSideEncryption("rest", header.value, rules);
  }
  return metadata.Add(name.substr(std::string_view("x-amz-meta-").size()), header.value);
}

bool IsCanonicalUriEncoding(std::string_view text, bool encode_slash) {
  const std::array<bool, 256>& kept = encode_slash ? kKeptWithoutSlash : kKeptWithSlash;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (kept[static_cast<unsigned char>(text[i])]) continue;
    // Anything else must be an escape of a byte UriEncode escapes, in its spelling.
    if (text[i] != '%' || i + 2 >= text.size()) return false;
    const int high = UpperHexValue(text[i + 1]);
    const int low = UpperHexValue(text[i + 2]);
    if (high < 0 || low < 0 || kept[static_cast<unsigned char>(high * 16 + low)]) return false;
    i += 2;
  }
  return true;
}

std::optional<Refusal> DecodePathKey(std::string_view encoded, const KeyRules& rules,
                                     const Caller& caller, std::string& key) {
  // One encoding per key: the one Fine Uploader's uriEscapePath and SigV4 both produce. Any other
  // spelling of the same key would be a second string to sign for one request. Checked in place;
  // only a canonical key is then decoded (which cannot fail).
  std::optional<std::string> decoded;
  if (IsCanonicalUriEncoding(encoded, /*encode_slash=*/false)) decoded = aws::UriDecode(encoded);
  if (!decoded) {
    return Refuse("rest.key.encoding", "key " + Quote(encoded) + " is not canonically encoded");
  }
  if (auto refusal = CheckKey(*decoded, rules, caller)) return refusal;
  key = std::move(*decoded);
  return std::nullopt;
}

}  // namespace s3upload::verify::internal

namespace s3upload::verify {

bool IsWellFormedUploadId(std::string_view id, std::size_t max_bytes) {
  if (id.empty() || id.size() > max_bytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return internal::kUploadIdBytes[static_cast<unsigned char>(c)];
  });
}

}  // namespace s3upload::verify
