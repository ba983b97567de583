// token_verifier.cc: every refusal shown on a token minted here that is otherwise correct (signed
// with the verifier's own key), the claims returned, the factories, and concurrent use.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "auth/test_support.h"
#include "s3upload/auth.h"

namespace s3upload::auth {
namespace {

using auth_test::At;
using auth_test::B64;
using auth_test::MintEs256;
using auth_test::MintHs256;
using auth_test::Outcome;
using auth_test::SignHs256Parts;
using auth_test::TestEcKey;

constexpr std::int64_t kNow = 1700000000;
constexpr std::string_view kSecret = "test-secret-0123456789abcdef-0123456789";
constexpr std::string_view kHsHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr std::string_view kEsHeader = R"({"alg":"ES256","typ":"JWT"})";
// Issued 10 s ago, valid for 5 minutes.
constexpr std::string_view kPayload =
    R"({"aud":"uploads.example.com","sub":"user-42","jti":"t-1","iat":1699999990,"exp":1700000300})";

TokenRules Rules() {
  TokenRules rules;
  rules.audiences = {"uploads.example.com", "second.example.com"};
  return rules;
}

TokenVerifier HsVerifier(TokenRules rules = Rules()) {
  StatusOr<TokenVerifier> verifier = TokenVerifier::Hs256(std::string(kSecret), std::move(rules));
  EXPECT_TRUE(verifier.ok()) << verifier.status().message();
  return std::move(verifier).value();
}

// A payload object made of `fields` (a JSON fragment).
std::string Payload(std::string_view fields) { return "{" + std::string(fields) + "}"; }

class TokenVerifierTest : public ::testing::Test {
 protected:
  // One P-256 key for the whole binary (generated on first use).
  static const TestEcKey& Key() {
    static const TestEcKey key = TestEcKey::Generate();
    return key;
  }

  static TokenVerifier EsVerifier(TokenRules rules = Rules()) {
    StatusOr<TokenVerifier> verifier =
        TokenVerifier::Es256FromPem(Key().PublicPem(), std::move(rules));
    EXPECT_TRUE(verifier.ok()) << verifier.status().message();
    return std::move(verifier).value();
  }

  // Outcome of the HS256 verifier on a token signed with the right secret.
  static std::string Hs(std::string_view payload, std::string_view header = kHsHeader,
                        TokenRules rules = Rules()) {
    return Outcome(
        HsVerifier(std::move(rules)).Verify(MintHs256(header, payload, kSecret), At(kNow)));
  }
  static std::string Es(std::string_view payload, std::string_view header = kEsHeader) {
    return Outcome(EsVerifier().Verify(MintEs256(header, payload, Key()), At(kNow)));
  }
};

// ---------------------------------------------------------------------------------------------
// Accepted tokens and their claims
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, AcceptsHs256AndReturnsClaims) {
  const StatusOr<TokenClaims> claims =
      HsVerifier().Verify(MintHs256(kHsHeader, kPayload, kSecret), At(kNow));
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_EQ(claims->subject, "user-42");
  EXPECT_EQ(claims->token_id, "t-1");
  EXPECT_EQ(claims->expires, At(1700000300));
  EXPECT_EQ(claims->max_size, std::nullopt);
  EXPECT_TRUE(claims->content_types.empty());
}

TEST_F(TokenVerifierTest, AcceptsEs256AndReturnsClaims) {
  const StatusOr<TokenClaims> claims =
      EsVerifier().Verify(MintEs256(kEsHeader, kPayload, Key()), At(kNow));
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_EQ(claims->subject, "user-42");
  EXPECT_EQ(claims->expires, At(1700000300));
}

TEST_F(TokenVerifierTest, NarrowingClaims) {
  const StatusOr<TokenClaims> claims = HsVerifier().Verify(
      MintHs256(
          kHsHeader,
          R"({"aud":"uploads.example.com","exp":1700000300,)"
          R"("s3u":{"max_size":1048576,"content_types":["image/png","text/plain; charset=utf-8"]}})",
          kSecret),
      At(kNow));
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_EQ(claims->max_size, 1048576u);
  EXPECT_EQ(claims->content_types,
            (std::vector<std::string>{"image/png", "text/plain; charset=utf-8"}));
  EXPECT_EQ(claims->subject, std::nullopt);
  EXPECT_EQ(claims->token_id, std::nullopt);

  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300,"s3u":{}})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300,"s3u":{"max_size":0}})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300,)"
               R"("s3u":{"max_size":18446744073709551615}})"),
            "ok");
}

TEST_F(TokenVerifierTest, AudienceAsArrayAndAnyConfiguredAudience) {
  EXPECT_EQ(Hs(R"({"aud":["a.example.com","second.example.com"],"exp":1700000300})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"second.example.com","exp":1700000300})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":["uploads.example.com"],"exp":1700000300})"), "ok");
}

TEST_F(TokenVerifierTest, HeaderVariantsAccepted) {
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256"})"), "ok");
  EXPECT_EQ(Hs(kPayload, R"({"typ":"jwt","alg":"HS256"})"), "ok");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","kid":"key-2024","x5t":"ignored"})"), "ok");
  EXPECT_EQ(Es(kPayload, R"({"alg":"ES256","kid":"k1"})"), "ok");
}

TEST_F(TokenVerifierTest, UnknownClaimsIgnored) {
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300,"role":["admin"],"n":1.5})"), "ok");
}

TEST_F(TokenVerifierTest, SubjectKeepsUtf8) {
  const StatusOr<TokenClaims> claims = HsVerifier().Verify(
      MintHs256(kHsHeader, R"({"aud":"uploads.example.com","exp":1700000300,"sub":"m\u00fcller"})",
                kSecret),
      At(kNow));
  ASSERT_TRUE(claims.ok()) << claims.status().message();
  EXPECT_EQ(claims->subject, "m\xc3\xbcller");
}

// ---------------------------------------------------------------------------------------------
// Time: exp, nbf, iat, lifetime, leeway (30 s by default)
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, Expired) {
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1699999000,"exp":1699999900})"),
            "token expired");
  EXPECT_EQ(Es(R"({"aud":"uploads.example.com","iat":1699999000,"exp":1699999900})"),
            "token expired");
  // Within the leeway, and just past it.
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1699999971})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1699999970})"), "token expired");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":0})"), "token expired");
}

TEST_F(TokenVerifierTest, NotYetValid) {
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","nbf":1700000100,"exp":1700000300})"),
            "token not yet valid");
  EXPECT_EQ(Es(R"({"aud":"uploads.example.com","nbf":1700000100,"exp":1700000300})"),
            "token not yet valid");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","nbf":1700000030,"exp":1700000300})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","nbf":1700000031,"exp":1700000300})"),
            "token not yet valid");
}

TEST_F(TokenVerifierTest, IssuedInTheFuture) {
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1700000030,"exp":1700000300})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1700000031,"exp":1700000300})"),
            "token issued in the future");
}

TEST_F(TokenVerifierTest, MissingExpiry) {
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1699999990})"), "missing expiry");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com"})"), "missing expiry");
}

TEST_F(TokenVerifierTest, LifetimeTooLong) {
  // exp - iat against max_lifetime (3600 s).
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1699999000,"exp":1700002600})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1699999000,"exp":1700002601})"),
            "lifetime too long");
  // Without iat: exp - now against max_lifetime + leeway.
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700003630})"), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700003631})"), "lifetime too long");
  // A long-lived token backdated to look short: exp far ahead, iat close to it.
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1799999000,"exp":1800000000})"),
            "token issued in the future");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","iat":1699999990,"exp":7258118400})"),
            "lifetime too long");
}

TEST_F(TokenVerifierTest, ConfiguredLeewayAndLifetime) {
  TokenRules rules = Rules();
  rules.leeway = std::chrono::seconds(0);
  rules.max_lifetime = std::chrono::seconds(60);
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000001})", kHsHeader, rules), "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000000})", kHsHeader, rules),
            "token expired");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000061})", kHsHeader, rules),
            "lifetime too long");
  EXPECT_EQ(
      Hs(R"({"aud":"uploads.example.com","nbf":1700000001,"exp":1700000030})", kHsHeader, rules),
      "token not yet valid");
}

TEST_F(TokenVerifierTest, SubSecondNowIsFloored) {
  const std::string token =
      MintHs256(kHsHeader, R"({"aud":"uploads.example.com","exp":1700000000})", kSecret);
  TokenRules rules = Rules();
  rules.leeway = std::chrono::seconds(0);
  const TokenVerifier verifier = HsVerifier(rules);
  EXPECT_EQ(Outcome(verifier.Verify(token, At(kNow) - std::chrono::milliseconds(1))), "ok");
  EXPECT_EQ(Outcome(verifier.Verify(token, At(kNow))), "token expired");
}

// ---------------------------------------------------------------------------------------------
// Audience and issuer
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, WrongAudience) {
  EXPECT_EQ(Hs(R"({"aud":"other.example.com","exp":1700000300})"), "wrong audience");
  EXPECT_EQ(Es(R"({"aud":"other.example.com","exp":1700000300})"), "wrong audience");
  EXPECT_EQ(Hs(R"({"aud":["a.example.com","b.example.com"],"exp":1700000300})"), "wrong audience");
  // Exact bytes: no case folding, no prefix or suffix match.
  EXPECT_EQ(Hs(R"({"aud":"UPLOADS.example.com","exp":1700000300})"), "wrong audience");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com.evil","exp":1700000300})"), "wrong audience");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.co","exp":1700000300})"), "wrong audience");
  EXPECT_EQ(Hs(R"({"aud":"","exp":1700000300})"), "wrong audience");
}

TEST_F(TokenVerifierTest, MissingAudience) {
  EXPECT_EQ(Hs(R"({"exp":1700000300})"), "missing audience");
}

TEST_F(TokenVerifierTest, Issuer) {
  TokenRules rules = Rules();
  rules.issuer = "app.example.com";
  EXPECT_EQ(Hs(R"({"iss":"app.example.com","aud":"uploads.example.com","exp":1700000300})",
               kHsHeader, rules),
            "ok");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300})", kHsHeader, rules),
            "missing issuer");
  EXPECT_EQ(Hs(R"({"iss":"evil.example.com","aud":"uploads.example.com","exp":1700000300})",
               kHsHeader, rules),
            "wrong issuer");
  // Not configured: any string is fine, anything else is not.
  EXPECT_EQ(Hs(R"({"iss":"whoever","aud":"uploads.example.com","exp":1700000300})"), "ok");
  EXPECT_EQ(Hs(R"({"iss":7,"aud":"uploads.example.com","exp":1700000300})"),
            "malformed claim: iss");
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

// Flips one bit of the decoded bytes of part `part` (0 header, 1 payload, 2 signature) and
// re-encodes it, keeping the other parts as they were.
std::string FlipBitInPart(std::string_view token, int part, std::size_t bit) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const std::size_t end = i < 2 ? token.find('.', start) : token.size();
    parts.emplace_back(token.substr(start, end - start));
    start = end + 1;
  }
  std::string bytes = aws::Base64UrlDecode(parts[part]).value();
  bytes[bit / 8] = static_cast<char>(bytes[bit / 8] ^ (1 << (bit % 8)));
  parts[part] = B64(bytes);
  return parts[0] + "." + parts[1] + "." + parts[2];
}

TEST_F(TokenVerifierTest, BadSignatureOneBitFlippedInEachPart) {
  const std::string header = R"({"alg":"HS256","typ":"JWT","kid":"k1"})";
  const std::string hs = MintHs256(header, kPayload, kSecret);
  const std::string es = MintEs256(R"({"alg":"ES256","typ":"JWT","kid":"k1"})", kPayload, Key());
  const TokenVerifier hs_verifier = HsVerifier();
  const TokenVerifier es_verifier = EsVerifier();
  ASSERT_EQ(Outcome(hs_verifier.Verify(hs, At(kNow))), "ok");
  ASSERT_EQ(Outcome(es_verifier.Verify(es, At(kNow))), "ok");

  // Header: "k1" -> "k0" (the lowest bit of the '1'), still a valid header.
  const std::size_t k1_bit = 8 * (header.find("k1") + 1);
  EXPECT_EQ(Outcome(hs_verifier.Verify(FlipBitInPart(hs, 0, k1_bit), At(kNow))), "bad signature");
  EXPECT_EQ(Outcome(es_verifier.Verify(FlipBitInPart(es, 0, k1_bit), At(kNow))), "bad signature");
  // Payload: "t-1" -> "t-0".
  const std::size_t t1_bit = 8 * (std::string(kPayload).find("t-1") + 2);
  EXPECT_EQ(Outcome(hs_verifier.Verify(FlipBitInPart(hs, 1, t1_bit), At(kNow))), "bad signature");
  EXPECT_EQ(Outcome(es_verifier.Verify(FlipBitInPart(es, 1, t1_bit), At(kNow))), "bad signature");
  // Signature: every single bit.
  for (std::size_t bit = 0; bit < 256; ++bit) {  // 32 bytes
    EXPECT_EQ(Outcome(hs_verifier.Verify(FlipBitInPart(hs, 2, bit), At(kNow))), "bad signature")
        << bit;
  }
  for (std::size_t bit = 0; bit < 512; ++bit) {  // 64 bytes
    EXPECT_EQ(Outcome(es_verifier.Verify(FlipBitInPart(es, 2, bit), At(kNow))), "bad signature")
        << bit;
  }
}

TEST_F(TokenVerifierTest, EveryBitOfHeaderAndPayloadMatters) {
  const std::string hs = MintHs256(kHsHeader, kPayload, kSecret);
  const TokenVerifier verifier = HsVerifier();
  for (int part = 0; part < 2; ++part) {
    const std::size_t size = (part == 0 ? kHsHeader : kPayload).size();
    for (std::size_t bit = 0; bit < size * 8; ++bit) {
      EXPECT_FALSE(verifier.Verify(FlipBitInPart(hs, part, bit), At(kNow)).ok())
          << "part " << part << " bit " << bit;
    }
  }
}

TEST_F(TokenVerifierTest, WrongKey) {
  EXPECT_EQ(
      Outcome(HsVerifier().Verify(
          MintHs256(kHsHeader, kPayload, "another-secret-0123456789abcdef-01234567"), At(kNow))),
      "bad signature");
  const TestEcKey other = TestEcKey::Generate();
  EXPECT_EQ(Outcome(EsVerifier().Verify(MintEs256(kEsHeader, kPayload, other), At(kNow))),
            "bad signature");
}

TEST_F(TokenVerifierTest, Es256DerSignatureRefused) {
  const std::string input = B64(kEsHeader) + "." + B64(kPayload);
  const std::string der = Key().SignDer(input);
  ASSERT_EQ(Outcome(EsVerifier().Verify(input + "." + B64(TestEcKey::DerToJose(der)), At(kNow))),
            "ok");
  EXPECT_EQ(Outcome(EsVerifier().Verify(input + "." + B64(der), At(kNow))), "bad signature");
}

TEST_F(TokenVerifierTest, EmptySignatureRefused) {
  const std::string input = B64(kHsHeader) + "." + B64(kPayload);
  EXPECT_EQ(Outcome(HsVerifier().Verify(input + ".", At(kNow))), "bad signature");
  const std::string es_input = B64(kEsHeader) + "." + B64(kPayload);
  EXPECT_EQ(Outcome(EsVerifier().Verify(es_input + ".", At(kNow))), "bad signature");
}

// ---------------------------------------------------------------------------------------------
// Algorithms
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, AlgNoneRefused) {
  for (const std::string_view header :
       {R"({"alg":"none"})", R"({"alg":"none","typ":"JWT"})", R"({"alg":"None"})",
        R"({"alg":"NONE"})", R"({"alg":"nOnE"})"}) {
    const std::string unsigned_token = B64(header) + "." + B64(kPayload) + ".";
    EXPECT_EQ(Outcome(HsVerifier().Verify(unsigned_token, At(kNow))), "algorithm not allowed")
        << header;
    EXPECT_EQ(Outcome(EsVerifier().Verify(unsigned_token, At(kNow))), "algorithm not allowed")
        << header;
    // With a signature part (a valid HMAC of the input, even).
    const std::string with_signature = MintHs256(header, kPayload, kSecret);
    EXPECT_EQ(Outcome(HsVerifier().Verify(with_signature, At(kNow))), "algorithm not allowed");
    // Without the third part at all.
    const std::string two_parts = B64(header) + "." + B64(kPayload);
    EXPECT_EQ(Outcome(HsVerifier().Verify(two_parts, At(kNow))),
              "malformed token: not three parts");
  }
}

TEST_F(TokenVerifierTest, AlgorithmConfusionHs256WithThePublicKeyRefused) {
  // The classic attack: an ES256 verifier's public key is public, so an attacker MACs a token
  // with it as an HS256 secret, hoping the verifier lets the token's "alg" pick HMAC.
  const std::string pem = Key().PublicPem();
  const TokenVerifier verifier = EsVerifier();
  for (const std::string& secret : {pem, pem.substr(0, pem.size() - 1)}) {
    const std::string forged = MintHs256(kHsHeader, kPayload, secret);
    EXPECT_EQ(Outcome(verifier.Verify(forged, At(kNow))), "algorithm not allowed");
  }
  // And the reverse: an ES256 token offered to an HS256 verifier.
  EXPECT_EQ(Outcome(HsVerifier().Verify(MintEs256(kEsHeader, kPayload, Key()), At(kNow))),
            "algorithm not allowed");
}

TEST_F(TokenVerifierTest, OtherAlgorithmsRefused) {
  for (const std::string_view alg : {"hs256", "Hs256", "HS256 ", "HS384", "HS512", "RS256", "PS256",
                                     "ES384", "ES512", "EdDSA", "ES256K", ""}) {
    const std::string header = R"({"alg":")" + std::string(alg) + R"("})";
    EXPECT_EQ(Hs(kPayload, header), "algorithm not allowed") << alg;
  }
  EXPECT_EQ(Es(kPayload, R"({"alg":"es256"})"), "algorithm not allowed");
}

TEST_F(TokenVerifierTest, AlgMissingOrNotAString) {
  EXPECT_EQ(Hs(kPayload, R"({"typ":"JWT"})"), "malformed token: header without alg");
  EXPECT_EQ(Hs(kPayload, R"({"alg":null})"), "malformed token: header without alg");
  EXPECT_EQ(Hs(kPayload, R"({"alg":["HS256"]})"), "malformed token: header without alg");
}

// ---------------------------------------------------------------------------------------------
// Header parameters
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, RefusedHeaderParameters) {
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","crit":["exp"],"exp":1})"), "unsupported header: crit");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","crit":["x-custom"],"x-custom":true})"),
            "unsupported header: crit");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","jku":"https://evil.example/keys"})"),
            "unsupported header: jku");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","jwk":{"kty":"oct","k":"AAAA"}})"),
            "unsupported header: jwk");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","x5u":"https://evil.example/cert"})"),
            "unsupported header: x5u");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","x5c":["MIIB"]})"), "unsupported header: x5c");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","cty":"JWT"})"), "unsupported header: cty");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","b64":false})"), "unsupported header: b64");
  EXPECT_EQ(Es(kPayload, R"({"alg":"ES256","jwk":{"kty":"EC"}})"), "unsupported header: jwk");
}

TEST_F(TokenVerifierTest, WrongTyp) {
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","typ":"at+jwt"})"), "unsupported header: typ");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","typ":"JOSE"})"), "unsupported header: typ");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","typ":1})"), "unsupported header: typ");
}

TEST_F(TokenVerifierTest, HeaderNotAnObjectOrRepeatingAKey) {
  EXPECT_EQ(Hs(kPayload, R"(["HS256"])"), "malformed token: header not an object");
  EXPECT_EQ(Hs(kPayload, R"("HS256")"), "malformed token: header not an object");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256","alg":"none"})"),
            "malformed token: header repeats a key");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"none","alg":"HS256"})"),
            "malformed token: header repeats a key");
  EXPECT_EQ(Hs(kPayload, R"({"alg":"HS256")"), "malformed token: header JSON");
  EXPECT_EQ(Hs(kPayload, "not json"), "malformed token: header JSON");
  EXPECT_EQ(Hs(kPayload, ""), "malformed token: header JSON");
}

// ---------------------------------------------------------------------------------------------
// Payload JSON
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, DuplicateClaimKeyRefused) {
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300,"exp":1900000000})"),
            "malformed token: payload repeats a key");
  EXPECT_EQ(Hs(R"({"aud":"other","aud":"uploads.example.com","exp":1700000300})"),
            "malformed token: payload repeats a key");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300,)"
               R"("s3u":{"max_size":1,"max_size":99999999}})"),
            "malformed token: payload repeats a key");
  EXPECT_EQ(Es(R"({"sub":"a","sub":"b","aud":"uploads.example.com","exp":1700000300})"),
            "malformed token: payload repeats a key");
}

// Extra claims may nest up to kMaxTokenJsonDepth (the payload object is level 1); one level more
// refuses the token before its JSON is parsed.
TEST_F(TokenVerifierTest, JsonNestedDeeperThanKMaxTokenJsonDepthRefused) {
  const auto nested = [](std::size_t depth) {
    return std::string(depth, '[') + std::string(depth, ']');
  };
  const std::string claims = R"({"aud":"uploads.example.com","exp":1700000300,"x":)";
  EXPECT_EQ(Hs(claims + nested(kMaxTokenJsonDepth - 1) + "}"), "ok");
  EXPECT_EQ(Hs(claims + nested(kMaxTokenJsonDepth) + "}"),
            "malformed token: payload nested too deeply");
  const std::string header = R"({"alg":"HS256","x":)";
  EXPECT_EQ(Hs(kPayload, header + nested(kMaxTokenJsonDepth - 1) + "}"), "ok");
  EXPECT_EQ(Hs(kPayload, header + nested(kMaxTokenJsonDepth) + "}"),
            "malformed token: header nested too deeply");
}

TEST_F(TokenVerifierTest, PayloadNotJsonOrNotAnObject) {
  EXPECT_EQ(Hs("hello"), "malformed token: payload JSON");
  EXPECT_EQ(Hs(""), "malformed token: payload JSON");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300} )"
               "trailing"),
            "malformed token: payload JSON");
  EXPECT_EQ(Hs("{\"aud\":\"uploads.example.com\",\"exp\":1700000300,\"sub\":\"\xff\"}"),
            "malformed token: payload JSON");
  EXPECT_EQ(Hs(R"({"aud":"uploads.example.com","exp":1700000300,"sub":"\udc00"})"),
            "malformed token: payload JSON");
  EXPECT_EQ(Hs(std::string(R"({"aud":"uploads.example.com","exp":1700000300})") + '\0'),
            "malformed token: payload JSON");
  EXPECT_EQ(Hs(R"([{"aud":"uploads.example.com","exp":1700000300}])"),
            "malformed token: payload not an object");
  EXPECT_EQ(Hs("1700000300"), "malformed token: payload not an object");
  EXPECT_EQ(Hs("null"), "malformed token: payload not an object");
}

// ---------------------------------------------------------------------------------------------
// Claim types
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, WrongTypesForDates) {
  const std::string aud = R"("aud":"uploads.example.com",)";
  for (const std::string_view value :
       {R"("1700000300")", "1700000300.0", "1.7000003e9", "-1", "7258118401",
        "18446744073709551616", "true", "null", "[1700000300]", "{}"}) {
    EXPECT_EQ(Hs(Payload(aud + R"("exp":)" + std::string(value))), "malformed claim: exp") << value;
    EXPECT_EQ(Hs(Payload(aud + R"("exp":1700000300,"nbf":)" + std::string(value))),
              "malformed claim: nbf")
        << value;
    EXPECT_EQ(Hs(Payload(aud + R"("exp":1700000300,"iat":)" + std::string(value))),
              "malformed claim: iat")
        << value;
  }
}

TEST_F(TokenVerifierTest, WrongTypesForAudience) {
  for (const std::string_view value :
       {"5", "[]", R"(["uploads.example.com",5])", R"({"aud":"uploads.example.com"})", "null",
        "true", R"([["uploads.example.com"]])"}) {
    EXPECT_EQ(Hs(Payload(R"("exp":1700000300,"aud":)" + std::string(value))),
              "malformed claim: aud")
        << value;
  }
}

TEST_F(TokenVerifierTest, WrongTypesForTextClaims) {
  const std::string base = R"("aud":"uploads.example.com","exp":1700000300,)";
  for (const std::string_view name : {"sub", "jti", "iss"}) {
    for (const std::string_view value :
         {"5", "null", R"(["a"])", R"("a\u0000b")", R"("a\nb")", R"("a\u007fb")"}) {
      EXPECT_EQ(Hs(Payload(base + "\"" + std::string(name) + "\":" + std::string(value))),
                "malformed claim: " + std::string(name))
          << name << " " << value;
    }
  }
}

TEST_F(TokenVerifierTest, WrongTypesForNarrowing) {
  const std::string base = R"("aud":"uploads.example.com","exp":1700000300,"s3u":)";
  EXPECT_EQ(Hs(Payload(base + R"("image/png")")), "malformed claim: s3u");
  EXPECT_EQ(Hs(Payload(base + "[]")), "malformed claim: s3u");
  EXPECT_EQ(Hs(Payload(base + "null")), "malformed claim: s3u");
  for (const std::string_view value :
       {"-1", "1.5", "1e6", R"("1048576")", "18446744073709551616", "null", "true"}) {
    EXPECT_EQ(Hs(Payload(base + R"({"max_size":)" + std::string(value) + "}")),
              "malformed claim: s3u.max_size")
        << value;
  }
  std::string sixty_five = "[";
  for (int i = 0; i < 65; ++i)
    sixty_five += std::string(i ? "," : "") + "\"t/" + std::to_string(i) + "\"";
  sixty_five += "]";
  for (const std::string& value :
       std::vector<std::string>{R"("image/png")", "[]", "[5]", R"([""])", R"(["image/png",null])",
                                R"(["a\u0001b"])", R"(["image/p\u00e9g"])", sixty_five, "{}"}) {
    std::string fields = base;
    fields += R"({"content_types":)";
    fields += value;
    fields += "}";
    EXPECT_EQ(Hs(Payload(fields)), "malformed claim: s3u.content_types") << value;
  }
  EXPECT_EQ(Hs(Payload(base + R"({"key_prefix":"uploads/"})")),
            "malformed claim: s3u has an unknown member");
  EXPECT_EQ(Hs(Payload(base + R"({"max_size":1,"Max_Size":2})")),
            "malformed claim: s3u has an unknown member");
}

// ---------------------------------------------------------------------------------------------
// Encoding and structure
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, PaddingRefused) {
  // Parts whose length needs padding, padded, and signed as they are: only the padding is wrong.
  const std::string header = R"({"alg":"HS256"})";                                  // 15 bytes
  const std::string spaced_header = R"({"alg":"HS256" })";                          // 16 bytes
  const std::string payload = R"({"aud":"uploads.example.com","exp":1700000300})";  // 46 bytes
  ASSERT_EQ(B64(spaced_header).size() % 4, 2u);  // standard base64 would add "=="
  ASSERT_EQ(B64(payload).size() % 4, 2u);
  const std::string header_b64 = B64(spaced_header);
  const TokenVerifier verifier = HsVerifier();
  EXPECT_EQ(Outcome(verifier.Verify(SignHs256Parts(header_b64, B64(payload), kSecret), At(kNow))),
            "ok");
  EXPECT_EQ(
      Outcome(verifier.Verify(SignHs256Parts(header_b64 + "==", B64(payload), kSecret), At(kNow))),
      "malformed token: header encoding");
  EXPECT_EQ(
      Outcome(verifier.Verify(SignHs256Parts(B64(header), B64(payload) + "==", kSecret), At(kNow))),
      "malformed token: payload encoding");
  // The HS256 signature is 32 bytes: 43 characters, one "=" of padding in standard base64.
  const std::string token = MintHs256(header, payload, kSecret);
  EXPECT_EQ(Outcome(verifier.Verify(token + "=", At(kNow))), "malformed token: signature encoding");
}

TEST_F(TokenVerifierTest, ForeignCharactersRefused) {
  const TokenVerifier verifier = HsVerifier();
  const std::string token = MintHs256(kHsHeader, kPayload, kSecret);
  const std::size_t first_dot = token.find('.');
  const std::size_t second_dot = token.find('.', first_dot + 1);
  auto with_char_at = [&token](std::size_t at, char c) {
    std::string copy = token;
    copy.insert(at, 1, c);
    return copy;
  };
  for (const char c : {'+', '/', ' ', '\n', '=', '\0', '*'}) {
    EXPECT_EQ(Outcome(verifier.Verify(with_char_at(4, c), At(kNow))).rfind("malformed token", 0),
              0u)
        << int(c);
    EXPECT_EQ(Outcome(verifier.Verify(with_char_at(second_dot - 4, c), At(kNow))),
              "bad signature")  // the signing input changed before the payload is decoded
        << int(c);
    EXPECT_EQ(Outcome(verifier.Verify(with_char_at(token.size() - 4, c), At(kNow))),
              "malformed token: signature encoding")
        << int(c);
  }
  // A signature in the standard alphabet (with '+' or '/' where base64url has '-' or '_').
  std::string standard = token;
  std::replace(standard.begin() + static_cast<std::ptrdiff_t>(second_dot), standard.end(), '-',
               '+');
  std::replace(standard.begin() + static_cast<std::ptrdiff_t>(second_dot), standard.end(), '_',
               '/');
  if (standard != token) {
    EXPECT_EQ(Outcome(verifier.Verify(standard, At(kNow))), "malformed token: signature encoding");
  }
}

TEST_F(TokenVerifierTest, NonCanonicalSignatureEncodingRefused) {
  // 32 bytes = 43 characters: the last one carries 2 unused bits, which must be zero.
  const std::string token = MintHs256(kHsHeader, kPayload, kSecret);
  const char last = token.back();
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::size_t value = alphabet.find(last);
  ASSERT_EQ(value % 4, 0u);
  std::string twin = token;
  twin.back() = alphabet[value + 1];  // same bytes for a lenient decoder
  EXPECT_EQ(Outcome(HsVerifier().Verify(twin, At(kNow))), "malformed token: signature encoding");
}

TEST_F(TokenVerifierTest, StructureRefused) {
  const TokenVerifier verifier = HsVerifier();
  const std::string token = MintHs256(kHsHeader, kPayload, kSecret);
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "...", "abc", "a.b", token + ".", token + ".x",
                                "." + token, token.substr(0, token.rfind('.'))}) {
    EXPECT_EQ(Outcome(verifier.Verify(bad, At(kNow))).rfind("malformed token", 0), 0u) << bad;
  }
  EXPECT_EQ(Outcome(verifier.Verify("a.b.c.d.e", At(kNow))), "malformed token: not three parts");
  EXPECT_EQ(Outcome(verifier.Verify("..", At(kNow))), "malformed token: header JSON");
}

TEST_F(TokenVerifierTest, OversizeTokenRefusedBeforeDecoding) {
  const TokenVerifier verifier = HsVerifier();
  EXPECT_EQ(Outcome(verifier.Verify(std::string(kMaxTokenSize + 1, 'A'), At(kNow))),
            "token too large");
  // The largest well-signed token within the limit is accepted, the next one is too large.
  std::string fitting;
  for (std::size_t filler = 5000;; ++filler) {
    const std::string token = MintHs256(kHsHeader,
                                        R"({"aud":"uploads.example.com","exp":1700000300,"pad":")" +
                                            std::string(filler, 'x') + R"("})",
                                        kSecret);
    if (token.size() > kMaxTokenSize) {
      EXPECT_EQ(Outcome(verifier.Verify(token, At(kNow))), "token too large");
      break;
    }
    fitting = token;
  }
  EXPECT_GE(fitting.size(), kMaxTokenSize - 2);
  EXPECT_EQ(Outcome(verifier.Verify(fitting, At(kNow))), "ok");
}

// ---------------------------------------------------------------------------------------------
// Messages
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, MessagesNeverContainTheTokenOrTheSecret) {
  const TokenVerifier verifier = HsVerifier();
  const std::vector<std::string> tokens = {
      MintHs256(kHsHeader, R"({"aud":"secret-audience-value","exp":1700000300})", kSecret),
      MintHs256(kHsHeader, R"({"aud":"uploads.example.com","exp":"secret-exp-value"})", kSecret),
      MintHs256(kHsHeader,
                R"({"aud":"uploads.example.com","exp":1700000300,"s3u":{"zz-secret":1}})", kSecret),
      MintHs256(R"({"alg":"secret-alg-value"})", kPayload, kSecret),
      MintHs256(R"({"alg":"HS256","typ":"secret-typ-value"})", kPayload, kSecret),
      MintHs256(kHsHeader, kPayload, "wrong-secret-0123456789abcdef-0123456789"),
      MintHs256(kHsHeader, "secret-not-json", kSecret),
      std::string(kMaxTokenSize + 1, 'Q'),
  };
  for (const std::string& token : tokens) {
    const std::string message = Outcome(verifier.Verify(token, At(kNow)));
    EXPECT_NE(message, "ok");
    EXPECT_EQ(message.find("secret-"), std::string::npos) << message;
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
    EXPECT_EQ(message.find("QQQQ"), std::string::npos) << message;
    EXPECT_EQ(message.find("eyJ"), std::string::npos) << message;
    EXPECT_LE(message.size(), 64u) << message;
  }
}

// ---------------------------------------------------------------------------------------------
// Factories
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, Hs256SecretLength) {
  EXPECT_EQ(TokenVerifier::Hs256(std::string(31, 'k'), Rules()).status().message(),
            "HS256 secret: shorter than 32 bytes");
  EXPECT_EQ(TokenVerifier::Hs256("", Rules()).status().message(),
            "HS256 secret: shorter than 32 bytes");
  const StatusOr<TokenVerifier> ok = TokenVerifier::Hs256(std::string(32, 'k'), Rules());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->algorithm(), Algorithm::kHs256);
}

TEST_F(TokenVerifierTest, Es256KeyMustBeP256) {
  EXPECT_FALSE(TokenVerifier::Es256FromPem(TestEcKey::Generate("P-384").PublicPem(), Rules()).ok());
  EXPECT_FALSE(TokenVerifier::Es256FromPem(Key().PrivatePem(), Rules()).ok());
  EXPECT_FALSE(TokenVerifier::Es256FromPem("", Rules()).ok());
  // The PEM text of an HS256-looking secret is no key either.
  EXPECT_FALSE(TokenVerifier::Es256FromPem(kSecret, Rules()).ok());
  const StatusOr<TokenVerifier> ok = TokenVerifier::Es256FromPem(Key().PublicPem(), Rules());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->algorithm(), Algorithm::kEs256);
}

TEST_F(TokenVerifierTest, RulesChecked) {
  auto message = [](TokenRules rules) {
    std::string hs = TokenVerifier::Hs256(std::string(kSecret), rules).status().message();
    const std::string es =
        TokenVerifier::Es256FromPem(Key().PublicPem(), std::move(rules)).status().message();
    EXPECT_EQ(hs, es);
    return hs;
  };
  TokenRules rules = Rules();
  rules.audiences.clear();
  EXPECT_EQ(message(rules), "token rules: no audience configured");
  rules = Rules();
  rules.audiences.emplace_back();
  EXPECT_EQ(message(rules), "token rules: an audience is empty");
  rules = Rules();
  rules.issuer = "";
  EXPECT_EQ(message(rules), "token rules: issuer is empty");
  rules = Rules();
  rules.leeway = std::chrono::seconds(-1);
  EXPECT_EQ(message(rules), "token rules: leeway must be 0 to 3600 seconds");
  rules.leeway = std::chrono::seconds(3601);
  EXPECT_EQ(message(rules), "token rules: leeway must be 0 to 3600 seconds");
  rules = Rules();
  rules.max_lifetime = std::chrono::seconds(0);
  EXPECT_EQ(message(rules), "token rules: max_lifetime must be 1 to 86400 seconds");
  rules.max_lifetime = std::chrono::seconds(86401);
  EXPECT_EQ(message(rules), "token rules: max_lifetime must be 1 to 86400 seconds");
  rules.max_lifetime = std::chrono::seconds(86400);
  rules.leeway = std::chrono::seconds(3600);
  EXPECT_EQ(message(rules), "");
}

TEST_F(TokenVerifierTest, CopiesShareTheKeyAndMovedFromRefuses) {
  TokenVerifier original = HsVerifier();
  const TokenVerifier copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
  const TokenVerifier moved = std::move(original);
  const std::string token = MintHs256(kHsHeader, kPayload, kSecret);
  EXPECT_EQ(Outcome(copy.Verify(token, At(kNow))), "ok");
  EXPECT_EQ(Outcome(moved.Verify(token, At(kNow))), "ok");
  // NOLINTNEXTLINE(bugprone-use-after-move): the documented behaviour of a moved-from verifier
  EXPECT_EQ(Outcome(original.Verify(token, At(kNow))), "token check failed");
}

// ---------------------------------------------------------------------------------------------
// Threads
// ---------------------------------------------------------------------------------------------

TEST_F(TokenVerifierTest, ConcurrentVerify) {
  const TokenVerifier hs = HsVerifier();
  const TokenVerifier es = EsVerifier();
  const std::string hs_token = MintHs256(kHsHeader, kPayload, kSecret);
  const std::string es_token = MintEs256(kEsHeader, kPayload, Key());
  const std::string bad_token =
      MintHs256(kHsHeader, kPayload, "wrong-secret-0123456789abcdef-01234");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  threads.reserve(8);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        if (!hs.Verify(hs_token, At(kNow)).ok()) ++failures;
        if (hs.Verify(bad_token, At(kNow)).ok()) ++failures;
        if ((i + t) % 5 == 0 && !es.Verify(es_token, At(kNow)).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

}  // namespace
}  // namespace s3upload::auth
