// The S3 client's requests, signed with the aws/ step functions: header-signed requests (HEAD,
// DELETE, and the multipart calls with their query and body), query-signed (presigned) GET, PUT
// and UploadPart URLs, and POST policies. Nothing here computes a signature itself.
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "s3upload/aws.h"
#include "s3upload/http.h"
#include "s3upload/s3.h"
#include "s3upload/s3_multipart.h"

namespace s3upload::s3 {
namespace {

constexpr std::string_view kService = "s3";

// A presigned URL for `method` on `key` with `query` (besides the X-Amz-* parameters) that signs
// Host and `headers`.
std::string PresignedUrl(std::string_view method, const BucketLocation& location,
                         const std::string& key, std::vector<aws::Header> headers,
                         const std::vector<aws::QueryParam>& query,
                         const aws::Credentials& credentials, aws::TimePoint now,
                         std::chrono::seconds expires) {
  const ObjectAddress address = AddressOf(location, key);
  const std::string amz_date = aws::FormatAmzDate(now);
  const std::string day = aws::FormatAmzDay(now);
  const std::string scope = aws::CredentialScope(day, location.region, kService);

  headers.push_back({"host", address.host});
  const aws::CanonicalHeaderBlock canonical_headers = aws::CanonicalHeaders(headers);
  std::vector<aws::QueryParam> all_query =
      aws::PresignQueryParams(credentials.access_key_id(), scope, amz_date, expires,
                              canonical_headers.signed_headers, /*session_token=*/"");
  all_query.insert(all_query.end(), query.begin(), query.end());
  const std::string canonical_query = aws::CanonicalQueryString(all_query);
  const std::string canonical_request = aws::CanonicalRequest(
      method, aws::CanonicalUri(address.canonical_uri, /*normalize=*/false, /*encode=*/false),
      canonical_query, canonical_headers, aws::kUnsignedPayload);
  const std::string string_to_sign =
      aws::StringToSign(amz_date, scope, aws::Sha256Hex(canonical_request));
  const std::string signature = credentials.SignV4(day, location.region, kService, string_to_sign);

  // The canonical query string is already the encoded, sorted query S3 recomputes; sending it as
  // is means the signed and the sent query cannot differ.
  return address.url + "?" + canonical_query + "&X-Amz-Signature=" + signature;
}

// {"name": "value"}, as json.dumps writes it.
void AppendCondition(std::string& out, std::string_view name, std::string_view value) {
  out += "{";
  out += http::JsonStringify(name);
  out += ": ";
  out += http::JsonStringify(value);
  out += "}, ";
}

}  // namespace

outbound::HttpRequest SignedS3Request(std::string_view method, const BucketLocation& location,
                                      const std::string& key,
                                      const std::vector<aws::QueryParam>& query,
                                      const std::vector<aws::Header>& headers, std::string body,
                                      const aws::Credentials& credentials, aws::TimePoint now) {
  const ObjectAddress address = AddressOf(location, key);
  const std::string amz_date = aws::FormatAmzDate(now);
  const std::string day = aws::FormatAmzDay(now);
  const std::string payload_hash = aws::Sha256Hex(body);

  std::vector<aws::Header> signed_headers = headers;
  signed_headers.push_back({"host", address.host});
  signed_headers.push_back({"x-amz-content-sha256", payload_hash});
  signed_headers.push_back({"x-amz-date", amz_date});
  const aws::CanonicalHeaderBlock canonical_headers = aws::CanonicalHeaders(signed_headers);
  const std::string canonical_query = aws::CanonicalQueryString(query);
  const std::string canonical_request = aws::CanonicalRequest(
      method, aws::CanonicalUri(address.canonical_uri, /*normalize=*/false, /*encode=*/false),
      canonical_query, canonical_headers, payload_hash);
  const std::string scope = aws::CredentialScope(day, location.region, kService);
  const std::string string_to_sign =
      aws::StringToSign(amz_date, scope, aws::Sha256Hex(canonical_request));
  const std::string signature = credentials.SignV4(day, location.region, kService, string_to_sign);

  outbound::HttpRequest request;
  request.method = std::string(method);
  // The canonical query is the encoded, sorted query S3 recomputes: sent as it is, the signed
  // and the sent query cannot differ.
  request.url = canonical_query.empty() ? address.url : address.url + "?" + canonical_query;
  request.headers.emplace_back("Host", address.host);
  for (const aws::Header& header : headers) request.headers.emplace_back(header.name, header.value);
  request.headers.emplace_back("x-amz-date", amz_date);
  request.headers.emplace_back("x-amz-content-sha256", payload_hash);
  request.headers.emplace_back(
      "Authorization", aws::AuthorizationHeader(credentials.access_key_id(), scope,
                                                canonical_headers.signed_headers, signature));
  request.body = std::move(body);
  return request;
}

outbound::HttpRequest SignedObjectRequest(std::string_view method, const BucketLocation& location,
                                          const std::string& key,
                                          const aws::Credentials& credentials, aws::TimePoint now) {
  // Every header sent that S3 could check is signed: Host (which names the bucket when
  // virtual-hosted), the date and the payload hash S3 requires on every SigV4 request.
  return SignedS3Request(method, location, key, {}, {}, "", credentials, now);
}

std::string PresignedUploadPartUrl(const BucketLocation& location, const std::string& key,
                                   const std::string& upload_id, std::uint32_t part_number,
                                   const aws::Credentials& credentials, aws::TimePoint now,
                                   std::chrono::seconds expires) {
  // Host signed only, UNSIGNED-PAYLOAD: the browser sends the part's bytes.
  return PresignedUrl("PUT", location, key, {},
                      {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}},
                      credentials, now, expires);
}

std::string PresignedGetUrl(const BucketLocation& location, const std::string& key,
                            const aws::Credentials& credentials, aws::TimePoint now,
                            std::chrono::seconds expires) {
  // Only Host is signed: the browser that follows the URL sends whatever else it likes.
  return PresignedUrl("GET", location, key, {}, {}, credentials, now, expires);
}

std::string PresignedPutUrl(const BucketLocation& location, const std::string& key,
                            const std::vector<aws::Header>& headers,
                            const aws::Credentials& credentials, aws::TimePoint now,
                            std::chrono::seconds expires) {
  return PresignedUrl("PUT", location, key, headers, {}, credentials, now, expires);
}

PresignedPost PresignPost(const BucketLocation& location, const PostPolicy& policy,
                          const aws::Credentials& credentials, aws::TimePoint now) {
  // Whole seconds: x-amz-date has no fraction, and the expiration is written without one.
  const auto signed_at = std::chrono::time_point_cast<std::chrono::seconds>(now);
  const std::string amz_date = aws::FormatAmzDate(signed_at);
  const std::string day = aws::FormatAmzDay(signed_at);
  const std::string credential =
      credentials.access_key_id() + "/" + aws::CredentialScope(day, location.region, kService);
  PresignedPost post;
  post.expiration = signed_at + policy.expires;
  // "2024-05-01T12:05:00.000Z" without the (zero) milliseconds.
  std::string expiration = aws::FormatIso8601Millis(post.expiration);
  expiration.erase(expiration.size() - 5, 4);

  std::string& json = post.policy_json;
  json = "{\"expiration\": " + http::JsonStringify(expiration) + ", \"conditions\": [";
  for (const auto& [name, value] : policy.fields) AppendCondition(json, name, value);
  json += "[\"content-length-range\", " + std::to_string(policy.min_size) + ", " +
          std::to_string(policy.max_size) + "], ";
  AppendCondition(json, "bucket", location.bucket);
  AppendCondition(json, "key", policy.key);
  AppendCondition(json, "x-amz-algorithm", aws::kSigV4Algorithm);
  AppendCondition(json, "x-amz-credential", credential);
  AppendCondition(json, "x-amz-date", amz_date);
  json.resize(json.size() - 2);  // the last ", "
  json += "]}";

  // A POST policy's string to sign is its base64 (SigV4 for POST, "Calculating a Signature").
  std::string policy_base64 = aws::Base64Encode(json);
  std::string signature = credentials.SignV4(day, location.region, kService, policy_base64);

  post.url = AddressOf(location, "").url;
  post.fields.reserve(policy.fields.size() + 6);
  post.fields.emplace_back("key", policy.key);
  post.fields.insert(post.fields.end(), policy.fields.begin(), policy.fields.end());
  post.fields.emplace_back("x-amz-algorithm", aws::kSigV4Algorithm);
  post.fields.emplace_back("x-amz-credential", credential);
  post.fields.emplace_back("x-amz-date", amz_date);
  post.fields.emplace_back("policy", std::move(policy_base64));
  post.fields.emplace_back("x-amz-signature", std::move(signature));
  return post;
}

}  // namespace s3upload::s3
