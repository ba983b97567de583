// Dispatch (413, 404, 405 + Allow, handlers) and reload (atomic swap; a broken file keeps the old
// snapshot) of the application, from a real configuration file.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "s3upload/app.h"

namespace s3upload::app {
namespace {

namespace fs = std::filesystem;

constexpr const char* kConfig = R"(server:
  max_body_size: 1KiB
credentials:
  signing:
    access_key_id: AKIAIOSFODNN7EXAMPLE
    secret_file: signing.secret
profiles:
  photos:
    credentials: signing
    bucket: mybucket
    region: eu-west-1
    content_types: ["image/*"]
    size: {max: 20MB}
routes:
  - path: /s3/signature
    methods: [POST]
    handler: sign
    profile: photos
  - path: /s3/success
    method: POST
    handler: success
    profile: photos
  - path: /s3/delete/*
    methods: [DELETE, POST]
    handler: delete
    profile: photos
  - path: /health
    methods: [GET, HEAD]
    handler: health
  - path: /metrics
    methods: [GET]
    handler: metrics
)";

std::string LogField(const http::Response& response, std::string_view name) {
  for (const auto& [key, value] : response.log_fields) {
    if (key == name) return value;
  }
  return "";
}

class ApplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("s3us-app-test-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    WriteFile("signing.secret", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n");
    ::chmod((dir_ / "signing.secret").c_str(), 0600);
    WriteFile("config.yaml", kConfig);
    auto created = Application::Create((dir_ / "config.yaml").string());
    ASSERT_TRUE(created.ok()) << created.status().message();
    app_ = std::move(*created);
  }
  void TearDown() override { fs::remove_all(dir_); }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::trunc) << text;
  }

  // As a user the web server authenticated (the routes' default auth is remote_user).
  http::Response Call(std::string method, std::string path, std::string body = "",
                      std::string remote_user = "alice") {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.body = std::move(body);
    request.remote_user = std::move(remote_user);
    return app_->Handle(request);
  }

  fs::path dir_;
  std::unique_ptr<Application> app_;
};

TEST_F(ApplicationTest, HealthAnswersWithVersionAndGeneration) {
  const http::Response response = Call("GET", "/health");
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find(R"("status":"ok")"), std::string::npos);
  EXPECT_NE(response.body.find(R"("generation":1)"), std::string::npos);
  EXPECT_EQ(Call("HEAD", "/health").status, 200);
}

TEST_F(ApplicationTest, UnknownPathIs404Json) {
  const http::Response response = Call("GET", "/nope<script>");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"error":"not found"})");
  EXPECT_EQ(response.headers.front().second, "application/json");
}

TEST_F(ApplicationTest, WrongMethodIs405WithAllow) {
  const http::Response response = Call("GET", "/s3/signature");
  EXPECT_EQ(response.status, 405);
  ASSERT_GE(response.headers.size(), 3u);
  EXPECT_EQ(response.headers.back(), (std::pair<std::string, std::string>("Allow", "POST")));
  const http::Response on_delete = Call("PUT", "/s3/delete/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41");
  EXPECT_EQ(on_delete.status, 405);
  EXPECT_EQ(on_delete.headers.back().second, "DELETE, POST");
}

TEST_F(ApplicationTest, OversizedBodyIs413BeforeAnythingElse) {
  http::Request request;
  request.method = "POST";
  request.path = "/s3/signature";
  request.body_too_large = true;
  const http::Response response = app_->Handle(request);
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, R"json({"error":"request body too large (limit 1024 bytes)"})json");
  EXPECT_EQ(LogField(response, "refused"), "request.body.too-large");
  EXPECT_EQ(app_->MaxBodyBytes(), 1024u);
}

// Over the FastCGI limits: 431 before origins and auth on every route (the remote user, a token
// or none would not matter), while an unknown path or a wrong method keeps its 404 or 405.
TEST_F(ApplicationTest, ParamsOverTheFastCgiLimitsAre431BeforeAuthButAfterRouting) {
  auto over_limits = [](std::string method, std::string path, std::string remote_user) {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.remote_user = std::move(remote_user);
    request.headers.Add("origin", "https://elsewhere.example");
    request.params_refused =
        http::Request::LimitBreach{"fcgi.params.count", "more than 256 params"};
    return request;
  };
  for (const std::string user : {"alice", ""}) {
    const http::Response response = app_->Handle(over_limits("POST", "/s3/signature", user));
    EXPECT_EQ(response.status, 431);
    EXPECT_EQ(response.body, R"({"error":"request header fields too large",)"
                             R"("message":"request header fields too large","preventRetry":true})");
    EXPECT_EQ(LogField(response, "refused"), "fcgi.params.count");
    EXPECT_EQ(LogField(response, "detail"), "more than 256 params");
    EXPECT_EQ(LogField(response, "profile"), "photos");
    EXPECT_EQ(std::count_if(response.headers.begin(), response.headers.end(),
                            [](const auto& h) { return h.first == "Content-Type"; }),
              1);
  }
  EXPECT_EQ(app_->Handle(over_limits("GET", "/health", "")).status, 431);
  EXPECT_EQ(app_->Handle(over_limits("POST", "/nope", "alice")).status, 404);
  EXPECT_EQ(app_->Handle(over_limits("GET", "/s3/signature", "alice")).status, 405);
}

TEST_F(ApplicationTest, SignRouteReachesTheSignHandler) {
  const http::Response response = Call("POST", "/s3/signature", "{not json");
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("\"error\""), std::string::npos);
}

TEST_F(ApplicationTest, WithoutAnAuthenticatedUserEveryActingRouteIs401AndSignsNothing) {
  for (const auto& [method, path] :
       {std::pair{"POST", "/s3/signature"}, std::pair{"POST", "/s3/success"},
        std::pair{"DELETE", "/s3/delete/x"}}) {
    SCOPED_TRACE(path);
    const http::Response response = Call(method, path, "{}", "");
    EXPECT_EQ(response.status, 401);
    EXPECT_EQ(response.body, R"({"error":"authentication required",)"
                             R"("message":"authentication required","preventRetry":true})");
    EXPECT_EQ(response.body.find("signature\":"), std::string::npos);
  }
  EXPECT_EQ(Call("GET", "/health", "", "").status, 200);  // health takes no auth
  EXPECT_EQ(app_->metrics().CounterValue("refusals_total", {"auth.remote-user.missing"}), 3u);
}

TEST_F(ApplicationTest, SuccessAndDeleteReachTheirHandlers) {
  // Both refuse a request that names no object, before any storage call.
  const http::Response success = Call("POST", "/s3/success", "uuid=x");
  EXPECT_EQ(success.status, 400);
  EXPECT_NE(success.body.find("\"preventRetry\":true"), std::string::npos);
  EXPECT_EQ(Call("DELETE", "/s3/delete/a5d3c3c2-5b1e-4c43-9f1e-2d0c8a7b6e41").status, 400);
}

TEST_F(ApplicationTest, OutboundCapDefaultsToEight) { EXPECT_EQ(app_->max_outbound_calls(), 8); }

TEST_F(ApplicationTest, ReloadSwapsTheSnapshotAndKeepsTheOldOneOnErrors) {
  const auto first = app_->snapshot();
  WriteFile("config.yaml",
            std::string(kConfig) + "  - path: /other\n    methods: [GET]\n    handler: health\n");
  EXPECT_TRUE(app_->Reload());
  EXPECT_EQ(app_->generation(), 2u);
  EXPECT_EQ(Call("GET", "/other").status, 200);
  EXPECT_NE(app_->snapshot(), first);
  // A request that started on the first snapshot still holds it.
  EXPECT_EQ(first->routes.size(), 5u);

  WriteFile("config.yaml", "routes: [\n");  // broken
  EXPECT_FALSE(app_->Reload());
  EXPECT_EQ(app_->generation(), 2u);
  EXPECT_EQ(Call("GET", "/other").status, 200);
  EXPECT_NE(Call("GET", "/health").body.find(R"("generation":2)"), std::string::npos);
}

TEST_F(ApplicationTest, MetricsCountRequestsRefusalsAndReloads) {
  Call("POST", "/s3/signature", "{not json");  // refused: request.json
  Call("POST", "/s3/signature",
       R"({"expiration":"2000-01-01T00:00:00.000Z","conditions":[{"bucket":"mybucket"}]})");
  Call("GET", "/nope");
  WriteFile("config.yaml", "routes: [\n");
  EXPECT_FALSE(app_->Reload());
  const http::Response response = Call("GET", "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.headers.front().second, "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = response.body;
  EXPECT_NE(text.find(R"(s3_upload_signer_requests_total{route="/s3/signature",status="400"} 1)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find(R"(s3_upload_signer_requests_total{route="/s3/signature",status="500"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(s3_upload_signer_requests_total{route="none",status="404"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(s3_upload_signer_refusals_total{rule="request.json"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find(R"(s3_upload_signer_config_reloads_total{result="failure"} 1)"),
            std::string::npos);
  EXPECT_NE(text.find("s3_upload_signer_requests_in_flight 1\n"), std::string::npos);  // itself
  // The profile signs v4 only, and this request does not ask for v4.
  EXPECT_EQ(app_->metrics().CounterValue("refusals_total", {"version.not-allowed"}), 1u);
}

TEST_F(ApplicationTest, HealthIs503WhileNothingCanBeSigned) {
  WriteFile("config.yaml", "routes:\n  - {path: /health, methods: [GET], handler: health}\n");
  ASSERT_TRUE(app_->Reload());
  const http::Response response = Call("GET", "/health");
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find(R"("status":"unconfigured")"), std::string::npos);
  EXPECT_NE(response.body.find(R"("reason":"no profile is configured)"), std::string::npos);
}

}  // namespace
}  // namespace s3upload::app
