// The number formats of the configuration: plain integers, sizes ("64KiB") and durations ("15m").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "s3upload/status.h"

namespace s3upload::config::internal {

// A non-negative decimal integer: digits only, no sign, no leading zeros (YAML 1.1 reads "010" as
// octal, so we refuse to guess), at most UINT64_MAX.
StatusOr<std::uint64_t> ParseUnsigned(std::string_view text);

// Bytes: "<n>" or "<n><unit>" with unit B, KB, MB, GB (1000-based) or KiB, MiB, GiB (1024-based),
// the unit written right after the number, exactly in that case.
StatusOr<std::uint64_t> ParseSize(std::string_view text);

// "<n>" seconds or "<n>ms", "<n>s", "<n>m", "<n>h", at most what milliseconds can hold.
StatusOr<std::chrono::milliseconds> ParseDuration(std::string_view text);

// A duration for messages: "<n>s" when it is whole seconds, else "<n>ms".
std::string FormatDuration(std::chrono::milliseconds duration);

}  // namespace s3upload::config::internal
