// The upload token of the multipart handler: what binds a multipart upload to the caller that
// created it. Pure functions (no clock, no I/O).
//
// At create, the server mints a token over the profile, the user, the object key, S3's upload id
// and an expiry, and hands it to the client as the `uploadId` (Uppy echoes it back in every later
// path: /s3/multipart/<uploadId>/...). Every later call must present it with the same key, as the
// same user, before the expiry; only then is S3's upload id taken out of it and used.
//
// Format (only URL- and path-safe characters, so that it survives encodeURIComponent, the web
// server's decoding of the path and routing by "/"):
//
//   <base64url(S3 upload id)> "." <expiry, decimal Unix seconds> "." <base64url(MAC)>
//
//   MAC = HMAC-SHA256(secret, "s3-upload-signer multipart upload v1" and then, each as
//         "\n" <decimal length> ":" <bytes>: profile, user, key, S3 upload id, expiry)
//
// base64url without padding (RFC 4648 section 5), canonical (no unused bits set). The MAC is
// compared in constant time (CRYPTO_memcmp); a token that fails it is refused whatever else it
// says, so an expired token is only reported as expired when it is genuine.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "s3upload/aws.h"

namespace s3upload::handlers::internal {

// Longer tokens are refused before anything is decoded. An S3 upload id of kMaxUploadIdBytes
// (1024) makes a token of about 1420 bytes.
inline constexpr std::size_t kMaxUploadTokenBytes = 1600;

struct UploadBinding {
  std::string_view profile;
  std::string_view user;  // empty: anonymous (a route with auth: none)
  std::string_view key;
};

// The token for S3's `upload_id`, valid until `expires` (whole seconds).
std::string MintUploadToken(const aws::SecretKey& secret, const UploadBinding& binding,
                            std::string_view upload_id, aws::TimePoint expires);

struct TokenRefusal {
  std::string rule;    // "multipart.token.malformed", "multipart.token.invalid", ".expired"
  std::string detail;  // for the log; never contains the MAC
};

// S3's upload id, when `token` is genuine for `binding` and not expired at `now`.
std::variant<std::string, TokenRefusal> VerifyUploadToken(const aws::SecretKey& secret,
                                                          const UploadBinding& binding,
                                                          std::string_view token,
                                                          aws::TimePoint now);

}  // namespace s3upload::handlers::internal
