// The delete handler with a fake store: both request forms, the refusals that never reach storage,
// and 204 for deleted and missing objects alike.
#include <gtest/gtest.h>

#include "handlers/handler_test_support.h"

namespace s3upload::handlers {
namespace {

using namespace handlers_test;

class DeleteHandler : public ::testing::Test {
 protected:
  void SetUp() override {
    route_.path = "/s3/delete/";
    route_.is_prefix = true;
    route_.methods = {"DELETE", "POST"};
    route_.handler = config::HandlerKind::kDelete;
    route_.profile = &profile_;
    services_.store.objects[AliceKey()] = s3::ObjectHead{500, "\"x\"", "image/jpeg"};
  }

  http::Response Call(const std::string& method, const std::string& path, const std::string& query,
                      const std::string& body = "", const std::string& user = "alice") {
    http::Request request;
    request.method = method;
    request.path = path;
    request.query = query;
    request.body = body;
    request.remote_user = user;
    return Delete(request, Context{snapshot_, route_, verify::verify_test::AsUser(user),
                                   verify::verify_test::Now(), 1, &services_});
  }

  static std::string KeyQuery(const std::string& key, const std::string& bucket = "mybucket") {
    return "key=" + aws::UriEncode(key, true) + "&bucket=" + bucket;
  }

  config::Snapshot snapshot_;
  config::Profile profile_ = UserProfile();
  config::Route route_;
  FakeServices services_;
};

TEST_F(DeleteHandler, DeleteRequestRemovesTheObject) {
  const http::Response response =
      Call("DELETE", "/s3/delete/" + std::string(kUuid), KeyQuery(AliceKey()));
  EXPECT_EQ(response.status, 204);
  EXPECT_TRUE(response.body.empty());
  EXPECT_EQ(services_.store.calls, std::vector<std::string>{"DELETE " + AliceKey()});
  EXPECT_FALSE(services_.store.objects.contains(AliceKey()));
  // Again: already gone, still 204.
  EXPECT_EQ(Call("DELETE", "/s3/delete/" + std::string(kUuid), KeyQuery(AliceKey())).status, 204);
}

TEST_F(DeleteHandler, PostWithMethodOverride) {
  const std::string body =
      KeyQuery(AliceKey()) + "&qquuid=" + std::string(kUuid) + "&_method=DELETE";
  EXPECT_EQ(Call("POST", "/s3/delete/", "", body).status, 204);
  EXPECT_EQ(services_.store.calls, std::vector<std::string>{"DELETE " + AliceKey()});
  // Fine Uploader posts to the bare endpoint, without the uuid in the path.
  EXPECT_EQ(Call("POST", "/s3/delete", "", body).status, 204);
}

TEST_F(DeleteHandler, RefusalsNeverReachStorage) {
  const std::string uuid_path = "/s3/delete/" + std::string(kUuid);
  struct Case {
    std::string method, path, query, body, user;
    int status;
    std::string rule;
  };
  const std::vector<Case> cases = {
      {"DELETE", uuid_path, KeyQuery(AliceKey(), "otherbucket"), "", "alice", 403, "delete.bucket"},
      {"DELETE", uuid_path, KeyQuery("uploads/bob/" + std::string(kUuid) + ".jpg"), "", "alice",
       403, "key.prefix"},
      {"DELETE", uuid_path, KeyQuery(AliceKey()), "", "bob", 403, "key.prefix"},
      {"DELETE", uuid_path, KeyQuery(AliceKey()), "", "", 403, "key.user"},
      {"DELETE", "/s3/delete/00000000-0000-4000-8000-000000000000", KeyQuery(AliceKey()), "",
       "alice", 403, "delete.uuid"},
      {"DELETE", uuid_path, "key=" + aws::UriEncode(AliceKey(), true), "", "alice", 400, ""},
      {"DELETE", uuid_path, KeyQuery(AliceKey()) + "&key=x", "", "alice", 400, ""},
      {"DELETE", uuid_path + "/x", KeyQuery(AliceKey()), "", "alice", 400, ""},
      {"POST", "/s3/delete/", "", KeyQuery(AliceKey()), "alice", 400, ""},  // no _method
      {"POST", "/s3/delete/", "", KeyQuery(AliceKey()) + "&_method=PUT", "alice", 400, ""},
      {"POST", uuid_path, "", KeyQuery(AliceKey()) + "&_method=DELETE&qquuid=other", "alice", 400,
       ""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.path + "?" + c.query + " " + c.body);
    const http::Response response = Call(c.method, c.path, c.query, c.body, c.user);
    EXPECT_EQ(response.status, c.status) << response.body;
    if (!c.rule.empty()) {
      EXPECT_EQ(LogField(response, "refused"), c.rule);
    }
    EXPECT_NE(response.body.find("\"error\""), std::string::npos);
  }
  EXPECT_TRUE(services_.store.calls.empty());
  EXPECT_TRUE(services_.store.objects.contains(AliceKey()));
}

TEST_F(DeleteHandler, StorageFailureIs502Json) {
  services_.store.failure = s3::Error{s3::Error::Kind::kUnavailable, 0, "timeout"};
  const http::Response response =
      Call("DELETE", "/s3/delete/" + std::string(kUuid), KeyQuery(AliceKey()));
  EXPECT_EQ(response.status, 502);
  EXPECT_NE(response.body.find("\"error\""), std::string::npos);
}

}  // namespace
}  // namespace s3upload::handlers
