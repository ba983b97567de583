// The `s3` section: timeouts and retries of the responder's own calls to S3 (HEAD, DELETE).
#include <chrono>

#include "config/sections.h"
#include "config/sizes_durations.h"

namespace s3upload::config::internal {

S3Settings ReadS3Section(const std::optional<Field>& section, Diagnostics& diag) {
  S3Settings settings;
  if (!section) {
    return settings;
  }
  const MapReader map = MapReader::Of(*section, {"connect_timeout", "timeout", "retries"}, diag,
                                      std::nullopt, /*null_is_empty=*/true);
  using std::chrono::milliseconds;
  using namespace std::chrono_literals;

  const std::optional<Field> connect_field = map.Get("connect_timeout");
  bool connect_ok = true;
  if (connect_field) {
    std::optional<milliseconds> value = ReadDurationMs(*connect_field, 100ms, 60s, diag);
    connect_ok = value.has_value();
    if (value) {
      settings.connect_timeout = *value;
    }
  }
  const std::optional<Field> timeout_field = map.Get("timeout");
  bool timeout_ok = true;
  if (timeout_field) {
    std::optional<milliseconds> value = ReadDurationMs(*timeout_field, 100ms, 10min, diag);
    timeout_ok = value.has_value();
    if (value) {
      settings.timeout = *value;
    }
  }
  if (auto field = map.Get("retries")) {
    if (auto value = ReadUnsigned(*field, 0, 10, diag)) {
      settings.retries = static_cast<int>(*value);
    }
  }

  // timeout bounds the whole operation, connecting included: a longer connect timeout could never
  // be reached. Reported at the value that was written (timeout when both are).
  if (connect_ok && timeout_ok && settings.timeout < settings.connect_timeout) {
    const std::string timeout_text = FormatDuration(settings.timeout);
    const std::string connect_text = FormatDuration(settings.connect_timeout);
    if (timeout_field) {
      ValueError(*timeout_field,
                 timeout_text + " is shorter than s3.connect_timeout (" + connect_text +
                     (connect_field ? "" : " by default") +
                     "); the timeout covers the whole operation, connecting and retries included",
                 diag);
    } else if (connect_field) {
      ValueError(*connect_field,
                 connect_text + " is longer than s3.timeout (" + timeout_text +
                     " by default), which covers the whole operation; set s3.timeout to at "
                     "least " +
                     connect_text,
                 diag);
    }
  }
  return settings;
}

}  // namespace s3upload::config::internal
