#include "json/depth_limit.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>

#include <string>
#include <string_view>

namespace s3upload::json {
namespace {

constexpr unsigned kFlags = rapidjson::kParseIterativeFlag;

std::string Nested(std::size_t depth, std::string_view inner = "1") {
  return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
}

DepthLimitedParse Parse(std::string_view text, std::size_t max_depth, rapidjson::Document& doc) {
  rapidjson::MemoryStream memory(text.data(), text.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> stream(memory);
  return ParseDepthLimited<kFlags>(doc, stream, text, max_depth,
                                   static_cast<rapidjson::CrtAllocator*>(nullptr));
}

enum class Outcome { kOk, kTooDeep, kSyntax };

Outcome OutcomeOf(std::string_view text, std::size_t max_depth) {
  rapidjson::Document doc;
  const DepthLimitedParse parse = Parse(text, max_depth, doc);
  if (parse.too_deep) return Outcome::kTooDeep;
  return parse.result.IsError() ? Outcome::kSyntax : Outcome::kOk;
}

TEST(DepthLimitTest, NestsDeeperThanCountsBracketsOutsideStrings) {
  struct Case {
    std::string text;
    std::size_t max_depth;
    bool deeper;
  };
  const Case cases[] = {
      {"", 0, false},
      {"1", 0, false},
      {"[]", 0, true},
      {"[]", 1, false},
      {Nested(8), 8, false},
      {Nested(9), 8, true},
      {R"({"a":{"b":[1]}})", 3, false},
      {R"({"a":{"b":[1]}})", 2, true},
      // Brackets in strings do not count, escaped quotes do not end a string.
      {R"(["[[[[", "\"[[[["])", 1, false},
      {R"(["\\", [[1]]])", 2, true},
      // Closing brackets never go below zero; siblings do not add up.
      {"]]]][[1]]", 2, false},
      {"[[1],[2],[3]]", 2, false},
      // Wherever the brackets are: after a complete value, or in broken JSON.
      {"{}" + Nested(9), 8, true},
      {"[1,]" + Nested(9), 8, true},
      {"\"unterminated [[[[[[[[[[", 1, false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(NestsDeeperThan(c.text, c.max_depth), c.deeper) << c.text << " / " << c.max_depth;
  }
}

// The verdict is the one of a bracket count before the parse: too deep wins over any other error.
TEST(DepthLimitTest, ParseVerdicts) {
  struct Case {
    std::string text;
    std::size_t max_depth;
    Outcome outcome;
  };
  const Case cases[] = {
      {Nested(8), 8, Outcome::kOk},
      {Nested(9), 8, Outcome::kTooDeep},
      {Nested(17), 16, Outcome::kTooDeep},
      {Nested(16, R"({"a":{}})"), 18, Outcome::kOk},
      {Nested(16, R"({"a":{}})"), 17, Outcome::kTooDeep},
      {R"({"a":[{"b":[{}]}]})", 5, Outcome::kOk},
      {R"({"a":[{"b":[{}]}]})", 4, Outcome::kTooDeep},
      // Too deep after the break: still too deep.
      {"[1,]" + Nested(9), 8, Outcome::kTooDeep},
      {"{}" + Nested(9), 8, Outcome::kTooDeep},
      {Nested(9) + "x", 8, Outcome::kTooDeep},
      // Broken but shallow: a syntax error.
      {"[1,]", 8, Outcome::kSyntax},
      {Nested(8) + "x", 8, Outcome::kSyntax},
      {"{}" + Nested(8), 8, Outcome::kSyntax},
      {"", 8, Outcome::kSyntax},
      // Brackets in strings are not nesting.
      {R"(["[[[[[[[[[[[[[[[[[["])", 1, Outcome::kOk},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(OutcomeOf(c.text, c.max_depth), c.outcome) << c.text << " / " << c.max_depth;
  }
}

TEST(DepthLimitTest, BuildsTheSameDocumentAsParse) {
  const std::string text = R"({"a":[1,-2,3.5,true,false,null,"s",{"b":[]}],"c":{},"d":"\u00fc"})";
  rapidjson::Document limited;
  ASSERT_FALSE(Parse(text, 8, limited).result.IsError());
  rapidjson::Document plain;
  plain.Parse<kFlags>(text.data(), text.size());
  ASSERT_FALSE(plain.HasParseError());
  EXPECT_TRUE(limited == plain);
}

TEST(DepthLimitTest, AFailedParseLeavesTheDocumentAsItWas) {
  rapidjson::Document doc;
  doc.SetObject();
  EXPECT_TRUE(Parse(Nested(9), 8, doc).too_deep);
  EXPECT_TRUE(doc.IsObject());
  const DepthLimitedParse broken = Parse("[1,", 8, doc);
  EXPECT_TRUE(broken.result.IsError());
  EXPECT_FALSE(broken.too_deep);
  EXPECT_EQ(broken.result.Offset(), 3u);
  EXPECT_TRUE(doc.IsObject());
}

}  // namespace
}  // namespace s3upload::json
