// aws: AWS request signing, and nothing else.
//
// Contract
// - Pure functions over bytes: no I/O, no configuration, no clock (callers pass the time).
// - Signature Version 4 is written as its explicit steps, each testable byte for byte:
//     CanonicalUri / CanonicalQueryString / CanonicalHeaders -> CanonicalRequest
//     -> StringToSign (over Sha256Hex of the canonical request)
//     -> DeriveSigningKey (date, region, service) -> Signature.
//   There is exactly one SigV4 implementation in the project: policy signing, REST signing,
//   presigned URLs and the S3 client all go through these functions.
// - Signature Version 2 is one HMAC-SHA1 over a finished string to sign (SignV2).
// - A secret key only ever lives in a SecretKey or inside Credentials; it is wiped on destruction,
//   it has no printing operator, and nothing here returns it except SecretKey::reveal(), which only
//   the signing functions call.
// - Digests are OpenSSL's SHA-256 and SHA-1; HMAC is RFC 2104 over them, written out (digest.cc
//   says why not EVP_MAC). Each thread keeps one keyed HMAC state per digest (the hash states after
//   the padded key); Credentials re-keys it only when the key changes (a SigV4 signing key or the
//   SigV2 secret is identified by a process-unique id, never compared or copied for that).
//
// Thread-safety: every free function is safe to call from any number of threads. Credentials is
// safe to share between threads (its signing-key cache is internally synchronised).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "s3upload/secure.h"

namespace s3upload::aws {

using TimePoint = std::chrono::system_clock::time_point;

// ---------------------------------------------------------------------------------------------
// Digests, MACs and encodings
// ---------------------------------------------------------------------------------------------

using Sha256Digest = std::array<unsigned char, 32>;
using Sha1Digest = std::array<unsigned char, 20>;

Sha256Digest Sha256(std::string_view data);
// Lower-case hex of SHA-256(data): the payload hash and canonical-request hash format of SigV4.
std::string Sha256Hex(std::string_view data);
Sha256Digest HmacSha256(std::span<const unsigned char> key, std::string_view data);
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
Sha1Digest HmacSha1(std::string_view key, std::string_view data);

std::string HexEncode(std::span<const unsigned char> bytes);  // lower case
std::string Base64Encode(std::string_view bytes);             // standard alphabet, padded
// Strict: standard alphabet, correct padding, no whitespace. nullopt on anything else.
std::optional<std::string> Base64Decode(std::string_view text);
// base64url without padding (RFC 4648 section 5; JWS, our upload tokens).
std::string Base64UrlEncode(std::string_view bytes);
// Strict: alphabet A-Z a-z 0-9 - _ only (no '=', no whitespace), length % 4 != 1, and the unused
// bits of the last character zero (one encoding per byte string, so a token cannot be re-encoded
// into a different string that verifies). nullopt on anything else.
std::optional<std::string> Base64UrlDecode(std::string_view text);

// SHA-256 of the empty string: the payload hash of requests without a body.
inline constexpr std::string_view kEmptyPayloadHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";

// ---------------------------------------------------------------------------------------------
// URI encoding as SigV4 defines it (RFC 3986: A-Z a-z 0-9 - . _ ~ are kept, every other byte is
// %XX with upper-case hex).
// ---------------------------------------------------------------------------------------------

// encode_slash=false keeps '/' (object keys in paths); true encodes it (query names and values).
std::string UriEncode(std::string_view bytes, bool encode_slash);
// Strict percent-decoding: every '%' must start a two-digit hex escape; '+' stays '+'.
std::optional<std::string> UriDecode(std::string_view text);

// ---------------------------------------------------------------------------------------------
// Times in the formats the signatures use. All UTC.
// ---------------------------------------------------------------------------------------------

std::string FormatAmzDate(TimePoint t);                        // 20240501T120000Z
std::string FormatAmzDay(TimePoint t);                         // 20240501
std::optional<TimePoint> ParseAmzDate(std::string_view text);  // exactly YYYYMMDDTHHMMSSZ
std::optional<TimePoint> ParseAmzDay(std::string_view text);   // exactly YYYYMMDD, at 00:00:00
// ISO 8601 as used by POST policy "expiration": YYYY-MM-DDTHH:MM:SS[.fff]Z (1 to 3 fraction
// digits).
std::optional<TimePoint> ParseIso8601(std::string_view text);
std::string FormatIso8601Millis(TimePoint t);  // 2024-05-01T12:05:00.000Z
// RFC 1123 as used by SigV2 x-amz-date: "Wed, 01 May 2024 12:00:00 GMT" (also "+0000" for GMT).
std::optional<TimePoint> ParseRfc1123(std::string_view text);
std::string FormatRfc1123(TimePoint t);

// ---------------------------------------------------------------------------------------------
// Secrets and credentials
// ---------------------------------------------------------------------------------------------

// Holds a secret access key (or another secret: a webhook's) in a secure::SecureBuffer: pages of
// its own, excluded from core dumps, locked in RAM, wiped (OPENSSL_cleanse) when destroyed.
// Move-only.
class SecretKey {
 public:
  // Copies `secret` into secure memory and wipes the string's own buffer.
  explicit SecretKey(std::string secret);
  explicit SecretKey(secure::SecureBuffer secret) : secret_(std::move(secret)) {}
  SecretKey(SecretKey&& other) noexcept = default;
  SecretKey& operator=(SecretKey&& other) noexcept = default;
  SecretKey(const SecretKey&) = delete;
  SecretKey& operator=(const SecretKey&) = delete;
  ~SecretKey() = default;

  // Only for the signing functions in this module.
  std::string_view reveal() const { return secret_.view(); }
  bool empty() const { return secret_.empty(); }
  // Where the bytes live (tests).
  const secure::SecureBuffer& storage() const { return secret_; }

 private:
  secure::SecureBuffer secret_;
};

using SigningKey = Sha256Digest;

// ---------------------------------------------------------------------------------------------
// Signature Version 4, step by step
// ---------------------------------------------------------------------------------------------

struct Header {
  std::string name;   // any case; canonicalised to lower case
  std::string value;  // raw; canonicalised by trimming and collapsing runs of spaces
};

struct QueryParam {
  std::string name;   // decoded
  std::string value;  // decoded
};

// The path part of the canonical request. `path` is the request path as the client sends it.
// normalize: remove "." and ".." segments and empty segments (every service but S3).
// encode: percent-encode every byte except unreserved characters and '/'. S3 signs a path that
// is already encoded once ("/" + UriEncode(key, false)) and passes encode=false; other services
// (and the AWS test suite) encode the path as sent, i.e. encode=true.
std::string CanonicalUri(std::string_view path, bool normalize, bool encode);

// name=value pairs, each side UriEncode(..., true), sorted by name then value, joined with '&'.
std::string CanonicalQueryString(const std::vector<QueryParam>& params);

struct CanonicalHeaderBlock {
  std::string canonical_headers;  // "name:value\n" per header, sorted; ends with '\n'
  std::string signed_headers;     // "name1;name2", sorted, lower case
};
// Lower-cases names, trims values and collapses runs of whitespace to one space, joins repeated
// names with ',' in the order given, sorts by name.
CanonicalHeaderBlock CanonicalHeaders(const std::vector<Header>& headers);

std::string CanonicalRequest(std::string_view method, std::string_view canonical_uri,
                             std::string_view canonical_query, const CanonicalHeaderBlock& headers,
                             std::string_view payload_hash);

// "<yyyymmdd>/<region>/<service>/aws4_request"
std::string CredentialScope(std::string_view day, std::string_view region,
                            std::string_view service);

// "AWS4-HMAC-SHA256\n<amz_date>\n<scope>\n<canonical_request_hash>"
std::string StringToSign(std::string_view amz_date, std::string_view scope,
                         std::string_view canonical_request_hash);

// kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, day), region), service), "aws4_request")
SigningKey DeriveSigningKey(const SecretKey& secret, std::string_view day, std::string_view region,
                            std::string_view service);

// Lower-case hex of HMAC-SHA256(signing_key, string_to_sign).
std::string Signature(const SigningKey& signing_key, std::string_view string_to_sign);

// "AWS4-HMAC-SHA256 Credential=<ak>/<scope>, SignedHeaders=<list>, Signature=<sig>"
std::string AuthorizationHeader(std::string_view access_key_id, std::string_view scope,
                                std::string_view signed_headers, std::string_view signature);

// The X-Amz-* query parameters of a presigned URL, except X-Amz-Signature (which is computed over
// a canonical request that includes these). session_token empty = none.
std::vector<QueryParam> PresignQueryParams(std::string_view access_key_id, std::string_view scope,
                                           std::string_view amz_date, std::chrono::seconds expires,
                                           std::string_view signed_headers,
                                           std::string_view session_token);

// ---------------------------------------------------------------------------------------------
// Signature Version 2
// ---------------------------------------------------------------------------------------------

// base64(HMAC-SHA1(secret, string_to_sign)): used both for a POST policy (string_to_sign is the
// base64 policy) and for a REST StringToSign.
std::string SignV2(const SecretKey& secret, std::string_view string_to_sign);

// ---------------------------------------------------------------------------------------------
// Credentials: an access key id, its secret, and the SigV4 signing keys derived from it.
// ---------------------------------------------------------------------------------------------

class Credentials {
 public:
  Credentials(std::string access_key_id, SecretKey secret);
  Credentials(const Credentials&) = delete;
  Credentials& operator=(const Credentials&) = delete;
  ~Credentials();  // wipes the cached signing keys

  const std::string& access_key_id() const { return access_key_id_; }

  // The derived key for (day, region, service), computed once and then served from a cache.
  // Thread-safe. The cache keeps at most a few entries (days roll over; regions are few).
  SigningKey SigningKeyFor(std::string_view day, std::string_view region,
                           std::string_view service) const;

  // hex HMAC-SHA256 with the derived key for the scope's day/region/service. Thread-safe; takes no
  // lock when this thread's previous SignV4 had the same credentials and scope.
  std::string SignV4(std::string_view day, std::string_view region, std::string_view service,
                     std::string_view string_to_sign) const;
  std::string SignV2(std::string_view string_to_sign) const;

  // Counters for tests and metrics: how often a signing key was derived / served from the cache.
  // SignV4 on a thread whose previous SignV4 had the same credentials and scope uses neither (its
  // HMAC state is still keyed) and counts nothing.
  std::uint64_t signing_key_derivations() const;
  std::uint64_t signing_key_cache_hits() const;

 private:
  // Entry i's key bytes are keys_[i]: the entries hold only the scope and the id.
  struct CachedKey {
    std::string day, region, service;
    std::uint64_t mac_key_id = 0;  // identifies the key to the per-thread HMAC states
  };
  struct ScopedKey {
    SigningKey key{};
    std::uint64_t mac_key_id = 0;
  };
  ScopedKey Lookup(std::string_view day, std::string_view region, std::string_view service) const;

  std::string access_key_id_;
  SecretKey secret_;
  std::uint64_t secret_mac_key_id_;  // SigV2 MACs with the secret itself
  mutable std::mutex cache_mutex_;
  // A few entries (days roll over; regions are few), searched in place: a lookup allocates nothing.
  mutable std::vector<CachedKey> cache_;
  // The cached signing keys themselves, one SigningKey per entry of cache_, in secure memory.
  mutable secure::SecureBuffer keys_;
  mutable std::uint64_t derivations_ = 0;
  mutable std::uint64_t cache_hits_ = 0;
};

}  // namespace s3upload::aws
