// REST Signature V2 strings to sign (protocol 4.3, 11.12-11.15):
//   METHOD \n Content-MD5 \n Content-Type \n Date \n (x-amz-name:value \n)*
//   /bucket/key?sub-resource
// The string is the exact StringToSign, signed as received; so it is accepted only if assembling it
// again from the fields we parsed and checked gives the same bytes.
#include <string>

#include "s3upload/aws.h"
#include "verify/internal.h"

namespace s3upload::verify::internal {
namespace {

constexpr std::string_view kCompleteContentType = "application/xml; charset=UTF-8";

std::string_view TrimSpaces(std::string_view text) {
  while (text.starts_with(' ')) text.remove_prefix(1);
  while (text.ends_with(' ')) text.remove_suffix(1);
  return text;
}

std::optional<Refusal> CheckContentTypeLine(std::string_view content_type,
                                            MultipartOperation operation,
                                            const UploadRules& rules) {
  switch (operation) {
    case MultipartOperation::kInitiate:
      // The initiate request's Content-Type becomes the object's type.
      if (content_type.empty()) {
        if (!rules.require_content_type) return std::nullopt;
        return Refuse("rest.content-type.missing", "the initiate request has no Content-Type");
      }
      return CheckContentTypeFor("rest", content_type, rules);
    case MultipartOperation::kComplete:
      if (content_type == kCompleteContentType) return std::nullopt;
      return Refuse("rest.content-type.complete", "Content-Type " + Quote(content_type));
    case MultipartOperation::kUploadPart:
    case MultipartOperation::kAbort:
      if (content_type.empty()) return std::nullopt;
      return Refuse("rest.content-type.not-empty", "Content-Type " + Quote(content_type));
  }
  return std::nullopt;
}

std::string SubResource(const RestOperation& operation) {
  switch (operation.kind) {
    case MultipartOperation::kInitiate:
      return "uploads";
    case MultipartOperation::kUploadPart:
      return "partNumber=" + std::to_string(operation.part_number) +
             "&uploadId=" + std::string(operation.upload_id);
    case MultipartOperation::kComplete:
    case MultipartOperation::kAbort:
      break;
  }
  return "uploadId=" + std::string(operation.upload_id);
}

}  // namespace

Verdict VerifyRestV2(std::string_view headers, const UploadRules& rules, const Caller& caller,
                     TimePoint now) {
  const std::vector<std::string_view> lines = Split(headers, '\n');
  if (lines.size() < 5) {
    return Refuse("rest.v2.lines", std::to_string(lines.size()) + " lines, at least 5 expected");
  }
  const std::string_view method = lines[0];
  const std::string_view content_type = lines[2];
  const std::string_view resource = lines.back();
  if (method != "POST" && method != "PUT" && method != "DELETE") {
    return Refuse("rest.method", "method " + Quote(method));
  }
  // Fine Uploader never sends these; S3 would check a Content-MD5 against the body, and a Date
  // line would be a second, unchecked clock next to x-amz-date.
  if (!lines[1].empty()) return Refuse("rest.v2.content-md5", "Content-MD5 " + Quote(lines[1]));
  if (!lines[3].empty()) return Refuse("rest.v2.date-line", "Date " + Quote(lines[3]));

  RestScratch scratch;
  std::pmr::vector<RestHeader> amz_headers(scratch.resource());
  const std::span<const std::string_view> header_lines(lines.data() + 4, lines.size() - 5);
  if (auto refusal = ParseHeaderLines(header_lines, amz_headers)) return *refusal;

  // The canonical resource always names the bucket in v2, virtual-hosted or not.
  const std::string bucket_prefix = "/" + rules.bucket + "/";
  if (!resource.starts_with(bucket_prefix)) {
    return Refuse("rest.v2.bucket", "resource " + Quote(resource) + " is not in the bucket");
  }
  const std::string_view path_and_query = resource.substr(bucket_prefix.size());
  const std::size_t question = path_and_query.find('?');
  const std::string_view encoded_key = path_and_query.substr(0, question);
  const std::string_view query =
      question == std::string_view::npos ? std::string_view() : path_and_query.substr(question + 1);

  std::string key;
  if (auto refusal = DecodePathKey(encoded_key, rules.key, caller, key)) return *refusal;
  std::pmr::vector<QueryItem> query_items(scratch.resource());
  std::string unused_decoded;  // v2 sub-resources are not decoded
  if (auto refusal = ParseQuery(query, /*decode=*/false, query_items, unused_decoded)) {
    return *refusal;
  }
  std::variant<RestOperation, Refusal> identified = IdentifyOperation(method, query_items, rules);
  if (auto* refusal = std::get_if<Refusal>(&identified)) return std::move(*refusal);
  const RestOperation& operation = std::get<RestOperation>(identified);

  if (auto refusal = CheckContentTypeLine(content_type, operation.kind, rules)) return *refusal;

  MetadataBudget metadata("rest", rules);
  std::optional<std::string_view> amz_date;
  for (const RestHeader& header : amz_headers) {
    if (header.name == "x-amz-date") {
      amz_date = header.value;
    } else if (auto refusal = CheckRestObjectHeader(header, operation.kind, rules, metadata)) {
      return *refusal;
    }
  }
  // With x-amz-date present S3 ignores the empty Date line, so x-amz-date is the request's only
  // clock: it must be there, parse, and be close to ours (a replay window of the skew, no more).
  if (!amz_date) return Refuse("rest.v2.date.missing", "no x-amz-date header");
  const std::optional<TimePoint> date = aws::ParseRfc1123(*amz_date);
  if (!date) return Refuse("rest.v2.date.malformed", "x-amz-date " + Quote(*amz_date));
  if (!WithinSkew(*date, now, rules.max_clock_skew)) {
    return Refuse("rest.v2.date.skew", "x-amz-date " + Quote(*amz_date) + " is too far from now");
  }

  std::string rebuilt;
  rebuilt.reserve(headers.size());
  rebuilt.append(method).append("\n\n").append(content_type).append("\n\n");
  for (const RestHeader& header : amz_headers) {
    rebuilt.append(header.name).append(":").append(TrimSpaces(header.value)).append("\n");
  }
  rebuilt.append(bucket_prefix).append(aws::UriEncode(key, /*encode_slash=*/false));
  rebuilt.append("?").append(SubResource(operation));
  if (rebuilt != headers) {
    return Refuse("rest.v2.not-canonical", "the string differs from its canonical form");
  }

  SigningTask task;
  task.kind = SigningTask::Kind::kRest;
  task.version = SignatureVersion::kV2;
  task.string_to_sign = std::string(headers);
  task.key = std::move(key);
  task.operation = operation.kind;
  return task;
}

}  // namespace s3upload::verify::internal
