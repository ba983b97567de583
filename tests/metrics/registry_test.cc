// The metrics registry: counting, the exact text format, bounded series, and use from many threads.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "s3upload/metrics.h"

namespace s3upload::metrics {
namespace {

bool Contains(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Registry, StartsWithBuildInfoGenerationAndInFlight) {
  Registry registry;
  registry.SetConfigGeneration(3);
  const std::string text = registry.RenderText();
  EXPECT_TRUE(Contains(text, "# TYPE s3_upload_signer_build_info gauge"));
  EXPECT_NE(text.find("s3_upload_signer_build_info{version=\""), std::string::npos);
  EXPECT_TRUE(Contains(text, "s3_upload_signer_config_generation 3"));
  EXPECT_TRUE(Contains(text, "s3_upload_signer_requests_in_flight 0"));
  EXPECT_TRUE(Contains(text, "# TYPE s3_upload_signer_requests_total counter"));
}

TEST(Registry, CountsRequestsSignaturesRefusalsAndReloads) {
  Registry registry;
  registry.CountRequest("/s3/signature", 200);
  registry.CountRequest("/s3/signature", 200);
  registry.CountRequest("/s3/signature", 500);
  registry.CountSignature("policy", "v4");
  registry.CountRefusal("policy.acl");
  registry.CountReload(true);
  registry.CountReload(false);
  registry.CountReload(false);
  const std::string text = registry.RenderText();
  EXPECT_TRUE(
      Contains(text, R"(s3_upload_signer_requests_total{route="/s3/signature",status="200"} 2)"));
  EXPECT_TRUE(
      Contains(text, R"(s3_upload_signer_requests_total{route="/s3/signature",status="500"} 1)"));
  EXPECT_TRUE(Contains(text, R"(s3_upload_signer_signatures_total{kind="policy",version="v4"} 1)"));
  EXPECT_TRUE(Contains(text, R"(s3_upload_signer_refusals_total{rule="policy.acl"} 1)"));
  EXPECT_TRUE(Contains(text, R"(s3_upload_signer_config_reloads_total{result="failure"} 2)"));
  EXPECT_TRUE(Contains(text, R"(s3_upload_signer_config_reloads_total{result="success"} 1)"));
  EXPECT_EQ(registry.CounterValue("requests_total", {"/s3/signature", "200"}), 2u);
  EXPECT_EQ(registry.CounterValue("refusals_total", {"nope"}), 0u);
}

TEST(Registry, InFlightGoesUpAndDown) {
  Registry registry;
  registry.RequestStarted();
  registry.RequestStarted();
  registry.RequestFinished();
  EXPECT_TRUE(Contains(registry.RenderText(), "s3_upload_signer_requests_in_flight 1"));
}

TEST(Registry, HistogramBucketsAreCumulative) {
  Registry registry;
  using std::chrono::milliseconds;
  registry.ObserveOutboundCall("s3", "head", "ok", milliseconds(3));
  registry.ObserveOutboundCall("s3", "head", "ok", milliseconds(70));
  registry.ObserveOutboundCall("s3", "head", "ok", milliseconds(20000));
  const std::string text = registry.RenderText();
  const std::string series =
      R"(s3_upload_signer_outbound_call_duration_seconds_bucket{target="s3",operation="head",outcome="ok",le=")";
  EXPECT_TRUE(Contains(text, series + R"(0.005"} 1)"));
  EXPECT_TRUE(Contains(text, series + R"(0.05"} 1)"));
  EXPECT_TRUE(Contains(text, series + R"(0.1"} 2)"));
  EXPECT_TRUE(Contains(text, series + R"(10"} 2)"));
  EXPECT_TRUE(Contains(text, series + R"(+Inf"} 3)"));
  EXPECT_TRUE(Contains(
      text,
      R"(s3_upload_signer_outbound_call_duration_seconds_count{target="s3",operation="head",outcome="ok"} 3)"));
  EXPECT_TRUE(Contains(
      text,
      R"(s3_upload_signer_outbound_call_duration_seconds_sum{target="s3",operation="head",outcome="ok"} 20.073)"));
}

TEST(Registry, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("a\"b\\c\nd"), R"(a\"b\\c\nd)");
  Registry registry;
  registry.CountRequest("/odd\"path", 404);
  EXPECT_TRUE(Contains(registry.RenderText(),
                       R"(s3_upload_signer_requests_total{route="/odd\"path",status="404"} 1)"));
}

TEST(Registry, EveryLineIsACommentOrASample) {
  Registry registry;
  registry.CountRequest("/s3/success", 422);
  registry.ObserveOutboundCall("webhook", "notify", "error", std::chrono::seconds(2));
  const std::string text = registry.RenderText();
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    ASSERT_FALSE(line.empty());
    if (line[0] != '#') {
      EXPECT_EQ(line.rfind("s3_upload_signer_", 0), 0u) << line;
      EXPECT_NE(line.rfind(' '), std::string::npos) << line;
    }
    start = end + 1;
  }
}

TEST(Registry, ConcurrentCountingLosesNothing) {
  Registry registry;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&registry, t] {
      for (int i = 0; i < 1000; ++i) {
        registry.CountRequest("/s3/signature", 200 + (i % 2));
        registry.CountRefusal("rule." + std::to_string(t));
        registry.ObserveOutboundCall("s3", "head", "ok", std::chrono::milliseconds(1));
        (void)registry.RenderText().size();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(registry.CounterValue("requests_total", {"/s3/signature", "200"}), 4000u);
  EXPECT_EQ(registry.CounterValue("requests_total", {"/s3/signature", "201"}), 4000u);
  EXPECT_EQ(registry.CounterValue("refusals_total", {"rule.7"}), 1000u);
}

}  // namespace
}  // namespace s3upload::metrics
