// Small text helpers for the verifiers: ASCII case, strict UTF-8, decimal numbers, splitting.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "verify/internal.h"

namespace s3upload::verify::internal {

Refusal Refuse(std::string_view rule, std::string detail) {
  return Refusal{std::string(rule), std::move(detail)};
}

std::string Quote(std::string_view text) {
  // Long enough to recognise a key or a header, short enough for one log line.
  constexpr std::size_t kMaxQuoted = 96;
  std::string out = "\"";
  if (text.size() <= kMaxQuoted) {
    out.append(text);
    out += '"';
  } else {
    out.append(text.substr(0, kMaxQuoted));
    out += "\"...";
  }
  return out;
}

std::string ToLowerAscii(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ToLowerAscii(c);
  return out;
}

bool EqualsIgnoreCaseSameSize(const char* a, const char* b, std::size_t size) {
  if (size < 8) {
    for (std::size_t i = 0; i < size; ++i) {
      if (ToLowerAscii(a[i]) != ToLowerAscii(b[i])) return false;
    }
    return true;
  }
  const auto differ_at = [a, b](std::size_t i) {
    std::uint64_t x = 0;
    std::uint64_t y = 0;
    std::memcpy(&x, a + i, sizeof x);
    std::memcpy(&y, b + i, sizeof y);
    return ToLowerAscii8(x) != ToLowerAscii8(y);
  };
  for (std::size_t i = 0; i + 8 < size; i += 8) {
    if (differ_at(i)) return false;
  }
  return !differ_at(size - 8);  // the last eight, overlapping bytes already compared
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

bool ContainsIgnoringCase(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [value](const std::string& listed) {
    return EqualsIgnoreCase(listed, value);
  });
}

std::optional<std::uint64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  std::uint64_t value = 0;
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (const char c : text) {
    if (!IsDigit(c)) return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (kMax - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  // Counted first: one allocation instead of one per doubling (a REST string has a dozen lines).
  parts.reserve(static_cast<std::size_t>(std::count(text.begin(), text.end(), separator)) + 1);
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    if (at == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
}

std::size_t SplitInto(std::string_view text, char separator, std::span<std::string_view> parts) {
  std::size_t count = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t at = text.find(separator, start);
    const std::string_view part =
        at == std::string_view::npos ? text.substr(start) : text.substr(start, at - start);
    if (count < parts.size()) parts[count] = part;
    ++count;
    if (at == std::string_view::npos) return count;
    start = at + 1;
  }
}

bool WithinSkew(TimePoint t, TimePoint now, std::chrono::seconds skew) {
  // Parsed dates are years 0000-9999, so the difference fits comfortably in the clock's range.
  const auto difference = t > now ? t - now : now - t;
  return difference <= skew;
}

}  // namespace s3upload::verify::internal
