// reply.cc: ParseReplyObject takes only a well-formed JSON object (or nothing at all) and hands
// back its members with each value as compact JSON text.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "s3upload/notify.h"

namespace s3upload::notify {
namespace {

using Members = ReplyMembers;

std::optional<ReplyMembers> Parse(std::string_view body) { return ParseReplyObject(body); }

TEST(ParseReplyObjectTest, ObjectMembersInOrder) {
  EXPECT_EQ(
      Parse(R"({"thumbnailUrl":"https://cdn.example/t.png","ok":true,"n":null})"),
      (Members{{"thumbnailUrl", R"("https://cdn.example/t.png")"}, {"ok", "true"}, {"n", "null"}}));
  // Document order, not sorted.
  EXPECT_EQ(Parse(R"({"b":1,"a":2})"), (Members{{"b", "1"}, {"a", "2"}}));
}

TEST(ParseReplyObjectTest, NestedValuesAreKeptCompact) {
  EXPECT_EQ(Parse(" {\n  \"meta\" : { \"w\" : 10 , \"tags\" : [ \"a\" , null , false , {} , [ ] ] "
                  "} ,\r\n\t\"list\":[ 1 ,2 ] }\n"),
            (Members{{"meta", R"({"w":10,"tags":["a",null,false,{},[]]})"}, {"list", "[1,2]"}}));
}

TEST(ParseReplyObjectTest, NumbersAreCopiedAsWritten) {
  EXPECT_EQ(Parse(R"({"a":-1.5e3,"b":12345678901234567890123,"c":0.1,"d":-0,"e":[1E+2]})"),
            (Members{{"a", "-1.5e3"},
                     {"b", "12345678901234567890123"},
                     {"c", "0.1"},
                     {"d", "-0"},
                     {"e", "[1E+2]"}}));
}

TEST(ParseReplyObjectTest, StringsAreDecodedAndReEscaped) {
  EXPECT_EQ(Parse(R"({"s":"a\u0041\/\n\"\\\u00e9\ud83d\ude00"})"),
            (Members{{"s", "\"aA/\\n\\\"\\\\\xc3\xa9\xf0\x9f\x98\x80\""}}));
  // An escaped NUL is a character like any other (only a raw NUL byte is refused).
  EXPECT_EQ(Parse(R"({"s":"x\u0000y"})"), (Members{{"s", R"("x\u0000y")"}}));
  // Names are decoded too.
  EXPECT_EQ(Parse(R"({"\u0061b":1})"), (Members{{"ab", "1"}}));
}

TEST(ParseReplyObjectTest, EmptyObjectAndEmptyBodyHaveNoMembers) {
  EXPECT_EQ(Parse("{}"), Members{});
  EXPECT_EQ(Parse(" \t{ }\r\n"), Members{});
  EXPECT_EQ(Parse(""), Members{});
  EXPECT_EQ(Parse(" \t\r\n  "), Members{});
}

TEST(ParseReplyObjectTest, OtherTopLevelValuesAreRefused) {
  for (const std::string_view body :
       {"[]", R"([{"a":1}])", R"("text")", "1", "-2.5", "true", "false", "null"}) {
    EXPECT_EQ(Parse(body), std::nullopt) << body;
  }
}

TEST(ParseReplyObjectTest, NonJsonIsRefused) {
  for (const std::string_view body :
       {"OK", "<html></html>", "{", "}", R"({"a":1)", R"({"a":})", R"({a:1})", R"({"a":1,})",
        R"({"a":01})", R"({"a":NaN})", R"({"a":Infinity})", R"({'a':1})", R"({"a":"x)",
        "{/* comment */}", "{\"a\":\"tab\tinside\"}", R"({"a":"\x"})", "\v{}"}) {
    EXPECT_EQ(Parse(body), std::nullopt) << body;
  }
}

TEST(ParseReplyObjectTest, TrailingGarbageIsRefused) {
  for (const std::string_view body : {"{} x", "{}{}", R"({"a":1}})", "{},", "{} []", "{}\n1"}) {
    EXPECT_EQ(Parse(body), std::nullopt) << body;
  }
}

TEST(ParseReplyObjectTest, DuplicateNamesAreRefusedAtEveryLevel) {
  EXPECT_EQ(Parse(R"({"a":1,"a":2})"), std::nullopt);
  EXPECT_EQ(Parse(R"({"a":1,"\u0061":1})"), std::nullopt);  // the same name once decoded
  EXPECT_EQ(Parse(R"({"x":{"b":1,"b":2}})"), std::nullopt);
  EXPECT_EQ(Parse(R"({"x":[{"b":1},{"c":[{"d":1,"d":1}]}]})"), std::nullopt);
  // The same name in different objects is fine.
  EXPECT_EQ(Parse(R"({"a":{"a":1},"b":{"a":{"a":2}}})"),
            (Members{{"a", R"({"a":1})"}, {"b", R"({"a":{"a":2}})"}}));
}

TEST(ParseReplyObjectTest, NulBytesAreRefused) {
  using std::string_view_literals::operator""sv;
  EXPECT_EQ(Parse("{}\0"sv), std::nullopt);
  EXPECT_EQ(Parse("{}\0junk"sv), std::nullopt);
  EXPECT_EQ(Parse("{\"a\":\"x\0y\"}"sv), std::nullopt);
  EXPECT_EQ(Parse("\0"sv), std::nullopt);
}

TEST(ParseReplyObjectTest, IllFormedUtf8IsRefused) {
  EXPECT_EQ(Parse("{\"a\":\"\xff\"}"), std::nullopt);
  EXPECT_EQ(Parse("{\"\xff\":1}"), std::nullopt);
  EXPECT_EQ(Parse("{\"a\":\"\xc0\xaf\"}"), std::nullopt);      // overlong
  EXPECT_EQ(Parse("{\"a\":\"\xed\xa0\x80\"}"), std::nullopt);  // surrogate as bytes
  EXPECT_EQ(Parse("{\"a\":\"\xe2\x80\"}"), std::nullopt);      // truncated
  // Escapes that decode to a lone surrogate.
  EXPECT_EQ(Parse(R"({"a":"\udc00"})"), std::nullopt);
  EXPECT_EQ(Parse(R"({"a":"\ud800"})"), std::nullopt);
  EXPECT_EQ(Parse(R"({"a":"\ud800x"})"), std::nullopt);
  EXPECT_EQ(Parse(R"({"\udc00":1})"), std::nullopt);
  EXPECT_EQ(Parse(R"({"x":{"\udc00":1}})"), std::nullopt);
  // A byte order mark is not JSON.
  EXPECT_EQ(Parse("\xef\xbb\xbf{}"), std::nullopt);
}

std::string ObjectWithMembers(int count) {
  std::string body = "{";
  for (int i = 0; i < count; ++i) {
    if (i > 0) body += ',';
    body += "\"m" + std::to_string(i) + "\":" + std::to_string(i);
  }
  return body + "}";
}

TEST(ParseReplyObjectTest, AtMost64Members) {
  const std::optional<ReplyMembers> members = Parse(ObjectWithMembers(64));
  ASSERT_TRUE(members.has_value());
  ASSERT_EQ(members->size(), 64u);
  EXPECT_EQ(members->back(), (std::pair<std::string, std::string>("m63", "63")));
  EXPECT_EQ(Parse(ObjectWithMembers(65)), std::nullopt);
  // The cap is on the object's own members; a member value may hold more.
  const std::optional<ReplyMembers> nested = Parse("{\"x\":" + ObjectWithMembers(100) + "}");
  ASSERT_TRUE(nested.has_value());
  EXPECT_EQ(nested->at(0).second, ObjectWithMembers(100));
}

TEST(ParseReplyObjectTest, AtMost64KiBOfBody) {
  constexpr std::size_t kCap = 65536;
  const std::string prefix = R"({"a":")";
  const std::string suffix = R"("})";
  const std::size_t fill = kCap - prefix.size() - suffix.size();
  const std::string largest = prefix + std::string(fill, 'x') + suffix;
  ASSERT_EQ(largest.size(), kCap);
  const std::optional<ReplyMembers> members = Parse(largest);
  ASSERT_TRUE(members.has_value());
  EXPECT_EQ(members->at(0).second.size(), fill + 2);
  EXPECT_EQ(Parse(prefix + std::string(fill + 1, 'x') + suffix), std::nullopt);
  // Whitespace counts too: the cap is on what was received.
  EXPECT_EQ(Parse("{}" + std::string(kCap, ' ')), std::nullopt);
  EXPECT_EQ(Parse(std::string(kCap + 1, ' ')), std::nullopt);
}

TEST(ParseReplyObjectTest, AtMost16LevelsOfNesting) {
  // The root object is level 1: a member value may open 15 more.
  const std::string nested15 = std::string(15, '[') + std::string(15, ']');
  const std::optional<ReplyMembers> members = Parse("{\"a\":" + nested15 + "}");
  ASSERT_TRUE(members.has_value());
  EXPECT_EQ(members->at(0).second, nested15);
  EXPECT_EQ(Parse("{\"a\":[" + nested15 + "]}"), std::nullopt);
  std::string objects15;
  for (int i = 0; i < 15; ++i) objects15 += "{\"k\":";
  objects15 += "1" + std::string(15, '}');
  const std::optional<ReplyMembers> deep_objects = Parse("{\"a\":" + objects15 + "}");
  ASSERT_TRUE(deep_objects.has_value());
  EXPECT_EQ(deep_objects->at(0).second, objects15);
  EXPECT_EQ(Parse("{\"a\":{\"k\":" + objects15 + "}}"), std::nullopt);
  // Far deeper bodies end at level 17, without a deep stack.
  EXPECT_EQ(Parse("{\"a\":" + std::string(30000, '[') + std::string(30000, ']') + "}"),
            std::nullopt);
}

// Members are passed on to a browser: markup characters and JavaScript line separators come out
// escaped, meaning the same JSON.
TEST(ParseReplyObjectTest, EscapesMarkupAndLineSeparatorsInValues) {
  const auto members = ParseReplyObject(
      "{\"name\":\"<img src=x onerror=alert(1)>&\xe2\x80\xa8\xe2\x80\xa9\",\"n\":[\"<\"]}");
  ASSERT_TRUE(members);
  ASSERT_EQ(members->size(), 2u);
  EXPECT_EQ((*members)[0].second,
            "\"\\u003cimg src=x onerror=alert(1)\\u003e\\u0026\\u2028\\u2029\"");
  EXPECT_EQ((*members)[1].second, "[\"\\u003c\"]");
}

}  // namespace
}  // namespace s3upload::notify
