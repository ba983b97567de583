// time_formats.cc: every formatter and parser, with leap years, out-of-range fields, wrong
// separators, fraction digits, RFC 1123 day names and zones, and round trips.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

using std::chrono::milliseconds;

TimePoint At(int year, unsigned month, unsigned day, int hour = 0, int minute = 0, int second = 0,
             int millis = 0) {
  const std::chrono::year_month_day date{std::chrono::year{year}, std::chrono::month{month},
                                         std::chrono::day{day}};
  return TimePoint(std::chrono::sys_days(date)) + std::chrono::hours(hour) +
         std::chrono::minutes(minute) + std::chrono::seconds(second) + milliseconds(millis);
}

// ---------------------------------------------------------------------------------------------
// Formatters
// ---------------------------------------------------------------------------------------------

TEST(FormatAmzDateTest, Basic) {
  EXPECT_EQ(FormatAmzDate(At(2024, 5, 1, 12, 0, 0)), "20240501T120000Z");
  EXPECT_EQ(FormatAmzDate(At(2013, 5, 24)), "20130524T000000Z");
  EXPECT_EQ(FormatAmzDate(At(2015, 8, 30, 12, 36, 0)), "20150830T123600Z");
  EXPECT_EQ(FormatAmzDate(At(1999, 12, 31, 23, 59, 59)), "19991231T235959Z");
  EXPECT_EQ(FormatAmzDate(TimePoint()), "19700101T000000Z");
}

TEST(FormatAmzDateTest, TruncatesSubseconds) {
  EXPECT_EQ(FormatAmzDate(At(2024, 5, 1, 12, 0, 0, 999)), "20240501T120000Z");
  EXPECT_EQ(FormatAmzDate(At(2024, 12, 31, 23, 59, 59) + std::chrono::microseconds(999999)),
            "20241231T235959Z");
}

TEST(FormatAmzDateTest, BeforeTheEpochRoundsDown) {
  EXPECT_EQ(FormatAmzDate(TimePoint() - milliseconds(500)), "19691231T235959Z");
  EXPECT_EQ(FormatAmzDay(TimePoint() - milliseconds(1)), "19691231");
}

TEST(FormatAmzDayTest, Basic) {
  EXPECT_EQ(FormatAmzDay(At(2024, 5, 1, 23, 59, 59, 999)), "20240501");
  EXPECT_EQ(FormatAmzDay(At(2024, 2, 29)), "20240229");
  EXPECT_EQ(FormatAmzDay(At(2000, 1, 1)), "20000101");
}

TEST(FormatIso8601MillisTest, AlwaysThreeFractionDigits) {
  EXPECT_EQ(FormatIso8601Millis(At(2024, 5, 1, 12, 5, 0)), "2024-05-01T12:05:00.000Z");
  EXPECT_EQ(FormatIso8601Millis(At(2024, 5, 1, 12, 5, 0, 5)), "2024-05-01T12:05:00.005Z");
  EXPECT_EQ(FormatIso8601Millis(At(2024, 5, 1, 12, 5, 0, 120)), "2024-05-01T12:05:00.120Z");
  EXPECT_EQ(FormatIso8601Millis(At(2015, 12, 30, 12)), "2015-12-30T12:00:00.000Z");
}

TEST(FormatIso8601MillisTest, TruncatesBelowMilliseconds) {
  EXPECT_EQ(FormatIso8601Millis(At(2024, 5, 1, 12, 5, 0, 123) + std::chrono::microseconds(999)),
            "2024-05-01T12:05:00.123Z");
  EXPECT_EQ(FormatIso8601Millis(TimePoint() - milliseconds(500)), "1969-12-31T23:59:59.500Z");
}

TEST(FormatRfc1123Test, Basic) {
  EXPECT_EQ(FormatRfc1123(At(2024, 5, 1, 12, 0, 0)), "Wed, 01 May 2024 12:00:00 GMT");
  EXPECT_EQ(FormatRfc1123(At(2007, 3, 27, 19, 36, 42)), "Tue, 27 Mar 2007 19:36:42 GMT");
  EXPECT_EQ(FormatRfc1123(At(2024, 2, 29, 8, 1, 2)), "Thu, 29 Feb 2024 08:01:02 GMT");
  EXPECT_EQ(FormatRfc1123(At(2013, 5, 24)), "Fri, 24 May 2013 00:00:00 GMT");
  EXPECT_EQ(FormatRfc1123(TimePoint()), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(FormatRfc1123Test, EveryDayAndMonthName) {
  // 2023-01-01 is a Sunday.
  const char* const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  for (unsigned d = 1; d <= 7; ++d) {
    EXPECT_EQ(FormatRfc1123(At(2023, 1, d)).substr(0, 3), days[d - 1]) << d;
  }
  const char* const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  for (unsigned m = 1; m <= 12; ++m) {
    EXPECT_EQ(FormatRfc1123(At(2023, m, 15)).substr(8, 3), months[m - 1]) << m;
  }
}

// ---------------------------------------------------------------------------------------------
// ParseAmzDate / ParseAmzDay
// ---------------------------------------------------------------------------------------------

TEST(ParseAmzDateTest, Valid) {
  EXPECT_EQ(ParseAmzDate("20240501T120000Z"), At(2024, 5, 1, 12));
  EXPECT_EQ(ParseAmzDate("20130524T000000Z"), At(2013, 5, 24));
  EXPECT_EQ(ParseAmzDate("19700101T000000Z"), TimePoint());
  EXPECT_EQ(ParseAmzDate("20241231T235959Z"), At(2024, 12, 31, 23, 59, 59));
}

TEST(ParseAmzDateTest, LeapYears) {
  EXPECT_EQ(ParseAmzDate("20240229T120000Z"), At(2024, 2, 29, 12));
  EXPECT_EQ(ParseAmzDate("20000229T000000Z"), At(2000, 2, 29));  // divisible by 400
  EXPECT_EQ(ParseAmzDate("20230229T120000Z"), std::nullopt);
  EXPECT_EQ(ParseAmzDate("19000229T000000Z"), std::nullopt);  // divisible by 100, not 400
  EXPECT_EQ(ParseAmzDate("20240230T000000Z"), std::nullopt);
}

TEST(ParseAmzDateTest, OutOfRangeFields) {
  for (const std::string_view text :
       {"20240001T000000Z", "20241301T000000Z", "20240500T000000Z", "20240532T000000Z",
        "20240431T000000Z", "20240501T240000Z", "20240501T236000Z", "20240501T235960Z",
        "20240501T999999Z", "99999999T000000Z"}) {
    EXPECT_EQ(ParseAmzDate(text), std::nullopt) << text;
  }
}

TEST(ParseAmzDateTest, WrongShape) {
  for (const std::string_view text :
       {"", "20240501", "20240501T120000", "20240501T120000ZZ", "20240501t120000Z",
        "20240501T120000z", "20240501 120000Z", "2024-05-01T12:00:00Z", "20240501T1200000",
        "2024050lT120000Z", "+2024050T120000Z", "2024 501T120000Z", "20240501T12000 Z",
        " 20240501T120000Z", "20240501T120000Z "}) {
    EXPECT_EQ(ParseAmzDate(text), std::nullopt) << text;
  }
}

TEST(ParseAmzDayTest, Valid) {
  EXPECT_EQ(ParseAmzDay("20240501"), At(2024, 5, 1));
  EXPECT_EQ(ParseAmzDay("20240229"), At(2024, 2, 29));
  EXPECT_EQ(ParseAmzDay("19700101"), TimePoint());
}

TEST(ParseAmzDayTest, Refused) {
  for (const std::string_view text :
       {"", "2024050", "202405011", "2024-05-01", "20230229", "20241301", "20240500", "20240431",
        "20240501T000000Z", "2024O501", " 2024050"}) {
    EXPECT_EQ(ParseAmzDay(text), std::nullopt) << text;
  }
}

TEST(AmzDateRoundTripTest, FormatThenParse) {
  for (const TimePoint t : {At(2024, 5, 1, 12), At(2024, 2, 29, 23, 59, 59), At(1999, 1, 1),
                            At(2038, 1, 19, 3, 14, 8), At(2100, 3, 1, 1, 2, 3)}) {
    EXPECT_EQ(ParseAmzDate(FormatAmzDate(t)), t) << FormatAmzDate(t);
    const TimePoint day_start = std::chrono::floor<std::chrono::days>(t);
    EXPECT_EQ(ParseAmzDay(FormatAmzDay(t)), day_start) << FormatAmzDay(t);
  }
}

TEST(AmzDateRoundTripTest, ParseThenFormat) {
  for (const std::string_view text : {"20240501T120000Z", "20240229T000001Z", "20991231T235959Z"}) {
    EXPECT_EQ(FormatAmzDate(ParseAmzDate(text).value()), text);
    EXPECT_EQ(FormatAmzDay(ParseAmzDate(text).value()), text.substr(0, 8));
  }
}

// ---------------------------------------------------------------------------------------------
// ParseIso8601
// ---------------------------------------------------------------------------------------------

TEST(ParseIso8601Test, FractionDigitsZeroToThree) {
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00Z"), At(2024, 5, 1, 12, 5));
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.5Z"), At(2024, 5, 1, 12, 5, 0, 500));
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.05Z"), At(2024, 5, 1, 12, 5, 0, 50));
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.005Z"), At(2024, 5, 1, 12, 5, 0, 5));
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.123Z"), At(2024, 5, 1, 12, 5, 0, 123));
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.000Z"), At(2024, 5, 1, 12, 5));
  EXPECT_EQ(ParseIso8601("2015-12-30T12:00:00.000Z"), At(2015, 12, 30, 12));
  EXPECT_EQ(ParseIso8601("2015-08-30T12:36:00Z"), At(2015, 8, 30, 12, 36));
}

TEST(ParseIso8601Test, RefusesFourFractionDigitsAndAnEmptyFraction) {
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.1234Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.000000Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.12aZ"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00,123Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2024-05-01T12:05:00.-12Z"), std::nullopt);
}

TEST(ParseIso8601Test, LeapYears) {
  EXPECT_EQ(ParseIso8601("2024-02-29T00:00:00.000Z"), At(2024, 2, 29));
  EXPECT_EQ(ParseIso8601("2023-02-29T00:00:00.000Z"), std::nullopt);
  EXPECT_EQ(ParseIso8601("2000-02-29T00:00:00Z"), At(2000, 2, 29));
  EXPECT_EQ(ParseIso8601("2100-02-29T00:00:00Z"), std::nullopt);
}

TEST(ParseIso8601Test, OutOfRangeFields) {
  for (const std::string_view text :
       {"2024-00-01T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-00T00:00:00Z",
        "2024-05-32T00:00:00Z", "2024-06-31T00:00:00Z", "2024-05-01T24:00:00Z",
        "2024-05-01T00:60:00Z", "2024-05-01T00:00:60Z", "2024-05-01T00:00:60.000Z"}) {
    EXPECT_EQ(ParseIso8601(text), std::nullopt) << text;
  }
}

TEST(ParseIso8601Test, WrongSeparatorsAndZones) {
  for (const std::string_view text :
       {"2024/05/01T12:05:00Z", "2024-05-01 12:05:00Z", "2024-05-01t12:05:00Z",
        "2024-05-01T12.05.00Z", "2024-05-01T12:05:00z", "2024-05-01T12:05:00",
        "2024-05-01T12:05:00+00:00", "2024-05-01T12:05:00.000+00:00", "2024-05-01T12:05:00.000",
        "20240501T120500Z", "2024-5-01T12:05:00Z", "2024-05-1T12:05:00Z", "2024-05-01T12:5:00Z",
        "24-05-01T12:05:00Z", "2024-05-01T12:05:00ZZ", " 2024-05-01T12:05:00Z",
        "2024-05-01T12:05:00Z ", "", "Z"}) {
    EXPECT_EQ(ParseIso8601(text), std::nullopt) << text;
  }
}

TEST(ParseIso8601Test, RoundTripWithFormatIso8601Millis) {
  for (const TimePoint t : {At(2024, 5, 1, 12, 5), At(2024, 2, 29, 23, 59, 59, 999),
                            At(1970, 1, 1, 0, 0, 0, 1), At(2015, 12, 30, 12)}) {
    EXPECT_EQ(ParseIso8601(FormatIso8601Millis(t)), t) << FormatIso8601Millis(t);
  }
  EXPECT_EQ(FormatIso8601Millis(ParseIso8601("2024-05-01T12:05:00.5Z").value()),
            "2024-05-01T12:05:00.500Z");
}

// ---------------------------------------------------------------------------------------------
// ParseRfc1123
// ---------------------------------------------------------------------------------------------

TEST(ParseRfc1123Test, GmtAndPlus0000) {
  EXPECT_EQ(ParseRfc1123("Wed, 01 May 2024 12:00:00 GMT"), At(2024, 5, 1, 12));
  EXPECT_EQ(ParseRfc1123("Wed, 01 May 2024 12:00:00 +0000"), At(2024, 5, 1, 12));
  // The SigV2 examples of the S3 developer guide use "+0000".
  EXPECT_EQ(ParseRfc1123("Tue, 27 Mar 2007 19:36:42 +0000"), At(2007, 3, 27, 19, 36, 42));
  EXPECT_EQ(ParseRfc1123("Fri, 24 May 2013 00:00:00 GMT"), At(2013, 5, 24));
}

TEST(ParseRfc1123Test, RefusesTheWrongDayName) {
  EXPECT_EQ(ParseRfc1123("Thu, 01 May 2024 12:00:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRfc1123("Tue, 01 May 2024 12:00:00 +0000"), std::nullopt);
  EXPECT_EQ(ParseRfc1123("Mon, 27 Mar 2007 19:36:42 +0000"), std::nullopt);
}

TEST(ParseRfc1123Test, LeapYears) {
  EXPECT_EQ(ParseRfc1123("Thu, 29 Feb 2024 00:00:00 GMT"), At(2024, 2, 29));
  EXPECT_EQ(ParseRfc1123("Wed, 29 Feb 2023 00:00:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseRfc1123("Thu, 30 Feb 2024 00:00:00 GMT"), std::nullopt);
}

TEST(ParseRfc1123Test, RefusesOtherZones) {
  for (const std::string_view text :
       {"Wed, 01 May 2024 12:00:00 UTC", "Wed, 01 May 2024 12:00:00 UT",
        "Wed, 01 May 2024 12:00:00 Z", "Wed, 01 May 2024 12:00:00 -0000",
        "Wed, 01 May 2024 12:00:00 +0100", "Wed, 01 May 2024 12:00:00 gmt",
        "Wed, 01 May 2024 12:00:00 EST", "Wed, 01 May 2024 12:00:00",
        "Wed, 01 May 2024 12:00:00 "}) {
    EXPECT_EQ(ParseRfc1123(text), std::nullopt) << text;
  }
}

TEST(ParseRfc1123Test, RefusesOutOfRangeFieldsAndBadNames) {
  for (const std::string_view text :
       {"Wed, 32 May 2024 12:00:00 GMT", "Wed, 00 May 2024 12:00:00 GMT",
        "Wed, 01 May 2024 24:00:00 GMT", "Wed, 01 May 2024 12:60:00 GMT",
        "Wed, 01 May 2024 12:00:60 GMT", "Wed, 01 may 2024 12:00:00 GMT",
        "Wed, 01 MAY 2024 12:00:00 GMT", "wed, 01 May 2024 12:00:00 GMT",
        "WED, 01 May 2024 12:00:00 GMT", "Wed, 01 Mai 2024 12:00:00 GMT",
        "Xyz, 01 May 2024 12:00:00 GMT"}) {
    EXPECT_EQ(ParseRfc1123(text), std::nullopt) << text;
  }
}

TEST(ParseRfc1123Test, RefusesWrongSeparatorsAndShapes) {
  for (const std::string_view text :
       {"Wed 01 May 2024 12:00:00 GMT", "Wed,01 May 2024 12:00:00 GMT",
        "Wed, 1 May 2024 12:00:00 GMT", "Wed,  1 May 2024 12:00:00 GMT",
        "Wed, 01-May-2024 12:00:00 GMT", "Wed, 01 May 2024 12.00.00 GMT",
        "Wed, 01 May 2024T12:00:00 GMT", "Wed, 01 May 24 12:00:00 GMT",
        "Wednesday, 01 May 2024 12:00:00 GMT", "Wed, 01 May 2024 12:00:00 GMT ",
        " Wed, 01 May 2024 12:00:00 GMT", "Wed, 01 May 2024 12:00:0a GMT",
        "Wed May  1 12:00:00 2024", ""}) {
    EXPECT_EQ(ParseRfc1123(text), std::nullopt) << text;
  }
}

TEST(ParseRfc1123Test, RoundTrip) {
  for (const TimePoint t : {At(2024, 5, 1, 12), At(2024, 2, 29, 23, 59, 59), At(1970, 1, 1),
                            At(2007, 3, 27, 21, 15, 45), At(2099, 12, 31, 0, 0, 1)}) {
    EXPECT_EQ(ParseRfc1123(FormatRfc1123(t)), t) << FormatRfc1123(t);
  }
  for (const std::string_view text :
       {"Wed, 01 May 2024 12:00:00 GMT", "Sun, 05 May 2024 00:00:00 GMT"}) {
    EXPECT_EQ(FormatRfc1123(ParseRfc1123(text).value()), text);
  }
  // "+0000" parses to the same instant and formats back as "GMT".
  EXPECT_EQ(FormatRfc1123(ParseRfc1123("Tue, 27 Mar 2007 19:36:42 +0000").value()),
            "Tue, 27 Mar 2007 19:36:42 GMT");
}

}  // namespace
}  // namespace s3upload::aws

namespace s3upload::aws {
namespace {

// Client-controlled years the 64-bit nanosecond clock cannot hold must be refused, not overflowed.
TEST(TimeFormatsYearRange, YearsOutsideTheClockAreRefused) {
  EXPECT_FALSE(ParseAmzDate("00240501T120000Z"));
  EXPECT_FALSE(ParseAmzDay("99990501"));
  EXPECT_FALSE(ParseIso8601("1969-12-31T23:59:59Z"));
  EXPECT_FALSE(ParseIso8601("2201-01-01T00:00:00.000Z"));
  EXPECT_FALSE(ParseRfc1123("Thu, 01 Jan 0024 00:00:00 GMT"));
  EXPECT_TRUE(ParseIso8601("1970-01-01T00:00:00Z"));
  EXPECT_TRUE(ParseAmzDay("22001231"));
}

}  // namespace
}  // namespace s3upload::aws
