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

std::string Timestamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  const int n = std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                              utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
                              utc.tm_min, utc.tm_sec, static_cast<int>(millis));
  return std::string(buffer, n > 0 ? static_cast<std::size_t>(n) : 0);
}

bool NeedsQuoting(std::string_view value) {
  if (value.empty()) return true;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

}  // namespace

std::string QuoteValue(std::string_view value) {
  if (!NeedsQuoting(value)) return std::string(value);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
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
  return out;
}

void Write(Level level, std::string_view message, const LogFields& fields) {
  std::string line = Timestamp();
  line += " level=";
  line += LevelName(level);
  line += " msg=";
  line += QuoteValue(message);
  for (const auto& [key, value] : fields) {
    line += ' ';
    line += key;
    line += '=';
    line += QuoteValue(value);
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
