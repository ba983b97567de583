// The date formats of SigV4 (x-amz-date, credential scope), POST policies (ISO 8601 expiration) and
// SigV2 (RFC 1123). Parsers are exact: a value that is not precisely in the format is rejected, so
// a verifier never compares a date it half understood.
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <string>

#include "s3upload/aws.h"

namespace s3upload::aws {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr std::string_view kMonthNames[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::string_view kDayNames[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};

// Reads exactly `count` decimal digits at `pos`.
std::optional<int> Digits(std::string_view text, std::size_t pos, std::size_t count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

// system_clock counts nanoseconds in 64 bits (years 1678-2262): a year outside that range would
// overflow the conversion. Every date we parse comes from a client and must lie near "now" anyway.
constexpr int kMinYear = 1970;
constexpr int kMaxYear = 2200;

std::optional<TimePoint> MakeTime(int year, int month, int day, int hour, int minute, int second) {
  if (year < kMinYear || year > kMaxYear) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok() || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  return TimePoint(std::chrono::sys_days(date).time_since_epoch() + hours(hour) + minutes(minute) +
                   seconds(second));
}

struct Civil {
  int year, month, day, hour, minute, second, millis, weekday;
};

Civil ToCivil(TimePoint t) {
  const auto day_start = std::chrono::floor<days>(t);
  const std::chrono::year_month_day date{day_start};
  const auto in_day = std::chrono::floor<milliseconds>(t - day_start);
  const std::chrono::hh_mm_ss<milliseconds> hms{in_day};
  const std::chrono::weekday weekday{day_start};
  return Civil{static_cast<int>(date.year()),
               static_cast<int>(static_cast<unsigned>(date.month())),
               static_cast<int>(static_cast<unsigned>(date.day())),
               static_cast<int>(hms.hours().count()),
               static_cast<int>(hms.minutes().count()),
               static_cast<int>(hms.seconds().count()),
               static_cast<int>(hms.subseconds().count()),
               static_cast<int>(weekday.c_encoding())};
}

__attribute__((format(printf, 1, 2))) std::string Format(const char* format, ...) {
  char buffer[64];
  va_list args;
  va_start(args, format);
  const int n = std::vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace

std::string FormatAmzDate(TimePoint t) {
  const Civil c = ToCivil(t);
  return Format("%04d%02d%02dT%02d%02d%02dZ", c.year, c.month, c.day, c.hour, c.minute, c.second);
}

std::string FormatAmzDay(TimePoint t) {
  const Civil c = ToCivil(t);
  return Format("%04d%02d%02d", c.year, c.month, c.day);
}

std::optional<TimePoint> ParseAmzDate(std::string_view text) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return std::nullopt;
  const auto year = Digits(text, 0, 4), month = Digits(text, 4, 2), day = Digits(text, 6, 2);
  const auto hour = Digits(text, 9, 2), minute = Digits(text, 11, 2), second = Digits(text, 13, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  return MakeTime(*year, *month, *day, *hour, *minute, *second);
}

std::optional<TimePoint> ParseAmzDay(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  const auto year = Digits(text, 0, 4), month = Digits(text, 4, 2), day = Digits(text, 6, 2);
  if (!year || !month || !day) return std::nullopt;
  return MakeTime(*year, *month, *day, 0, 0, 0);
}

std::optional<TimePoint> ParseIso8601(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.f{1,3}]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z') {
    return std::nullopt;
  }
  const auto year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const auto hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  int millis = 0;
  if (text.size() != 20) {
    const std::size_t fraction_digits = text.size() - 21;  // between '.' and 'Z'
    if (text[19] != '.' || fraction_digits < 1 || fraction_digits > 3) return std::nullopt;
    const auto fraction = Digits(text, 20, fraction_digits);
    if (!fraction) return std::nullopt;
    millis = *fraction;
    for (std::size_t i = fraction_digits; i < 3; ++i) millis *= 10;
  }
  const auto base = MakeTime(*year, *month, *day, *hour, *minute, *second);
  if (!base) return std::nullopt;
  return *base + milliseconds(millis);
}

std::string FormatIso8601Millis(TimePoint t) {
  const Civil c = ToCivil(t);
  return Format("%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year, c.month, c.day, c.hour, c.minute,
                c.second, c.millis);
}

std::optional<TimePoint> ParseRfc1123(std::string_view text) {
  // "Wed, 01 May 2024 12:00:00 GMT" (29 bytes) or "... +0000" (31 bytes)
  if (text.size() != 29 && text.size() != 31) return std::nullopt;
  const std::string_view zone = text.substr(25);
  if (zone != " GMT" && zone != " +0000") return std::nullopt;
  if (text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
      text[19] != ':' || text[22] != ':') {
    return std::nullopt;
  }
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (text.substr(8, 3) == kMonthNames[i]) month = i + 1;
  }
  const auto day = Digits(text, 5, 2), year = Digits(text, 12, 4);
  const auto hour = Digits(text, 17, 2), minute = Digits(text, 20, 2), second = Digits(text, 23, 2);
  if (month == 0 || !day || !year || !hour || !minute || !second) return std::nullopt;
  const auto t = MakeTime(*year, month, *day, *hour, *minute, *second);
  // The day name must be the right one: a date that contradicts itself is not a date.
  if (!t || text.substr(0, 3) != kDayNames[ToCivil(*t).weekday]) return std::nullopt;
  return t;
}

std::string FormatRfc1123(TimePoint t) {
  const Civil c = ToCivil(t);
  return Format("%s, %02d %s %04d %02d:%02d:%02d GMT", kDayNames[c.weekday].data(), c.day,
                kMonthNames[c.month - 1].data(), c.year, c.hour, c.minute, c.second);
}

}  // namespace s3upload::aws
