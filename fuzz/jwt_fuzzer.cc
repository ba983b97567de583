// Fuzz target: bearer tokens, auth::TokenVerifier::Verify (HS256 and ES256) and auth::BearerToken.
//
// Input: the first byte chooses what the rest is (modulo 4):
//   0  a compact token, checked by every verifier (HS256 with the PyJWT vectors' secret, ES256 with
//      the PyJWT vectors' key and with RFC 7515 A.3's key);
//   1  an Authorization header value: BearerToken, then the token through every verifier;
//   2  header JSON, a 0xFF byte, payload JSON: minted here into a token correctly MACed with the
//      HS256 secret, so that the claim checks behind the signature are reached;
//   3  the same, signed ES256 with a key generated at start-up (its own verifier).
// The clock is the PyJWT vectors' "now" (tests/data/auth/pyjwt-vectors.json), with their rules.
//
// Invariants:
// - every refusal is one of auth.h's kError* messages (the "malformed" ones with a detail) and
//   quotes no part of the token longer than a few bytes;
// - a token one verifier accepts is refused by a verifier of the other algorithm with exactly
//   kErrorAlgorithm (the algorithm is never chosen by the token);
// - a minted token is never refused for its signature;
// - accepted claims: within exp + leeway, no longer than max_lifetime + leeway ahead, narrowing
//   content types non-empty;
// - BearerToken returns a non-empty token68 view into its argument, after a "Bearer" scheme.
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_support.h"
#include "s3upload/auth.h"
#include "token_support.h"

namespace {

using namespace s3upload;

constexpr std::string_view kHs256Secret = "pyjwt-cross-check-secret-0123456789abcdef";
constexpr std::int64_t kNow = 1700000100;  // pyjwt-vectors.json "now"

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

struct Setup {
  std::vector<auth::TokenVerifier> hs256;
  std::vector<auth::TokenVerifier> es256;
  std::unique_ptr<EVP_PKEY, PkeyFree> minting_key;
  std::optional<auth::TokenVerifier> minted_es256;  // verifies what minting_key signs
};

Setup* g_setup = nullptr;

auth::TimePoint Now() { return auth::TimePoint(std::chrono::seconds(kNow)); }

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "jwt_fuzzer set-up: %s\n", message.c_str());
  std::abort();
}

std::string ReadSourceFile(const std::string& relative) {
  const std::string path = std::string(S3US_FUZZ_SOURCE_DIR) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) Die("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

auth::TokenRules Rules() {
  auth::TokenRules rules;
  rules.audiences = {"uploads.example.com"};
  rules.issuer = "app.example.com";
  rules.leeway = std::chrono::seconds(30);
  rules.max_lifetime = std::chrono::seconds(3600);
  return rules;
}

auth::TokenVerifier Check(StatusOr<auth::TokenVerifier> verifier) {
  if (!verifier.ok()) Die(verifier.status().message());
  return std::move(verifier).value();
}

// JOSE ES256 signature (R || S, 32 bytes each) of `data` with `key`.
std::string SignEs256(EVP_PKEY* key, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t der_size = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &der_size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    Die("ECDSA sign init failed");
  }
  std::vector<unsigned char> der(der_size);
  if (EVP_DigestSign(ctx.get(), der.data(), &der_size,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    Die("ECDSA sign failed");
  }
  const unsigned char* p = der.data();
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_size)), ECDSA_SIG_free);
  if (!sig) Die("ECDSA signature not DER");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  unsigned char jose[64];
  if (BN_bn2binpad(r, jose, 32) != 32 || BN_bn2binpad(s, jose + 32, 32) != 32) Die("R || S");
  return {reinterpret_cast<const char*>(jose), sizeof jose};
}

std::string PublicKeyPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) Die("PEM_write_bio_PUBKEY failed");
  char* text = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &text);
  return {text, static_cast<std::size_t>(size)};
}

void CheckRefusal(const std::string& message, std::string_view token) {
  static constexpr std::string_view kExact[] = {
      auth::kErrorTooLarge,      auth::kErrorUnsupportedHeader, auth::kErrorAlgorithm,
      auth::kErrorBadSignature,  auth::kErrorMissingExpiry,     auth::kErrorExpired,
      auth::kErrorNotYetValid,   auth::kErrorIssuedInFuture,    auth::kErrorLifetime,
      auth::kErrorMissingIssuer, auth::kErrorWrongIssuer,       auth::kErrorMissingAudience,
      auth::kErrorWrongAudience, auth::kErrorInternal};
  bool known = false;
  for (const std::string_view exact : kExact) {
    known =
        known || message == exact ||
        (exact == auth::kErrorUnsupportedHeader && message.starts_with(std::string(exact) + ": "));
  }
  for (const std::string_view prefix : {auth::kErrorMalformedToken, auth::kErrorMalformedClaim}) {
    known = known || message == prefix || message.starts_with(std::string(prefix) + ": ");
  }
  if (!known) std::fprintf(stderr, "unexpected refusal: %s\n", message.c_str());
  S3US_FUZZ_CHECK(known);
  // No part of the token (nor the secret) in a message: a real part is base64url and 24 bytes or
  // more, longer than any run without a space in the fixed texts of the messages.
  S3US_FUZZ_CHECK(message.find(kHs256Secret) == std::string::npos);
  for (std::size_t start = 0; start <= token.size();) {
    const std::size_t dot = std::min(token.find('.', start), token.size());
    const std::string_view part = token.substr(start, dot - start);
    const bool base64url =
        part.find_first_not_of(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
        std::string_view::npos;
    if (part.size() >= 24 && base64url) S3US_FUZZ_CHECK(message.find(part) == std::string::npos);
    start = dot + 1;
  }
}

void CheckClaims(const auth::TokenClaims& claims) {
  const std::int64_t exp =
      std::chrono::duration_cast<std::chrono::seconds>(claims.expires.time_since_epoch()).count();
  S3US_FUZZ_CHECK(kNow < exp + 30);
  S3US_FUZZ_CHECK(exp - kNow <= 3600 + 30);
  S3US_FUZZ_CHECK(claims.content_types.size() <= 64);
  for (const std::string& type : claims.content_types) S3US_FUZZ_CHECK(!type.empty());
}

// Verifies with `verifier`; on acceptance, every verifier of the other algorithm must refuse with
// kErrorAlgorithm. Returns the refusal message, or "" when accepted.
std::string VerifyWith(const auth::TokenVerifier& verifier, std::string_view token) {
  const StatusOr<auth::TokenClaims> result = verifier.Verify(token, Now());
  if (fuzz::Verbose()) {
    std::fprintf(stderr, "%s: %s\n",
                 verifier.algorithm() == auth::Algorithm::kHs256 ? "HS256" : "ES256",
                 result.ok() ? "ok" : result.status().message().c_str());
  }
  if (!result.ok()) {
    CheckRefusal(result.status().message(), token);
    return result.status().message();
  }
  CheckClaims(*result);
  const bool hs = verifier.algorithm() == auth::Algorithm::kHs256;
  std::vector<const auth::TokenVerifier*> others;
  for (const auto& other : hs ? g_setup->es256 : g_setup->hs256) others.push_back(&other);
  if (hs) others.push_back(&*g_setup->minted_es256);
  for (const auth::TokenVerifier* other : others) {
    const StatusOr<auth::TokenClaims> crossed = other->Verify(token, Now());
    S3US_FUZZ_CHECK(!crossed.ok() && crossed.status().message() == auth::kErrorAlgorithm);
  }
  return "";
}

void VerifyEverywhere(std::string_view token) {
  for (const auto& verifier : g_setup->hs256) VerifyWith(verifier, token);
  for (const auto& verifier : g_setup->es256) VerifyWith(verifier, token);
}

void CheckBearer(std::string_view value) {
  const std::optional<std::string_view> token = auth::BearerToken(value);
  if (!token) return;
  S3US_FUZZ_CHECK(!token->empty());
  S3US_FUZZ_CHECK(token->data() >= value.data() &&
                  token->data() + token->size() <= value.data() + value.size());
  bool padding = false;
  for (const char c : *token) {
    const bool token68 = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~' ||
                         c == '+' || c == '/';
    if (c == '=') {
      padding = true;
    } else {
      S3US_FUZZ_CHECK(token68 && !padding);
    }
  }
  const std::size_t scheme = value.find_first_not_of(" \t");
  S3US_FUZZ_CHECK(scheme != std::string_view::npos);
  std::string lower(value.substr(scheme, 7));
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  S3US_FUZZ_CHECK(lower == "bearer ");
  VerifyEverywhere(*token);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  auto* setup = new Setup();  // lives as long as the process
  setup->hs256.push_back(Check(auth::TokenVerifier::Hs256(std::string(kHs256Secret), Rules())));
  setup->es256.push_back(Check(auth::TokenVerifier::Es256FromPem(
      ReadSourceFile("tests/data/auth/pyjwt-es256-public.pem"), Rules())));
  setup->es256.push_back(Check(auth::TokenVerifier::Es256FromPem(
      ReadSourceFile("tests/data/auth/rfc7515-a3-public.pem"), Rules())));
  setup->minting_key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!setup->minting_key) Die("EC key generation failed");
  setup->minted_es256 =
      Check(auth::TokenVerifier::Es256FromPem(PublicKeyPem(setup->minting_key.get()), Rules()));
  g_setup = setup;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest = fuzz::AsText(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0:
      VerifyEverywhere(rest);
      break;
    case 1:
      CheckBearer(rest);
      break;
    default: {
      const std::size_t separator = rest.find('\xff');
      const std::string_view header = rest.substr(0, separator);
      const std::string_view payload =
          separator == std::string_view::npos ? std::string_view() : rest.substr(separator + 1);
      const std::string input = fuzz::Base64Url(header) + "." + fuzz::Base64Url(payload);
      if (data[0] % 4 == 2) {
        const std::string token = fuzz::MintHs256(header, payload, kHs256Secret);
        S3US_FUZZ_CHECK(VerifyWith(g_setup->hs256.front(), token) != auth::kErrorBadSignature);
      } else {
        const std::string token =
            input + "." + fuzz::Base64Url(SignEs256(g_setup->minting_key.get(), input));
        S3US_FUZZ_CHECK(VerifyWith(*g_setup->minted_es256, token) != auth::kErrorBadSignature);
      }
      break;
    }
  }
  return 0;
}
