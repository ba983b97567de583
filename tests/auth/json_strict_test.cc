// json_strict.cc: what the token parser accepts as JSON, and what it refuses.
#include <gtest/gtest.h>

#include <string>

#include "auth/internal.h"
#include "s3upload/auth.h"

namespace s3upload::auth::internal {
namespace {

JsonProblem Parse(std::string_view text) {
  rapidjson::Document doc;
  return ParseStrictJson(text, doc);
}

TEST(JsonStrictTest, AcceptsObjectsArraysAndScalars) {
  EXPECT_EQ(Parse(R"({"a":1,"b":[true,null,"x"],"c":{"d":-1.5}})"), JsonProblem::kNone);
  EXPECT_EQ(Parse("[1,2]"), JsonProblem::kNone);
  EXPECT_EQ(Parse("{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}"), JsonProblem::kNone);
  EXPECT_EQ(Parse(R"({"name":"m\u00fcller \ud83d\ude00"})"), JsonProblem::kNone);
}

TEST(JsonStrictTest, RefusesRepeatedKeysAtAnyDepth) {
  EXPECT_EQ(Parse(R"({"a":1,"a":2})"), JsonProblem::kDuplicateKey);
  EXPECT_EQ(Parse(R"({"a":1,"b":{"c":1,"c":1}})"), JsonProblem::kDuplicateKey);
  EXPECT_EQ(Parse(R"([{"c":1},{"d":[{"e":1,"e":1}]}])"), JsonProblem::kDuplicateKey);
  // The same key in different objects is fine.
  EXPECT_EQ(Parse(R"({"a":{"a":1},"b":{"a":2}})"), JsonProblem::kNone);
  // Repeated after unescaping.
  EXPECT_EQ(Parse(R"({"alg":1,"\u0061lg":2})"), JsonProblem::kDuplicateKey);
}

TEST(JsonStrictTest, RefusesSyntaxErrorsAndTrailingData) {
  EXPECT_EQ(Parse(""), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("hello"), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("{\"a\":1}x"), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("{\"a\":1} {}"), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("{'a':1}"), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("{\"a\":1,}"), JsonProblem::kSyntax);
}

TEST(JsonStrictTest, RefusesNulBomAndInvalidUtf8) {
  EXPECT_EQ(Parse(std::string("{\"a\":1}\0{}", 10)), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("\xef\xbb\xbf{\"a\":1}"), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("{\"a\":\"\xff\"}"), JsonProblem::kSyntax);
  EXPECT_EQ(Parse("{\"a\":\"\xc0\xaf\"}"), JsonProblem::kSyntax);  // overlong '/'
  EXPECT_EQ(Parse(R"({"a":"\udc00"})"), JsonProblem::kSyntax);     // lone low surrogate
  EXPECT_EQ(Parse(R"({"\ud800":1})"), JsonProblem::kSyntax);       // lone high surrogate
}

std::string Arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonStrictTest, NestingAtKMaxTokenJsonDepthIsParsedOneDeeperIsRefused) {
  ASSERT_EQ(kMaxTokenJsonDepth, 16u);
  EXPECT_EQ(Parse(Arrays(kMaxTokenJsonDepth)), JsonProblem::kNone);
  EXPECT_EQ(Parse(Arrays(kMaxTokenJsonDepth + 1)), JsonProblem::kTooDeep);
  EXPECT_EQ(Parse(R"({"s3u":{"content_types":[)" + Arrays(kMaxTokenJsonDepth - 3) + "]}}"),
            JsonProblem::kNone);
  EXPECT_EQ(Parse(R"({"s3u":{"content_types":[)" + Arrays(kMaxTokenJsonDepth - 2) + "]}}"),
            JsonProblem::kTooDeep);
  // Brackets in strings are text; an escaped quote does not end a string, an escaped backslash
  // does not escape the quote after it.
  EXPECT_EQ(Parse(R"({"a":"[[[[[[[[[[[[[[[[[[[[","b":"\"[[[[[[[[[[[[[[[[[[","c":"\\"})"),
            JsonProblem::kNone);
  EXPECT_EQ(Parse(R"({"c":"\\"})" + Arrays(kMaxTokenJsonDepth + 1)), JsonProblem::kTooDeep);
  // Refused before parsing, however deep: no recursion, no parse at all.
  EXPECT_EQ(Parse(std::string(100000, '[') + std::string(100000, ']')), JsonProblem::kTooDeep);
  EXPECT_EQ(Parse(std::string(100000, '{')), JsonProblem::kTooDeep);
}

}  // namespace
}  // namespace s3upload::auth::internal
