// Tests for src/config/server_settings.cc: the `server` section.
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::HasError;
using config_test::Load;
using std::chrono::seconds;

TEST(ServerSettingsTest, DefaultsWhenAbsent) {
  LoadResult result = Load("");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.snapshot->server.threads, std::nullopt);  // one per CPU (fcgi::DefaultThreads)
  EXPECT_EQ(result.snapshot->server.max_body_bytes, 64u * 1024);
  EXPECT_EQ(result.snapshot->server.io_timeout, seconds(30));
  EXPECT_EQ(result.snapshot->server.idle_timeout, seconds(300));
  EXPECT_EQ(result.snapshot->server.max_outbound_calls, 8);
  EXPECT_EQ(result.snapshot->server.log_buffer_bytes, 0u);
}

TEST(ServerSettingsTest, EmptySectionKeepsDefaults) {
  LoadResult result = Load("server:\n");
  ASSERT_TRUE(result.ok()) << config_test::ErrorsToString(result);
  EXPECT_EQ(result.snapshot->server.threads, std::nullopt);
}

TEST(ServerSettingsTest, AllValues) {
  LoadResult result = Load(
      "server:\n"
      "  threads: 32\n"
      "  max_body_size: 1MiB\n"
      "  io_timeout: 1m\n"
      "  idle_timeout: 1h\n"
      "  max_outbound_calls: 4\n");
  ASSERT_TRUE(result.ok()) << config_test::ErrorsToString(result);
  EXPECT_EQ(result.snapshot->server.max_outbound_calls, 4);
  EXPECT_EQ(result.snapshot->server.threads, 32);
  EXPECT_EQ(result.snapshot->server.max_body_bytes, 1024u * 1024);
  EXPECT_EQ(result.snapshot->server.io_timeout, seconds(60));
  EXPECT_EQ(result.snapshot->server.idle_timeout, seconds(3600));
}

TEST(ServerSettingsTest, Limits) {
  EXPECT_TRUE(Load("server: {threads: 1}").ok());
  EXPECT_TRUE(Load("server: {threads: 1024}").ok());
  EXPECT_TRUE(Load("server: {max_body_size: 1}").ok());
  EXPECT_TRUE(Load("server: {max_body_size: 16MiB}").ok());
  EXPECT_TRUE(Load("server: {io_timeout: 24h, idle_timeout: 1}").ok());

  LoadResult result = Load(
      "server:\n"
      "  threads: 0\n"
      "  max_body_size: 17MiB\n"
      "  io_timeout: 0s\n"
      "  idle_timeout: 25h\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 4u);
  EXPECT_TRUE(HasError(result, 2, 12, "server.threads: must be between 1 and 1024, got 0"));
  EXPECT_TRUE(HasError(result, 3, 18, "server.max_body_size: must be between 1 and 16777216"));
  EXPECT_TRUE(HasError(result, 4, 15, "server.io_timeout: must be between 1s and 86400s"));
  EXPECT_TRUE(HasError(result, 5, 17, "server.idle_timeout: must be between 1s and 86400s"));
  EXPECT_FALSE(Load("server: {threads: 1025}").ok());
}

TEST(ServerSettingsTest, MaxOutboundCalls) {
  EXPECT_EQ(Load("server: {max_outbound_calls: 1}").snapshot->server.max_outbound_calls, 1);
  EXPECT_EQ(Load("server: {max_outbound_calls: 1024}").snapshot->server.max_outbound_calls, 1024);
  // Not tied to threads: each call waits on a standby thread of its own.
  EXPECT_EQ(
      Load("server: {threads: 2, max_outbound_calls: 16}").snapshot->server.max_outbound_calls, 16);

  LoadResult result = Load(
      "server:\n"
      "  max_outbound_calls: 0\n"
      "  max_outbond_calls: 4\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 2u) << config_test::ErrorsToString(result);
  EXPECT_TRUE(
      HasError(result, 2, 23, "server.max_outbound_calls: must be between 1 and 1024, got 0"));
  EXPECT_TRUE(HasError(result, 3, 3,
                       "unknown key \"max_outbond_calls\" in section \"server\" (did you mean "
                       "\"max_outbound_calls\"?"));
  EXPECT_TRUE(HasError(Load("server:\n  max_outbound_calls: 1025\n"), 2, 23,
                       "must be between 1 and 1024, got 1025"));
  EXPECT_TRUE(HasError(Load("server:\n  max_outbound_calls: half\n"), 2, 23,
                       "server.max_outbound_calls: expected a whole number, got \"half\""));
  EXPECT_TRUE(HasError(Load("server:\n  max_outbound_calls: -1\n"), 2, 23,
                       "server.max_outbound_calls: must not be negative"));
  EXPECT_TRUE(HasError(Load("server:\n  max_outbound_calls: {n: 1}\n"), 2, 23,
                       "server.max_outbound_calls: expected an integer, got a map"));
  // An empty value is reported at its key.
  EXPECT_TRUE(HasError(Load("server:\n  max_outbound_calls:\n"), 2, 3,
                       "server.max_outbound_calls: expected an integer, got nothing (null)"));
}

TEST(ServerSettingsTest, LogBuffer) {
  EXPECT_EQ(Load("server: {log_buffer: 64KiB}").snapshot->server.log_buffer_bytes, 64u * 1024);
  EXPECT_EQ(Load("server: {log_buffer: 0}").snapshot->server.log_buffer_bytes, 0u);
  EXPECT_EQ(Load("server: {log_buffer: 1MiB}").snapshot->server.log_buffer_bytes, 1024u * 1024);
  EXPECT_TRUE(HasError(Load("server:\n  log_buffer: 2MiB\n"), 2, 15,
                       "server.log_buffer: must be between 0 and 1048576 bytes, got 2MiB"));
  EXPECT_TRUE(HasError(Load("server:\n  log_buffer: on\n"), 2, 15, "server.log_buffer: "));
  EXPECT_TRUE(HasError(Load("server:\n  log_bufer: 64KiB\n"), 2, 3,
                       "unknown key \"log_bufer\" in section \"server\" (did you mean "
                       "\"log_buffer\"?"));
}

TEST(ServerSettingsTest, TimeoutsAreWholeSeconds) {
  EXPECT_EQ(Load("server: {io_timeout: 2000ms}").snapshot->server.io_timeout, seconds(2));
  EXPECT_TRUE(HasError(Load("server:\n  io_timeout: 1500ms\n"), 2, 15,
                       "server.io_timeout: must be a whole number of seconds"));
  EXPECT_TRUE(HasError(Load("server:\n  idle_timeout: 500ms\n"), 2, 17,
                       "server.idle_timeout: must be between 1s and 86400s, got 500ms"));
}

TEST(ServerSettingsTest, WrongTypesAndUnknownKeys) {
  LoadResult result = Load(
      "server:\n"
      "  threads: eight\n"
      "  max_body_size: [64KiB]\n"
      "  thread: 8\n");
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(HasError(result, 2, 12, "server.threads: expected a whole number, got \"eight\""));
  EXPECT_TRUE(
      HasError(result, 3, 18, "server.max_body_size: expected a size (e.g. 64KiB), got a list"));
  EXPECT_TRUE(HasError(result, 4, 3,
                       "unknown key \"thread\" in section \"server\" (did you mean \"threads\"?"));
  EXPECT_FALSE(Load("server: [threads]").ok());
}

}  // namespace
}  // namespace s3upload::config
