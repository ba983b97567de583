// Strict JSON: syntax, encoding, trailing garbage, duplicate keys, nesting over kMaxJsonDepth - all
// refused with a "request." rule, before any rule about content runs.
#include <gtest/gtest.h>

#include <string>

#include "verify/internal.h"
#include "verify/verify_test_support.h"

namespace s3upload::verify::verify_test {
namespace {

// Both ways in, which must agree: into a plain document (RapidJSON alone), and into a request's
// (where compact text is read by json_compact.cc).
std::string JsonRule(std::string_view text) {
  rapidjson::Document doc;
  const std::optional<Refusal> refusal = internal::ParseStrictJson(text, doc);
  const std::string rule = refusal ? refusal->rule : "<accepted>";
  internal::RequestJson json;
  const std::optional<Refusal> request_refusal = internal::ParseStrictJson(text, json);
  EXPECT_EQ(request_refusal ? request_refusal->rule : "<accepted>", rule) << text;
  return rule;
}

std::string BodyRule(std::string_view body) {
  return RuleOf(VerifySignRequest(body, SignatureVersion::kV4, DocRules(), {}, Now()));
}

TEST(JsonStrictTest, AcceptsPlainJson) {
  EXPECT_EQ(JsonRule(R"({"a":"b","c":[1,2,{"d":null}],"e":true})"), "<accepted>");
  EXPECT_EQ(JsonRule(" \t\r\n{}\n "), "<accepted>");  // JSON whitespace is not garbage
  EXPECT_EQ(JsonRule(R"({"a":"\u00e9\ud83d\ude00\u0000"})"), "<accepted>");
  EXPECT_EQ(JsonRule("{\"a\":\"\xc3\xa9\"}"), "<accepted>");
}

TEST(JsonStrictTest, RefusesMalformedJson) {
  for (const std::string& text : std::vector<std::string>{"",
                                                          " ",
                                                          "{",
                                                          "}",
                                                          R"({"a":})",
                                                          R"({"a":"b",})",
                                                          R"({"a":"b"} x)",
                                                          R"({"a":"b"}{})",
                                                          std::string("{\"a\":\"b\"}\0", 10),
                                                          R"({'a':'b'})",
                                                          R"({a:"b"})",
                                                          R"({"a":"b" /*c*/})",
                                                          R"({"a":NaN})",
                                                          R"({"a":Infinity})",
                                                          R"({"a":01})",
                                                          R"({"a":"\x41"})",
                                                          "{\"a\":\"line\nbreak\"}",
                                                          "{\"a\":\"tab\there\"}",
                                                          "\xef\xbb\xbf{}",
                                                          "{\"a\":\"\xc0\xaf\"}",
                                                          "{\"a\":\"\xed\xa0\x80\"}",
                                                          "{\"a\":\"\xff\"}",
                                                          R"({"a":"\ud800"})",
                                                          R"({"a":"\ud800\u0041"})"}) {
    EXPECT_EQ(JsonRule(text), "request.json") << text;
  }
}

// The body's UTF-8 is checked eight bytes at a time where it is ASCII: an ill-formed sequence is
// found at any position, in a string or a member name, and a well-formed one is accepted.
TEST(JsonStrictTest, FindsIllFormedUtf8AtAnyPosition) {
  for (std::size_t position = 0; position < 20; ++position) {
    const std::string padding(position, 'a');
    for (const std::string_view bad :
         {"\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xff", "\xf4\x90\x80\x80"}) {
      EXPECT_EQ(JsonRule("{\"" + padding + std::string(bad) + "\":\"v\"}"), "request.json")
          << position;
      EXPECT_EQ(JsonRule("{\"k\":\"" + padding + std::string(bad) + "xxxxxxxx\"}"), "request.json")
          << position;
    }
    EXPECT_EQ(JsonRule("{\"k\":\"" + padding + "\xc3\xa9\xf0\x9f\x98\x80xxxxxxxx\"}"), "<accepted>")
        << position;
  }
}

TEST(JsonStrictTest, RefusesEscapesThatDecodeToInvalidUtf8) {
  // A lone low surrogate passes RapidJSON's own checks.
  EXPECT_EQ(JsonRule(R"({"a":"\udc00"})"), "request.json.encoding");
  EXPECT_EQ(JsonRule(R"({"\udfff":"a"})"), "request.json.encoding");
  // Objects of one or two members are checked apart from larger ones: both ways.
  EXPECT_EQ(JsonRule(R"({"a":1,"\udfff":"a"})"), "request.json.encoding");
  EXPECT_EQ(JsonRule(R"({"a":1,"b":2,"\udfff":"a"})"), "request.json.encoding");
  EXPECT_EQ(JsonRule(R"([[["\udc00"]]])"), "request.json.encoding");
  // Strings are checked whenever the text has a "\u", whatever precedes it.
  EXPECT_EQ(JsonRule(R"({"a":"\\","b":"\udc00"})"), "request.json.encoding");
  EXPECT_EQ(JsonRule(R"({"a":"\\u0041"})"), "<accepted>");
}

TEST(JsonStrictTest, RefusesDuplicateKeysAtAnyDepth) {
  EXPECT_EQ(JsonRule(R"({"a":1,"a":1})"), "request.json.duplicate-key");
  EXPECT_EQ(JsonRule(R"({"a":1,"b":1,"a":1})"), "request.json.duplicate-key");
  EXPECT_EQ(JsonRule(R"({"a":1,"b":[{"c":1,"d":2,"c":3}]})"), "request.json.duplicate-key");
  EXPECT_EQ(JsonRule(R"({"a":{"b":{"c":{"d":1,"d":1}}}})"), "request.json.duplicate-key");
  EXPECT_EQ(JsonRule(R"({"a":1,"\u0061":2})"), "request.json.duplicate-key");
  EXPECT_EQ(JsonRule(R"({"a":1,"A":2})"), "<accepted>");  // JSON keys are case-sensitive
}

std::string Arrays(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(JsonStrictTest, NestingAtTheDepthLimitIsParsedOneDeeperIsRefused) {
  ASSERT_EQ(kMaxJsonDepth, 8u);
  EXPECT_EQ(JsonRule(Arrays(kMaxJsonDepth)), "<accepted>");
  EXPECT_EQ(JsonRule(Arrays(kMaxJsonDepth + 1)), "request.json.depth");
  // Objects and arrays count alike.
  const std::string mixed8 = R"({"a":[{"b":[{"c":[{"d":[]}]}]}]})";
  EXPECT_EQ(JsonRule(mixed8), "<accepted>");
  EXPECT_EQ(JsonRule(R"({"a":[{"b":[{"c":[{"d":[{}]}]}]}]})"), "request.json.depth");
  // Depth is nesting, not the number of containers.
  std::string wide = "[";
  for (int i = 0; i < 1000; ++i) wide += Arrays(kMaxJsonDepth - 1) + ",";
  wide += "[]]";
  EXPECT_EQ(JsonRule(wide), "<accepted>");
  // Brackets inside strings, after escaped quotes and backslashes, are text.
  EXPECT_EQ(JsonRule(R"({"a":"[[[[[[[[[[{{{{{{{{{{","b":"\"[[[[[[[[[[","c":"\\","d":[]})"),
            "<accepted>");
  EXPECT_EQ(JsonRule(R"({"a":"\\"})" + Arrays(kMaxJsonDepth + 1)), "request.json.depth");
  // An unterminated string hides what follows from the count; the parser refuses it.
  EXPECT_EQ(JsonRule("{\"a\":\"" + std::string(100, '[')), "request.json");
}

TEST(JsonStrictTest, DepthIsRefusedBeforeParsingWhateverTheBody) {
  const std::size_t depth = 100000;
  EXPECT_EQ(BodyRule(std::string(depth, '[')), "request.json.depth");
  EXPECT_EQ(BodyRule(Arrays(depth)), "request.json.depth");
  std::string objects;
  for (std::size_t i = 0; i < depth; ++i) objects += "{\"a\":";
  EXPECT_EQ(BodyRule(objects + "1" + std::string(depth, '}')), "request.json.depth");
  EXPECT_EQ(BodyRule(objects), "request.json.depth");
  // Duplicate keys at the bottom of a deep structure: the depth is what is refused.
  EXPECT_EQ(BodyRule(std::string(depth, '[') + R"({"a":1,"a":2})" + std::string(depth, ']')),
            "request.json.depth");
  // Inside a policy: the document (1) and its conditions (2) leave 6 levels for a condition; at
  // the limit the policy rules judge it, one deeper the body is not parsed.
  const auto policy = [](std::size_t condition_depth) {
    return "{\"expiration\":\"2024-05-01T12:05:00.000Z\",\"conditions\":[" +
           Arrays(condition_depth) + "]}";
  };
  EXPECT_EQ(RuleOf(VerifySignRequest(policy(kMaxJsonDepth - 2), SignatureVersion::kV2, DocRules(),
                                     {}, Now())),
            "policy.condition.array");
  EXPECT_EQ(RuleOf(VerifySignRequest(policy(kMaxJsonDepth - 1), SignatureVersion::kV2, DocRules(),
                                     {}, Now())),
            "request.json.depth");
  EXPECT_EQ(RuleOf(VerifySignRequest(policy(depth), SignatureVersion::kV2, DocRules(), {}, Now())),
            "request.json.depth");
}

// The in-situ copy of a body is scanned 16 bytes at a time (RapidJSON's SSE2 string and
// whitespace scans); bodies that end in each position around the end of the fixed buffer and of a
// heap copy parse like any other. (Under the sanitizers, a scan past the copy fails here.)
TEST(JsonStrictTest, BodiesOfEveryLengthAroundTheBufferSizeParse) {
  for (std::size_t size = 4040; size <= 4140; ++size) {
    for (const std::size_t trailing : {std::size_t{0}, std::size_t{1}, std::size_t{17}}) {
      const std::string head = R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[],"x":")";
      const std::size_t filler = size - head.size() - 2 - trailing;
      const std::string body = head + std::string(filler, 'a') + "\"}" + std::string(trailing, ' ');
      ASSERT_EQ(body.size(), size);
      EXPECT_EQ(BodyRule(body), "policy.document.fields") << size << " " << trailing;
    }
  }
}

TEST(JsonStrictTest, TopLevelMustBeAnObject) {
  for (const char* text : {"[]", "\"headers\"", "1", "null", "true"}) {
    EXPECT_EQ(BodyRule(text), "request.not-object") << text;
  }
}

}  // namespace
}  // namespace s3upload::verify::verify_test
