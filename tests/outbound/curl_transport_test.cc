// curl_transport.cc against a real HTTP/1.1 server on 127.0.0.1 (test_http_server.h): round trips
// of every method the responder uses, response header handling, connection reuse through the
// handle pool, option hygiene between reused handles, failure mapping, limits and timeouts, and
// use from many threads.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "outbound/test_http_server.h"
#include "s3upload/outbound.h"

namespace s3upload::outbound {
namespace {

using std::chrono::milliseconds;
using test::CannedReply;
using test::ClosedPort;
using test::ReceivedRequest;
using test::TestHttpServer;

const Timeouts kShort{milliseconds(1000), milliseconds(3000)};

// The response, or a test failure naming the CallError.
const HttpResponse* ResponseOf(const CallResult& result) {
  if (const auto* error = std::get_if<CallError>(&result)) {
    ADD_FAILURE() << "call failed: " << error->message;
    return nullptr;
  }
  return &std::get<HttpResponse>(result);
}

const CallError* ErrorOf(const CallResult& result) {
  if (const auto* response = std::get_if<HttpResponse>(&result)) {
    ADD_FAILURE() << "call answered " << response->status;
    return nullptr;
  }
  return &std::get<CallError>(result);
}

HttpRequest Request(std::string method, std::string url, http::Fields headers = {},
                    std::string body = "") {
  return HttpRequest{std::move(method), std::move(url), std::move(headers), std::move(body)};
}

CannedReply Reply(int status, std::string body = "", http::Fields headers = {}) {
  CannedReply reply;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers = std::move(headers);
  return reply;
}

TEST(CurlTransportTest, GetRoundTripWithHeaders) {
  TestHttpServer server([](const ReceivedRequest&) {
    return Reply(200, "hello", {{"X-Custom-Header", "  Some Value "}, {"ETag", "\"abc\""}});
  });
  auto transport = NewCurlTransport();
  const CallResult result =
      transport->Perform(Request("GET", server.Url("/path?x=1"), {{"X-Test", "one"}}), kShort);
  const HttpResponse* response = ResponseOf(result);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  // Names lower-cased, values trimmed.
  EXPECT_EQ(response->Header("x-custom-header"), "Some Value");
  EXPECT_EQ(response->Header("etag"), "\"abc\"");
  EXPECT_EQ(response->Header("content-length"), "5");
  EXPECT_EQ(response->Header("X-Custom-Header"), std::nullopt);

  const std::vector<ReceivedRequest> received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "GET");
  EXPECT_EQ(received[0].target, "/path?x=1");
  EXPECT_EQ(received[0].Header("x-test"), "one");
  EXPECT_EQ(received[0].Header("expect"), std::nullopt);
  EXPECT_EQ(received[0].Header("content-type"), std::nullopt);
  EXPECT_TRUE(received[0].Header("user-agent").value_or("").starts_with("s3-upload-signer/"));
}

TEST(CurlTransportTest, HeadReadsHeadersAndNoBody) {
  TestHttpServer server([](const ReceivedRequest&) {
    // A HEAD answer announces the length of a body it does not send.
    return Reply(200, "", {{"Content-Length", "1234"}, {"Content-Type", "image/png"}});
  });
  auto transport = NewCurlTransport();
  const CallResult result = transport->Perform(Request("HEAD", server.Url("/object")), kShort);
  const HttpResponse* response = ResponseOf(result);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "");
  EXPECT_EQ(response->Header("content-length"), "1234");
  EXPECT_EQ(response->Header("content-type"), "image/png");
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].method, "HEAD");
}

TEST(CurlTransportTest, DeleteRoundTrip) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(204); });
  auto transport = NewCurlTransport();
  const CallResult result = transport->Perform(Request("DELETE", server.Url("/object")), kShort);
  const HttpResponse* response = ResponseOf(result);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->status, 204);
  const std::vector<ReceivedRequest> received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "DELETE");
  EXPECT_EQ(received[0].body, "");
  EXPECT_EQ(received[0].Header("content-type"), std::nullopt);
}

TEST(CurlTransportTest, PostSendsBodyAndReadsReplyBody) {
  TestHttpServer server([](const ReceivedRequest& request) {
    return Reply(201, "{\"echo\":" + std::to_string(request.body.size()) + "}",
                 {{"Content-Type", "application/json"}});
  });
  auto transport = NewCurlTransport();
  const std::string body = "{\"key\":\"uploads/a b.png\"}";
  const CallResult result = transport->Perform(
      Request("POST", server.Url("/hook"), {{"Content-Type", "application/json"}}, body), kShort);
  const HttpResponse* response = ResponseOf(result);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "{\"echo\":" + std::to_string(body.size()) + "}");
  const std::vector<ReceivedRequest> received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].body, body);
  EXPECT_EQ(received[0].Header("content-type"), "application/json");
  EXPECT_EQ(received[0].Header("content-length"), std::to_string(body.size()));
}

TEST(CurlTransportTest, LargePostIsSentWithoutExpectContinue) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200, "ok"); });
  auto transport = NewCurlTransport();
  // Above the size from which libcurl would otherwise ask "Expect: 100-continue" first.
  const std::string body(1536 * 1024, 'x');
  const CallResult result =
      transport->Perform(Request("POST", server.Url("/big"), {}, body), kShort);
  ASSERT_NE(ResponseOf(result), nullptr);
  const std::vector<ReceivedRequest> received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].Header("expect"), std::nullopt);
  EXPECT_EQ(received[0].body.size(), body.size());
  // libcurl's default form-urlencoded label is suppressed when the caller names no type.
  EXPECT_EQ(received[0].Header("content-type"), std::nullopt);
}

TEST(CurlTransportTest, CustomMethodWithBodyAndEmptyHeaderValue) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200); });
  auto transport = NewCurlTransport();
  const CallResult result = transport->Perform(
      Request("PUT", server.Url("/object"), {{"X-Empty", ""}, {"X-Full", "v"}}, "data"), kShort);
  ASSERT_NE(ResponseOf(result), nullptr);
  const std::vector<ReceivedRequest> received = server.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "PUT");
  EXPECT_EQ(received[0].body, "data");
  EXPECT_EQ(received[0].Header("x-empty"), "");
  EXPECT_EQ(received[0].Header("x-full"), "v");
}

TEST(CurlTransportTest, OnlyTheFinalResponseHeadersAreKept) {
  TestHttpServer server([](const ReceivedRequest&) {
    CannedReply reply = Reply(200, "final", {{"X-Final", "yes"}});
    reply.interim_continue = true;
    return reply;
  });
  auto transport = NewCurlTransport();
  const CallResult result =
      transport->Perform(Request("POST", server.Url("/hook"), {}, "body"), kShort);
  const HttpResponse* response = ResponseOf(result);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "final");
  EXPECT_EQ(response->Header("x-final"), "yes");
  EXPECT_EQ(response->Header("x-interim"), std::nullopt);
}

TEST(CurlTransportTest, RedirectsAreNotFollowed) {
  TestHttpServer server([](const ReceivedRequest&) {
    return Reply(307, "", {{"Location", "/elsewhere"}});
  });
  auto transport = NewCurlTransport();
  const CallResult result = transport->Perform(Request("GET", server.Url("/here")), kShort);
  const HttpResponse* response = ResponseOf(result);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->status, 307);
  EXPECT_EQ(response->Header("location"), "/elsewhere");
  EXPECT_EQ(server.requests(), 1);
}

TEST(CurlTransportTest, SequentialCallsReuseOneConnection) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200, "x"); });
  auto transport = NewCurlTransport();
  ASSERT_NE(ResponseOf(transport->Perform(Request("GET", server.Url("/1")), kShort)), nullptr);
  ASSERT_NE(ResponseOf(transport->Perform(Request("HEAD", server.Url("/2")), kShort)), nullptr);
  ASSERT_NE(ResponseOf(transport->Perform(Request("DELETE", server.Url("/3")), kShort)), nullptr);
  EXPECT_EQ(server.requests(), 3);
  EXPECT_EQ(server.accepted_connections(), 1);
}

TEST(CurlTransportTest, AConnectionClosedByTheServerIsReplaced) {
  std::atomic<int> count{0};
  TestHttpServer server([&](const ReceivedRequest&) {
    CannedReply reply = Reply(200, "x");
    reply.close_after = ++count == 1;
    return reply;
  });
  auto transport = NewCurlTransport();
  ASSERT_NE(ResponseOf(transport->Perform(Request("GET", server.Url("/1")), kShort)), nullptr);
  ASSERT_NE(ResponseOf(transport->Perform(Request("GET", server.Url("/2")), kShort)), nullptr);
  EXPECT_EQ(server.accepted_connections(), 2);
}

// Handles are reused without curl_easy_reset: a HEAD's NOBODY or a POST's body must not stick.
TEST(CurlTransportTest, NothingLeaksFromOneCallIntoTheNext) {
  TestHttpServer server(
      [](const ReceivedRequest& request) { return Reply(200, "body of " + request.method); });
  auto transport = NewCurlTransport();
  const std::vector<std::pair<std::string, std::string>> calls = {
      {"HEAD", ""}, {"GET", ""},    {"POST", "payload"}, {"GET", ""},
      {"PUT", "p"}, {"DELETE", ""}, {"GET", ""},         {"POST", ""}};
  for (const auto& [method, body] : calls) {
    const CallResult result =
        transport->Perform(Request(method, server.Url("/x"), {}, body), kShort);
    const HttpResponse* response = ResponseOf(result);
    ASSERT_NE(response, nullptr) << method;
    EXPECT_EQ(response->body, method == "HEAD" ? "" : "body of " + method) << method;
  }
  const std::vector<ReceivedRequest> received = server.received();
  ASSERT_EQ(received.size(), calls.size());
  for (std::size_t i = 0; i < calls.size(); ++i) {
    EXPECT_EQ(received[i].method, calls[i].first) << i;
    EXPECT_EQ(received[i].body, calls[i].second) << i;
    const bool has_body = calls[i].first == "POST" || calls[i].first == "PUT";
    EXPECT_EQ(received[i].Header("content-length").has_value(), has_body) << i;
  }
  EXPECT_EQ(server.accepted_connections(), 1);
}

TEST(CurlTransportTest, PathIsSentAsWritten) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200); });
  auto transport = NewCurlTransport();
  ASSERT_NE(
      ResponseOf(transport->Perform(Request("GET", server.Url("/a/./b/../c%20d%2B")), kShort)),
      nullptr);
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].target, "/a/./b/../c%20d%2B");
}

// Virtual-hosted buckets of a local S3 ("<bucket>.localhost"): libcurl itself maps *.localhost to
// the loopback address, whatever the system resolver says.
TEST(CurlTransportTest, LocalhostSubdomainsReachLoopback) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200, "here"); });
  auto transport = NewCurlTransport();
  const std::string host = "examplebucket.localhost:" + std::to_string(server.port());
  const CallResult result = transport->Perform(Request("GET", "http://" + host + "/key"), kShort);
  const HttpResponse* response = ResponseOf(result);
  ASSERT_NE(response, nullptr);
  EXPECT_EQ(response->body, "here");
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].Header("host"), host);
}

TEST(CurlTransportTest, ExplicitHostHeaderIsSentInsteadOfTheUrlHost) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200); });
  auto transport = NewCurlTransport();
  ASSERT_NE(ResponseOf(transport->Perform(
                Request("GET", server.Url("/k"), {{"Host", "bucket.example:9000"}}), kShort)),
            nullptr);
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].Header("host"), "bucket.example:9000");
}

TEST(CurlTransportTest, RefusedConnectionIsConnectFailureAtOnce) {
  ClosedPort port;
  auto transport = NewCurlTransport();
  const auto start = std::chrono::steady_clock::now();
  const CallResult result = transport->Perform(Request("GET", port.Url("/")), kShort);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const CallError* error = ErrorOf(result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, FailureKind::kConnect);
  EXPECT_NE(error->message.find("curl: "), std::string::npos);
  EXPECT_NE(error->message.find("onnect"), std::string::npos) << error->message;
  EXPECT_LT(elapsed, milliseconds(500));
}

TEST(CurlTransportTest, ServerThatNeverAnswersTimesOutWithinTheTotal) {
  TestHttpServer server([](const ReceivedRequest&) {
    CannedReply reply;
    reply.action = CannedReply::Action::kHang;
    return reply;
  });
  auto transport = NewCurlTransport();
  const Timeouts timeouts{milliseconds(1000), milliseconds(300)};
  const auto start = std::chrono::steady_clock::now();
  const CallResult result = transport->Perform(Request("GET", server.Url("/slow")), timeouts);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const CallError* error = ErrorOf(result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, FailureKind::kTimeout);
  EXPECT_NE(error->message.find("timed out"), std::string::npos) << error->message;
  EXPECT_GE(elapsed, milliseconds(280));
  EXPECT_LT(elapsed, milliseconds(300 + 700));
  EXPECT_EQ(server.requests(), 1);
}

TEST(CurlTransportTest, NoTimeLeftFailsWithoutCalling) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200); });
  auto transport = NewCurlTransport();
  const CallResult result = transport->Perform(Request("GET", server.Url("/")),
                                               Timeouts{milliseconds(100), milliseconds(0)});
  const CallError* error = ErrorOf(result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, FailureKind::kTimeout);
  EXPECT_EQ(server.accepted_connections(), 0);
}

TEST(CurlTransportTest, ClosedWithoutAnswerIsProtocolFailure) {
  TestHttpServer server([](const ReceivedRequest&) {
    CannedReply reply;
    reply.action = CannedReply::Action::kClose;
    return reply;
  });
  auto transport = NewCurlTransport();
  const CallResult result = transport->Perform(Request("GET", server.Url("/")), kShort);
  const CallError* error = ErrorOf(result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, FailureKind::kProtocol);
  EXPECT_NE(error->message.find("curl: "), std::string::npos);
}

TEST(CurlTransportTest, ResponseBodyLimit) {
  TestHttpServer server([](const ReceivedRequest& request) {
    CannedReply reply = Reply(200, std::string(request.target == "/exact" ? 1024 : 1025, 'b'));
    reply.chunked = request.target == "/chunked";
    return reply;
  });
  auto transport = NewCurlTransport(/*max_response_bytes=*/1024);

  const CallResult exact_result = transport->Perform(Request("GET", server.Url("/exact")), kShort);
  const HttpResponse* exact = ResponseOf(exact_result);
  ASSERT_NE(exact, nullptr);
  EXPECT_EQ(exact->body.size(), 1024u);

  for (const char* target : {"/over", "/chunked"}) {
    const CallResult result = transport->Perform(Request("GET", server.Url(target)), kShort);
    const CallError* error = ErrorOf(result);
    ASSERT_NE(error, nullptr) << target;
    EXPECT_EQ(error->kind, FailureKind::kProtocol) << target;
    EXPECT_NE(error->message.find("larger than 1024 bytes"), std::string::npos) << error->message;
  }
  // The aborted handle is still usable afterwards.
  EXPECT_NE(ResponseOf(transport->Perform(Request("GET", server.Url("/exact")), kShort)), nullptr);
}

TEST(CurlTransportTest, HeaderInjectionIsRefusedBeforeSending) {
  TestHttpServer server([](const ReceivedRequest&) { return Reply(200); });
  auto transport = NewCurlTransport();
  for (const http::Fields& headers : {http::Fields{{"X-A", "v\r\nX-Injected: 1"}},
                                      http::Fields{{"X-A\r\nB", "v"}}, http::Fields{{"", "v"}}}) {
    const CallResult result = transport->Perform(Request("GET", server.Url("/"), headers), kShort);
    const CallError* error = ErrorOf(result);
    ASSERT_NE(error, nullptr);
    EXPECT_EQ(error->kind, FailureKind::kProtocol);
  }
  const CallResult result = transport->Perform(Request("GET\r\nX: y", server.Url("/")), kShort);
  const CallError* error = ErrorOf(result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, FailureKind::kProtocol);
  EXPECT_EQ(server.accepted_connections(), 0);
}

TEST(CurlTransportTest, OnlyHttpAndHttpsUrls) {
  auto transport = NewCurlTransport();
  const CallResult result = transport->Perform(Request("GET", "file:///etc/passwd"), kShort);
  const CallError* error = ErrorOf(result);
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(error->kind, FailureKind::kProtocol);
}

TEST(CurlTransportTest, ConcurrentCallsFromEightThreads) {
  TestHttpServer server([](const ReceivedRequest& request) {
    CannedReply reply = Reply(200, "for " + request.target);
    reply.delay = milliseconds(2);
    return reply;
  });
  auto transport = NewCurlTransport();
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        const std::string target = "/t" + std::to_string(t) + "/" + std::to_string(i);
        const CallResult result = transport->Perform(Request("GET", server.Url(target)), kShort);
        const auto* response = std::get_if<HttpResponse>(&result);
        if (response != nullptr && response->status == 200 && response->body == "for " + target) {
          ++good;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(good, kThreads * kCallsPerThread);
  EXPECT_EQ(server.requests(), kThreads * kCallsPerThread);
  // At most one handle per thread in use at once, each keeping its connection.
  EXPECT_LE(server.accepted_connections(), kThreads);
}

}  // namespace
}  // namespace s3upload::outbound
