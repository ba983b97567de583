// One logfmt line per call, written with a single write(2) so concurrent lines never interleave.
#include "s3upload/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace s3upload::log {
namespace {

std::atomic<int> g_output_fd{STDERR_FILENO};

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

// "2024-05-01T12:00:00.123Z" appended to `out`. The date and time up to the second are formatted
// once per second and thread (gmtime_r and printf-style formatting cost more than the rest of the
// line); only the milliseconds are written for every line.
void AppendTimestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  struct Second {
    std::time_t seconds = -1;
    char text[32] = {};
    int length = 0;
  };
  thread_local Second second;
  if (seconds != second.seconds) {
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    const int n = std::snprintf(second.text, sizeof second.text, "%04d-%02d-%02dT%02d:%02d:%02d",
                                utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                                utc.tm_min, utc.tm_sec);
    second.length = n > 0 && n < static_cast<int>(sizeof second.text) ? n : 0;
    second.seconds = seconds;
  }
  out.append(second.text, static_cast<std::size_t>(second.length));
  const char fraction[] = {'.', static_cast<char>('0' + millis / 100),
                           static_cast<char>('0' + millis / 10 % 10),
                           static_cast<char>('0' + millis % 10), 'Z'};
  out.append(fraction, sizeof fraction);
}

bool NeedsQuoting(std::string_view value) {
  if (value.empty()) return true;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

// The logfmt encoding of one value, appended to `out`.
void AppendValue(std::string& out, std::string_view value) {
  if (!NeedsQuoting(value)) {
    out.append(value);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        // Control and non-ASCII bytes are shown as \xHH: a log line must stay one line of text
        // whatever a client sent.
        if (c < ' ' || c >= 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0x0f];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace

std::string QuoteValue(std::string_view value) {
  std::string out;
  AppendValue(out, value);
  return out;
}

void Write(Level level, std::string_view message, const LogFields& fields) {
  // One buffer for the whole line, values appended in place: no string per field.
  std::string line;
  std::size_t size = 64 + message.size();
  for (const auto& [key, value] : fields) size += key.size() + value.size() + 4;
  line.reserve(size);
  AppendTimestamp(line);
  line += " level=";
  line += LevelName(level);
  line += " msg=";
  AppendValue(line, message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    AppendValue(line, value);
  }
  line += '\n';
  const int fd = g_output_fd.load();
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing log; dropping the line is all we can do
    written += static_cast<std::size_t>(n);
  }
}

void SetOutputFd(int fd) { g_output_fd.store(fd); }

}  // namespace s3upload::log
