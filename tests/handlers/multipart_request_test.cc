// Tests for src/handlers/multipart_request.cc: the calls of @uppy/aws-s3 (6.x) and Companion
// under a route prefix, their query, and the body of a complete.
#include "handlers/multipart_request.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace s3upload::handlers::internal {
namespace {

constexpr std::string_view kPrefix = "/s3/multipart/";

std::string Describe(const std::variant<MultipartCall, MultipartRefusal>& result) {
  if (const auto* refusal = std::get_if<MultipartRefusal>(&result)) {
    return std::to_string(refusal->status) + " " + refusal->rule +
           (refusal->allow.empty() ? "" : " allow " + refusal->allow);
  }
  const MultipartCall& call = std::get<MultipartCall>(result);
  static const char* kNames[] = {"create", "sign", "batch", "list", "complete", "abort"};
  std::string out = kNames[static_cast<int>(call.action)];
  if (!call.upload_id.empty()) out += " " + call.upload_id;
  if (call.part_number != 0) out += " #" + std::to_string(call.part_number);
  return out;
}

TEST(ParseMultipartCallTest, UppysCalls) {
  struct Case {
    const char* method;
    const char* path;
    const char* expected;
  };
  const std::vector<Case> cases = {
      // What @uppy/aws-s3 6.x's CompanionS3 calls, with companionEndpoint = the site.
      {"POST", "/s3/multipart", "create"},
      {"POST", "/s3/multipart/", "create"},
      {"GET", "/s3/multipart/abc.123.mac/1", "sign abc.123.mac #1"},
      {"GET", "/s3/multipart/abc.123.mac/10000", "sign abc.123.mac #10000"},
      {"GET", "/s3/multipart/abc.123.mac", "list abc.123.mac"},
      {"POST", "/s3/multipart/abc.123.mac/complete", "complete abc.123.mac"},
      {"DELETE", "/s3/multipart/abc.123.mac", "abort abc.123.mac"},
      // Companion's batch route (older clients' prepareUploadParts).
      {"GET", "/s3/multipart/abc.123.mac/batch", "batch abc.123.mac"},
      // Wrong methods: 405 with what is allowed there.
      {"GET", "/s3/multipart", "405 multipart.method allow POST"},
      {"PUT", "/s3/multipart/abc", "405 multipart.method allow DELETE, GET"},
      {"GET", "/s3/multipart/abc/complete", "405 multipart.method allow POST"},
      {"POST", "/s3/multipart/abc/batch", "405 multipart.method allow GET"},
      {"DELETE", "/s3/multipart/abc/3", "405 multipart.method allow GET"},
      // Part numbers.
      {"GET", "/s3/multipart/abc/0", "400 multipart.part-number"},
      {"GET", "/s3/multipart/abc/10001", "400 multipart.part-number"},
      {"GET", "/s3/multipart/abc/01", "400 multipart.part-number"},
      {"GET", "/s3/multipart/abc/99999999999999999999", "400 multipart.part-number"},
      // Nothing else exists.
      {"GET", "/s3/multipart//1", "404 multipart.path"},
      {"GET", "/s3/multipart/abc/", "404 multipart.path"},
      {"GET", "/s3/multipart/abc/1/x", "404 multipart.path"},
      {"GET", "/s3/multipart/abc/-1", "404 multipart.path"},
      {"GET", "/s3/multipart/abc/sts", "404 multipart.path"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Describe(ParseMultipartCall(c.method, c.path, kPrefix)), c.expected)
        << c.method << " " << c.path;
  }
}

TEST(ParsePartNumberTest, Bounds) {
  EXPECT_EQ(ParsePartNumber("1", 10), 1U);
  EXPECT_EQ(ParsePartNumber("10", 10), 10U);
  EXPECT_FALSE(ParsePartNumber("11", 10).has_value());
  EXPECT_EQ(ParsePartNumber("10000", 20000), 10000U);  // never above S3's limit
  EXPECT_FALSE(ParsePartNumber("10001", 20000).has_value());
  for (const char* bad : {"", "0", "-1", "+1", "01", "1.0", " 1", "1 ", "x"}) {
    EXPECT_FALSE(ParsePartNumber(bad, 10000).has_value()) << bad;
  }
}

std::string QueryOutcome(std::string_view query, bool batch = false, std::uint32_t max = 100) {
  const auto result = ReadMultipartQuery(query, batch, max);
  if (const auto* refusal = std::get_if<MultipartRefusal>(&result)) return refusal->rule;
  const MultipartQuery& read = std::get<MultipartQuery>(result);
  std::string out = "key=" + read.key;
  for (std::uint32_t n : read.part_numbers) out += " " + std::to_string(n);
  return out;
}

TEST(ReadMultipartQueryTest, KeyAndPartNumbers) {
  // URLSearchParams({key}) encodes "/" as %2F.
  EXPECT_EQ(QueryOutcome("key=uploads%2Falice%2Fx.jpg"), "key=uploads/alice/x.jpg");
  EXPECT_EQ(QueryOutcome("key=a+b"), "key=a b");
  EXPECT_EQ(QueryOutcome(""), "multipart.request.key");
  EXPECT_EQ(QueryOutcome("key="), "multipart.request.key");
  EXPECT_EQ(QueryOutcome("key=a&key=b"), "multipart.request.query");
  EXPECT_EQ(QueryOutcome("key=a&uploadId=b"), "multipart.request.query");
  EXPECT_EQ(QueryOutcome("key=%zz"), "multipart.request.query");
  EXPECT_EQ(QueryOutcome("key=" + std::string(1025, 'k')), "key.too-long");
  EXPECT_EQ(QueryOutcome("key=a&partNumbers=1"), "multipart.request.query");  // not a batch

  EXPECT_EQ(QueryOutcome("key=a&partNumbers=1,2,3", true), "key=a 1 2 3");
  EXPECT_EQ(QueryOutcome("key=a&partNumbers=3%2C1", true), "key=a 3 1");
  EXPECT_EQ(QueryOutcome("key=a", true), "multipart.request.part-numbers");
  EXPECT_EQ(QueryOutcome("key=a&partNumbers=", true), "multipart.request.part-numbers");
  EXPECT_EQ(QueryOutcome("key=a&partNumbers=1,,2", true), "multipart.part-number");
  EXPECT_EQ(QueryOutcome("key=a&partNumbers=1,2,1", true), "multipart.request.part-numbers");
  EXPECT_EQ(QueryOutcome("key=a&partNumbers=101", true), "multipart.part-number");
  EXPECT_EQ(QueryOutcome("key=a&partNumbers=1,0", true), "multipart.part-number");
}

std::string BodyOutcome(std::string_view body, std::uint32_t max = 100) {
  const auto result = ReadCompleteBody(body, max);
  if (const auto* refusal = std::get_if<MultipartRefusal>(&result)) return refusal->rule;
  std::string out;
  for (const ClientPart& part : std::get<std::vector<ClientPart>>(result)) {
    out += std::to_string(part.part_number) + ":" + part.etag + " ";
  }
  return out;
}

TEST(ReadCompleteBodyTest, UppysBody) {
  // @uppy/aws-s3 6.x: ETags without quotes (sanitizeETag); from a listing: with them.
  EXPECT_EQ(BodyOutcome(R"({"parts":[{"PartNumber":1,"ETag":"a54357aff0632cce46d942af68356b38"},)"
                        R"({"PartNumber":2,"ETag":"\"0c78aef83f66abc1fa1e8477f296d394\""}]})"),
            "1:a54357aff0632cce46d942af68356b38 2:0c78aef83f66abc1fa1e8477f296d394 ");
  EXPECT_EQ(BodyOutcome(R"({"parts":[{"ETag":"e","PartNumber":5,"Size":5242880}]})"), "5:e ");
}

TEST(ReadCompleteBodyTest, Refusals) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "multipart.parts.malformed"},
      {"[]", "multipart.parts.malformed"},
      {R"({"parts":[]})", "multipart.parts.none"},
      {R"({"parts":{}})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1,"ETag":"e"}],"x":1})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1,"ETag":"e"}]} x)", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1}]})", "multipart.parts.malformed"},
      {R"({"parts":[{"ETag":"e"}]})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1,"ETag":"e","Extra":1}]})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1,"ETag":"e","PartNumber":2}]})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":"1","ETag":"e"}]})", "multipart.part-number"},
      {R"({"parts":[{"PartNumber":0,"ETag":"e"}]})", "multipart.part-number"},
      {R"({"parts":[{"PartNumber":1.5,"ETag":"e"}]})", "multipart.part-number"},
      {R"({"parts":[{"PartNumber":101,"ETag":"e"}]})", "multipart.part-number"},
      {R"({"parts":[{"PartNumber":1,"ETag":""}]})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1,"ETag":"\"\""}]})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1,"ETag":"a<b>"}]})", "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":1,"ETag":")" + std::string(129, 'a') + R"("}]})",
       "multipart.parts.malformed"},
      {R"({"parts":[{"PartNumber":2,"ETag":"e"},{"PartNumber":1,"ETag":"e"}]})",
       "multipart.parts.order"},
      {R"({"parts":[{"PartNumber":2,"ETag":"e"},{"PartNumber":2,"ETag":"e"}]})",
       "multipart.parts.order"},
      {"{\"parts\":[" + std::string(100, '[') + std::string(100, ']') + "]}",
       "multipart.parts.malformed"},
  };
  for (const auto& [body, rule] : cases) {
    EXPECT_EQ(BodyOutcome(body), rule) << body;
  }
  // More parts than allowed, refused before any is looked at.
  std::string many = R"({"parts":[)";
  for (int i = 1; i <= 3; ++i) {
    many += (i > 1 ? "," : "") + std::string(R"({"PartNumber":)") + std::to_string(i) +
            R"(,"ETag":"e"})";
  }
  many += "]}";
  EXPECT_EQ(BodyOutcome(many, 2), "multipart.parts.too-many");
  EXPECT_EQ(BodyOutcome(many, 3), "1:e 2:e 3:e ");
}

}  // namespace
}  // namespace s3upload::handlers::internal
