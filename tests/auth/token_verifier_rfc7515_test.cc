// token_verifier.cc on the JWS of RFC 7515 appendix A.1 (HS256) and A.3 (ES256), unchanged. Their
// payload has no "aud", so the best they can reach is "missing audience": that outcome proves the
// header, the signature, exp and iss were all accepted (those checks come first). Payload:
//   {"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}
#include <gtest/gtest.h>

#include <string>

#include "auth/internal.h"
#include "auth/test_support.h"
#include "s3upload/auth.h"

namespace s3upload::auth {
namespace {

using auth_test::At;
using auth_test::Outcome;
using auth_test::ReadTestFile;

constexpr std::string_view kA1Token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view kA1Key =
    "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow";
constexpr std::string_view kA3Token =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
constexpr std::int64_t kExp = 1300819380;

TokenRules Rules(std::optional<std::string> issuer = std::nullopt) {
  TokenRules rules;
  rules.audiences = {"uploads.example.com"};
  rules.issuer = std::move(issuer);
  return rules;
}

TokenVerifier A1Verifier(std::optional<std::string> issuer = std::nullopt) {
  StatusOr<TokenVerifier> verifier =
      TokenVerifier::Hs256(aws::Base64UrlDecode(kA1Key).value(), Rules(std::move(issuer)));
  EXPECT_TRUE(verifier.ok()) << verifier.status().message();
  return std::move(verifier).value();
}

TokenVerifier A3Verifier(std::optional<std::string> issuer = std::nullopt) {
  StatusOr<TokenVerifier> verifier =
      TokenVerifier::Es256FromPem(ReadTestFile("rfc7515-a3-public.pem"), Rules(std::move(issuer)));
  EXPECT_TRUE(verifier.ok()) << verifier.status().message();
  return std::move(verifier).value();
}

std::string LastCharacterChanged(std::string_view token) {
  std::string copy(token);
  copy.back() = copy.back() == 'A' ? 'Q' : 'A';  // both have zero unused bits
  return copy;
}

TEST(TokenVerifierRfc7515Test, A1PassesEverythingUpToTheAudience) {
  const TokenVerifier verifier = A1Verifier();
  EXPECT_EQ(Outcome(verifier.Verify(kA1Token, At(kExp - 60))), "missing audience");
  EXPECT_EQ(Outcome(A1Verifier("joe").Verify(kA1Token, At(kExp - 60))), "missing audience");
  EXPECT_EQ(Outcome(A1Verifier("jane").Verify(kA1Token, At(kExp - 60))), "wrong issuer");
}

TEST(TokenVerifierRfc7515Test, A1Expiry) {
  const TokenVerifier verifier = A1Verifier();
  EXPECT_EQ(Outcome(verifier.Verify(kA1Token, At(kExp + 29))), "missing audience");  // leeway
  EXPECT_EQ(Outcome(verifier.Verify(kA1Token, At(kExp + 30))), "token expired");
  EXPECT_EQ(Outcome(verifier.Verify(kA1Token, At(1700000000))), "token expired");
  // Long before exp: more than an hour of lifetime left is more than this verifier accepts.
  EXPECT_EQ(Outcome(verifier.Verify(kA1Token, At(kExp - 3631))), "lifetime too long");
}

TEST(TokenVerifierRfc7515Test, A1Tampered) {
  EXPECT_EQ(Outcome(A1Verifier().Verify(LastCharacterChanged(kA1Token), At(kExp - 60))),
            "bad signature");
  EXPECT_EQ(Outcome(A3Verifier().Verify(kA1Token, At(kExp - 60))), "algorithm not allowed");
}

TEST(TokenVerifierRfc7515Test, A3PassesEverythingUpToTheAudience) {
  const TokenVerifier verifier = A3Verifier();
  EXPECT_EQ(Outcome(verifier.Verify(kA3Token, At(kExp - 60))), "missing audience");
  EXPECT_EQ(Outcome(A3Verifier("joe").Verify(kA3Token, At(kExp - 60))), "missing audience");
  EXPECT_EQ(Outcome(A3Verifier("jane").Verify(kA3Token, At(kExp - 60))), "wrong issuer");
  EXPECT_EQ(Outcome(verifier.Verify(kA3Token, At(kExp + 30))), "token expired");
}

TEST(TokenVerifierRfc7515Test, A3Tampered) {
  EXPECT_EQ(Outcome(A3Verifier().Verify(LastCharacterChanged(kA3Token), At(kExp - 60))),
            "bad signature");
  EXPECT_EQ(Outcome(A1Verifier().Verify(kA3Token, At(kExp - 60))), "algorithm not allowed");
}

}  // namespace
}  // namespace s3upload::auth
