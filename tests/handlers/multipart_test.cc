// The multipart handler end to end with a fake S3: create -> sign -> list -> complete -> abort in
// the shapes @uppy/aws-s3 reads, the upload token binding every later call to the caller (other
// user, forged, expired: refused with no S3 call and nothing signed), and complete refusing and
// aborting an upload over the size or part limits.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <map>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "handlers/handler_test_support.h"
#include "handlers/multipart_token.h"

namespace s3upload::handlers {
namespace {

using namespace handlers_test;
using std::chrono::seconds;

constexpr std::string_view kTokenSecret = "0123456789abcdef0123456789abcdef";
constexpr std::string_view kS3UploadId = "2~s3-upload-id";

class FakeMultipartStore final : public s3::MultipartStore {
 public:
  s3::CreateResult Create(const s3::NewObject& object) override {
    calls.push_back("CREATE " + object.key);
    created = object;
    if (failure) return *failure;
    return s3::CreatedUpload{upload_id};
  }
  s3::ListPartsResult ListParts(const std::string& key, const std::string& id, std::uint32_t marker,
                                std::uint32_t max_parts) override {
    calls.push_back("LIST " + key + " " + id + " " + std::to_string(marker));
    if (failure) return *failure;
    s3::PartsPage page;
    for (const s3::UploadedPart& part : parts) {
      if (part.part_number <= marker) continue;
      if (page.parts.size() == max_parts) {
        page.truncated = true;
        page.next_part_number_marker = page.parts.back().part_number;
        break;
      }
      page.parts.push_back(part);
    }
    return page;
  }
  s3::CompleteResult Complete(const std::string& key, const std::string& id,
                              const std::vector<s3::PartToComplete>& list) override {
    calls.push_back("COMPLETE " + key + " " + id);
    completed_with = list;
    if (failure) return *failure;
    return s3::CompletedUpload{"http://mybucket.example/" + key, "mybucket", key, "\"e-3\""};
  }
  s3::AbortResult Abort(const std::string& key, const std::string& id) override {
    calls.push_back("ABORT " + key + " " + id);
    return s3::Aborted{};
  }
  std::string PresignPart(const std::string& key, const std::string& id, std::uint32_t part,
                          std::chrono::seconds expires, aws::TimePoint /*now*/) override {
    calls.push_back("PRESIGN " + std::to_string(part));
    return "https://mybucket.example/" + key + "?partNumber=" + std::to_string(part) +
           "&uploadId=" + id + "&X-Amz-Expires=" + std::to_string(expires.count());
  }
  const s3::BucketLocation& location() const override { return location_; }

  std::string upload_id{kS3UploadId};
  std::vector<s3::UploadedPart> parts;
  std::optional<s3::Error> failure;
  std::optional<s3::NewObject> created;
  std::vector<s3::PartToComplete> completed_with;
  std::vector<std::string> calls;

 private:
  s3::BucketLocation location_{"https://s3.example", verify::Addressing::kVirtualHosted, "mybucket",
                               "eu-west-1"};
};

class MultipartServices final : public Services {
 public:
  s3::ObjectStore& StoreFor(const config::Profile&) override { return objects; }
  s3::MultipartStore* MultipartStoreFor(const config::Profile&) override { return &multipart; }
  notify::Notifier& Notifier() override { return notifier; }
  const metrics::Registry& Metrics() override { return metrics; }
  FakeObjectStore objects;
  FakeMultipartStore multipart;
  FakeNotifier notifier;
  metrics::Registry metrics;
};

class MultipartHandler : public ::testing::Test {
 protected:
  void SetUp() override {
    profile_.rules.max_size = 100;
    config::MultipartSettings multipart;
    multipart.token_secret =
        std::make_shared<const aws::SecretKey>(aws::SecretKey(std::string(kTokenSecret)));
    multipart.part_expires = seconds(120);
    multipart.upload_expires = seconds(3600);
    multipart.max_parts = 5;
    profile_.multipart = multipart;
    route_.path = "/s3/multipart/";
    route_.is_prefix = true;
    route_.methods = {"GET", "POST", "DELETE"};
    route_.handler = config::HandlerKind::kMultipart;
    route_.profile = &profile_;
  }

  http::Response Call(std::string method, std::string path, std::string query = "",
                      std::string body = "", std::string user = "alice",
                      aws::TimePoint now = Now()) {
    http::Request request;
    request.method = std::move(method);
    request.path = std::move(path);
    request.query = std::move(query);
    request.body = std::move(body);
    if (!request.body.empty()) request.content_type = "application/json";
    verify::Caller caller;
    caller.user = std::move(user);
    return Multipart(request, Context{snapshot_, route_, caller, now, 1, &services_});
  }

  // POST /s3/multipart as Uppy sends it; returns {key, uploadId}.
  std::pair<std::string, std::string> Create(std::string user = "alice") {
    const http::Response response = Call(
        "POST", "/s3/multipart", "",
        R"({"filename":"holiday.JPG","metadata":{"name":"holiday.JPG","relativePath":null},"type":"image/jpeg"})",
        user);
    EXPECT_EQ(response.status, 200) << response.body << LogField(response, "detail");
    const rapidjson::Document doc = Json(response);
    return {doc["key"].GetString(), doc["uploadId"].GetString()};
  }

  static std::string KeyQuery(const std::string& key) {
    return "key=" + aws::UriEncode(key, /*encode_slash=*/true);
  }

  static aws::TimePoint Now() { return *aws::ParseAmzDate("20261121T200000Z"); }

  void AddParts(std::vector<std::uint64_t> sizes) {
    std::uint32_t number = 0;
    for (std::uint64_t size : sizes) {
      ++number;
      services_.multipart.parts.push_back(
          {number, "\"etag" + std::to_string(number) + "\"", size, "2026-11-21T20:00:00.000Z"});
    }
  }

  static std::string CompleteBody(int parts) {
    std::string body = R"({"parts":[)";
    for (int i = 1; i <= parts; ++i) {
      body += (i > 1 ? "," : "") + std::string(R"({"PartNumber":)") + std::to_string(i) +
              R"(,"ETag":"etag)" + std::to_string(i) + R"("})";
    }
    return body + "]}";
  }

  config::Snapshot snapshot_;
  config::Profile profile_ =
      ServerBuiltProfile({"jpg", "png", "bin"}, {"image/*", "application/octet-stream"});
  config::Route route_;
  MultipartServices services_;
};

TEST_F(MultipartHandler, CreateMakesTheKeyAndATokenBoundToTheCaller) {
  const auto [key, token] = Create();
  EXPECT_TRUE(std::regex_match(key, std::regex("uploads/alice/[0-9a-f-]{36}\\.jpg"))) << key;
  ASSERT_TRUE(services_.multipart.created.has_value());
  EXPECT_EQ(services_.multipart.created->content_type, "image/jpeg");
  ASSERT_EQ(services_.multipart.created->metadata.size(), 1U);
  EXPECT_EQ(services_.multipart.created->metadata[0].name, "x-amz-meta-filename");
  EXPECT_EQ(services_.multipart.created->metadata[0].value, "holiday.JPG");
  // The uploadId is the token; it carries S3's id, for this user and key, for an hour.
  const auto verified = internal::VerifyUploadToken(aws::SecretKey(std::string(kTokenSecret)),
                                                    {"photos", "alice", key}, token, Now());
  ASSERT_TRUE(std::holds_alternative<std::string>(verified));
  EXPECT_EQ(std::get<std::string>(verified), kS3UploadId);
  EXPECT_TRUE(std::holds_alternative<internal::TokenRefusal>(
      internal::VerifyUploadToken(aws::SecretKey(std::string(kTokenSecret)),
                                  {"photos", "alice", key}, token, Now() + seconds(3600))));
}

TEST_F(MultipartHandler, AnUploadIdOfAnotherFormIsAbortedNotHandedOut) {
  services_.multipart.upload_id = "2~id with space";
  const http::Response response =
      Call("POST", "/s3/multipart", "", R"({"filename":"holiday.JPG","type":"image/jpeg"})");
  EXPECT_EQ(response.status, 502);
  EXPECT_EQ(response.body.find("2~id"), std::string::npos) << response.body;
  EXPECT_EQ(LogField(response, "aborted"), "true");
  ASSERT_EQ(services_.multipart.calls.size(), 2U);
  EXPECT_TRUE(services_.multipart.calls[1].starts_with("ABORT uploads/alice/"))
      << services_.multipart.calls[1];
}

TEST_F(MultipartHandler, CreateRefusals) {
  // What params refuses, multipart refuses: a type off the list, no name, no user.
  http::Response response =
      Call("POST", "/s3/multipart", "", R"({"filename":"a.html","type":"text/html"})");
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(LogField(response, "refused"), "params.content-type.not-allowed");
  const rapidjson::Document doc = Json(response);
  EXPECT_TRUE(doc.HasMember("message"));  // what Uppy shows
  EXPECT_EQ(Call("POST", "/s3/multipart", "", R"({"type":"image/png"})").status, 400);
  EXPECT_EQ(Call("POST", "/s3/multipart", "", R"({"filename":"a.png"})", "").status, 403);
  // A declared size over the limit is refused at once.
  EXPECT_EQ(
      LogField(Call("POST", "/s3/multipart", "", R"({"filename":"a.png","size":101})"), "refused"),
      "params.size.too-large");
  EXPECT_TRUE(services_.multipart.calls.empty());
}

TEST_F(MultipartHandler, SignListCompleteInUppysShapes) {
  const auto [key, token] = Create();
  const std::string prefix = "/s3/multipart/" + token;

  http::Response signed_part = Call("GET", prefix + "/3", KeyQuery(key));
  ASSERT_EQ(signed_part.status, 200) << signed_part.body;
  rapidjson::Document doc = Json(signed_part);
  EXPECT_EQ(std::string(doc["url"].GetString()), "https://mybucket.example/" + key +
                                                     "?partNumber=3&uploadId=2~s3-upload-id" +
                                                     "&X-Amz-Expires=120");
  EXPECT_EQ(doc["expires"].GetInt(), 120);
  EXPECT_EQ(LogField(signed_part, "signed"), "multipart-part");

  http::Response batch = Call("GET", prefix + "/batch", KeyQuery(key) + "&partNumbers=1,2");
  ASSERT_EQ(batch.status, 200) << batch.body;
  doc = Json(batch);
  EXPECT_TRUE(doc["presignedUrls"].HasMember("1"));
  EXPECT_TRUE(doc["presignedUrls"].HasMember("2"));

  AddParts({40, 40, 20});
  http::Response listed = Call("GET", prefix, KeyQuery(key));
  ASSERT_EQ(listed.status, 200) << listed.body;
  doc = Json(listed);
  ASSERT_TRUE(doc.IsArray());
  ASSERT_EQ(doc.Size(), 3U);
  EXPECT_EQ(doc[0]["PartNumber"].GetInt(), 1);
  EXPECT_EQ(std::string(doc[0]["ETag"].GetString()), "\"etag1\"");
  EXPECT_EQ(doc[2]["Size"].GetInt(), 20);

  http::Response done = Call("POST", prefix + "/complete", KeyQuery(key), CompleteBody(3));
  ASSERT_EQ(done.status, 200) << done.body << LogField(done, "detail");
  doc = Json(done);
  EXPECT_EQ(std::string(doc["key"].GetString()), key);
  EXPECT_EQ(std::string(doc["bucket"].GetString()), "mybucket");
  EXPECT_EQ(std::string(doc["location"].GetString()), "http://mybucket.example/" + key);
  ASSERT_EQ(services_.multipart.completed_with.size(), 3U);
  EXPECT_EQ(services_.multipart.completed_with[1].etag, "\"etag2\"");  // as S3 listed it
}

TEST_F(MultipartHandler, EveryCallAfterCreateNeedsTheCallersToken) {
  const auto [key, token] = Create();
  AddParts({10});
  const std::string other_key = "uploads/alice/00000000-0000-4000-8000-000000000000.jpg";
  const std::string forged =
      internal::MintUploadToken(aws::SecretKey(std::string("another secret, 32 bytes or more...")),
                                {"photos", "alice", key}, kS3UploadId, Now() + seconds(60));
  const std::string expired =
      internal::MintUploadToken(aws::SecretKey(std::string(kTokenSecret)), {"photos", "alice", key},
                                kS3UploadId, Now() - seconds(1));
  struct Attempt {
    std::string what, user, token, key, rule;
  };
  const std::vector<Attempt> attempts = {
      {"bob with alice's token", "bob", token, key, "multipart.token.invalid"},
      {"anonymous with alice's token", "", token, key, "multipart.token.invalid"},
      {"alice's token for another key", "alice", token, other_key, "multipart.token.invalid"},
      {"a forged token", "alice", forged, key, "multipart.token.invalid"},
      {"an expired token", "alice", expired, key, "multipart.token.expired"},
      {"S3's bare id", "alice", std::string(kS3UploadId), key, "multipart.token.malformed"},
  };
  services_.multipart.calls.clear();
  for (const Attempt& a : attempts) {
    const std::string prefix = "/s3/multipart/" + a.token;
    for (const auto& [method, path, body] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"GET", prefix + "/1", ""},
             {"GET", prefix + "/batch", ""},
             {"GET", prefix, ""},
             {"POST", prefix + "/complete", CompleteBody(1)},
             {"DELETE", prefix, ""}}) {
      const std::string query =
          KeyQuery(a.key) + (path.ends_with("/batch") ? "&partNumbers=1" : "");
      const http::Response response = Call(method, path, query, body, a.user);
      EXPECT_EQ(response.status, 403) << a.what << ": " << method << " " << path;
      EXPECT_EQ(LogField(response, "refused"), a.rule) << a.what << ": " << method << " " << path;
      EXPECT_EQ(response.body.find("https://"), std::string::npos);  // nothing signed
    }
  }
  EXPECT_TRUE(services_.multipart.calls.empty());  // and S3 never asked
  // Alice herself, in time: fine.
  EXPECT_EQ(Call("GET", "/s3/multipart/" + token + "/1", KeyQuery(key)).status, 200);
  EXPECT_EQ(Call("GET", "/s3/multipart/" + token + "/1", KeyQuery(key), "", "alice",
                 Now() + seconds(3599))
                .status,
            200);
}

TEST_F(MultipartHandler, PartNumbersWithinTheProfilesMaximum) {
  const auto [key, token] = Create();
  const std::string prefix = "/s3/multipart/" + token;
  EXPECT_EQ(Call("GET", prefix + "/5", KeyQuery(key)).status, 200);
  http::Response response = Call("GET", prefix + "/6", KeyQuery(key));
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(LogField(response, "refused"), "multipart.part-number");
  EXPECT_EQ(Call("GET", prefix + "/10001", KeyQuery(key)).status, 400);
  EXPECT_EQ(Call("GET", prefix + "/batch", KeyQuery(key) + "&partNumbers=4,6").status, 400);
}

TEST_F(MultipartHandler, CompleteRefusesAndAbortsAnUploadOverTheSize) {
  const auto [key, token] = Create();
  AddParts({40, 40, 21});  // 101 bytes, the profile allows 100
  services_.multipart.calls.clear();
  http::Response response =
      Call("POST", "/s3/multipart/" + token + "/complete", KeyQuery(key), CompleteBody(3));
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(LogField(response, "refused"), "multipart.size.too-large");
  EXPECT_EQ(LogField(response, "aborted"), "true");
  EXPECT_EQ(services_.multipart.calls,
            (std::vector<std::string>{"LIST " + key + " 2~s3-upload-id 0",
                                      "ABORT " + key + " 2~s3-upload-id"}));
  // Even when the client names only the small parts: the listing counts.
  services_.multipart.calls.clear();
  response = Call("POST", "/s3/multipart/" + token + "/complete", KeyQuery(key), CompleteBody(1));
  EXPECT_EQ(LogField(response, "refused"), "multipart.size.too-large");
  EXPECT_TRUE(services_.multipart.completed_with.empty());
}

TEST_F(MultipartHandler, CompleteRefusesPartsNotInTheListing) {
  const auto [key, token] = Create();
  AddParts({10, 10});
  const std::string path = "/s3/multipart/" + token + "/complete";
  // A part S3 does not have, and a part with another ETag: refused, not aborted (the client may
  // name the right ones).
  for (const std::string& body :
       {std::string(
            R"({"parts":[{"PartNumber":1,"ETag":"etag1"},{"PartNumber":3,"ETag":"etag3"}]})"),
        std::string(R"({"parts":[{"PartNumber":1,"ETag":"etag2"}]})")}) {
    services_.multipart.calls.clear();
    const http::Response response = Call("POST", path, KeyQuery(key), body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(LogField(response, "refused"), "multipart.parts.mismatch");
    EXPECT_EQ(services_.multipart.calls.size(), 1U);  // the listing only
  }
  // A subset of the listed parts is a valid upload.
  EXPECT_EQ(Call("POST", path, KeyQuery(key), CompleteBody(1)).status, 200);
}

TEST_F(MultipartHandler, CompleteRefusesAndAbortsTooManyListedParts) {
  profile_.multipart->max_parts = 2;
  const auto [key, token] = Create();
  AddParts({1, 1, 1});
  const http::Response response =
      Call("POST", "/s3/multipart/" + token + "/complete", KeyQuery(key), CompleteBody(2));
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(LogField(response, "refused"), "multipart.parts.too-many");
  EXPECT_EQ(services_.multipart.calls.back(), "ABORT " + key + " 2~s3-upload-id");
}

TEST_F(MultipartHandler, ListingsArePagedAndBounded) {
  profile_.multipart->max_parts = 2500;
  profile_.rules.max_size = 1'000'000;
  const auto [key, token] = Create();
  AddParts(std::vector<std::uint64_t>(2100, 1));
  services_.multipart.calls.clear();
  const http::Response response = Call("GET", "/s3/multipart/" + token, KeyQuery(key));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(Json(response).Size(), 2100U);
  EXPECT_EQ(services_.multipart.calls,
            (std::vector<std::string>{"LIST " + key + " 2~s3-upload-id 0",
                                      "LIST " + key + " 2~s3-upload-id 1000",
                                      "LIST " + key + " 2~s3-upload-id 2000"}));
}

TEST_F(MultipartHandler, TheCompletedObjectIsCheckedOnceMore) {
  const auto [key, token] = Create();
  AddParts({10});
  // A store that made a bigger object than the parts it listed.
  services_.objects.objects[key] = s3::ObjectHead{5000, "\"x\"", "image/jpeg"};
  const http::Response response =
      Call("POST", "/s3/multipart/" + token + "/complete", KeyQuery(key), CompleteBody(1));
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(LogField(response, "refused"), "multipart.size.object");
  EXPECT_EQ(services_.objects.calls.back(), "DELETE " + key);
}

TEST_F(MultipartHandler, AbortAndS3Failures) {
  const auto [key, token] = Create();
  http::Response response = Call("DELETE", "/s3/multipart/" + token, KeyQuery(key));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "{}");
  services_.multipart.failure =
      s3::Error{s3::Error::Kind::kRejected, 404, "S3 ListParts answered 404 (NoSuchUpload)"};
  response = Call("GET", "/s3/multipart/" + token, KeyQuery(key));
  EXPECT_EQ(response.status, 404);
  EXPECT_TRUE(Json(response).HasMember("message"));
  services_.multipart.failure = s3::Error{s3::Error::Kind::kBusy, 0, "busy"};
  EXPECT_EQ(Call("GET", "/s3/multipart/" + token, KeyQuery(key)).status, 503);
  services_.multipart.failure = s3::Error{s3::Error::Kind::kUnavailable, 500, "down"};
  EXPECT_EQ(Call("POST", "/s3/multipart", "", R"({"filename":"a.png"})").status, 502);
}

TEST_F(MultipartHandler, PathsAndMethods) {
  http::Response response = Call("GET", "/s3/multipart");
  EXPECT_EQ(response.status, 405);
  bool has_allow = false;
  for (const auto& [name, value] : response.headers)
    has_allow |= name == "Allow" && value == "POST";
  EXPECT_TRUE(has_allow);
  EXPECT_EQ(Call("GET", "/s3/multipart/x/y/z").status, 404);
  EXPECT_EQ(Call("GET", "/s3/multipart/x", "").status, 400);  // no key
}

}  // namespace
}  // namespace s3upload::handlers
