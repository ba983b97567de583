#include <gtest/gtest.h>

#include "s3upload/http.h"

namespace s3upload::http {
namespace {

TEST(ParseFormUrlEncoded, FineUploaderSuccessBody) {
  // protocol doc section 5, exact example
  const auto fields = ParseFormUrlEncoded(
      "extra=x1&key=a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg&uuid=a5d3c3c2-5b1e-4c43-9f1e-"
      "2d0c8a7b6e41&name=my+photo+(1).jpg&bucket=mybucket&etag=%22d41d8cd98f00b204e9800998ecf8427e%"
      "22&category=holiday+photos&Cache-Control=max-age%3D3600");
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 8u);
  EXPECT_EQ((*fields)[3], (std::pair<std::string, std::string>("name", "my photo (1).jpg")));
  EXPECT_EQ((*fields)[5].second, "\"d41d8cd98f00b204e9800998ecf8427e\"");
  EXPECT_EQ((*fields)[7], (std::pair<std::string, std::string>("Cache-Control", "max-age=3600")));
}

TEST(ParseFormUrlEncoded, EmptyPartsAndMissingValues) {
  const auto fields = ParseFormUrlEncoded("a=1&&b&c=&");
  ASSERT_TRUE(fields);
  ASSERT_EQ(fields->size(), 3u);
  EXPECT_EQ((*fields)[1], (std::pair<std::string, std::string>("b", "")));
  EXPECT_EQ((*fields)[2], (std::pair<std::string, std::string>("c", "")));
  EXPECT_TRUE(ParseFormUrlEncoded("")->empty());
}

TEST(ParseFormUrlEncoded, MalformedEscapeFailsTheWholeParse) {
  EXPECT_FALSE(ParseFormUrlEncoded("a=1&b=%4"));
  EXPECT_FALSE(ParseFormUrlEncoded("a=%zz"));
  EXPECT_FALSE(ParseFormUrlEncoded("%=1"));
}

TEST(ParseFormUrlEncoded, DecodesUtf8AndPlus) {
  const auto fields = ParseFormUrlEncoded("n=%C3%BC+%2B");
  ASSERT_TRUE(fields);
  EXPECT_EQ((*fields)[0].second, "ü +");
}

TEST(QueryValue, FirstValueOrNothing) {
  EXPECT_EQ(QueryValue("v4=true", "v4"), "true");
  EXPECT_EQ(QueryValue("a=1&v4=false&v4=true", "v4"), "false");
  EXPECT_EQ(QueryValue("v4", "v4"), "");
  EXPECT_FALSE(QueryValue("", "v4"));
  EXPECT_FALSE(QueryValue("v40=true", "v4"));
  EXPECT_FALSE(QueryValue("v4=%", "v4"));
  // As if the whole query were parsed first: a malformed pair anywhere, even after the value, or
  // in a pair that is not the one asked for, fails the lookup.
  EXPECT_FALSE(QueryValue("v4=true&x=%zz", "v4"));
  EXPECT_FALSE(QueryValue("x=%4&v4=true", "v4"));
  EXPECT_EQ(QueryValue("&&v%34=tr%75e+&", "v4"), "true ");
}

}  // namespace
}  // namespace s3upload::http
