// json_compact.cc: the compact-JSON reader either declines a text or builds exactly the document
// RapidJSON's in-situ parse builds from it. Checked on hand-picked texts, on every Fine Uploader
// body of the protocol document, and on every single-byte deletion, insertion and replacement of
// those (over a hundred thousand texts, most of them broken JSON).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <string>
#include <vector>

#include "verify/internal.h"
#include "verify/verify_test_support.h"

namespace s3upload::verify::internal {
namespace {

using Document = RequestJson::Document;

// Same type, same number handler (the flags tell Uint from Uint64 and Int), same string bytes at
// the same offset of each buffer, same members in the same order.
::testing::AssertionResult SameValue(const rapidjson::Value& a, const char* a_base,
                                     const rapidjson::Value& b, const char* b_base) {
  if (a.GetType() != b.GetType()) return ::testing::AssertionFailure() << "types differ";
  if (a.IsNumber()) {
    if (a.IsUint() != b.IsUint() || a.IsInt() != b.IsInt() || a.IsUint64() != b.IsUint64() ||
        a.IsInt64() != b.IsInt64() || a.IsDouble() != b.IsDouble() ||
        a.GetUint64() != b.GetUint64()) {
      return ::testing::AssertionFailure() << "numbers differ";
    }
  } else if (a.IsString()) {
    if (StringOf(a) != StringOf(b) || a.GetString() - a_base != b.GetString() - b_base ||
        a.GetString()[a.GetStringLength()] != '\0') {
      return ::testing::AssertionFailure()
             << "strings differ: " << StringOf(a) << " | " << StringOf(b);
    }
  } else if (a.IsArray()) {
    if (a.Size() != b.Size()) return ::testing::AssertionFailure() << "array sizes differ";
    for (rapidjson::SizeType i = 0; i < a.Size(); ++i) {
      if (auto same = SameValue(a[i], a_base, b[i], b_base); !same) return same;
    }
  } else if (a.IsObject()) {
    if (a.MemberCount() != b.MemberCount()) {
      return ::testing::AssertionFailure() << "member counts differ";
    }
    for (auto x = a.MemberBegin(), y = b.MemberBegin(); x != a.MemberEnd(); ++x, ++y) {
      if (auto same = SameValue(x->name, a_base, y->name, b_base); !same) return same;
      if (auto same = SameValue(x->value, a_base, y->value, b_base); !same) return same;
    }
  }
  return ::testing::AssertionSuccess();
}

bool HasRepeatedName(const rapidjson::Value& value) {
  if (value.IsArray()) {
    return std::any_of(value.Begin(), value.End(),
                       [](const auto& v) { return HasRepeatedName(v); });
  }
  if (!value.IsObject()) return false;
  for (auto a = value.MemberBegin(); a != value.MemberEnd(); ++a) {
    if (HasRepeatedName(a->value)) return true;
    for (auto b = value.MemberBegin(); b != a; ++b) {
      if (StringOf(a->name) == StringOf(b->name)) return true;
    }
  }
  return false;
}

// What the reader did with `text`: declined (false, the document untouched) or read it as
// RapidJSON does (true), without a name twice in an object. A text the reader reads that RapidJSON
// refuses fails the test.
::testing::AssertionResult ReadsAsRapidJson(const std::string& text, bool& read) {
  std::string ours = text + '\0';
  rapidjson::MemoryPoolAllocator<> our_values;
  rapidjson::MemoryPoolAllocator<> our_stack;
  Document our_doc(&our_values, 1024, &our_stack);
  read = ReadCompactJson(ours.data(), text.size(), our_doc);
  if (!read) {
    if (!our_doc.IsNull()) return ::testing::AssertionFailure() << "declined, but wrote " << text;
    return ::testing::AssertionSuccess();
  }
  std::string theirs = text + '\0';
  Document their_doc;
  their_doc.ParseInsitu(theirs.data());
  if (their_doc.HasParseError()) {
    return ::testing::AssertionFailure() << "read what RapidJSON refuses: " << text;
  }
  if (auto same = SameValue(our_doc, ours.data(), their_doc, theirs.data()); !same) {
    return same << " in " << text;
  }
  if (HasRepeatedName(our_doc)) return ::testing::AssertionFailure() << "read a repeated name";
  return ::testing::AssertionSuccess();
}

bool Reads(const std::string& text) {
  bool read = false;
  EXPECT_TRUE(ReadsAsRapidJson(text, read));
  return read;
}

// The protocol document's bodies (verify_test_support.h, the same as the vectors file's).
std::vector<std::string> FineUploaderBodies() {
  using namespace verify_test;
  std::vector<std::string> bodies = {kPolicyV2,       kPolicyV4,         kPolicyV2Minimal,
                                     kPolicyV4Iframe, kPolicyV2Prefixed, kPolicyV4Prefixed};
  for (const std::string* headers :
       {&kV2Initiate, &kV2Part1, &kV2Part2, &kV2Complete, &kV2Abort, &kV4Initiate, &kV4Part1,
        &kV4Part2, &kV4Complete, &kV4Abort, &kAwsGetExample}) {
    bodies.push_back(verify_test::RestBody(*headers));
  }
  return bodies;
}

TEST(CompactJsonTest, ReadsCompactObjects) {
  EXPECT_TRUE(Reads(R"({})"));
  EXPECT_TRUE(Reads(R"({"a":"b"})"));
  EXPECT_TRUE(Reads(R"({"":""})"));
  EXPECT_TRUE(Reads(R"({"a":[],"b":{},"c":[[]]})"));
  EXPECT_TRUE(Reads(R"({"n":[0,1,4294967295,4294967296,18446744073709551615]})"));
  EXPECT_TRUE(Reads(R"({"escapes":"\"\\\/\b\f\n\r\t","after":"x"})"));
  EXPECT_TRUE(Reads("{\"caf\xc3\xa9\":\"\xe2\x82\xac \x7f\"}"));
  EXPECT_TRUE(Reads(R"({"headers":"POST\n\nimage/jpeg\n\nx-amz-date:Wed\n/b/k?uploads"})"));
  EXPECT_TRUE(Reads(R"({"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8",)"
                    R"("i":"1","j":"2","k":"3","l":"4","m":"5","n":"6","o":"7","p":{"a":"b"}})"));
  EXPECT_TRUE(Reads(R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{}}}}}}}})"));  // 8 levels
}

TEST(CompactJsonTest, DeclinesEverythingElse) {
  for (const char* text : {
           "",
           "[]",
           "\"a\"",
           "1",
           "{",
           "}",
           "{}}",
           "{} ",
           " {}",
           "{ }",
           "{\"a\": \"b\"}",
           R"({"a":true})",
           R"({"a":null})",
           R"({"a":-1})",
           R"({"a":1.5})",
           R"({"a":1e3})",
           R"({"a":01})",
           R"({"a":18446744073709551616})",
           R"({"a":"\u0041"})",
           R"({"a":"\x"})",
           "{\"a\":\"\t\"}",
           R"({"a":"b)",
           R"({"a":"b\)",
           R"({"a"})",
           R"({"a":})",
           R"({,})",
           R"({"a":"b",})",
           R"({"a":[1,]})",
           R"({"a":[,1]})",
           R"({a:1})",
           R"({"a":1}x)",
           R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{}}}}}}}}})",  // 9 levels
           R"({"dup":"1","dup":"2"})",
           R"({"a":{"x":1,"y":[],"x":{}}})",
           R"({"a
":1,"a
":2})",
           R"({"a":"1","b":"2","c":"3","d":"4","e":"5","f":"6","g":"7","h":"8",)"
           R"("i":"1","j":"2","k":"3","l":"4","m":"5","n":"6","o":"7","p":"8","q":"9"})",
       }) {
    EXPECT_FALSE(Reads(text)) << text;
  }
}

TEST(CompactJsonTest, ReadsEveryFineUploaderBody) {
  const std::vector<std::string> bodies = FineUploaderBodies();
  ASSERT_GE(bodies.size(), 10u);
  for (const std::string& body : bodies) EXPECT_TRUE(Reads(body)) << body;
}

TEST(CompactJsonTest, EveryOneByteChangeOfABodyIsReadAsRapidJsonReadsItOrDeclined) {
  const std::string bytes = "\"\\{}[],:09 -.eu/\n\x01";
  std::size_t read = 0;
  std::size_t declined = 0;
  const auto check = [&](const std::string& text) {
    bool was_read = false;
    ASSERT_TRUE(ReadsAsRapidJson(text, was_read));
    ++(was_read ? read : declined);
  };
  for (const std::string& body : FineUploaderBodies()) {
    for (std::size_t at = 0; at <= body.size(); ++at) {
      if (at < body.size()) check(body.substr(0, at) + body.substr(at + 1));
      for (const char byte : bytes) {
        check(body.substr(0, at) + byte + body.substr(at));
        if (at < body.size()) check(body.substr(0, at) + byte + body.substr(at + 1));
      }
    }
  }
  // Both outcomes are common, so both sides of the comparison were exercised.
  EXPECT_GT(read, 10000u);
  EXPECT_GT(declined, 10000u);
}

}  // namespace
}  // namespace s3upload::verify::internal
