// Tests for src/config/s3_settings.cc: the `s3` section (the responder's own calls to S3).
#include <gtest/gtest.h>

#include "config/test_support.h"

namespace s3upload::config {
namespace {

using config_test::ErrorsToString;
using config_test::HasError;
using config_test::Load;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(S3SettingsTest, DefaultsWhenAbsent) {
  LoadResult result = Load("");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result.snapshot->s3.connect_timeout, seconds(2));
  EXPECT_EQ(result.snapshot->s3.timeout, seconds(10));
  EXPECT_EQ(result.snapshot->s3.retries, 2);
}

TEST(S3SettingsTest, EmptySectionKeepsDefaults) {
  for (const char* yaml : {"s3:\n", "s3: {}\n", "s3:\n  # connect_timeout: 1s\n"}) {
    LoadResult result = Load(yaml);
    ASSERT_TRUE(result.ok()) << yaml << ErrorsToString(result);
    EXPECT_EQ(result.snapshot->s3.connect_timeout, seconds(2));
    EXPECT_EQ(result.snapshot->s3.timeout, seconds(10));
    EXPECT_EQ(result.snapshot->s3.retries, 2);
  }
}

TEST(S3SettingsTest, AllValues) {
  LoadResult result = Load(
      "s3:\n"
      "  connect_timeout: 500ms\n"
      "  timeout: 1m\n"
      "  retries: 0\n");
  ASSERT_TRUE(result.ok()) << ErrorsToString(result);
  EXPECT_EQ(result.snapshot->s3.connect_timeout, milliseconds(500));
  EXPECT_EQ(result.snapshot->s3.timeout, seconds(60));
  EXPECT_EQ(result.snapshot->s3.retries, 0);

  LoadResult plain = Load("s3: {connect_timeout: 3, timeout: 3500ms, retries: 10}\n");
  ASSERT_TRUE(plain.ok()) << ErrorsToString(plain);
  EXPECT_EQ(plain.snapshot->s3.connect_timeout, seconds(3));  // a bare number is seconds
  EXPECT_EQ(plain.snapshot->s3.timeout, milliseconds(3500));
  EXPECT_EQ(plain.snapshot->s3.retries, 10);
}

TEST(S3SettingsTest, Limits) {
  EXPECT_TRUE(Load("s3: {connect_timeout: 100ms, timeout: 100ms}").ok());
  EXPECT_TRUE(Load("s3: {connect_timeout: 60s, timeout: 10m}").ok());
  EXPECT_TRUE(Load("s3: {connect_timeout: 1m, timeout: 600000ms}").ok());

  LoadResult result = Load(
      "s3:\n"
      "  connect_timeout: 99ms\n"
      "  timeout: 601s\n"
      "  retries: 11\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 3u) << ErrorsToString(result);
  EXPECT_TRUE(
      HasError(result, 2, 20, "s3.connect_timeout: must be between 100ms and 60s, got 99ms"));
  EXPECT_TRUE(HasError(result, 3, 12, "s3.timeout: must be between 100ms and 600s, got 601s"));
  EXPECT_TRUE(HasError(result, 4, 12, "s3.retries: must be between 0 and 10, got 11"));

  EXPECT_TRUE(HasError(Load("s3:\n  connect_timeout: 61s\n  timeout: 2m\n"), 2, 20,
                       "must be between 100ms and 60s, got 61s"));
  EXPECT_TRUE(HasError(Load("s3:\n  timeout: 0\n"), 2, 12, "must be between 100ms and 600s"));
}

TEST(S3SettingsTest, TimeoutMustNotBeShorterThanConnectTimeout) {
  EXPECT_TRUE(Load("s3: {connect_timeout: 5s, timeout: 5s}").ok());

  LoadResult both = Load(
      "s3:\n"
      "  connect_timeout: 5s\n"
      "  timeout: 4500ms\n");
  ASSERT_EQ(both.errors.size(), 1u) << ErrorsToString(both);
  EXPECT_TRUE(HasError(both, 3, 12,
                       "s3.timeout: 4500ms is shorter than s3.connect_timeout (5s); the timeout "
                       "covers the whole operation, connecting and retries included"));

  // Against a default: reported at the value that was written.
  LoadResult timeout_only = Load("s3:\n  timeout: 1s\n");
  ASSERT_EQ(timeout_only.errors.size(), 1u) << ErrorsToString(timeout_only);
  EXPECT_TRUE(HasError(timeout_only, 2, 12,
                       "s3.timeout: 1s is shorter than s3.connect_timeout (2s by default)"));
  LoadResult connect_only = Load("s3:\n  connect_timeout: 30s\n");
  ASSERT_EQ(connect_only.errors.size(), 1u) << ErrorsToString(connect_only);
  EXPECT_TRUE(HasError(connect_only, 2, 20,
                       "s3.connect_timeout: 30s is longer than s3.timeout (10s by default), which "
                       "covers the whole operation; set s3.timeout to at least 30s"));
}

TEST(S3SettingsTest, NoComparisonWithAValueInError) {
  LoadResult result = Load("s3:\n  connect_timeout: 5 s\n  timeout: 1s\n");
  ASSERT_EQ(result.errors.size(), 1u) << ErrorsToString(result);
  EXPECT_TRUE(HasError(result, 2, 20, "s3.connect_timeout: expected a duration"));
}

TEST(S3SettingsTest, WrongTypesAndUnknownKeys) {
  LoadResult result = Load(
      "s3:\n"
      "  connect_timeout: [2s]\n"
      "  timeout: fast\n"
      "  retries: two\n"
      "  retrys: 2\n"
      "  region: eu-west-1\n");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.errors.size(), 5u) << ErrorsToString(result);
  EXPECT_TRUE(
      HasError(result, 2, 20, "s3.connect_timeout: expected a duration (e.g. 15m), got a list"));
  EXPECT_TRUE(HasError(result, 3, 12, "s3.timeout: expected a duration: seconds, or a number"));
  EXPECT_TRUE(HasError(result, 4, 12, "s3.retries: expected a whole number, got \"two\""));
  EXPECT_TRUE(HasError(result, 5, 3,
                       "unknown key \"retrys\" in section \"s3\" (did you mean \"retries\"? known: "
                       "connect_timeout, timeout, retries)"));
  EXPECT_TRUE(HasError(result, 6, 3, "unknown key \"region\" in section \"s3\" (known: "));
  EXPECT_TRUE(HasError(Load("s3: [timeout]\n"), 1, 5,
                       "section \"s3\": expected a map (key: value lines), got a list"));
  EXPECT_TRUE(HasError(Load("s3:\n  retries: 1\n  retries: 2\n"), 3, 3,
                       "duplicate key \"retries\" in section \"s3\" (first at line 2)"));
}

TEST(S3SettingsTest, TopLevelKeyIsSpelledS3) {
  EXPECT_TRUE(HasError(Load("S3: {retries: 1}\n"), 1, 1,
                       "unknown key \"S3\" in the top level (did you mean \"s3\"?"));
}

}  // namespace
}  // namespace s3upload::config
