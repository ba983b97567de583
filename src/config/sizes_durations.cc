// Strict parsers for integers, sizes and durations: anything not exactly in the documented form is
// refused rather than approximated, since these numbers bound what gets signed.
#include "config/sizes_durations.h"

#include <array>
#include <limits>
#include <string>
#include <utility>

namespace s3upload::config::internal {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Splits "20MB" into "20" and "MB".
std::pair<std::string_view, std::string_view> SplitNumber(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && IsDigit(text[i])) {
    ++i;
  }
  return {text.substr(0, i), text.substr(i)};
}

std::string Quote(std::string_view text) { return "\"" + std::string(text) + "\""; }

}  // namespace

StatusOr<std::uint64_t> ParseUnsigned(std::string_view text) {
  if (text.empty()) {
    return Status::Error("expected a number, got an empty string");
  }
  if (text[0] == '-') {
    return Status::Error("must not be negative, got " + Quote(text));
  }
  std::uint64_t value = 0;
  for (char c : text) {
    if (!IsDigit(c)) {
      return Status::Error("expected a whole number, got " + Quote(text));
    }
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) {
      return Status::Error("number too large: " + Quote(text));
    }
    value = value * 10 + digit;
  }
  if (text.size() > 1 && text[0] == '0') {
    return Status::Error("leading zeros are not allowed, got " + Quote(text));
  }
  return value;
}

StatusOr<std::uint64_t> ParseSize(std::string_view text) {
  struct Unit {
    std::string_view name;
    std::uint64_t factor;
  };
  static constexpr std::array<Unit, 7> kUnits{{{"B", 1},
                                               {"KB", 1000},
                                               {"MB", std::uint64_t{1000} * 1000},
                                               {"GB", std::uint64_t{1000} * 1000 * 1000},
                                               {"KiB", 1024},
                                               {"MiB", std::uint64_t{1024} * 1024},
                                               {"GiB", std::uint64_t{1024} * 1024 * 1024}}};
  constexpr std::string_view kForm =
      "expected a size: bytes, or a number with KiB, MiB, GiB, KB, MB, GB or B right after it "
      "(e.g. 64KiB, 20MB), got ";
  const auto [number, unit] = SplitNumber(text);
  if (number.empty()) {
    if (!text.empty() && text[0] == '-') {
      return Status::Error("size must not be negative, got " + Quote(text));
    }
    return Status::Error(std::string(kForm) + Quote(text));
  }
  StatusOr<std::uint64_t> value = ParseUnsigned(number);
  if (!value.ok()) {
    return Status::Error("size: " + value.status().message());
  }
  std::uint64_t factor = 0;
  if (unit.empty()) {
    factor = 1;
  } else {
    for (const Unit& u : kUnits) {
      if (u.name == unit) {
        factor = u.factor;
      }
    }
  }
  if (factor == 0) {
    return Status::Error(std::string(kForm) + Quote(text));
  }
  if (*value > kMax / factor) {
    return Status::Error("size too large: " + Quote(text));
  }
  return *value * factor;
}

StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  constexpr std::string_view kForm =
      "expected a duration: seconds, or a number with ms, s, m or h right after it (e.g. 900, "
      "15m, 500ms), got ";
  const auto [number, unit] = SplitNumber(text);
  if (number.empty()) {
    if (!text.empty() && text[0] == '-') {
      return Status::Error("duration must not be negative, got " + Quote(text));
    }
    return Status::Error(std::string(kForm) + Quote(text));
  }
  StatusOr<std::uint64_t> value = ParseUnsigned(number);
  if (!value.ok()) {
    return Status::Error("duration: " + value.status().message());
  }
  // Milliseconds per unit; a bare number is seconds, as it always was.
  std::uint64_t factor = 0;
  if (unit == "ms") {
    factor = 1;
  } else if (unit.empty() || unit == "s") {
    factor = 1000;
  } else if (unit == "m") {
    factor = std::uint64_t{60} * 1000;
  } else if (unit == "h") {
    factor = std::uint64_t{3600} * 1000;
  }
  if (factor == 0) {
    return Status::Error(std::string(kForm) + Quote(text));
  }
  // milliseconds::rep is signed 64-bit: keep the product within it.
  constexpr auto kMaxMilliseconds =
      static_cast<std::uint64_t>(std::numeric_limits<std::chrono::milliseconds::rep>::max());
  if (*value > kMaxMilliseconds / factor) {
    return Status::Error("duration too large: " + Quote(text));
  }
  return std::chrono::milliseconds(static_cast<std::chrono::milliseconds::rep>(*value * factor));
}

std::string FormatDuration(std::chrono::milliseconds duration) {
  if (duration.count() % 1000 == 0) {
    return std::to_string(duration.count() / 1000) + "s";
  }
  return std::to_string(duration.count()) + "ms";
}

}  // namespace s3upload::config::internal
