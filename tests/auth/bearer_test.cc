// bearer.cc: the Authorization header forms Fine Uploader's customHeaders produce, and the ones
// that are not a bearer token.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "s3upload/auth.h"

namespace s3upload::auth {
namespace {

TEST(BearerTokenTest, ExtractsTheToken) {
  EXPECT_EQ(BearerToken("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(BearerToken("Bearer eyJh-_~+/.x"), "eyJh-_~+/.x");
}

TEST(BearerTokenTest, SchemeInAnyCase) {
  EXPECT_EQ(BearerToken("bearer abc"), "abc");
  EXPECT_EQ(BearerToken("BEARER abc"), "abc");
  EXPECT_EQ(BearerToken("bEaReR abc"), "abc");
}

TEST(BearerTokenTest, OneOrMoreSpacesAfterTheScheme) {
  EXPECT_EQ(BearerToken("Bearer    abc"), "abc");
  EXPECT_EQ(BearerToken("Bearer\tabc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearerabc"), std::nullopt);
}

TEST(BearerTokenTest, WhitespaceAroundTheValueIsIgnored) {
  EXPECT_EQ(BearerToken("  Bearer abc \t"), "abc");
}

TEST(BearerTokenTest, TrailingEqualsSignsOnly) {
  EXPECT_EQ(BearerToken("Bearer abc=="), "abc==");
  EXPECT_EQ(BearerToken("Bearer a=bc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer ==="), std::nullopt);
}

TEST(BearerTokenTest, RefusesOtherSchemesAndShapes) {
  EXPECT_EQ(BearerToken(""), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer "), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer    "), std::nullopt);
  EXPECT_EQ(BearerToken("Basic dXNlcjpwYXNz"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearers abc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bear abc"), std::nullopt);
  EXPECT_EQ(BearerToken("abc"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer abc def"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer abc,Bearer def"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer abc;"), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer \"abc\""), std::nullopt);
  EXPECT_EQ(BearerToken("Bearer ab\xc3\xa9"), std::nullopt);
  EXPECT_EQ(BearerToken(std::string("Bearer ab\0c", 11)), std::nullopt);
}

}  // namespace
}  // namespace s3upload::auth
