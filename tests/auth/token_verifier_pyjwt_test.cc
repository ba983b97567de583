// token_verifier.cc against tokens minted by an independent implementation: PyJWT (Debian 12's
// python3-jwt on python3-cryptography), written once by tests/data/auth/make_vectors.py into
// tests/data/auth/pyjwt-vectors.json. Each vector names the verifier (HS256 or ES256) and the
// outcome: "ok" with the claims to expect, or the exact refusal.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "auth/test_support.h"
#include "s3upload/auth.h"

namespace s3upload::auth {
namespace {

using auth_test::At;
using auth_test::Outcome;
using auth_test::ReadTestFile;

std::string Text(const rapidjson::Value& value) {
  return {value.GetString(), value.GetStringLength()};
}

TEST(TokenVerifierPyJwtTest, Vectors) {
  rapidjson::Document doc;
  const std::string json = ReadTestFile("pyjwt-vectors.json");
  doc.Parse(json.data(), json.size());
  ASSERT_FALSE(doc.HasParseError());

  TokenRules rules;
  for (const rapidjson::Value& audience : doc["audiences"].GetArray()) {
    rules.audiences.push_back(Text(audience));
  }
  rules.issuer = Text(doc["issuer"]);
  rules.leeway = std::chrono::seconds(doc["leeway"].GetInt64());
  rules.max_lifetime = std::chrono::seconds(doc["max_lifetime"].GetInt64());
  const TimePoint now = At(doc["now"].GetInt64());

  StatusOr<TokenVerifier> hs = TokenVerifier::Hs256(Text(doc["hs256_secret"]), rules);
  ASSERT_TRUE(hs.ok()) << hs.status().message();
  StatusOr<TokenVerifier> es =
      TokenVerifier::Es256FromPem(ReadTestFile(Text(doc["es256_public_key"])), rules);
  ASSERT_TRUE(es.ok()) << es.status().message();

  int accepted = 0;
  int refused = 0;
  for (const rapidjson::Value& vector : doc["vectors"].GetArray()) {
    const std::string name = Text(vector["name"]);
    const TokenVerifier& verifier = Text(vector["alg"]) == "HS256" ? *hs : *es;
    const StatusOr<TokenClaims> claims = verifier.Verify(Text(vector["token"]), now);
    const std::string expect = Text(vector["expect"]);
    EXPECT_EQ(Outcome(claims), expect) << name;
    if (!claims.ok() || expect != "ok") {
      ++refused;
      continue;
    }
    ++accepted;
    EXPECT_EQ(claims->expires, At(vector["expires"].GetInt64())) << name;
    if (vector.HasMember("subject")) {
      EXPECT_EQ(claims->subject, Text(vector["subject"])) << name;
    } else {
      EXPECT_EQ(claims->subject, std::nullopt) << name;
    }
    if (vector.HasMember("token_id")) {
      EXPECT_EQ(claims->token_id, Text(vector["token_id"])) << name;
    } else {
      EXPECT_EQ(claims->token_id, std::nullopt) << name;
    }
    if (vector.HasMember("max_size")) {
      EXPECT_EQ(claims->max_size, vector["max_size"].GetUint64()) << name;
    } else {
      EXPECT_EQ(claims->max_size, std::nullopt) << name;
    }
    std::vector<std::string> content_types;
    if (vector.HasMember("content_types")) {
      for (const rapidjson::Value& type : vector["content_types"].GetArray()) {
        content_types.push_back(Text(type));
      }
    }
    EXPECT_EQ(claims->content_types, content_types) << name;
  }
  EXPECT_GE(accepted, 5);
  EXPECT_GE(refused, 10);
}

}  // namespace
}  // namespace s3upload::auth
