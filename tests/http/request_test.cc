#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "s3upload/http.h"

namespace s3upload::http {
namespace {

TEST(Request, HeaderFindsTheFirstValueByLowerCaseName) {
  Request request;
  request.headers.Add("origin", "https://a.example");
  request.headers.Add("x-csrf-token", "1");
  request.headers.Add("origin", "other");
  EXPECT_EQ(request.Header("origin"), "https://a.example");
  EXPECT_EQ(request.Header("x-csrf-token"), "1");
  EXPECT_FALSE(request.Header("authorization"));
  EXPECT_FALSE(request.Header("Origin"));  // names are compared as given: callers use lower case
}

TEST(Headers, AddFromCgiLowersTheNameAndTurnsUnderscoresIntoDashes) {
  Headers headers;
  headers.AddFromCgi("X_CSRF_TOKEN", "t");
  headers.AddFromCgi("USER_AGENT2", "Mozilla/5.0 (X11; Linux x86_64)");
  EXPECT_EQ(headers.size(), 2u);
  EXPECT_EQ(headers.Find("x-csrf-token"), "t");
  EXPECT_EQ(headers.Find("user-agent2"), "Mozilla/5.0 (X11; Linux x86_64)");
  EXPECT_FALSE(headers.Find("X_CSRF_TOKEN"));
}

// One buffer for all: names and values of every size, empty ones included, come back whole and in
// order, also after the buffer had to grow past its first reservation, and after clear().
TEST(Headers, KeepsEveryNameAndValueThroughGrowthAndClear) {
  Headers headers;
  EXPECT_TRUE(headers.empty());
  EXPECT_FALSE(headers.Find(""));
  for (int round = 0; round < 2; ++round) {
    for (std::size_t i = 0; i < 200; ++i) {
      headers.Add("h" + std::to_string(i),
                  std::string(i * 7 % 300, static_cast<char>('a' + i % 26)));
    }
    headers.Add("", "");
    EXPECT_EQ(headers.size(), 201u);
    for (std::size_t i = 0; i < 200; ++i) {
      EXPECT_EQ(headers.Find("h" + std::to_string(i)),
                std::string(i * 7 % 300, static_cast<char>('a' + i % 26)));
    }
    EXPECT_EQ(headers.Find(""), "");
    EXPECT_FALSE(headers.Find("h200"));
    EXPECT_FALSE(headers.Find("h1 "));
    headers.clear();
    EXPECT_TRUE(headers.empty());
    EXPECT_EQ(headers.size(), 0u);
    EXPECT_FALSE(headers.Find("h0"));
  }
}

// Copies stand on their own: nothing in a copy points into the original's buffer.
TEST(Headers, ACopyIsIndependent) {
  auto original = std::make_unique<Headers>();
  original->Add("origin", std::string(100, 'o'));
  const Headers copy = *original;
  original->clear();
  original->Add("origin", "changed");
  original.reset();
  EXPECT_EQ(copy.Find("origin"), std::string(100, 'o'));
  EXPECT_EQ(copy.size(), 1u);
}

}  // namespace
}  // namespace s3upload::http
