// log: one line per event on stderr, in logfmt (key=value), safe against injection.
//
// Contract
// - Each call writes exactly one line with a single write(2), so lines from different threads never
//   interleave. Values are quoted and escaped when they contain spaces, quotes, '=' or any control
//   or non-ASCII byte, so client input can never forge a line.
// - Nothing logged here is a secret or a whole signature: callers pass only what is safe to show.
//
// Thread-safety: all functions may be called from any thread.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace s3upload::log {

enum class Level { kInfo, kWarning, kError };

using LogFields = std::vector<std::pair<std::string, std::string>>;

// A field whose key and value live elsewhere, for lines written on every request: the line is
// assembled from them without copying them into a LogFields first.
struct FieldView {
  std::string_view key;
  std::string_view value;
};

// "2024-05-01T12:00:00.123Z level=info msg=<message> k=v ..."
void Write(Level level, std::string_view message, const LogFields& fields = {});
void Write(Level level, std::string_view message, std::span<const FieldView> fields);

// The logfmt encoding of one value (quoted only when needed). Exposed for tests.
std::string QuoteValue(std::string_view value);

// Where lines go; tests redirect it. Default: stderr (fd 2).
void SetOutputFd(int fd);

}  // namespace s3upload::log
