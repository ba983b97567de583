// The sign handler end to end (request -> verify -> sign -> response), driven by every Fine
// Uploader vector of the protocol document (tests/data/fineuploader/vectors.json) at the document's
// clock.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "s3upload/handlers.h"
#include "verify/verify_test_support.h"

namespace s3upload::handlers {
namespace {

aws::TimePoint DocumentClock() { return verify::verify_test::Now(); }

// The protocol document's example configuration (its section 0), the rules the verify tests use,
// loosened to accept every body of the document: the placeholder key of the iframe example and the
// "uploads/test file+1.jpg" key need the any-name shape, the iframe body has no Content-Type.
config::Profile DocumentProfile(std::string region) {
  config::Profile profile;
  profile.name = "doc-" + region;
  profile.endpoint = "https://s3.amazonaws.com";
  profile.rules = verify::verify_test::DocRules(std::move(region));
  profile.rules.profile = profile.name;
  profile.rules.key.shapes = {verify::KeyRules::Shape::kUuidWithExtension,
                              verify::KeyRules::Shape::kAnyName};
  profile.rules.require_content_type = false;
  profile.signing_credentials = std::make_shared<const aws::Credentials>(
      std::string(verify::verify_test::kAccessKey),
      aws::SecretKey(std::string(verify::verify_test::kSecret)));
  return profile;
}

struct Vector {
  std::string name, kind, body, signature;
  int version = 0;
};

std::vector<Vector> LoadVectors() {
  std::ifstream in(std::string(S3US_TEST_DATA_DIR) + "/fineuploader/vectors.json");
  std::stringstream text;
  text << in.rdbuf();
  rapidjson::Document doc;
  const std::string json = text.str();
  doc.Parse(json.data(), json.size());
  std::vector<Vector> vectors;
  for (const auto& entry : doc.GetArray()) {
    vectors.push_back({entry["name"].GetString(), entry["kind"].GetString(),
                       entry["body"].GetString(), entry["signature"].GetString(),
                       entry["version"].GetInt()});
  }
  return vectors;
}

class SignHandler : public ::testing::Test {
 protected:
  verify::Caller caller_;  // what the application authenticated
  http::Response Post(const config::Profile& profile, const std::string& body, bool v4) {
    config::Route route;
    route.path = "/s3/signature";
    route.methods = {"POST"};
    route.handler = config::HandlerKind::kSign;
    route.profile = &profile;
    http::Request request;
    request.method = "POST";
    request.path = route.path;
    request.query = v4 ? "v4=true" : "";
    request.body = body;
    return Sign(request, Context{snapshot_, route, caller_, DocumentClock(), 1});
  }

  static std::string LogField(const http::Response& response, std::string_view name) {
    for (const auto& [key, value] : response.log_fields) {
      if (key == name) return value;
    }
    return "";
  }

  config::Snapshot snapshot_;
  const config::Profile eu_ = DocumentProfile("eu-west-1");
  const config::Profile us_ = DocumentProfile("us-east-1");
};

TEST_F(SignHandler, EveryDocumentVectorIsSignedExactlyOrRefusedIfNotAnUpload) {
  const std::vector<Vector> vectors = LoadVectors();
  ASSERT_GE(vectors.size(), 16u);
  for (const Vector& v : vectors) {
    SCOPED_TRACE(v.name);
    const bool v4 = v.version == 4;
    // Which region the vector was made for: the one in its credential scope.
    const bool us_east = v.body.find("/us-east-1/") != std::string::npos;
    const http::Response response = Post(us_east ? us_ : eu_, v.body, v4);
    rapidjson::Document reply;
    reply.Parse(response.body.data(), response.body.size());
    ASSERT_FALSE(reply.HasParseError()) << response.body;

    if (v.name == "rest-v4-aws-get-range-example") {
      // AWS's own GET example: a perfectly signed request that is no upload. Refused.
      EXPECT_EQ(response.status, 500);
      EXPECT_EQ(response.body, R"({"invalid":true})");
      EXPECT_FALSE(LogField(response, "refused").empty());
      continue;
    }
    ASSERT_EQ(response.status, 200) << response.body << " refused=" << LogField(response, "refused")
                                    << " detail=" << LogField(response, "detail");
    if (v.kind == "policy" && v.name != "policy-v4-iframe") {
      // The server's re-serialisation of a Fine Uploader policy is byte-identical to the body.
      EXPECT_EQ(reply["policy"].GetString(), aws::Base64Encode(v.body));
    }
    if (v.name == "policy-v4-iframe") {
      // No content-length-range in the body: the profile's range was added, so the policy (and its
      // signature) differ from the body, and the signature is over the returned policy.
      const std::string policy = aws::Base64Decode(reply["policy"].GetString()).value();
      EXPECT_NE(policy.find(R"(["content-length-range","1","20000000"])"), std::string::npos);
      EXPECT_EQ(reply["signature"].GetString(),
                us_.signing_credentials->SignV4("20240501", "us-east-1", "s3",
                                                reply["policy"].GetString()));
      continue;
    }
    EXPECT_EQ(reply["signature"].GetString(), v.signature);
    EXPECT_EQ(LogField(response, "profile"), us_east ? "doc-us-east-1" : "doc-eu-west-1");
    EXPECT_EQ(LogField(response, "version"), v4 ? "v4" : "v2");
  }
}

TEST_F(SignHandler, ATokensNarrowerLimitsApplyOnTopOfTheProfile) {
  const std::vector<Vector> vectors = LoadVectors();
  const auto find = [&](std::string_view name) {
    for (const Vector& v : vectors) {
      if (v.name == name) return v;
    }
    ADD_FAILURE() << "no vector " << name;
    return Vector{};
  };
  const Vector iframe = find("policy-v4-iframe");
  const Vector simple = find("policy-v4-example");  // image/jpeg, content-length-range 1-20000000

  // Without a range, the narrower one is added (and signed).
  caller_.max_size = 1000;
  http::Response response = Post(us_, iframe.body, true);
  ASSERT_EQ(response.status, 200) << response.body;
  rapidjson::Document reply;
  reply.Parse(response.body.data(), response.body.size());
  const std::string policy = aws::Base64Decode(reply["policy"].GetString()).value();
  EXPECT_NE(policy.find(R"(["content-length-range","1","1000"])"), std::string::npos) << policy;

  // A range the profile allows but the token does not: refused, nothing signed.
  response = Post(eu_, simple.body, true);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, R"({"invalid":true})");
  EXPECT_TRUE(LogField(response, "refused").starts_with("policy."))
      << LogField(response, "refused");

  // Content types: the token's list must admit the policy's type too.
  caller_.max_size.reset();
  caller_.content_types = {"image/png"};
  response = Post(eu_, simple.body, true);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(LogField(response, "refused"), "policy.content-type.not-allowed");
  caller_.content_types = {"image/*"};
  response = Post(eu_, simple.body, true);
  EXPECT_EQ(response.status, 200) << LogField(response, "refused");
  EXPECT_EQ(reply.Parse(response.body.data(), response.body.size())["signature"].GetString(),
            simple.signature);
}

TEST_F(SignHandler, RefusalIsHttp500InvalidAndTheRuleGoesToTheLogOnly) {
  const std::string body =
      R"({"expiration":"2024-05-01T12:05:00.000Z","conditions":[{"acl":"public-read-write"},{"bucket":"mybucket"},{"Content-Type":"image/jpeg"},{"key":"a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41.jpg"},["content-length-range","1","100"]]})";
  const http::Response response = Post(eu_, body, /*v4=*/false);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body, R"({"invalid":true})");
  EXPECT_EQ(response.headers.front().second, "application/json");
  EXPECT_EQ(LogField(response, "refused"), "policy.acl");
  EXPECT_EQ(response.body.find("policy.acl"), std::string::npos);
}

TEST_F(SignHandler, MalformedBodyIs400WithAnEscapedError) {
  for (const std::string body : {"", "{", "[]", "\"<x>\"", "{\"headers\":1}"}) {
    SCOPED_TRACE(body);
    const http::Response response = Post(eu_, body, false);
    rapidjson::Document reply;
    reply.Parse(response.body.data(), response.body.size());
    ASSERT_FALSE(reply.HasParseError()) << response.body;
    if (response.status == 400) {
      EXPECT_TRUE(reply["error"].IsString());
    } else {
      EXPECT_EQ(response.status, 500);  // parsed, but refused by a rule
    }
    EXPECT_EQ(response.body.find('<'), std::string::npos);
  }
}

TEST_F(SignHandler, VersionFourBodyWithoutTheV4FlagIsRefused) {
  for (const Vector& v : LoadVectors()) {
    if (v.version != 4 || v.name == "rest-v4-aws-get-range-example") continue;
    SCOPED_TRACE(v.name);
    const bool us_east = v.body.find("/us-east-1/") != std::string::npos;
    EXPECT_EQ(Post(us_east ? us_ : eu_, v.body, /*v4=*/false).status, 500);
  }
}

TEST_F(SignHandler, ProfileWithoutV2RefusesVersionTwo) {
  config::Profile v4_only = DocumentProfile("eu-west-1");
  v4_only.rules.allow_v2 = false;
  for (const Vector& v : LoadVectors()) {
    if (v.version != 2) continue;
    SCOPED_TRACE(v.name);
    const http::Response response = Post(v4_only, v.body, /*v4=*/false);
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body, R"({"invalid":true})");
  }
}

}  // namespace
}  // namespace s3upload::handlers
