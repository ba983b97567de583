// Tests for src/config/sizes_durations.cc: the integer, size and duration formats.
#include "config/sizes_durations.h"

#include <gtest/gtest.h>

namespace s3upload::config::internal {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ParseUnsignedTest, AcceptsPlainDecimal) {
  EXPECT_EQ(*ParseUnsigned("0"), 0u);
  EXPECT_EQ(*ParseUnsigned("8"), 8u);
  EXPECT_EQ(*ParseUnsigned("18446744073709551615"), 18446744073709551615u);
}

TEST(ParseUnsignedTest, RefusesEverythingElse) {
  for (const char* text : {"", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x10", "1_000", "abc", "١"}) {
    EXPECT_FALSE(ParseUnsigned(text).ok()) << text;
  }
}

TEST(ParseUnsignedTest, RefusesLeadingZerosAndOverflow) {
  EXPECT_NE(ParseUnsigned("010").status().message().find("leading zeros"), std::string::npos);
  EXPECT_NE(ParseUnsigned("18446744073709551616").status().message().find("too large"),
            std::string::npos);
  EXPECT_FALSE(ParseUnsigned("99999999999999999999999").ok());
}

TEST(ParseSizeTest, PlainBytes) {
  EXPECT_EQ(*ParseSize("0"), 0u);
  EXPECT_EQ(*ParseSize("65536"), 65536u);
  EXPECT_EQ(*ParseSize("12B"), 12u);
}

TEST(ParseSizeTest, BinaryAndDecimalUnits) {
  EXPECT_EQ(*ParseSize("64KiB"), 64u * 1024);
  EXPECT_EQ(*ParseSize("2MiB"), 2u * 1024 * 1024);
  EXPECT_EQ(*ParseSize("5GiB"), 5ull * 1024 * 1024 * 1024);
  EXPECT_EQ(*ParseSize("2KB"), 2000u);
  EXPECT_EQ(*ParseSize("20MB"), 20'000'000u);
  EXPECT_EQ(*ParseSize("5GB"), 5'000'000'000u);
  EXPECT_EQ(*ParseSize("0KiB"), 0u);
}

TEST(ParseSizeTest, RefusesOtherSpellings) {
  for (const char* text :
       {"", "KiB", "20 MB", "20mb", "20Mb", "20kb", "20K", "20M", "20TB", "20MiBs", "1.5MiB",
        "MiB20", " 20MB", "20MB ", "-1", "-1KiB", "+1KiB", "0x10KiB", "020MB"}) {
    EXPECT_FALSE(ParseSize(text).ok()) << text;
  }
}

TEST(ParseSizeTest, NegativeIsNamedAsSuch) {
  EXPECT_NE(ParseSize("-5MB").status().message().find("negative"), std::string::npos);
}

TEST(ParseSizeTest, RefusesOverflow) {
  // 2^64 / 2^30 = 2^34 = 17179869184: one more GiB does not fit.
  EXPECT_EQ(*ParseSize("17179869183GiB"), 17179869183ull * 1024 * 1024 * 1024);
  EXPECT_NE(ParseSize("17179869184GiB").status().message().find("too large"), std::string::npos);
  EXPECT_FALSE(ParseSize("18446744073709551616").ok());
}

TEST(ParseSizeTest, MessageShowsTheForm) {
  const std::string message = ParseSize("20 MB").status().message();
  EXPECT_NE(message.find("64KiB"), std::string::npos) << message;
  EXPECT_NE(message.find("\"20 MB\""), std::string::npos) << message;
}

TEST(ParseDurationTest, SecondsMinutesHours) {
  EXPECT_EQ(*ParseDuration("0"), seconds(0));
  EXPECT_EQ(*ParseDuration("900"), seconds(900));
  EXPECT_EQ(*ParseDuration("30s"), seconds(30));
  EXPECT_EQ(*ParseDuration("15m"), seconds(900));
  EXPECT_EQ(*ParseDuration("2h"), seconds(7200));
}

TEST(ParseDurationTest, Milliseconds) {
  EXPECT_EQ(*ParseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(*ParseDuration("0ms"), milliseconds(0));
  EXPECT_EQ(*ParseDuration("2000ms"), seconds(2));
  EXPECT_EQ(*ParseDuration("1ms"), milliseconds(1));
  // A bare number is still seconds, never milliseconds.
  EXPECT_EQ(*ParseDuration("500"), milliseconds(500'000));
  EXPECT_EQ(ParseDuration("1500ms")->count(), 1500);
}

TEST(ParseDurationTest, RefusesOtherSpellings) {
  for (const char* text : {"",      "s",      "15 m",  "15M",  "15min", "1d",    "1.5h", "-1",
                           "-1s",   "+1s",    "1h30m", "015m", "ms",    "10 ms", "10MS", "10Ms",
                           "10mss", "10msec", "1.5ms", "10us", "-10ms", "010ms", "10sm"}) {
    EXPECT_FALSE(ParseDuration(text).ok()) << text;
  }
}

TEST(ParseDurationTest, MessageShowsTheForm) {
  const std::string message = ParseDuration("10 ms").status().message();
  EXPECT_NE(message.find("ms, s, m or h"), std::string::npos) << message;
  EXPECT_NE(message.find("500ms"), std::string::npos) << message;
  EXPECT_NE(message.find("\"10 ms\""), std::string::npos) << message;
  EXPECT_NE(ParseDuration("-5ms").status().message().find("negative"), std::string::npos);
}

TEST(ParseDurationTest, RefusesOverflow) {
  // The result is in milliseconds, a signed 64-bit count.
  EXPECT_EQ(ParseDuration("9223372036854775807ms")->count(), 9223372036854775807LL);
  EXPECT_NE(ParseDuration("9223372036854775808ms").status().message().find("too large"),
            std::string::npos);
  EXPECT_EQ(ParseDuration("9223372036854775s")->count(), 9223372036854775000LL);
  EXPECT_FALSE(ParseDuration("9223372036854776s").ok());
  EXPECT_FALSE(ParseDuration("9223372036854776").ok());
  EXPECT_TRUE(ParseDuration("153722867280912m").ok());
  EXPECT_FALSE(ParseDuration("153722867280913m").ok());
  EXPECT_TRUE(ParseDuration("2562047788015h").ok());
  EXPECT_NE(ParseDuration("2562047788016h").status().message().find("too large"),
            std::string::npos);
  EXPECT_FALSE(ParseDuration("99999999999999999999999ms").ok());
}

TEST(FormatDurationTest, SecondsWhenWholeElseMilliseconds) {
  EXPECT_EQ(FormatDuration(seconds(0)), "0s");
  EXPECT_EQ(FormatDuration(seconds(600)), "600s");
  EXPECT_EQ(FormatDuration(milliseconds(2000)), "2s");
  EXPECT_EQ(FormatDuration(milliseconds(100)), "100ms");
  EXPECT_EQ(FormatDuration(milliseconds(1500)), "1500ms");
}

}  // namespace
}  // namespace s3upload::config::internal
