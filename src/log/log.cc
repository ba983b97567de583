// One logfmt line per call, written whole (one write(2), or batched with other whole lines in the
// buffer) so concurrent lines never interleave.
#include "s3upload/log.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

#include "text/plain_prefix.h"

namespace s3upload::log {
namespace {

std::atomic<int> g_output_fd{STDERR_FILENO};

// The optional buffer of info lines (log.h). g_buffer_size is read without the lock to keep the
// unbuffered default free of it; under the lock it is read again, so a line never lands in a buffer
// that was just switched off (it would wait there for a flush that never comes).
std::atomic<std::size_t> g_buffer_size{0};
std::mutex g_buffer_mutex;
std::string g_buffered;  // whole lines, under g_buffer_mutex

// A thread keeps its line buffer between lines up to this size.
constexpr std::size_t kKeptLineCapacity = 4096;

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

// A value is written bare when it is printable ASCII without space, '"', '=' and '\\'; inside
// quotes, space is fine too.
bool NeedsQuoting(std::string_view value) {
  return value.empty() || text::PlainPrefixLength<'!', 0x7e, '"', '=', '\\'>(value) != value.size();
}

// The logfmt encoding of one value, appended to `out`.
void AppendValue(std::string& out, std::string_view value) {
  if (!NeedsQuoting(value)) {
    out.append(value);
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < value.size(); ++i) {
    // What needs no escape is copied a run at a time.
    const std::size_t run = i + text::PlainPrefixLength<' ', 0x7e, '"', '\\'>(value.substr(i));
    out.append(value.substr(i, run - i));
    if (run == value.size()) break;
    i = run;
    const auto c = static_cast<unsigned char>(value[i]);
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
        out += "\\x";
        out += kHex[c >> 4];
        out += kHex[c & 0x0f];
    }
  }
  out += '"';
}

// Writes all of `bytes` (a write to a pipe or socket may take only part of them).
void WriteAll(std::string_view bytes) {
  const int fd = g_output_fd.load();
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nowhere to report a failing log; dropping the line is all we can do
    written += static_cast<std::size_t>(n);
  }
}

// With g_buffer_mutex held.
void WriteBuffered() {
  if (g_buffered.empty()) return;
  WriteAll(g_buffered);
  g_buffered.clear();
}

void Emit(Level level, std::string_view line) {
  if (g_buffer_size.load(std::memory_order_relaxed) == 0) {
    WriteAll(line);
    return;
  }
  std::lock_guard lock(g_buffer_mutex);
  const std::size_t capacity = g_buffer_size.load(std::memory_order_relaxed);
  if (level == Level::kInfo && line.size() <= capacity) {
    if (g_buffered.size() + line.size() > capacity) WriteBuffered();
    g_buffered.append(line);
    return;
  }
  // A warning or error, a line longer than the whole buffer, or buffering just switched off: out
  // now, after what was buffered before it, in one write.
  if (g_buffered.empty()) {
    WriteAll(line);
    return;
  }
  g_buffered.append(line);
  WriteBuffered();
}

}  // namespace

std::string QuoteValue(std::string_view value) {
  std::string out;
  AppendValue(out, value);
  return out;
}

namespace {

std::string_view KeyOf(const std::pair<std::string, std::string>& field) { return field.first; }
std::string_view KeyOf(const FieldView& field) { return field.key; }
std::string_view ValueOf(const std::pair<std::string, std::string>& field) { return field.second; }
std::string_view ValueOf(const FieldView& field) { return field.value; }

// The line, written with one write(2); `fields` is a LogFields or FieldViews.
template <typename Fields>
void WriteLine(Level level, std::string_view message, const Fields& fields) {
  // One buffer per thread for the whole line, values appended in place: no string per field and,
  // after a thread's first lines, no allocation at all.
  thread_local std::string line;
  line.clear();
  std::size_t size = 64 + message.size();
  for (const auto& field : fields) size += KeyOf(field).size() + ValueOf(field).size() + 4;
  line.reserve(size);
  AppendTimestamp(line);
  line += " level=";
  line += LevelName(level);
  line += " msg=";
  AppendValue(line, message);
  for (const auto& field : fields) {
    line += ' ';
    line += KeyOf(field);
    line += '=';
    AppendValue(line, ValueOf(field));
  }
  line += '\n';
  Emit(level, line);
  // An unusually long line (a long refusal detail) does not stay allocated in every thread.
  if (line.capacity() > kKeptLineCapacity) std::string().swap(line);
}

}  // namespace

void Write(Level level, std::string_view message, const LogFields& fields) {
  WriteLine(level, message, fields);
}

void Write(Level level, std::string_view message, std::span<const FieldView> fields) {
  WriteLine(level, message, fields);
}

void SetOutputFd(int fd) { g_output_fd.store(fd); }

void SetBufferSize(std::size_t bytes) {
  std::lock_guard lock(g_buffer_mutex);
  WriteBuffered();
  g_buffer_size.store(bytes, std::memory_order_relaxed);
  // Room for a full buffer plus the warning that may be appended to it before one write.
  std::string().swap(g_buffered);
  g_buffered.reserve(bytes == 0 ? 0 : bytes + kKeptLineCapacity);
}

void Flush() {
  if (g_buffer_size.load(std::memory_order_relaxed) == 0) return;
  std::lock_guard lock(g_buffer_mutex);
  WriteBuffered();
}

}  // namespace s3upload::log
