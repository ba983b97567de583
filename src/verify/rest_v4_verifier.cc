// REST Signature V4 strings (protocol 4.4, 4.5, 11.12-11.17). Fine Uploader sends the string to
// sign with the raw canonical request in place of its hash:
//   AWS4-HMAC-SHA256 \n <amz date> \n <scope> \n <canonical request>
// Each field of the canonical request is parsed and checked, and the canonical request must be
// exactly what aws/'s canonicalisation (the project's one SigV4 implementation) builds from those
// fields. That is checked field by field in place rather than by building it again: the URI and
// the query must be in UriEncode's one spelling (and the query sorted), the header values trimmed
// as CanonicalHeaders trims them, the signed headers the names present. So every accepted request
// is canonical, means exactly what was checked, and hashes the way S3 will hash the real request;
// the received canonical request is what gets hashed.
#include <algorithm>
#include <array>
#include <string>

#include "s3upload/aws.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

constexpr std::size_t kFirstHeaderLine = 6;  // after algorithm, date, scope, method, URI, query

bool IsSha256Hex(std::string_view text) {
  if (text.size() != 64) return false;
  for (const char c : text) {
    if (!IsLowerHexDigit(c)) return false;
  }
  return true;
}

struct Scope {
  std::string_view day;
  std::string_view region;
};

std::variant<Scope, Refusal> CheckScope(std::string_view scope, std::string_view amz_date,
                                        const UploadRules& rules) {
  std::array<std::string_view, 4> parts;
  if (SplitInto(scope, '/', parts) != parts.size())
    return Refuse("rest.v4.scope.malformed", "scope " + Quote(scope));
  // The signing key is derived for this day; it must be the request's own day (no drift quirk
  // here: Fine Uploader dates both from the same clock in REST strings).
  if (!aws::ParseAmzDay(parts[0]) || parts[0] != amz_date.substr(0, 8)) {
    return Refuse("rest.v4.scope.day", "scope day " + Quote(parts[0]) + " vs " + Quote(amz_date));
  }
  if (parts[1] != rules.region) return Refuse("rest.v4.scope.region", "region " + Quote(parts[1]));
  if (parts[2] != "s3") return Refuse("rest.v4.scope.service", "service " + Quote(parts[2]));
  if (parts[3] != "aws4_request") {
    return Refuse("rest.v4.scope.terminator", "terminator " + Quote(parts[3]));
  }
  return Scope{parts[0], parts[1]};
}

// The protocol headers every v4 request signs.
struct ProtocolHeaders {
  std::optional<std::string_view> host;
  std::optional<std::string_view> content_sha256;
  std::optional<std::string_view> date;
};

std::optional<Refusal> CheckPayloadHash(std::string_view hash, MultipartOperation operation) {
  // UNSIGNED-PAYLOAD would let any body through under this signature (landscape 5.3).
  if (hash == aws::kUnsignedPayload) {
    return Refuse("rest.v4.unsigned-payload", "UNSIGNED-PAYLOAD is never signed");
  }
  if (!IsSha256Hex(hash)) {
    return Refuse("rest.v4.content-sha256.malformed", "x-amz-content-sha256 " + Quote(hash));
  }
  const bool bodiless =
      operation == MultipartOperation::kInitiate || operation == MultipartOperation::kAbort;
  if (bodiless && hash != aws::kEmptyPayloadHash) {
    return Refuse("rest.v4.content-sha256.not-empty",
                  "initiate and abort have no body, but the hash is " + Quote(hash));
  }
  return std::nullopt;
}

// CanonicalHeaders trims a value and collapses runs of spaces and tabs into one space: a value it
// leaves unchanged has no tab, no leading or trailing space and no two spaces in a row.
bool IsTrimmedHeaderValue(std::string_view value) {
  if (value.empty()) return true;
  if (value.front() == ' ' || value.back() == ' ') return false;
  return value.find('\t') == std::string_view::npos && value.find("  ") == std::string_view::npos;
}

// Whether CanonicalQueryString of the decoded items gives `query` back: every item has a '=', names
// and values are in UriEncode's spelling (slashes encoded), and the items are already in its order
// (by name, then value). `query` already passed ParseQuery, so it has no empty name.
bool IsCanonicalQuery(std::string_view query) {
  std::string_view previous_name;
  std::string_view previous_value;
  for (std::size_t start = 0; start < query.size();) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view item = query.substr(start, end - start);
    const std::size_t equals = item.find('=');
    if (equals == std::string_view::npos) return false;
    const std::string_view name = item.substr(0, equals);
    const std::string_view value = item.substr(equals + 1);
    if (!IsCanonicalUriEncoding(name, /*encode_slash=*/true) ||
        !IsCanonicalUriEncoding(value, /*encode_slash=*/true)) {
      return false;
    }
    if (start > 0 && std::pair(name, value) < std::pair(previous_name, previous_value)) {
      return false;
    }
    previous_name = name;
    previous_value = value;
    start = end + 1;
  }
  return true;
}

// Whether `signed_headers` is the names of `headers` joined by ';', compared in place.
bool NamesTheHeaders(std::string_view signed_headers, std::span<const RestHeader> headers) {
  std::size_t at = 0;
  for (const RestHeader& header : headers) {
    if (at > 0) {
      if (at >= signed_headers.size() || signed_headers[at] != ';') return false;
      ++at;
    }
    if (signed_headers.substr(at, header.name.size()) != header.name) return false;
    at += header.name.size();
  }
  return at == signed_headers.size();
}

void AppendLowerHex(std::string& out, const aws::Sha256Digest& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  const std::size_t at = out.size();
  out.resize(at + 2 * digest.size());
  for (std::size_t i = 0; i < digest.size(); ++i) {
    out[at + 2 * i] = kHex[digest[i] >> 4];
    out[at + 2 * i + 1] = kHex[digest[i] & 0x0f];
  }
}

}  // namespace

Verdict VerifyRestV4(std::string_view headers, const UploadRules& rules, const Caller& caller,
                     TimePoint now) {
  // The lines, on the stack: the caller bounded them to kMaxRestLines (a longer string, from a
  // caller that did not, goes to the heap and is verified all the same).
  std::array<std::string_view, kMaxRestLines> line_storage;
  std::vector<std::string_view> long_lines;
  const std::size_t line_count = SplitInto(headers, '\n', line_storage);
  std::span<const std::string_view> lines(line_storage.data(),
                                          std::min(line_count, line_storage.size()));
  if (line_count > line_storage.size()) {
    long_lines = Split(headers, '\n');
    lines = long_lines;
  }
  // Algorithm, date, scope, method, URI, query, (headers), empty line, signed headers, hash.
  if (lines.size() < kFirstHeaderLine + 3) {
    return Refuse("rest.v4.lines", std::to_string(lines.size()) + " lines, too few");
  }
  const std::string_view amz_date = lines[1];
  const std::optional<TimePoint> date = aws::ParseAmzDate(amz_date);
  if (!date) return Refuse("rest.v4.date.malformed", "date " + Quote(amz_date));
  if (!WithinSkew(*date, now, rules.max_clock_skew)) {
    return Refuse("rest.v4.date.skew", "date " + Quote(amz_date) + " is too far from now");
  }
  std::variant<Scope, Refusal> checked_scope = CheckScope(lines[2], amz_date, rules);
  if (auto* refusal = std::get_if<Refusal>(&checked_scope)) return std::move(*refusal);
  const Scope scope = std::get<Scope>(checked_scope);

  std::size_t blank = kFirstHeaderLine;
  while (blank < lines.size() && !lines[blank].empty()) ++blank;
  if (blank + 3 != lines.size()) {
    return Refuse("rest.v4.lines", "expected headers, an empty line, signed headers and a hash");
  }
  const std::string_view method = lines[3];
  const std::string_view uri = lines[4];
  const std::string_view query = lines[5];
  const std::string_view signed_headers = lines[blank + 1];
  const std::string_view payload_hash = lines[blank + 2];

  if (method != "POST" && method != "PUT" && method != "DELETE") {
    return Refuse("rest.method", "method " + Quote(method));
  }

  // Virtual-hosted: the path is the key. Path-style: the bucket, then the key ("/<bucket>/").
  std::size_t prefix_size = 1;
  if (rules.addressing == Addressing::kPathStyle) {
    prefix_size = rules.bucket.size() + 2;
    if (!uri.starts_with('/') || uri.substr(1, rules.bucket.size()) != rules.bucket ||
        uri.size() < prefix_size || uri[prefix_size - 1] != '/') {
      return Refuse("rest.v4.bucket", "URI " + Quote(uri) + " is not in the bucket");
    }
  } else if (!uri.starts_with('/')) {
    return Refuse("rest.v4.uri", "URI " + Quote(uri));
  }
  // A key that passes is in UriEncode's spelling, so the URI is its own canonical form.
  std::string key;
  if (auto refusal = DecodePathKey(uri.substr(prefix_size), rules.key, caller, key)) {
    return *refusal;
  }

  RestScratch scratch;
  std::pmr::vector<QueryItem> query_items(scratch.resource());
  std::string decoded_query;
  if (auto refusal = ParseQuery(query, /*decode=*/true, query_items, decoded_query)) {
    return *refusal;
  }
  std::variant<RestOperation, Refusal> identified = IdentifyOperation(method, query_items, rules);
  if (auto* refusal = std::get_if<Refusal>(&identified)) return std::move(*refusal);
  const RestOperation& operation = std::get<RestOperation>(identified);

  std::pmr::vector<RestHeader> parsed_headers(scratch.resource());
  const std::span<const std::string_view> header_lines(lines.data() + kFirstHeaderLine,
                                                       blank - kFirstHeaderLine);
  if (auto refusal = ParseHeaderLines(header_lines, parsed_headers)) return *refusal;

  MetadataBudget metadata("rest", rules);
  ProtocolHeaders protocol;
  bool values_trimmed = true;
  for (const RestHeader& header : parsed_headers) {
    values_trimmed = values_trimmed && IsTrimmedHeaderValue(header.value);
    if (header.name == "host") {
      // Exact: "mybucket.s3.amazonaws.com.evil.com" and "evilmybucket.s3..." are other hosts.
      if (header.value != rules.host) return Refuse("rest.v4.host", "host " + Quote(header.value));
      protocol.host = header.value;
    } else if (header.name == "x-amz-content-sha256") {
      protocol.content_sha256 = header.value;
    } else if (header.name == "x-amz-date") {
      if (header.value != amz_date) {
        return Refuse("rest.v4.date.header",
                      "x-amz-date " + Quote(header.value) + " vs " + Quote(amz_date));
      }
      protocol.date = header.value;
    } else if (auto refusal = CheckRestObjectHeader(header, operation.kind, rules, metadata)) {
      return *refusal;
    }
  }
  if (!protocol.host) return Refuse("rest.v4.host.missing", "host is not signed");
  if (!protocol.date) return Refuse("rest.v4.date.header.missing", "x-amz-date is not signed");
  if (!protocol.content_sha256) {
    return Refuse("rest.v4.content-sha256.missing", "x-amz-content-sha256 is not signed");
  }
  if (auto refusal = CheckPayloadHash(*protocol.content_sha256, operation.kind)) return *refusal;
  if (!NamesTheHeaders(signed_headers, parsed_headers)) {
    std::string present;
    for (const RestHeader& header : parsed_headers) {
      if (!present.empty()) present += ';';
      present.append(header.name);
    }
    return Refuse("rest.v4.signed-headers",
                  "signed headers " + Quote(signed_headers) + " vs present " + Quote(present));
  }
  if (payload_hash != *protocol.content_sha256) {
    return Refuse("rest.v4.payload-hash",
                  "payload hash " + Quote(payload_hash) + " differs from x-amz-content-sha256");
  }
  // The method is one of three, the URI canonical (above), the header names sorted and lower case
  // (ParseHeaderLines), so CanonicalHeaders keeps their order and spelling; the signed headers and
  // the payload hash were just compared. What is left to match its canonical form:
  if (!values_trimmed || !IsCanonicalQuery(query)) {
    return Refuse("rest.v4.not-canonical", "the canonical request differs from its canonical form");
  }

  // The received canonical request (everything after the scope line) is canonical: hashed as it
  // is. The scope line is exactly CredentialScope(day, region, "s3") (CheckScope).
  const std::size_t canonical_start = lines[0].size() + lines[1].size() + lines[2].size() + 3;
  const std::string_view received = headers.substr(canonical_start);
  SigningTask task;
  task.kind = SigningTask::Kind::kRest;
  task.version = SignatureVersion::kV4;
  std::string& string_to_sign = task.string_to_sign;
  string_to_sign.reserve(aws::kSigV4Algorithm.size() + amz_date.size() + lines[2].size() + 3 + 64);
  string_to_sign.append(aws::kSigV4Algorithm).append("\n");
  string_to_sign.append(amz_date).append("\n");
  string_to_sign.append(lines[2]).append("\n");
  AppendLowerHex(string_to_sign, aws::Sha256(received));
  task.scope_day = std::string(scope.day);
  task.region = std::string(scope.region);
  task.key = std::move(key);
  task.operation = operation.kind;
  return task;
}

}  // namespace s3upload::verify::internal
