// s3: the S3 client the responder uses with its server key: HEAD and DELETE of one object (the
// multipart calls are in s3_multipart.h), and presigned GET URLs; and the uploads the params
// handler hands to browsers: POST policies with their form fields, and presigned PUT URLs. Requests
// are signed with aws/ (the one SigV4 implementation) and sent through outbound/ (libcurl, retries,
// the concurrency cap).
//
// Contract
// - ObjectStore is what handlers see; S3Client is the real one, tests use fakes.
// - One bucket per client, addressed virtual-hosted ("<bucket>.<endpoint host>") or path-style
//   ("<endpoint host>/<bucket>"), on AWS or any S3-compatible endpoint, http or https. The key is
//   encoded as SigV4 requires ("/" + UriEncode(key)), every request carries x-amz-date and
//   x-amz-content-sha256 and is signed with the server credentials for the bucket's region.
// - Head distinguishes "no such object" (404) from failures. Delete treats a missing object as
//   deleted (S3 itself answers 204 for both).
// - Failures are values: kUnavailable (could not reach S3 within the deadline, or 5xx after the
//   retries), kBusy (the outbound cap is reached), kDenied (403), kRejected (any other 4xx).
//
// Thread-safety: S3Client is safe to use from many threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "s3upload/aws.h"
#include "s3upload/http.h"
#include "s3upload/outbound.h"
#include "s3upload/verify.h"

namespace s3upload::s3 {

struct BucketLocation {
  std::string endpoint;  // scheme://host[:port], no trailing slash
  verify::Addressing addressing = verify::Addressing::kVirtualHosted;
  std::string bucket;
  std::string region;
};

struct ObjectHead {
  std::uint64_t size = 0;
  std::string etag;          // as S3 sends it, with its double quotes
  std::string content_type;  // empty when S3 sent none
};

struct NotFound {};
struct Deleted {};

struct Error {
  enum class Kind { kUnavailable, kBusy, kDenied, kRejected };
  Kind kind = Kind::kUnavailable;
  long http_status = 0;  // 0 when no HTTP answer came back
  std::string message;   // for the log (S3's error code and message when there is one)
};

using HeadResult = std::variant<ObjectHead, NotFound, Error>;
using DeleteResult = std::variant<Deleted, Error>;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;
  virtual HeadResult Head(const std::string& key) = 0;
  virtual DeleteResult Delete(const std::string& key) = 0;
  // A presigned GET URL for the object, valid for `expires` from `now`. No network call.
  virtual std::string PresignGet(const std::string& key, std::chrono::seconds expires,
                                 aws::TimePoint now) = 0;
};

// The URL of an object (no query), its Host header value, and the canonical URI that SigV4 signs.
struct ObjectAddress {
  std::string url;
  std::string host;
  std::string canonical_uri;
};
ObjectAddress AddressOf(const BucketLocation& location, const std::string& key);

// The signed request for `method` on `key` at time `now`: SignedS3Request (below) without query,
// headers or body, what S3Client sends for HEAD and DELETE.
// Exposed so that tests can compare it byte for byte with an independent signer.
outbound::HttpRequest SignedObjectRequest(std::string_view method, const BucketLocation& location,
                                          const std::string& key,
                                          const aws::Credentials& credentials, aws::TimePoint now);

// A header-signed request for `method` on `key` with `query` (decoded names and values; sent as
// the canonical query string), extra `headers` (signed too) and `body` (its SHA-256 is the
// payload hash). Every header sent is signed.
outbound::HttpRequest SignedS3Request(std::string_view method, const BucketLocation& location,
                                      const std::string& key,
                                      const std::vector<aws::QueryParam>& query,
                                      const std::vector<aws::Header>& headers, std::string body,
                                      const aws::Credentials& credentials, aws::TimePoint now);

// What both clients (S3Client, MultipartClient) call S3 with: the bucket, the signing key and
// outbound/ (retries, deadline, concurrency cap). Each attempt is signed afresh (SignedS3Request):
// x-amz-date must be within S3's 15-minute skew window when each attempt is sent, and a retry
// after a backoff is a new request.
// Thread-safety: Call may be called concurrently (the transport and limiter are).
class SignedCaller {
 public:
  // `clock` nullptr: the system clock.
  SignedCaller(BucketLocation location, std::shared_ptr<const aws::Credentials> credentials,
               outbound::Transport& transport, outbound::Limiter& limiter,
               outbound::CallOptions options, std::function<aws::TimePoint()> clock);

  outbound::CallOutcome Call(std::string_view method, const std::string& key,
                             const std::vector<aws::QueryParam>& query = {},
                             const std::vector<aws::Header>& headers = {},
                             const std::string& body = "");

  const BucketLocation& location() const { return location_; }
  const aws::Credentials& credentials() const { return *credentials_; }

 private:
  BucketLocation location_;
  std::shared_ptr<const aws::Credentials> credentials_;
  outbound::Transport& transport_;
  outbound::Limiter& limiter_;
  outbound::CallOptions options_;
  std::function<aws::TimePoint()> clock_;
};

// A presigned GET URL (SigV4 query signing, X-Amz-SignedHeaders=host, UNSIGNED-PAYLOAD).
std::string PresignedGetUrl(const BucketLocation& location, const std::string& key,
                            const aws::Credentials& credentials, aws::TimePoint now,
                            std::chrono::seconds expires);

// A presigned PUT URL (SigV4 query signing, UNSIGNED-PAYLOAD) that also signs `headers` (names in
// any case, exact values): the client must send exactly these, or S3 refuses the upload. Binding
// Content-Length is what bounds the size of a PUT (CVE-2020-8162: a presigned PUT that does not
// sign it accepts any size).
std::string PresignedPutUrl(const BucketLocation& location, const std::string& key,
                            const std::vector<aws::Header>& headers,
                            const aws::Credentials& credentials, aws::TimePoint now,
                            std::chrono::seconds expires);

// A browser POST upload (SigV4 POST policy). Every field is also an exact condition of the policy,
// so that the client can change nothing but the file's bytes, within the size range.
struct PostPolicy {
  std::string key;
  // Form fields in this order, each also a {"name": "value"} condition: Content-Type,
  // success_action_status, x-amz-meta-*, ... (names as S3 knows them).
  http::Fields fields;
  std::uint64_t min_size = 0;  // content-length-range, inclusive
  std::uint64_t max_size = 0;
  std::chrono::seconds expires{300};
};

struct PresignedPost {
  std::string url;  // the bucket's URL, where the form goes
  // key, the policy's fields, x-amz-algorithm, x-amz-credential, x-amz-date, policy and
  // x-amz-signature, in the order a form posts them (the file goes after all of them).
  http::Fields fields;
  // The policy document that was signed (its base64 is the "policy" field), and its expiration.
  std::string policy_json;
  aws::TimePoint expiration;
};

// The policy is written as botocore's generate_presigned_post writes it (Python's json.dumps:
// ", " and ": " separators; conditions: the fields, content-length-range, bucket, key, then the
// SigV4 fields; expiration in whole seconds, "2024-05-01T12:05:00Z"), so that the same inputs give
// the same bytes and signature. Every value must be printable ASCII (the caller encodes file
// names).
PresignedPost PresignPost(const BucketLocation& location, const PostPolicy& policy,
                          const aws::Credentials& credentials, aws::TimePoint now);

class S3Client final : public ObjectStore {
 public:
  S3Client(BucketLocation location, std::shared_ptr<const aws::Credentials> credentials,
           outbound::Transport& transport, outbound::Limiter& limiter,
           outbound::CallOptions options, std::function<aws::TimePoint()> clock = nullptr);

  HeadResult Head(const std::string& key) override;
  DeleteResult Delete(const std::string& key) override;
  std::string PresignGet(const std::string& key, std::chrono::seconds expires,
                         aws::TimePoint now) override;

  const BucketLocation& location() const { return caller_.location(); }

 private:
  SignedCaller caller_;
};

}  // namespace s3upload::s3
