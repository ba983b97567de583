// The params handler end to end (request -> plan -> sign -> reply): the POST and PUT answers in
// the shape Uppy, Shrine and Dropzone setups consume, signatures recomputed independently, and
// refusals that sign nothing.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <regex>
#include <set>

#include "handlers/handler_test_support.h"

namespace s3upload::handlers {
namespace {

using namespace handlers_test;

using verify::verify_test::kSecret;

class ParamsHandler : public ::testing::Test {
 protected:
  void SetUp() override {
    route_.path = "/s3/params";
    route_.methods = {"GET", "POST"};
    route_.handler = config::HandlerKind::kParams;
    route_.profile = &profile_;
    caller_.user = "alice";
  }

  http::Response Call(const std::string& query, const std::string& body = "") {
    http::Request request;
    request.method = body.empty() ? "GET" : "POST";
    request.path = route_.path;
    request.query = query;
    request.body = body;
    if (!body.empty()) request.content_type = "application/json";
    return Params(request, Context{snapshot_, route_, caller_, Now(), 1, &services_});
  }

  static aws::TimePoint Now() { return *aws::ParseAmzDate("20261121T200000Z"); }

  // Every value of the header, joined as a client sees repeated headers.
  static std::string Header(const http::Response& response, std::string_view name) {
    std::string values;
    for (const auto& [n, v] : response.headers) {
      if (n == name) values += (values.empty() ? "" : ", ") + v;
    }
    return values;
  }

  config::Snapshot snapshot_;
  config::Profile profile_ =
      ServerBuiltProfile({"jpg", "png", "pdf"}, {"image/*", "application/pdf"});
  config::Route route_;
  verify::Caller caller_;
  FakeServices services_;
};

const std::regex kUuidKey(
    "uploads/alice/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\\.jpg");

TEST_F(ParamsHandler, PostAnswerInTheFormsOrder) {
  const http::Response response = Call("filename=my%20photo.jpg&type=image%2Fjpeg");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  const auto reply = Json(response);
  EXPECT_EQ(std::string(reply["method"].GetString()), "POST");
  EXPECT_EQ(std::string(reply["url"].GetString()), "https://mybucket.s3.eu-west-1.amazonaws.com/");
  EXPECT_EQ(reply["expires"].GetInt(), 300);
  const std::string key = reply["key"].GetString();
  EXPECT_TRUE(std::regex_match(key, kUuidKey)) << key;

  std::vector<std::string> names;
  for (const auto& member : reply["fields"].GetObject())
    names.emplace_back(member.name.GetString());
  EXPECT_EQ(names,
            (std::vector<std::string>{"key", "Content-Type", "success_action_status",
                                      "x-amz-meta-filename", "x-amz-algorithm", "x-amz-credential",
                                      "x-amz-date", "policy", "x-amz-signature"}));
  const auto& fields = reply["fields"];
  EXPECT_EQ(fields["key"].GetString(), key);
  EXPECT_EQ(std::string(fields["Content-Type"].GetString()), "image/jpeg");
  EXPECT_EQ(std::string(fields["success_action_status"].GetString()), "201");
  EXPECT_EQ(std::string(fields["x-amz-meta-filename"].GetString()), "my%20photo.jpg");
  EXPECT_EQ(std::string(fields["x-amz-credential"].GetString()),
            "AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/s3/aws4_request");
  EXPECT_EQ(std::string(fields["x-amz-date"].GetString()), "20261121T200000Z");

  // The policy holds exactly these fields as exact conditions, and the signature is its SigV4
  // signature (recomputed here step by step).
  const std::string policy = fields["policy"].GetString();
  const std::string expected_policy =
      R"({"expiration": "2026-11-21T20:05:00Z", "conditions": [{"Content-Type": "image/jpeg"}, )"
      R"({"success_action_status": "201"}, {"x-amz-meta-filename": "my%20photo.jpg"}, )"
      R"(["content-length-range", 1, 1000], {"bucket": "mybucket"}, {"key": ")" +
      key +
      R"("}, {"x-amz-algorithm": "AWS4-HMAC-SHA256"}, {"x-amz-credential": )"
      R"("AKIAIOSFODNN7EXAMPLE/20261121/eu-west-1/s3/aws4_request"}, {"x-amz-date": )"
      R"("20261121T200000Z"}]})";
  EXPECT_EQ(aws::Base64Decode(policy).value(), expected_policy);
  EXPECT_EQ(std::string(fields["x-amz-signature"].GetString()),
            aws::Signature(aws::DeriveSigningKey(aws::SecretKey(std::string(kSecret)), "20261121",
                                                 "eu-west-1", "s3"),
                           policy));

  EXPECT_EQ(LogField(response, "profile"), "photos");
  EXPECT_EQ(LogField(response, "signed"), "params-post");
  EXPECT_EQ(LogField(response, "key"), key);
  EXPECT_TRUE(services_.store.calls.empty());  // no S3 call
}

TEST_F(ParamsHandler, EveryUploadGetsItsOwnKey) {
  std::set<std::string> keys;
  for (int i = 0; i < 50; ++i) {
    const http::Response response = Call("filename=a.jpg");
    ASSERT_EQ(response.status, 200) << response.body;
    keys.insert(Json(response)["key"].GetString());
  }
  EXPECT_EQ(keys.size(), 50u);
}

TEST_F(ParamsHandler, JsonBodyAndRedirect) {
  profile_.params->success_action_redirects = {"https://app.example.com/uploaded"};
  profile_.params->exact_size = true;
  const http::Response response = Call("", R"({"name": "scan.pdf", "size": 321})");
  ASSERT_EQ(response.status, 200) << response.body;
  const auto reply = Json(response);
  const auto& fields = reply["fields"];
  EXPECT_EQ(std::string(fields["Content-Type"].GetString()), "application/pdf");
  EXPECT_EQ(std::string(fields["success_action_redirect"].GetString()),
            "https://app.example.com/uploaded");
  EXPECT_FALSE(fields.HasMember("success_action_status"));
  const std::string policy = *aws::Base64Decode(fields["policy"].GetString());
  EXPECT_NE(policy.find(R"(["content-length-range", 321, 321])"), std::string::npos) << policy;
}

TEST_F(ParamsHandler, PresignedPutBindsLengthTypeAndName) {
  profile_.params->method = config::ParamsSettings::Method::kPut;
  profile_.params->expires = std::chrono::seconds(120);
  const http::Response response = Call("filename=a%20b.png&type=image%2Fpng&size=42");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  const auto reply = Json(response);
  EXPECT_EQ(std::string(reply["method"].GetString()), "PUT");
  EXPECT_EQ(reply["expires"].GetInt(), 120);
  EXPECT_TRUE(reply["fields"].IsObject() && reply["fields"].ObjectEmpty());
  const std::string key = reply["key"].GetString();
  const auto& headers = reply["headers"];
  EXPECT_EQ(headers.MemberCount(), 2u);
  EXPECT_EQ(std::string(headers["Content-Type"].GetString()), "image/png");
  EXPECT_EQ(std::string(headers["x-amz-meta-filename"].GetString()), "a%20b.png");

  // The URL, rebuilt with the aws/ steps: Content-Length, Content-Type, Host and the name signed.
  const std::string host = "mybucket.s3.eu-west-1.amazonaws.com";
  const aws::CanonicalHeaderBlock canonical =
      aws::CanonicalHeaders({{"Host", host},
                             {"Content-Type", "image/png"},
                             {"Content-Length", "42"},
                             {"X-Amz-Meta-Filename", "a%20b.png"}});
  EXPECT_EQ(canonical.signed_headers, "content-length;content-type;host;x-amz-meta-filename");
  const std::string scope = "20261121/eu-west-1/s3/aws4_request";
  const std::string query = aws::CanonicalQueryString(
      aws::PresignQueryParams("AKIAIOSFODNN7EXAMPLE", scope, "20261121T200000Z",
                              std::chrono::seconds(120), canonical.signed_headers, ""));
  const std::string canonical_request = aws::CanonicalRequest(
      "PUT", "/" + aws::UriEncode(key, false), query, canonical, aws::kUnsignedPayload);
  const std::string signature = aws::Signature(
      aws::DeriveSigningKey(aws::SecretKey(std::string(kSecret)), "20261121", "eu-west-1", "s3"),
      aws::StringToSign("20261121T200000Z", scope, aws::Sha256Hex(canonical_request)));
  EXPECT_EQ(std::string(reply["url"].GetString()),
            "https://" + host + "/" + key + "?" + query + "&X-Amz-Signature=" + signature);
  EXPECT_EQ(LogField(response, "signed"), "params-put");

  // Without a size nothing can be bound: refused.
  const http::Response unsized = Call("filename=a.png&type=image%2Fpng");
  EXPECT_EQ(unsized.status, 400);
  EXPECT_EQ(LogField(unsized, "refused"), "params.size.missing");
}

TEST_F(ParamsHandler, RefusalsSignNothingAndSayWhyInUppysShape) {
  struct Case {
    std::string query;
    int status;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {"", 400, "params.name.missing"},
      {"filename=a.jpg&key=other", 400, "params.field.unknown"},
      {"filename=a.jpg&size=5000", 403, "params.size.too-large"},
      {"filename=a.jpg&type=text%2Fhtml", 403, "params.content-type.not-allowed"},
      {"filename=a.exe", 403, "params.content-type.unknown"},
      {"filename=a%0a.jpg", 400, "params.name.control"},
      {"filename=a.jpg&success_action_redirect=https%3A%2F%2Fevil.example%2F", 403,
       "params.redirect.not-allowed"},
  };
  for (const Case& c : cases) {
    const http::Response response = Call(c.query);
    EXPECT_EQ(response.status, c.status) << c.query << " " << response.body;
    EXPECT_EQ(LogField(response, "refused"), c.rule) << c.query;
    EXPECT_EQ(LogField(response, "profile"), "photos");
    const auto reply = Json(response);
    ASSERT_TRUE(reply.IsObject());
    EXPECT_TRUE(reply.HasMember("message")) << response.body;
    EXPECT_EQ(std::string(reply["message"].GetString()), reply["error"].GetString());
    EXPECT_FALSE(reply.HasMember("fields")) << response.body;
    EXPECT_EQ(response.body.find("policy"), std::string::npos) << response.body;
    EXPECT_EQ(Header(response, "Cache-Control"), "no-store");
  }
  caller_.user.clear();
  const http::Response anonymous = Call("filename=a.jpg");
  EXPECT_EQ(anonymous.status, 403);
  EXPECT_EQ(LogField(anonymous, "refused"), "key.user");
}

TEST_F(ParamsHandler, PathStyleUrl) {
  profile_.rules.addressing = verify::Addressing::kPathStyle;
  profile_.endpoint = "http://127.0.0.1:7480";
  const http::Response response = Call("filename=a.jpg");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(std::string(Json(response)["url"].GetString()), "http://127.0.0.1:7480/mybucket/");
}

}  // namespace
}  // namespace s3upload::handlers
