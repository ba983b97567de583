// The `server` section: how the process serves (threads, body limit, timeouts, outbound cap, log
// buffer).
#include <chrono>

#include "config/sections.h"

namespace s3upload::config::internal {

ServerSettings ReadServerSection(const std::optional<Field>& section, Diagnostics& diag) {
  ServerSettings settings;
  if (!section) {
    return settings;
  }
  const MapReader map = MapReader::Of(*section,
                                      {"threads", "max_body_size", "io_timeout", "idle_timeout",
                                       "max_outbound_calls", "log_buffer"},
                                      diag, std::nullopt, /*null_is_empty=*/true);
  using std::chrono::seconds;
  // Timeouts beyond a day are surely a unit mistake (e.g. milliseconds written as seconds).
  constexpr seconds kMaxTimeout{24 * 3600};
  if (auto field = map.Get("threads")) {
    if (auto value = ReadUnsigned(*field, 1, 1024, diag)) {
      settings.threads = static_cast<int>(*value);
    }
  }
  if (auto field = map.Get("max_body_size")) {
    if (auto value = ReadSize(*field, 1, std::uint64_t{16} * 1024 * 1024, diag)) {
      settings.max_body_bytes = static_cast<std::size_t>(*value);
    }
  }
  if (auto field = map.Get("io_timeout")) {
    if (auto value = ReadDuration(*field, seconds{1}, kMaxTimeout, diag)) {
      settings.io_timeout = *value;
    }
  }
  if (auto field = map.Get("idle_timeout")) {
    if (auto value = ReadDuration(*field, seconds{1}, kMaxTimeout, diag)) {
      settings.idle_timeout = *value;
    }
  }
  if (auto field = map.Get("log_buffer")) {
    if (auto value = ReadSize(*field, 0, kMaxLogBufferBytes, diag)) {
      settings.log_buffer_bytes = static_cast<std::size_t>(*value);
    }
  }
  if (auto field = map.Get("max_outbound_calls")) {
    if (auto value = ReadUnsigned(*field, 1, 1024, diag)) {
      settings.max_outbound_calls = static_cast<int>(*value);
    }
  }
  return settings;
}

}  // namespace s3upload::config::internal
