// Tests for src/config/sizes_durations.cc: the integer, size and duration formats.
#include "config/sizes_durations.h"

#include <gtest/gtest.h>

namespace s3upload::config::internal {
namespace {

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

TEST(ParseDurationTest, RefusesOtherSpellings) {
  for (const char* text : {"", "s", "15 m", "15M", "15min", "1d", "1.5h", "-1", "-1s", "+1s",
                           "1h30m", "015m", "ms", "10ms"}) {
    EXPECT_FALSE(ParseDuration(text).ok()) << text;
  }
}

TEST(ParseDurationTest, RefusesOverflow) {
  EXPECT_EQ(ParseDuration("9223372036854775807s")->count(), 9223372036854775807LL);
  EXPECT_FALSE(ParseDuration("9223372036854775808").ok());
  EXPECT_NE(ParseDuration("2562047788015216h").status().message().find("too large"),
            std::string::npos);
  EXPECT_TRUE(ParseDuration("2562047788015215h").ok());
}

}  // namespace
}  // namespace s3upload::config::internal
