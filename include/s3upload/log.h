// log: one line per event on stderr, in logfmt (key=value), safe against injection.
//
// Contract
// - Each call writes exactly one whole line, so lines from different threads never interleave.
//   Unbuffered (the default), that is one write(2) per line. Values are quoted and escaped when
//   they contain spaces, quotes, '=' or any control or non-ASCII byte, so client input can never
//   forge a line.
// - Nothing logged here is a secret or a whole signature: callers pass only what is safe to show.
//
// - Buffered (SetBufferSize > 0, nginx's `access_log ... buffer=`): info lines are collected and
//   written together, when the next one would overflow the buffer and whenever Flush() is called
//   (the FastCGI server does on its half-second housekeeping tick and when it stops). A warning or
//   an error is written at once, in the same write(2) as the lines buffered before it, so the order
//   of lines is kept and nothing alarming waits. What is buffered is lost if the process dies
//   without stopping.
//
// Thread-safety: all functions may be called from any thread.
#pragma once

#include <cstddef>
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

// Buffer info lines up to `bytes` (0, the default: write every line at once). Writes out what was
// buffered before under the previous size.
void SetBufferSize(std::size_t bytes);

// Writes out the buffered lines now. Cheap when there are none.
void Flush();

}  // namespace s3upload::log
