// auth: bearer tokens (JWT) that the application mints for its own pages, verified here.
//
// Contract
// - A TokenVerifier checks one compact JWS (RFC 7515) carrying a JWT (RFC 7519) and returns its
//   claims, or a Status whose message says why not. Pure: no I/O, no clock (callers pass `now`).
// - One algorithm per verifier, chosen by the operator's configuration: HS256 (a shared secret of
//   at least 32 bytes) or ES256 (a P-256 public key in PEM). The token's "alg" header is compared
//   with it and never chooses anything: "none", the other algorithm, or any other value is refused
//   before the signature is looked at (this is what defeats the HS256-with-the-public-key
//   confusion attack and "alg": "none").
// - Strict parsing, refusing rather than guessing:
//   - at most kMaxTokenSize bytes, checked before any decoding;
//   - exactly three base64url parts (RFC 7515 section 2: no padding, no other characters, unused
//     trailing bits zero), the signature part not empty;
//   - header and payload are JSON objects, UTF-8, with no key repeated at any depth, nested at
//     most kMaxTokenJsonDepth deep;
//   - header: "alg" as configured; "typ", if present, "JWT" (any case); "crit", "jku", "jwk",
//     "x5u", "x5c", "cty" and "b64" refused (no extensions, no keys from the token, no nested
//     tokens); anything else ("kid", ...) ignored;
//   - the signature is checked before the payload is parsed; HS256 MACs are compared in constant
//     time; an ES256 signature must be the 64-byte JOSE form R || S (RFC 7518 section 3.4): a DER
//     signature is refused. ECDSA's high-S twin of a valid signature, (R, n - S), is accepted, as
//     JOSE libraries generally do: it is a signature by the same key on the same bytes, so it
//     proves nothing false; do not use the signature bytes as a token identity (use "jti").
// - Claims (RFC 7519 section 4.1; NumericDate = integer seconds since the epoch, 0 to 7258118400
//   (2200-01-01); fractions, strings, negative and larger values are refused):
//   - "exp" REQUIRED; refused when now >= exp + leeway;
//   - "nbf" optional; refused when now < nbf - leeway;
//   - "iat" optional; refused when iat > now + leeway ("token issued in the future");
//   - short-lived only: refused when exp - iat > max_lifetime, or when
//     exp - now > max_lifetime + leeway;
//   - "aud" REQUIRED, a string or a non-empty array of strings; one of them must be one of
//     TokenRules::audiences (exact bytes);
//   - "iss" a string if present; required and equal to TokenRules::issuer when one is configured;
//   - "sub", "jti" strings if present (no control characters), returned as they are;
//   - "s3u", this project's private claim, an object narrowing the upload profile (it can never
//     widen it; the caller applies it):
//       "max_size": integer 0 .. 2^64-1, a smaller maximum object size in bytes;
//       "content_types": non-empty array of at most 64 non-empty printable-ASCII strings, the only
//         content types allowed (compared by the caller as it compares the profile's own list).
//     Any other member of "s3u", or a wrong type, is refused: a narrowing we would not understand
//     must not silently become no narrowing;
//   - any other claim is ignored.
// - Error messages are short, stable and distinct (see kError* below; "malformed ..." ones carry a
//   short detail after a colon); they never contain the token, any part of it, or the key.
// - Nothing here throws across the module boundary (allocation failure aside).
//
// Why OpenSSL and not a JWT library: Debian 12 packages libjwt 1.10.2 (C, jansson), cpp-jwt 1.4
// (header-only C++, nlohmann-json), librhonabwy (GnuTLS), cjose and latchset's jose (JOSE
// toolkits without claim validation) and POCO's JWT. None fits: libjwt 1.10.2 takes the
// algorithm from the token (the caller must re-check it, or an HS256 token MACed with the PEM
// public key passes), parses with jansson's defaults (a repeated key silently wins), decodes
// base64 leniently (it stops at the first foreign character), has no exp/nbf/aud validation
// (jwt_valid came in 1.12) and reports every failure as EINVAL; cpp-jwt compares MACs with
// operator== on strings, uses OpenSSL APIs deprecated in 3.0 (HMAC(), EC_KEY) and reports
// errors by exceptions. Either would add a second JSON library next to RapidJSON and still leave
// the strict checks above to us. So: OpenSSL 3 for every cryptographic operation (EVP_MAC
// HMAC-SHA256 + CRYPTO_memcmp; EVP_DigestVerify ECDSA-SHA256, after converting R || S to the DER
// ECDSA-Sig-Value it expects; PEM_read_bio_PUBKEY), RapidJSON for JSON, and our own base64url and
// claim checks; no cryptographic primitive is written here.
//
// Thread-safety: TokenVerifier is immutable after construction; Verify may be called from any
// number of threads at once. Copies share the key (cheap; the key lives as long as any copy).
// BearerToken is a pure function.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3upload/status.h"

namespace s3upload::auth {

using TimePoint = std::chrono::system_clock::time_point;

// Larger tokens are refused before anything is decoded.
inline constexpr std::size_t kMaxTokenSize = 8192;
// Header and payload JSON nested deeper than this (arrays and objects) is refused before it is
// parsed ("malformed token: payload nested too deeply"). Our own claims need 3 levels; the margin
// is for other claims an issuer adds.
inline constexpr std::size_t kMaxTokenJsonDepth = 16;
// HS256 secrets shorter than this are refused (RFC 7518 section 3.2: at least the hash size).
inline constexpr std::size_t kMinHs256SecretSize = 32;

// The refusals of Verify, exactly (the "malformed" ones start with these and add ": detail").
inline constexpr std::string_view kErrorTooLarge = "token too large";
inline constexpr std::string_view kErrorMalformedToken = "malformed token";
inline constexpr std::string_view kErrorUnsupportedHeader = "unsupported header";
inline constexpr std::string_view kErrorAlgorithm = "algorithm not allowed";
inline constexpr std::string_view kErrorBadSignature = "bad signature";
inline constexpr std::string_view kErrorMalformedClaim = "malformed claim";
inline constexpr std::string_view kErrorMissingExpiry = "missing expiry";
inline constexpr std::string_view kErrorExpired = "token expired";
inline constexpr std::string_view kErrorNotYetValid = "token not yet valid";
inline constexpr std::string_view kErrorIssuedInFuture = "token issued in the future";
inline constexpr std::string_view kErrorLifetime = "lifetime too long";
inline constexpr std::string_view kErrorMissingIssuer = "missing issuer";
inline constexpr std::string_view kErrorWrongIssuer = "wrong issuer";
inline constexpr std::string_view kErrorMissingAudience = "missing audience";
inline constexpr std::string_view kErrorWrongAudience = "wrong audience";
// Verify on a moved-from verifier, or OpenSSL failing (broken installation): refused as well.
inline constexpr std::string_view kErrorInternal = "token check failed";

enum class Algorithm { kHs256, kEs256 };

struct TokenRules {
  // Accepted "aud" values; at least one is required.
  std::vector<std::string> audiences;
  // When set, "iss" must be present and equal.
  std::optional<std::string> issuer;
  // Clock skew allowed on exp, nbf and iat: 0 .. 1 hour.
  std::chrono::seconds leeway{30};
  // The longest lifetime accepted (see the contract): 1 second .. 1 day.
  std::chrono::seconds max_lifetime{3600};
};

struct TokenClaims {
  // "sub": the caller decides whether its route needs one, and must check it is a safe key
  // segment before putting it into a key (it is only guaranteed free of control characters).
  std::optional<std::string> subject;
  std::optional<std::string> token_id;  // "jti"
  TimePoint expires;                    // "exp"
  // "s3u"."max_size": nullopt = no narrowing.
  std::optional<std::uint64_t> max_size;
  // "s3u"."content_types": empty = no narrowing (an empty array is refused, never returned).
  std::vector<std::string> content_types;
};

class TokenVerifier {
 public:
  // `secret` is the raw bytes (as read from the secret file, without any decoding); at least
  // kMinHs256SecretSize bytes. It is wiped when the last copy of the verifier goes.
  static StatusOr<TokenVerifier> Hs256(std::string secret, TokenRules rules);
  // `public_key_pem`: the first "-----BEGIN PUBLIC KEY-----" block (SubjectPublicKeyInfo) is used
  // and must hold a valid point on P-256 (prime256v1) with a named curve.
  static StatusOr<TokenVerifier> Es256FromPem(std::string_view public_key_pem, TokenRules rules);

  StatusOr<TokenClaims> Verify(std::string_view compact_token, TimePoint now) const;

  Algorithm algorithm() const;

 private:
  struct Impl;
  explicit TokenVerifier(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

// The token of an Authorization header value "Bearer <token68>" (RFC 6750 section 2.1): the
// scheme in any case, then one or more spaces, then only token68 characters
// (A-Z a-z 0-9 - . _ ~ + / then optional trailing '='). Spaces and tabs around the whole value are
// ignored (HTTP strips them anyway). nullopt for any other scheme or shape. The view points into
// the argument.
std::optional<std::string_view> BearerToken(std::string_view authorization_header_value);

}  // namespace s3upload::auth
