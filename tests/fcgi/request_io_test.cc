// Tests for src/fcgi/request_io.cc: CopyParams, the params of one request copied out of libfcgi's
// environment within kMaxParams, kMaxParamNameBytes, kMaxParamValueBytes and kMaxParamsBytes. Each
// limit is met exactly (copied) and broken by one (refused, only what routes the request kept).
#include "fcgi/request_io.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "s3upload/fcgi.h"

namespace s3upload::fcgi::internal {
namespace {

// An environment as libfcgi builds it: FCGI_ROLE first, then "NAME=value" per param, then nullptr.
class Env {
 public:
  Env() { Add("FCGI_ROLE", "RESPONDER"); }
  Env& Add(std::string_view name, std::string_view value) {
    entries_.push_back(std::string(name) + "=" + std::string(value));
    return *this;
  }
  // The usual params of a signing request (what nginx's fastcgi_params send).
  Env& Typical() {
    return Add("REQUEST_METHOD", "POST")
        .Add("DOCUMENT_URI", "/s3/signature")
        .Add("REQUEST_URI", "/s3/signature?v4=true")
        .Add("QUERY_STRING", "v4=true")
        .Add("CONTENT_TYPE", "application/json")
        .Add("CONTENT_LENGTH", "12")
        .Add("REMOTE_USER", "alice")
        .Add("REMOTE_ADDR", "127.0.0.1")
        .Add("REQUEST_ID", "abc123")
        .Add("HTTP_X_CSRF_TOKEN", "t");
  }
  std::size_t size() const { return entries_.size(); }
  // Bytes of names and values, as the limit counts them (without the '=').
  std::size_t bytes() const {
    std::size_t total = 0;
    for (const std::string& entry : entries_) total += entry.size() - 1;
    return total;
  }
  http::Request Copy() {
    std::vector<char*> pointers;
    for (std::string& entry : entries_) pointers.push_back(entry.data());
    pointers.push_back(nullptr);
    http::Request request;
    CopyParams(pointers.data(), request);
    return request;
  }

 private:
  std::vector<std::string> entries_;
};

std::string Rule(const http::Request& request) {
  return request.params_refused ? request.params_refused->rule : "<copied>";
}

// What a refused request still carries: its route and id, nothing else.
void ExpectOnlyRoutingKept(const http::Request& request) {
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/s3/signature");
  EXPECT_EQ(request.request_id, "abc123");
  EXPECT_TRUE(request.headers.empty());
  EXPECT_TRUE(request.query.empty());
  EXPECT_TRUE(request.content_type.empty());
  EXPECT_FALSE(request.content_length.has_value());
  EXPECT_TRUE(request.remote_user.empty());
  EXPECT_TRUE(request.remote_addr.empty());
}

TEST(CopyParamsTest, TypicalRequestIsCopied) {
  const http::Request request = Env().Typical().Copy();
  EXPECT_EQ(Rule(request), "<copied>");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/s3/signature");
  EXPECT_EQ(request.query, "v4=true");
  EXPECT_EQ(request.content_length, 12u);
  EXPECT_EQ(request.remote_user, "alice");
  EXPECT_EQ(request.request_id, "abc123");
  ASSERT_EQ(request.headers.size(), 1u);
  EXPECT_EQ(request.Header("x-csrf-token"), "t");
}

TEST(CopyParamsTest, AtMostKMaxParams) {
  ASSERT_EQ(kMaxParams, 256u);
  Env env;
  env.Typical();
  for (int i = 0; env.size() < kMaxParams; ++i) env.Add("HTTP_X_" + std::to_string(i), "v");
  http::Request request = env.Copy();
  EXPECT_EQ(Rule(request), "<copied>");
  EXPECT_EQ(request.headers.size(), kMaxParams - 10);  // FCGI_ROLE and 9 CGI variables
  // One more, wherever it comes: the routing params after it are still copied.
  Env over;
  for (std::size_t i = 0; over.size() < kMaxParams; ++i)
    over.Add("HTTP_X_" + std::to_string(i), "v");
  over.Typical();
  request = over.Copy();
  EXPECT_EQ(Rule(request), "fcgi.params.count");
  EXPECT_EQ(request.params_refused->detail, "more than 256 params");
  ExpectOnlyRoutingKept(request);
}

TEST(CopyParamsTest, NamesAtMostKMaxParamNameBytes) {
  ASSERT_EQ(kMaxParamNameBytes, 1024u);
  const std::string name(kMaxParamNameBytes, 'N');
  EXPECT_EQ(Rule(Env().Typical().Add(name, "v").Copy()), "<copied>");
  const http::Request request = Env().Typical().Add(name + "N", "v").Copy();
  EXPECT_EQ(Rule(request), "fcgi.params.name-size");
  EXPECT_EQ(request.params_refused->detail, "a param name of 1025 bytes, at most 1024 allowed");
  ExpectOnlyRoutingKept(request);
}

TEST(CopyParamsTest, ValuesAtMostKMaxParamValueBytes) {
  ASSERT_EQ(kMaxParamValueBytes, 32768u);
  const std::string value(kMaxParamValueBytes, 'v');
  http::Request request = Env().Typical().Add("HTTP_COOKIE", value).Copy();
  EXPECT_EQ(Rule(request), "<copied>");
  EXPECT_EQ(request.Header("cookie"), value);
  request = Env().Add("HTTP_COOKIE", value + "v").Typical().Copy();
  EXPECT_EQ(Rule(request), "fcgi.params.value-size");
  EXPECT_EQ(request.params_refused->detail,
            "param HTTP_COOKIE of 32769 bytes, at most 32768 allowed");
  ExpectOnlyRoutingKept(request);
}

TEST(CopyParamsTest, AllTogetherAtMostKMaxParamsBytes) {
  ASSERT_EQ(kMaxParamsBytes, 131072u);
  const auto sized = [](std::size_t total) {
    Env env;
    env.Typical();
    for (int i = 0; env.bytes() + 8 + kMaxParamValueBytes <= total; ++i) {
      env.Add("HTTP_X_" + std::to_string(i), std::string(kMaxParamValueBytes, 'v'));
    }
    env.Add("HTTP_Y", std::string(total - env.bytes() - 6, 'v'));
    EXPECT_EQ(env.bytes(), total);
    return env;
  };
  EXPECT_EQ(Rule(sized(kMaxParamsBytes).Copy()), "<copied>");
  const http::Request request = sized(kMaxParamsBytes + 1).Copy();
  EXPECT_EQ(Rule(request), "fcgi.params.total-size");
  EXPECT_EQ(request.params_refused->detail, "params of more than 131072 bytes");
  // The routing params came first here: they stay, the rest is dropped.
  ExpectOnlyRoutingKept(request);
}

// A routing param that is itself over a size limit is not copied, even to route the request.
TEST(CopyParamsTest, OversizedRoutingParamIsNotCopied) {
  const http::Request request =
      Env()
          .Add("REQUEST_METHOD", "POST")
          .Add("DOCUMENT_URI", "/" + std::string(kMaxParamValueBytes, 'p'))
          .Add("REQUEST_URI", "/s3/signature")
          .Copy();
  EXPECT_EQ(Rule(request), "fcgi.params.value-size");
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.path, "/s3/signature");  // from REQUEST_URI, the only path left
  EXPECT_FALSE(request.request_id.empty());  // generated
}

}  // namespace
}  // namespace s3upload::fcgi::internal
