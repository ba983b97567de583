// sigv4.cc on S3: the examples of the AWS S3 documentation (landscape.md 4.2) built with the step
// functions from their inputs, each checked step by step against tests/data/aws/s3-examples; the
// SigV4 POST policy example; and the Fine Uploader v4 vectors of the protocol doc (3.5 policies,
// 4.5 REST), both as written in the doc and as listed in tests/data/fineuploader/vectors.json.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aws/test_support.h"
#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

using aws_test::kExampleAccessKeyId;
using aws_test::kExampleSecret;
using aws_test::ReadTestFile;

SecretKey ExampleSecret() { return SecretKey(std::string(kExampleSecret)); }

// ---------------------------------------------------------------------------------------------
// AWS S3 API reference examples: examplebucket, us-east-1, 2013-05-24T00:00:00Z
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kExampleHost = "examplebucket.s3.amazonaws.com";

struct ExampleTime {
  std::string amz_date;
  std::string day;
};

ExampleTime ExampleTimeOf(std::string_view iso8601) {
  const TimePoint when = ParseIso8601(iso8601).value();
  return {FormatAmzDate(when), FormatAmzDay(when)};
}

// Checks canonical request, string to sign and signature against the case's vector files, and the
// signature against the one AWS publishes. Returns the signature.
std::string ExpectEveryStep(std::string_view case_name, const std::string& canonical_request,
                            std::string_view published_signature) {
  const std::string dir = "aws/s3-examples/" + std::string(case_name) + "/";
  EXPECT_EQ(canonical_request, ReadTestFile(dir + "canonical-request.txt")) << case_name;
  const ExampleTime time = ExampleTimeOf("2013-05-24T00:00:00Z");
  const std::string scope = CredentialScope(time.day, "us-east-1", "s3");
  const std::string string_to_sign =
      StringToSign(time.amz_date, scope, Sha256Hex(canonical_request));
  EXPECT_EQ(string_to_sign, ReadTestFile(dir + "string-to-sign.txt")) << case_name;
  const std::string signature =
      Signature(DeriveSigningKey(ExampleSecret(), time.day, "us-east-1", "s3"), string_to_sign);
  EXPECT_EQ(signature, ReadTestFile(dir + "signature.txt")) << case_name;
  EXPECT_EQ(signature, published_signature) << case_name;
  return signature;
}

TEST(SigV4S3ExamplesTest, PresignedGetObject) {
  const ExampleTime time = ExampleTimeOf("2013-05-24T00:00:00Z");
  const std::string scope = CredentialScope(time.day, "us-east-1", "s3");
  const CanonicalHeaderBlock headers = CanonicalHeaders({{"Host", std::string(kExampleHost)}});
  const std::vector<QueryParam> query =
      PresignQueryParams(kExampleAccessKeyId, scope, time.amz_date, std::chrono::hours(24),
                         headers.signed_headers, /*session_token=*/"");
  const std::string canonical_query = CanonicalQueryString(query);
  const std::string canonical =
      CanonicalRequest("GET", CanonicalUri("/test.txt", /*normalize=*/false, /*encode=*/false),
                       canonical_query, headers, kUnsignedPayload);
  EXPECT_EQ(Sha256Hex(canonical),
            "3bfa292879f6447bbcda7001decf97f4a54dc650c8942174ae0a9121cf58ad04");
  const std::string signature =
      ExpectEveryStep("presigned-get", canonical,
                      "aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");

  // The presigned URL as the documentation prints it.
  EXPECT_EQ("https://" + std::string(kExampleHost) + "/test.txt?" + canonical_query +
                "&X-Amz-Signature=" + signature,
            "https://examplebucket.s3.amazonaws.com/test.txt"
            "?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request"
            "&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4S3ExamplesTest, GetObjectWithRange) {
  const ExampleTime time = ExampleTimeOf("2013-05-24T00:00:00Z");
  // Given in an order and case other than the canonical one, as a client might send them.
  const CanonicalHeaderBlock headers = CanonicalHeaders({{"x-amz-date", time.amz_date},
                                                         {"Range", "bytes=0-9"},
                                                         {"x-amz-content-sha256", Sha256Hex("")},
                                                         {"Host", std::string(kExampleHost)}});
  EXPECT_EQ(headers.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  const std::string canonical =
      CanonicalRequest("GET", CanonicalUri("/test.txt", false, false), CanonicalQueryString({}),
                       headers, kEmptyPayloadHash);
  EXPECT_EQ(Sha256Hex(canonical),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  const std::string signature =
      ExpectEveryStep("get-object-range", canonical,
                      "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  EXPECT_EQ(AuthorizationHeader(kExampleAccessKeyId, CredentialScope(time.day, "us-east-1", "s3"),
                                headers.signed_headers, signature),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
            "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
            "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3ExamplesTest, PutObject) {
  const ExampleTime time = ExampleTimeOf("2013-05-24T00:00:00Z");
  const std::string payload_hash = Sha256Hex("Welcome to Amazon S3.");
  EXPECT_EQ(payload_hash, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  // S3 signs the key encoded once: "/" + UriEncode(key, false), not normalised, not re-encoded.
  const std::string path = "/" + UriEncode("test$file.text", /*encode_slash=*/false);
  EXPECT_EQ(path, "/test%24file.text");
  const CanonicalHeaderBlock headers = CanonicalHeaders({
      {"Host", std::string(kExampleHost)},
      {"Date", FormatRfc1123(ParseAmzDate(time.amz_date).value())},
      {"x-amz-date", time.amz_date},
      {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      {"x-amz-content-sha256", payload_hash},
  });
  const std::string canonical = CanonicalRequest("PUT", CanonicalUri(path, false, false),
                                                 CanonicalQueryString({}), headers, payload_hash);
  EXPECT_EQ(Sha256Hex(canonical),
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  ExpectEveryStep("put-object", canonical,
                  "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

std::string BucketRequest(const std::vector<QueryParam>& query) {
  const ExampleTime time = ExampleTimeOf("2013-05-24T00:00:00Z");
  const CanonicalHeaderBlock headers = CanonicalHeaders({
      {"Host", std::string(kExampleHost)},
      {"x-amz-date", time.amz_date},
      {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
  });
  return CanonicalRequest("GET", CanonicalUri("/", false, false), CanonicalQueryString(query),
                          headers, kEmptyPayloadHash);
}

TEST(SigV4S3ExamplesTest, GetBucketLifecycle) {
  const std::string canonical = BucketRequest({{"lifecycle", ""}});
  EXPECT_EQ(Sha256Hex(canonical),
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  ExpectEveryStep("get-bucket-lifecycle", canonical,
                  "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3ExamplesTest, GetBucketList) {
  const std::string canonical = BucketRequest({{"prefix", "J"}, {"max-keys", "2"}});
  EXPECT_EQ(Sha256Hex(canonical),
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  ExpectEveryStep("get-bucket-list", canonical,
                  "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

// sigv4-post-example: the signed string is the published base64 policy itself.
TEST(SigV4S3ExamplesTest, PostPolicy) {
  const std::string policy_base64 = ReadTestFile("aws/s3-examples/post-policy/policy-base64.txt");
  EXPECT_TRUE(
      policy_base64.starts_with("eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLjAwMFoiLA0K"));
  EXPECT_TRUE(policy_base64.ends_with("IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMDAwMDAwWiIgfQ0KICBdDQp9"));
  const std::optional<std::string> policy = Base64Decode(policy_base64);
  ASSERT_TRUE(policy.has_value());
  EXPECT_EQ(policy->size(), 648u);
  EXPECT_TRUE(policy->starts_with("{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n"));
  EXPECT_NE(
      policy->find(
          "{\"x-amz-credential\": \"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\"}"),
      std::string::npos);
  EXPECT_EQ(Base64Encode(*policy), policy_base64);
  EXPECT_EQ(ParseIso8601("2015-12-30T12:00:00.000Z"), ParseAmzDate("20151230T120000Z"));

  const TimePoint when = ParseAmzDate("20151229T000000Z").value();
  const std::string signature = Signature(
      DeriveSigningKey(ExampleSecret(), FormatAmzDay(when), "us-east-1", "s3"), policy_base64);
  EXPECT_EQ(signature, ReadTestFile("aws/s3-examples/post-policy/signature.txt"));
  EXPECT_EQ(signature, "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e");
}

// ---------------------------------------------------------------------------------------------
// Fine Uploader: how a signature server signs what the client sends (protocol doc 3.5, 4.5)
// ---------------------------------------------------------------------------------------------

std::optional<rapidjson::Document> ParseJson(std::string_view text) {
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  if (doc.HasParseError()) return std::nullopt;
  return doc;
}

std::vector<std::string> Split(std::string_view text, char separator) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t end = text.find(separator, start);
    parts.emplace_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// v4 policy: the day and region come from the x-amz-credential condition; the signed string is
// the base64 of the exact body.
std::string SignFineUploaderV4Policy(std::string_view body) {
  const std::optional<rapidjson::Document> doc = ParseJson(body);
  if (!doc || !doc->IsObject() || !doc->HasMember("conditions")) {
    ADD_FAILURE() << "not a policy: " << body;
    return "";
  }
  std::optional<std::string> credential;
  for (const auto& condition : (*doc)["conditions"].GetArray()) {
    if (condition.IsObject() && condition.HasMember("x-amz-credential")) {
      const auto& value = condition["x-amz-credential"];
      credential = std::string(value.GetString(), value.GetStringLength());
    }
  }
  if (!credential) {
    ADD_FAILURE() << "no x-amz-credential condition: " << body;
    return "";
  }
  // <access key>/<day>/<region>/<service>/aws4_request
  const std::vector<std::string> parts = Split(*credential, '/');
  EXPECT_EQ(parts.size(), 5u) << *credential;
  if (parts.size() != 5) return "";
  EXPECT_EQ(parts[3], "s3");
  EXPECT_EQ(parts[4], "aws4_request");
  return Signature(DeriveSigningKey(ExampleSecret(), parts[1], parts[2], parts[3]),
                   Base64Encode(body));
}

struct V4RestResult {
  std::string canonical_hash;
  std::string string_to_sign;
  std::string signature;
};

// v4 REST: the "headers" value is "AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<canonical request>".
V4RestResult SignFineUploaderV4Rest(std::string_view headers) {
  std::size_t cut[3];
  std::size_t from = 0;
  for (std::size_t& c : cut) {
    c = headers.find('\n', from);
    if (c == std::string_view::npos) {
      ADD_FAILURE() << "fewer than three lines: " << headers;
      return {};
    }
    from = c + 1;
  }
  const std::string_view algorithm = headers.substr(0, cut[0]);
  const std::string_view amz_date = headers.substr(cut[0] + 1, cut[1] - cut[0] - 1);
  const std::string_view scope = headers.substr(cut[1] + 1, cut[2] - cut[1] - 1);
  const std::string_view canonical = headers.substr(cut[2] + 1);
  EXPECT_EQ(algorithm, kSigV4Algorithm);
  EXPECT_TRUE(ParseAmzDate(amz_date).has_value()) << amz_date;
  const std::vector<std::string> scope_parts = Split(scope, '/');
  EXPECT_EQ(scope_parts.size(), 4u) << scope;
  if (scope_parts.size() != 4) return {};
  EXPECT_EQ(CredentialScope(scope_parts[0], scope_parts[1], scope_parts[2]), scope);

  V4RestResult result;
  result.canonical_hash = Sha256Hex(canonical);
  result.string_to_sign = StringToSign(amz_date, scope, result.canonical_hash);
  result.signature =
      Signature(DeriveSigningKey(ExampleSecret(), scope_parts[0], scope_parts[1], scope_parts[2]),
                result.string_to_sign);
  return result;
}

std::string HeadersOf(std::string_view body) {
  const std::optional<rapidjson::Document> doc = ParseJson(body);
  if (!doc || !doc->IsObject() || !doc->HasMember("headers") || !(*doc)["headers"].IsString()) {
    ADD_FAILURE() << "not a REST signature request: " << body;
    return "";
  }
  const auto& value = (*doc)["headers"];
  return std::string(value.GetString(), value.GetStringLength());
}

// Protocol doc 3.3 / 3.5.
TEST(FineUploaderV4Test, PolicyExample) {
  constexpr std::string_view kBody =
      R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"public-read"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"x-amz-storage-class":"REDUCED_REDUNDANCY"},{"x-amz-server-side-encryption":"AES256"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20240501/eu-west-1/s3/aws4_request"},{"x-amz-date":"20240501T120000Z"},{"x-amz-meta-category":"holiday%20photos"},{"Cache-Control":"max-age=3600"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";
  EXPECT_EQ(SignFineUploaderV4Policy(kBody),
            "2aef136a1afbc770687ff6bbf2b45af9b85d94da98afaa3923918fb43f1aea9f");
}

TEST(FineUploaderV4Test, PolicyWithSpaceAndPlusInTheKey) {
  constexpr std::string_view kBody =
      R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"private"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"success_action_status":"200"},{"x-amz-algorithm":"AWS4-HMAC-SHA256"},{"key":"uploads/test file+1.jpg"},{"x-amz-credential":"AKIAIOSFODNN7EXAMPLE/20240501/us-east-1/s3/aws4_request"},{"x-amz-date":"20240501T120000Z"},{"x-amz-meta-qqfilename":"my%20photo%20(1).jpg"},["content-length-range","1","20000000"]]})";
  EXPECT_EQ(SignFineUploaderV4Policy(kBody),
            "1421427d98ce854ceeb97d46c6c48dde29ac7f1251b777eaff395dad240c6dc3");
}

// Protocol doc 4.4 bodies, 4.5 table.
constexpr std::string_view kV4InitiateBody =
    R"({"headers":"AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPOST\n/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\nuploads=\nhost:mybucket.s3.amazonaws.com\nx-amz-acl:public-read\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20240501T120000Z\nx-amz-meta-category:holiday%20photos\nx-amz-meta-qqfilename:my%20photo%20(1).jpg\nx-amz-server-side-encryption:AES256\nx-amz-storage-class:REDUCED_REDUNDANCY\n\nhost;x-amz-acl;x-amz-content-sha256;x-amz-date;x-amz-meta-category;x-amz-meta-qqfilename;x-amz-server-side-encryption;x-amz-storage-class\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})";
constexpr std::string_view kV4Part1Body =
    R"({"headers":"AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPUT\n/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\npartNumber=1&uploadId=UPLOADID123\nhost:mybucket.s3.amazonaws.com\nx-amz-content-sha256:a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c\nx-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\na29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c"})";
constexpr std::string_view kV4CompleteBody =
    R"({"headers":"AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nPOST\n/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\nuploadId=UPLOADID123\nhost:mybucket.s3.amazonaws.com\nx-amz-content-sha256:899ebbf8f39c9d0a0e2fc034c8450f588b188a4c42e99fcb108c0012487ae181\nx-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\n899ebbf8f39c9d0a0e2fc034c8450f588b188a4c42e99fcb108c0012487ae181"})";
constexpr std::string_view kV4AbortBody =
    R"({"headers":"AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\nDELETE\n/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg\nuploadId=UPLOADID123\nhost:mybucket.s3.amazonaws.com\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20240501T120000Z\n\nhost;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"})";

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (std::size_t at = text.find(from); at != std::string::npos;
       at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// "v4 part 2": part 1 with partNumber=2 and a payload of 1 MiB of 'a'.
std::string V4Part2Headers() {
  std::string headers = ReplaceAll(HeadersOf(kV4Part1Body), "partNumber=1", "partNumber=2");
  return ReplaceAll(std::move(headers),
                    "a29968fad2e782aa9f2040a35f05adb97ed8979eb1f572c8c8ea78637e275f3c",
                    Sha256Hex(std::string(1 << 20, 'a')));
}

TEST(FineUploaderV4Test, RestInitiate) {
  const V4RestResult r = SignFineUploaderV4Rest(HeadersOf(kV4InitiateBody));
  EXPECT_EQ(r.canonical_hash, "9838da4cf8018f3afd0ee7b051632118239e4f7b1879d110c0ce0fce96de20aa");
  EXPECT_EQ(r.string_to_sign,
            "AWS4-HMAC-SHA256\n20240501T120000Z\n20240501/eu-west-1/s3/aws4_request\n"
            "9838da4cf8018f3afd0ee7b051632118239e4f7b1879d110c0ce0fce96de20aa");
  EXPECT_EQ(r.signature, "8f5a3d47f4eb67379f110db6674211fc9ddfd8e1288384236de72123627ca5b0");
}

TEST(FineUploaderV4Test, RestPart1) {
  const V4RestResult r = SignFineUploaderV4Rest(HeadersOf(kV4Part1Body));
  EXPECT_EQ(r.canonical_hash, "f43cb207689667486385ae6bd15309b55c504af9032860e0ebdcbf3d605783f1");
  EXPECT_EQ(r.signature, "e530859fdf970c46071cb2df1a48660d0de4f887c3a2398b2acd2230a88923f2");
}

TEST(FineUploaderV4Test, RestPart2) {
  const V4RestResult r = SignFineUploaderV4Rest(V4Part2Headers());
  EXPECT_EQ(r.canonical_hash, "875071248189ec1176126e0a6fc77de08461b81191149372e8c0203fa1266ec1");
  EXPECT_EQ(r.signature, "7372730f9d390935d3d44e466748843c2463bbe16ed008a99a3127568f3bfcec");
}

TEST(FineUploaderV4Test, RestComplete) {
  const V4RestResult r = SignFineUploaderV4Rest(HeadersOf(kV4CompleteBody));
  EXPECT_EQ(r.canonical_hash, "1dd99597a986af3d9bbaa4cb975181213e3f0ab68b82959bdf84aba524600a7a");
  EXPECT_EQ(r.signature, "3ea5a28e1ec452486b7119e3e542c165c4c2450f253847a3671452ffc8a66bb9");
}

TEST(FineUploaderV4Test, RestAbort) {
  const V4RestResult r = SignFineUploaderV4Rest(HeadersOf(kV4AbortBody));
  EXPECT_EQ(r.canonical_hash, "3c0f574d7e9a49b4eafcbe4c48be9969b093f29fc88e0ab7dcb709d35823484b");
  EXPECT_EQ(r.signature, "623e1afca9a2888490b56740b6f5ee2a2e2d0f990a5f8547b5d905c79a6da220");
}

// Protocol doc 4.5 "independent check": AWS's GET-Range example wrapped in Fine Uploader's format.
TEST(FineUploaderV4Test, AwsGetRangeExampleInFineUploaderFormat) {
  const std::string headers =
      "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
      ReadTestFile("aws/s3-examples/get-object-range/canonical-request.txt");
  const V4RestResult r = SignFineUploaderV4Rest(headers);
  EXPECT_EQ(r.canonical_hash, "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(r.string_to_sign, ReadTestFile("aws/s3-examples/get-object-range/string-to-sign.txt"));
  EXPECT_EQ(r.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// The canonical requests Fine Uploader embeds are exactly what the step functions build for the
// same S3 requests (path-style key without the bucket, as the client does).
TEST(FineUploaderV4Test, StepFunctionsBuildTheEmbeddedCanonicalRequests) {
  const std::string path = "/" + UriEncode("a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg", false);
  const std::string initiate = CanonicalRequest(
      "POST", CanonicalUri(path, false, false), CanonicalQueryString({{"uploads", ""}}),
      CanonicalHeaders({
          {"host", "mybucket.s3.amazonaws.com"},
          {"x-amz-acl", "public-read"},
          {"x-amz-content-sha256", std::string(kEmptyPayloadHash)},
          {"x-amz-date", "20240501T120000Z"},
          {"x-amz-meta-category", "holiday%20photos"},
          {"x-amz-meta-qqfilename", "my%20photo%20(1).jpg"},
          {"x-amz-server-side-encryption", "AES256"},
          {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
      }),
      kEmptyPayloadHash);
  const std::string prefix = "AWS4-HMAC-SHA256\n20240501T120000Z\n" +
                             CredentialScope("20240501", "eu-west-1", "s3") + "\n";
  EXPECT_EQ(prefix + initiate, HeadersOf(kV4InitiateBody));

  const std::string part_hash = Sha256Hex(std::string(5 << 20, 'a'));
  const std::string part1 =
      CanonicalRequest("PUT", CanonicalUri(path, false, false),
                       CanonicalQueryString({{"uploadId", "UPLOADID123"}, {"partNumber", "1"}}),
                       CanonicalHeaders({{"x-amz-date", "20240501T120000Z"},
                                         {"x-amz-content-sha256", part_hash},
                                         {"host", "mybucket.s3.amazonaws.com"}}),
                       part_hash);
  EXPECT_EQ(prefix + part1, HeadersOf(kV4Part1Body));
}

// ---------------------------------------------------------------------------------------------
// tests/data/fineuploader/vectors.json: every entry through the step functions.
// ---------------------------------------------------------------------------------------------

struct VectorEntry {
  std::string name;
  std::string kind;
  int version = 0;
  std::string body;
  std::string signature;
  std::optional<std::string> canonical_hash;
};

std::string StringMember(const rapidjson::Value& object, const char* name) {
  if (!object.HasMember(name) || !object[name].IsString()) {
    ADD_FAILURE() << "missing string member " << name;
    return "";
  }
  return std::string(object[name].GetString(), object[name].GetStringLength());
}

std::vector<VectorEntry> LoadVectorFile(std::string_view relative) {
  const std::string text = ReadTestFile(relative);
  const std::optional<rapidjson::Document> doc = ParseJson(text);
  if (!doc || !doc->IsArray()) {
    ADD_FAILURE() << relative << " is not a JSON array";
    return {};
  }
  std::vector<VectorEntry> entries;
  for (const auto& item : doc->GetArray()) {
    if (!item.IsObject()) {
      ADD_FAILURE() << "entry is not an object";
      continue;
    }
    VectorEntry entry;
    entry.name = StringMember(item, "name");
    entry.kind = StringMember(item, "kind");
    entry.version =
        item.HasMember("version") && item["version"].IsInt() ? item["version"].GetInt() : 0;
    entry.body = StringMember(item, "body");
    entry.signature = StringMember(item, "signature");
    if (item.HasMember("canonical_hash"))
      entry.canonical_hash = StringMember(item, "canonical_hash");
    entries.push_back(std::move(entry));
  }
  return entries;
}

constexpr std::string_view kFineUploaderVectorFile = "fineuploader/vectors.json";

TEST(FineUploaderVectorFileTest, EveryEntrySignsAsExpected) {
  const std::vector<VectorEntry> entries = LoadVectorFile(kFineUploaderVectorFile);
  ASSERT_FALSE(entries.empty());
  int policies = 0;
  int rests = 0;
  for (const VectorEntry& e : entries) {
    SCOPED_TRACE(e.name);
    if (e.kind == "policy" && e.version == 2) {
      EXPECT_EQ(SignV2(ExampleSecret(), Base64Encode(e.body)), e.signature);
      EXPECT_FALSE(e.canonical_hash.has_value());
      ++policies;
    } else if (e.kind == "policy" && e.version == 4) {
      EXPECT_EQ(SignFineUploaderV4Policy(e.body), e.signature);
      EXPECT_FALSE(e.canonical_hash.has_value());
      ++policies;
    } else if (e.kind == "rest" && e.version == 2) {
      EXPECT_EQ(SignV2(ExampleSecret(), HeadersOf(e.body)), e.signature);
      EXPECT_FALSE(e.canonical_hash.has_value());
      ++rests;
    } else if (e.kind == "rest" && e.version == 4) {
      const V4RestResult r = SignFineUploaderV4Rest(HeadersOf(e.body));
      ASSERT_TRUE(e.canonical_hash.has_value()) << "v4 rest entries carry canonical_hash";
      EXPECT_EQ(r.canonical_hash, *e.canonical_hash);
      EXPECT_EQ(r.signature, e.signature);
      ++rests;
    } else {
      ADD_FAILURE() << "unknown kind/version: " << e.kind << " v" << e.version;
    }
  }
  EXPECT_GT(policies, 0);
  EXPECT_GT(rests, 0);
}

// The doc's own vectors (the ones this file checks above) must all be in the vector file, with the
// same signatures: the file is a superset of the protocol doc, not a replacement that drifted.
TEST(FineUploaderVectorFileTest, ContainsTheProtocolDocVectors) {
  const std::vector<VectorEntry> entries = LoadVectorFile(kFineUploaderVectorFile);
  auto has_signature = [&entries](std::string_view signature) {
    for (const VectorEntry& e : entries) {
      if (e.signature == signature) return true;
    }
    return false;
  };
  for (const std::string_view signature : {
           "y3jSmdR4yxAbKcDfd+EnbLLDEqQ=",
           "2aef136a1afbc770687ff6bbf2b45af9b85d94da98afaa3923918fb43f1aea9f",
           "T9i7D0gTR/IfeT92WuYK/kcyJdU=",
           "1421427d98ce854ceeb97d46c6c48dde29ac7f1251b777eaff395dad240c6dc3",
           "u2a2LfcGeeIao9mxRSYrOUsVXLs=",
           "eNJuG5gH5bET++AlOZPHiVwARyQ=",
           "6sRWud1pQE4OvmZVNlXpFn0t4mw=",
           "f7chGl2Gzcq2zcSnXXxXMaNtsE4=",
           "Zo/WqCwetb4dguqUhYfKVRucekg=",
           "8f5a3d47f4eb67379f110db6674211fc9ddfd8e1288384236de72123627ca5b0",
           "e530859fdf970c46071cb2df1a48660d0de4f887c3a2398b2acd2230a88923f2",
           "7372730f9d390935d3d44e466748843c2463bbe16ed008a99a3127568f3bfcec",
           "3ea5a28e1ec452486b7119e3e542c165c4c2450f253847a3671452ffc8a66bb9",
           "623e1afca9a2888490b56740b6f5ee2a2e2d0f990a5f8547b5d905c79a6da220",
           "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41",
       }) {
    EXPECT_TRUE(has_signature(signature)) << signature;
  }
}

}  // namespace
}  // namespace s3upload::aws
