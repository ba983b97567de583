// The success handler with a fake store and notifier: what is refused without any S3 call, what the
// object itself must satisfy, and the reply with webhook members merged in.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include "handlers/handler_test_support.h"

namespace s3upload::handlers {
namespace {

using namespace handlers_test;

class SuccessHandler : public ::testing::Test {
 protected:
  void SetUp() override {
    route_.path = "/s3/success";
    route_.methods = {"POST"};
    route_.handler = config::HandlerKind::kSuccess;
    route_.profile = &profile_;
    services_.store.objects[AliceKey()] =
        s3::ObjectHead{500, "\"d41d8cd98f00b204e9800998ecf8427e\"", "image/jpeg"};
  }

  http::Response Post(const std::string& body, const std::string& user = "alice") {
    http::Request request;
    request.method = "POST";
    request.path = route_.path;
    request.content_type = "application/x-www-form-urlencoded";
    request.remote_user = user;
    request.body = body;
    return Success(request, Context{snapshot_, route_, caller_or(user), verify::verify_test::Now(),
                                    1, &services_});
  }

  static std::string Body(const std::string& key, const std::string& bucket = "mybucket",
                          const std::string& extra = "") {
    return "extra=x1&key=" + aws::UriEncode(key, true) + "&uuid=" + std::string(kUuid) +
           "&name=my+photo.jpg&bucket=" + bucket + extra;
  }

  // The caller the application authenticated, with what a token may narrow.
  verify::Caller caller_or(const std::string& user) const {
    verify::Caller caller = narrowing_;
    caller.user = user;
    return caller;
  }

  config::Snapshot snapshot_;
  config::Profile profile_ = UserProfile();
  config::Route route_;
  FakeServices services_;
  verify::Caller narrowing_;
};

TEST_F(SuccessHandler, ConfirmsAnObjectThatKeepsTheRules) {
  const http::Response response =
      Post(Body(AliceKey(), "mybucket", "&etag=%22d41d8cd98f00b204e9800998ecf8427e%22"));
  EXPECT_EQ(response.status, 200) << response.body;
  const auto reply = Json(response);
  EXPECT_TRUE(reply["success"].GetBool());
  EXPECT_EQ(reply["key"].GetString(), AliceKey());
  EXPECT_EQ(reply["bucket"].GetString(), std::string("mybucket"));
  EXPECT_EQ(reply["size"].GetInt(), 500);
  EXPECT_FALSE(reply.HasMember("url"));
  EXPECT_EQ(services_.store.calls, std::vector<std::string>{"HEAD " + AliceKey()});
  EXPECT_EQ(LogField(response, "profile"), "photos");
}

TEST_F(SuccessHandler, RefusesOtherBucketsKeysAndUuidsWithoutAnyStorageCall) {
  struct Case {
    std::string body, user, rule;
  };
  const std::vector<Case> cases = {
      {Body(AliceKey(), "otherbucket"), "alice", "success.bucket"},
      {Body("uploads/bob/" + std::string(kUuid) + ".jpg"), "alice", "key.prefix"},
      {Body(AliceKey()), "", "key.user"},
      {Body("uploads/alice/../bob/x.jpg"), "alice", "key.dot-segment"},
      {"key=" + aws::UriEncode(AliceKey(), true) +
           "&uuid=00000000-0000-4000-8000-000000000000&bucket=mybucket",
       "alice", "success.uuid"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    const http::Response response = Post(c.body, c.user);
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(LogField(response, "refused"), c.rule);
    const auto reply = Json(response);
    EXPECT_TRUE(reply["preventRetry"].GetBool());
  }
  EXPECT_TRUE(services_.store.calls.empty());
}

TEST_F(SuccessHandler, MalformedOrAmbiguousRequestsAre400) {
  for (const std::string& body :
       std::vector<std::string>{"key=%zz", "bucket=mybucket", "key=a", "",
                                Body(AliceKey()) + "&key=uploads%2Falice%2Fx.jpg"}) {
    SCOPED_TRACE(body);
    EXPECT_EQ(Post(body).status, 400);
  }
  EXPECT_TRUE(services_.store.calls.empty());
}

TEST_F(SuccessHandler, MissingObjectIs404) {
  services_.store.objects.clear();
  const http::Response response = Post(Body(AliceKey()));
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(Json(response)["preventRetry"].GetBool());
}

TEST_F(SuccessHandler, ObjectBreakingARuleIsDeletedAndRefused) {
  struct Case {
    s3::ObjectHead head;
    std::string extra, rule;
  };
  const std::vector<Case> cases = {
      {{5000, "\"abc\"", "image/jpeg"}, "", "success.size"},
      {{0, "\"abc\"", "image/jpeg"}, "", "success.size"},
      {{500, "\"abc\"", "text/html"}, "", "success.content-type"},
      {{500, "\"abc\"", ""}, "", "success.content-type"},
      {{500, "\"abc\"", "image/jpeg"}, "&etag=%22def%22", "success.etag"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule);
    services_.store.calls.clear();
    services_.store.objects[AliceKey()] = c.head;
    const http::Response response = Post(Body(AliceKey(), "mybucket", c.extra));
    EXPECT_EQ(response.status, 422);
    const auto reply = Json(response);
    EXPECT_TRUE(reply["error"].IsString());
    EXPECT_TRUE(reply["preventRetry"].GetBool());
    EXPECT_EQ(LogField(response, "refused"), c.rule);
    EXPECT_EQ(services_.store.calls,
              (std::vector<std::string>{"HEAD " + AliceKey(), "DELETE " + AliceKey()}));
    EXPECT_FALSE(services_.store.objects.contains(AliceKey()));
  }
}

TEST_F(SuccessHandler, ATokensNarrowerLimitsApplyOnTopOfTheProfile) {
  struct Case {
    std::optional<std::uint64_t> max_size;
    std::vector<std::string> content_types;
    s3::ObjectHead head;
    int status;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {400, {}, {500, "\"abc\"", "image/jpeg"}, 422, "success.size"},
      {500, {}, {500, "\"abc\"", "image/jpeg"}, 200, ""},
      {std::nullopt, {"image/png"}, {500, "\"abc\"", "image/jpeg"}, 422, "success.content-type"},
      {std::nullopt, {"image/jpeg"}, {500, "\"abc\"", "image/jpeg"}, 200, ""},
      // A token can never widen the profile: text/html stays refused.
      {std::nullopt, {"text/html"}, {500, "\"abc\"", "text/html"}, 422, "success.content-type"},
      {1 << 20, {}, {5000, "\"abc\"", "image/jpeg"}, 422, "success.size"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.rule + " " + c.head.content_type + " " + std::to_string(c.head.size));
    narrowing_.max_size = c.max_size;
    narrowing_.content_types = c.content_types;
    services_.store.objects[AliceKey()] = c.head;
    const http::Response response = Post(Body(AliceKey(), "mybucket", ""));
    EXPECT_EQ(response.status, c.status) << response.body;
    EXPECT_EQ(LogField(response, "refused"), c.rule);
  }
}

TEST_F(SuccessHandler, DeleteInvalidCanBeTurnedOff) {
  profile_.success.delete_invalid = false;
  services_.store.objects[AliceKey()] = {5000, "\"abc\"", "image/jpeg"};
  EXPECT_EQ(Post(Body(AliceKey())).status, 422);
  EXPECT_EQ(services_.store.calls, std::vector<std::string>{"HEAD " + AliceKey()});
}

TEST_F(SuccessHandler, MultipartEtagIsNotComparedWhenTheClientSendsNone) {
  services_.store.objects[AliceKey()] = {500, "\"9b2cf535f27731c974343645a3985328-3\"",
                                         "image/png"};
  EXPECT_EQ(Post(Body(AliceKey())).status, 200);
}

TEST_F(SuccessHandler, StorageFailuresAre502Or503WithoutPreventRetry) {
  services_.store.failure = s3::Error{s3::Error::Kind::kUnavailable, 0, "connection refused"};
  http::Response response = Post(Body(AliceKey()));
  EXPECT_EQ(response.status, 502);
  EXPECT_FALSE(Json(response).HasMember("preventRetry"));
  EXPECT_EQ(LogField(response, "s3_error"), "unavailable");
  services_.store.failure = s3::Error{s3::Error::Kind::kBusy, 0, "busy"};
  EXPECT_EQ(Post(Body(AliceKey())).status, 503);
  services_.store.failure = s3::Error{s3::Error::Kind::kDenied, 403, "AccessDenied"};
  response = Post(Body(AliceKey()));
  EXPECT_EQ(response.status, 502);
  EXPECT_EQ(LogField(response, "s3_status"), "403");
}

TEST_F(SuccessHandler, PresignedUrlAndThumbnails) {
  profile_.success.presigned_get = std::chrono::seconds(900);
  profile_.success.thumbnail = config::SuccessSettings::Thumbnail::kPresigned;
  auto reply = Json(Post(Body(AliceKey())));
  const std::string expected_url = "https://presigned.example/" + AliceKey() + "?expires=900";
  EXPECT_EQ(reply["url"].GetString(), expected_url);
  EXPECT_EQ(reply["thumbnailUrl"].GetString(), expected_url);

  profile_.success.thumbnail = config::SuccessSettings::Thumbnail::kTemplate;
  profile_.success.thumbnail_template = "https://cdn.example/{bucket}/{key}?id={uuid}&w=200";
  const std::string spaced = "uploads/alice/" + std::string(kUuid) + ".jpg";
  reply = Json(Post(Body(spaced)));
  EXPECT_EQ(reply["thumbnailUrl"].GetString(),
            "https://cdn.example/mybucket/" + spaced + "?id=" + std::string(kUuid) + "&w=200");

  // Not an image: no thumbnail.
  services_.store.objects[AliceKey("pdf")] = {10, "\"x\"", "application/pdf"};
  profile_.rules.content_types = {"image/*", "application/pdf"};
  profile_.rules.key.extensions = {};
  reply = Json(Post(Body(AliceKey("pdf"))));
  EXPECT_TRUE(reply["success"].GetBool());
  EXPECT_FALSE(reply.HasMember("thumbnailUrl"));
}

TEST_F(SuccessHandler, WebhookGetsTheEventAndItsAnswerIsMergedIn) {
  config::WebhookSettings webhook;
  webhook.url = "https://app.example/hook";
  webhook.secret = std::make_shared<const aws::SecretKey>("hook-secret");
  webhook.timeout = std::chrono::milliseconds(1500);
  webhook.retries = 1;
  profile_.success.webhook = webhook;
  services_.notifier.result = notify::ReplyMembers{
      {"thumbnailUrl", "\"https://app.example/t.jpg\""}, {"size", "\"app\""}, {"appId", "7"}};
  const http::Response response =
      Post(Body(AliceKey(), "mybucket", "&etag=%22d41d8cd98f00b204e9800998ecf8427e%22"));
  ASSERT_EQ(response.status, 200) << response.body;
  const auto reply = Json(response);
  EXPECT_EQ(reply["thumbnailUrl"].GetString(), std::string("https://app.example/t.jpg"));
  EXPECT_EQ(reply["appId"].GetInt(), 7);
  EXPECT_EQ(reply["size"].GetString(), std::string("app"));  // the application's answer wins
  ASSERT_EQ(services_.notifier.events.size(), 1u);
  const notify::UploadEvent& event = services_.notifier.events[0];
  EXPECT_EQ(event.key, AliceKey());
  EXPECT_EQ(event.uuid, kUuid);
  EXPECT_EQ(event.name, "my photo.jpg");
  EXPECT_EQ(event.size, 500u);
  EXPECT_EQ(event.etag, "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(event.content_type, "image/jpeg");
  EXPECT_EQ(event.user, "alice");
  EXPECT_EQ(services_.notifier.targets[0].url, "https://app.example/hook");
  EXPECT_EQ(services_.notifier.targets[0].options.deadline, std::chrono::milliseconds(1500));
  EXPECT_EQ(services_.notifier.targets[0].options.retry.max_attempts, 2);
}

TEST_F(SuccessHandler, FailedWebhookFailsTheUploadOnlyWhenRequired) {
  config::WebhookSettings webhook;
  webhook.url = "https://app.example/hook";
  webhook.secret = std::make_shared<const aws::SecretKey>("hook-secret");
  profile_.success.webhook = webhook;
  services_.notifier.result = notify::WebhookFailure{"timeout"};
  http::Response response = Post(Body(AliceKey()));
  EXPECT_EQ(response.status, 502);
  EXPECT_FALSE(Json(response).HasMember("preventRetry"));
  EXPECT_EQ(LogField(response, "webhook_error"), "timeout");
  EXPECT_TRUE(services_.store.objects.contains(AliceKey()));  // the upload itself was fine

  profile_.success.webhook->required = false;
  response = Post(Body(AliceKey()));
  EXPECT_EQ(response.status, 200);
  EXPECT_TRUE(Json(response)["success"].GetBool());
}

}  // namespace
}  // namespace s3upload::handlers
