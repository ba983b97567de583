// The S3 client's requests, signed with the aws/ step functions: header-signed object requests
// (HEAD, DELETE) and query-signed (presigned) GET URLs. Nothing here computes a signature itself.
#include <chrono>
#include <string>
#include <vector>

#include "s3upload/aws.h"
#include "s3upload/s3.h"

namespace s3upload::s3 {
namespace {

constexpr std::string_view kService = "s3";

}  // namespace

outbound::HttpRequest SignedObjectRequest(std::string_view method, const BucketLocation& location,
                                          const std::string& key,
                                          const aws::Credentials& credentials, aws::TimePoint now) {
  const ObjectAddress address = AddressOf(location, key);
  const std::string amz_date = aws::FormatAmzDate(now);
  const std::string day = aws::FormatAmzDay(now);

  // Every header sent that S3 could check is signed: Host (which names the bucket when
  // virtual-hosted), the date and the payload hash S3 requires on every SigV4 request.
  const aws::CanonicalHeaderBlock headers = aws::CanonicalHeaders({
      {"host", address.host},
      {"x-amz-content-sha256", std::string(aws::kEmptyPayloadHash)},
      {"x-amz-date", amz_date},
  });
  const std::string canonical_request = aws::CanonicalRequest(
      method, aws::CanonicalUri(address.canonical_uri, /*normalize=*/false, /*encode=*/false),
      aws::CanonicalQueryString({}), headers, aws::kEmptyPayloadHash);
  const std::string scope = aws::CredentialScope(day, location.region, kService);
  const std::string string_to_sign =
      aws::StringToSign(amz_date, scope, aws::Sha256Hex(canonical_request));
  const std::string signature = credentials.SignV4(day, location.region, kService, string_to_sign);

  outbound::HttpRequest request;
  request.method = std::string(method);
  request.url = address.url;
  request.headers = {
      {"Host", address.host},
      {"x-amz-date", amz_date},
      {"x-amz-content-sha256", std::string(aws::kEmptyPayloadHash)},
      {"Authorization", aws::AuthorizationHeader(credentials.access_key_id(), scope,
                                                 headers.signed_headers, signature)},
  };
  return request;
}

std::string PresignedGetUrl(const BucketLocation& location, const std::string& key,
                            const aws::Credentials& credentials, aws::TimePoint now,
                            std::chrono::seconds expires) {
  const ObjectAddress address = AddressOf(location, key);
  const std::string amz_date = aws::FormatAmzDate(now);
  const std::string day = aws::FormatAmzDay(now);
  const std::string scope = aws::CredentialScope(day, location.region, kService);

  // Only Host is signed: the browser that follows the URL sends whatever else it likes.
  const aws::CanonicalHeaderBlock headers = aws::CanonicalHeaders({{"host", address.host}});
  const std::string canonical_query = aws::CanonicalQueryString(
      aws::PresignQueryParams(credentials.access_key_id(), scope, amz_date, expires,
                              headers.signed_headers, /*session_token=*/""));
  const std::string canonical_request = aws::CanonicalRequest(
      "GET", aws::CanonicalUri(address.canonical_uri, /*normalize=*/false, /*encode=*/false),
      canonical_query, headers, aws::kUnsignedPayload);
  const std::string string_to_sign =
      aws::StringToSign(amz_date, scope, aws::Sha256Hex(canonical_request));
  const std::string signature = credentials.SignV4(day, location.region, kService, string_to_sign);

  // The canonical query string is already the encoded, sorted query S3 recomputes; sending it as
  // is means the signed and the sent query cannot differ.
  return address.url + "?" + canonical_query + "&X-Amz-Signature=" + signature;
}

}  // namespace s3upload::s3
