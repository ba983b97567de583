// auth/ internals shared by its files and its tests. Not part of the module's interface: nothing
// outside src/auth/ and tests/auth/ includes it.
#pragma once

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

#include "auth/openssl_handles.h"
#include "s3upload/status.h"

namespace s3upload::auth::internal {

// ---------------------------------------------------------------------------------------------
// Strict JSON (json_strict.cc)
// ---------------------------------------------------------------------------------------------

enum class JsonProblem { kNone, kSyntax, kDuplicateKey, kTooDeep };

// Parses `text` into `doc` iteratively (no recursion, whatever the nesting), validating UTF-8,
// refusing arrays and objects nested more than kMaxTokenJsonDepth deep (kTooDeep, counted while
// parsing, and reported also for a text that is both too deep and broken), NUL bytes, a byte order
// mark, trailing garbage, a repeated key in any object, and strings whose escapes decode to invalid
// UTF-8 (a lone "\udc00" passes RapidJSON's validation).
JsonProblem ParseStrictJson(std::string_view text, rapidjson::Document& doc);

// The bytes of a string value (which may contain NUL bytes from "\u0000").
inline std::string_view StringOf(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

// ---------------------------------------------------------------------------------------------
// Signatures (signature.cc): OpenSSL does the cryptography; these only adapt JOSE's encodings.
// ---------------------------------------------------------------------------------------------

enum class SignatureCheck { kValid, kInvalid, kError };

// HMAC-SHA256(key, signing_input) compared with `signature` (raw bytes) in constant time. A
// signature of any length other than 32 bytes is kInvalid.
SignatureCheck CheckHs256(std::string_view key, std::string_view signing_input,
                          std::string_view signature);

// ECDSA P-256 SHA-256 over `signing_input`; `signature` is the raw JOSE form R || S (exactly 64
// bytes, anything else is kInvalid), converted to DER for EVP_DigestVerify.
SignatureCheck CheckEs256(EVP_PKEY* public_key, std::string_view signing_input,
                          std::string_view signature);

// The first PUBLIC KEY block of `pem`, if it is a valid P-256 point on the named curve.
StatusOr<EvpPkeyPtr> LoadP256PublicKey(std::string_view pem);

}  // namespace s3upload::auth::internal
