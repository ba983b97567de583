// REST Signature V4 strings (protocol 4.4, 4.5, 11.12-11.17). Fine Uploader sends the string to
// sign with the raw canonical request in place of its hash:
//   AWS4-HMAC-SHA256 \n <amz date> \n <scope> \n <canonical request>
// Each field of the canonical request is parsed and checked; then the canonical request is built
// again from those fields with aws/'s canonicalisation (the project's one SigV4 implementation) and
// must equal what was received. So every accepted request is canonical, means exactly what was
// checked, and hashes the way S3 will hash the real request.
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

}  // namespace

Verdict VerifyRestV4(std::string_view headers, const UploadRules& rules, const Caller& caller,
                     TimePoint now) {
  const std::vector<std::string_view> lines = Split(headers, '\n');
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

  // Virtual-hosted: the path is the key. Path-style: the bucket, then the key.
  std::string path_prefix = "/";
  if (rules.addressing == Addressing::kPathStyle) {
    path_prefix += rules.bucket + "/";
    if (!uri.starts_with(path_prefix)) {
      return Refuse("rest.v4.bucket", "URI " + Quote(uri) + " is not in the bucket");
    }
  } else if (!uri.starts_with(path_prefix)) {
    return Refuse("rest.v4.uri", "URI " + Quote(uri));
  }
  std::string key;
  if (auto refusal = DecodePathKey(uri.substr(path_prefix.size()), rules.key, caller, key)) {
    return *refusal;
  }

  std::vector<QueryItem> query_items;
  if (auto refusal = ParseQuery(query, /*decode=*/true, query_items)) return *refusal;
  std::variant<RestOperation, Refusal> identified = IdentifyOperation(method, query_items, rules);
  if (auto* refusal = std::get_if<Refusal>(&identified)) return std::move(*refusal);
  const RestOperation& operation = std::get<RestOperation>(identified);

  std::vector<RestHeader> parsed_headers;
  const std::span<const std::string_view> header_lines(lines.data() + kFirstHeaderLine,
                                                       blank - kFirstHeaderLine);
  if (auto refusal = ParseHeaderLines(header_lines, parsed_headers)) return *refusal;

  MetadataBudget metadata("rest", rules);
  ProtocolHeaders protocol;
  std::string expected_signed_headers;
  for (const RestHeader& header : parsed_headers) {
    if (!expected_signed_headers.empty()) expected_signed_headers += ';';
    expected_signed_headers.append(header.name);
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
  if (signed_headers != expected_signed_headers) {
    return Refuse("rest.v4.signed-headers", "signed headers " + Quote(signed_headers) +
                                                " vs present " + Quote(expected_signed_headers));
  }
  if (payload_hash != *protocol.content_sha256) {
    return Refuse("rest.v4.payload-hash",
                  "payload hash " + Quote(payload_hash) + " differs from x-amz-content-sha256");
  }

  // Rebuild from the decoded fields with the one SigV4 implementation and demand the same bytes.
  std::vector<aws::QueryParam> params;
  params.reserve(query_items.size());
  for (const QueryItem& item : query_items) params.push_back({item.name, item.value});
  std::vector<aws::Header> canonical_headers;
  canonical_headers.reserve(parsed_headers.size());
  for (const RestHeader& header : parsed_headers) {
    canonical_headers.push_back({std::string(header.name), std::string(header.value)});
  }
  const std::string path = path_prefix + aws::UriEncode(key, /*encode_slash=*/false);
  const std::string canonical =
      aws::CanonicalRequest(method, aws::CanonicalUri(path, /*normalize=*/false, /*encode=*/false),
                            aws::CanonicalQueryString(params),
                            aws::CanonicalHeaders(canonical_headers), *protocol.content_sha256);
  const std::string_view received =
      headers.substr(lines[0].size() + lines[1].size() + lines[2].size() + 3);
  if (canonical != received) {
    return Refuse("rest.v4.not-canonical", "the canonical request differs from its canonical form");
  }

  SigningTask task;
  task.kind = SigningTask::Kind::kRest;
  task.version = SignatureVersion::kV4;
  task.string_to_sign = aws::StringToSign(
      amz_date, aws::CredentialScope(scope.day, scope.region, "s3"), aws::Sha256Hex(canonical));
  task.scope_day = std::string(scope.day);
  task.region = std::string(scope.region);
  task.key = std::move(key);
  task.operation = operation.kind;
  return task;
}

}  // namespace s3upload::verify::internal
