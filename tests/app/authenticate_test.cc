// Tests for src/app/authenticate.cc: a route's origins and auth turned into a Caller or a refusal,
// with tokens minted here (HS256) and checked by the real TokenVerifier.
#include "app/authenticate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "auth/test_support.h"

namespace s3upload::app {
namespace {

using auth::auth_test::MintHs256;

constexpr std::string_view kSecret = "0123456789abcdef0123456789abcdef";
constexpr std::int64_t kNow = 1'800'000'000;
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";

aws::TimePoint Now() { return aws::TimePoint(std::chrono::seconds(kNow)); }

std::string Payload(std::string_view extra = "", std::int64_t exp = kNow + 300,
                    std::string_view aud = "uploads") {
  return R"({"sub":"bob","aud":")" + std::string(aud) + R"(","iat":)" + std::to_string(kNow) +
         R"(,"exp":)" + std::to_string(exp) + std::string(extra) + "}";
}

std::string LogField(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.log_fields) {
    if (key == name) return value;
  }
  return "";
}

std::string Header(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

class AuthenticateTest : public ::testing::Test {
 protected:
  AuthenticateTest()
      : verifier_(auth::TokenVerifier::Hs256(std::string(kSecret), Rules()).value()) {
    route_.path = "/s3/signature";
    route_.handler = config::HandlerKind::kSign;
  }

  static auth::TokenRules Rules() {
    auth::TokenRules rules;
    rules.audiences = {"uploads"};
    return rules;
  }

  void UseToken() {
    route_.auth.kind = config::RouteAuth::Kind::kToken;
    route_.auth.authenticator = "app";
    route_.auth.verifier = &verifier_;
  }

  std::variant<verify::Caller, http::Response> Run(std::string authorization = "",
                                                   std::string remote_user = "",
                                                   std::string origin = "") {
    http::Request request;
    request.method = "POST";
    request.path = route_.path;
    request.remote_user = std::move(remote_user);
    if (!authorization.empty()) request.headers.Add("authorization", authorization);
    if (!origin.empty()) request.headers.Add("origin", origin);
    return Authenticate(request, route_, Now());
  }

  auth::TokenVerifier verifier_;
  config::Route route_;
};

TEST_F(AuthenticateTest, RemoteUserIsTheDefaultAndRequired) {
  auto missing = Run();
  ASSERT_TRUE(std::holds_alternative<http::Response>(missing));
  const auto& response = std::get<http::Response>(missing);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.body, R"({"error":"authentication required",)"
                           R"("message":"authentication required","preventRetry":true})");
  EXPECT_EQ(LogField(response, "refused"), "auth.remote-user.missing");

  auto alice = Run("", "alice");
  ASSERT_TRUE(std::holds_alternative<verify::Caller>(alice));
  EXPECT_EQ(std::get<verify::Caller>(alice).user, "alice");
  EXPECT_FALSE(std::get<verify::Caller>(alice).narrows());
}

TEST_F(AuthenticateTest, NoneTakesRemoteUserWhenThereIsOne) {
  route_.auth.kind = config::RouteAuth::Kind::kNone;
  EXPECT_EQ(std::get<verify::Caller>(Run()).user, "");
  EXPECT_EQ(std::get<verify::Caller>(Run("", "carol")).user, "carol");
}

TEST_F(AuthenticateTest, AValidTokenGivesItsSubjectAndNarrowing) {
  UseToken();
  const std::string token = MintHs256(
      kHeader, Payload(R"(,"s3u":{"max_size":1000,"content_types":["image/png"]})"), kSecret);
  auto result = Run("Bearer " + token, "mallory");  // REMOTE_USER is ignored on token routes
  ASSERT_TRUE(std::holds_alternative<verify::Caller>(result))
      << LogField(std::get<http::Response>(result), "detail");
  const auto& caller = std::get<verify::Caller>(result);
  EXPECT_EQ(caller.user, "bob");
  EXPECT_EQ(caller.max_size, 1000u);
  EXPECT_EQ(caller.content_types, std::vector<std::string>{"image/png"});
}

TEST_F(AuthenticateTest, EveryBadTokenIs401WithTheReasonInTheLogOnly) {
  UseToken();
  struct Case {
    std::string name, authorization, detail;
  };
  const std::string payload = Payload();
  const std::string good = MintHs256(kHeader, payload, kSecret);
  const std::vector<Case> cases = {
      {"expired", "Bearer " + MintHs256(kHeader, Payload("", kNow - 60), kSecret), "token expired"},
      {"not yet valid",
       "Bearer " + MintHs256(kHeader, Payload(R"(,"nbf":)" + std::to_string(kNow + 120)), kSecret),
       "token not yet valid"},
      {"wrong audience", "Bearer " + MintHs256(kHeader, Payload("", kNow + 300, "other"), kSecret),
       "wrong audience"},
      {"wrong signature",
       "Bearer " + MintHs256(kHeader, payload, "another-secret-of-at-least-32-bytes!"),
       "bad signature"},
      {"alg none",
       "Bearer " + auth::auth_test::B64(R"({"alg":"none","typ":"JWT"})") + "." +
           auth::auth_test::B64(payload) + ".",
       "algorithm not allowed"},
      {"not bearer", "Basic " + auth::auth_test::B64("bob:secret"), "not \"Bearer <token>\""},
      {"garbage", "Bearer not.a.token", "malformed token"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = Run(c.authorization);
    ASSERT_TRUE(std::holds_alternative<http::Response>(result));
    const auto& response = std::get<http::Response>(result);
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(response.body, R"({"error":"authentication required",)"
                             R"("message":"authentication required","preventRetry":true})");
    EXPECT_EQ(LogField(response, "refused"), "auth.token.invalid");
    EXPECT_NE(LogField(response, "detail").find(c.detail), std::string::npos)
        << LogField(response, "detail");
    EXPECT_EQ(Header(response, "WWW-Authenticate"),
              R"(Bearer realm="s3-upload-signer", error="invalid_token")");
    // Neither the token nor any part of it is logged.
    for (const auto& [key, value] : response.log_fields) {
      EXPECT_EQ(value.find(good.substr(0, 20)), std::string::npos) << key;
    }
  }
  ASSERT_TRUE(std::holds_alternative<verify::Caller>(Run("Bearer " + good)));
}

TEST_F(AuthenticateTest, AMissingTokenGetsTheBareChallenge) {
  UseToken();
  auto result = Run("", "alice");
  ASSERT_TRUE(std::holds_alternative<http::Response>(result));
  const auto& response = std::get<http::Response>(result);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(LogField(response, "refused"), "auth.token.missing");
  EXPECT_EQ(Header(response, "WWW-Authenticate"), R"(Bearer realm="s3-upload-signer")");
}

TEST_F(AuthenticateTest, OriginsRefuseOtherOriginsBeforeAuthentication) {
  route_.origins = {"https://app.example.com"};
  auto other = Run("", "alice", "https://evil.example.com");
  ASSERT_TRUE(std::holds_alternative<http::Response>(other));
  EXPECT_EQ(std::get<http::Response>(other).status, 403);
  EXPECT_EQ(LogField(std::get<http::Response>(other), "refused"), "auth.origin");
  // Exact comparison: no prefix, suffix or case games.
  for (const char* near : {"https://app.example.com.evil.com", "https://APP.example.com",
                           "http://app.example.com", "https://app.example.com:443"}) {
    EXPECT_TRUE(std::holds_alternative<http::Response>(Run("", "alice", near))) << near;
  }
  EXPECT_TRUE(std::holds_alternative<verify::Caller>(Run("", "alice", "https://app.example.com")));
  EXPECT_TRUE(
      std::holds_alternative<verify::Caller>(Run("", "alice")));  // no Origin: not a CORS call
  // An allowed origin does not replace authentication.
  EXPECT_TRUE(std::holds_alternative<http::Response>(Run("", "", "https://app.example.com")));
}

}  // namespace
}  // namespace s3upload::app
