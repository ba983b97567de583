// The per-request log line, built from views (request_log.h).
#include "fcgi/request_log.h"

#include <array>
#include <charconv>
#include <span>
#include <string_view>
#include <vector>

#include "s3upload/log.h"

namespace s3upload::fcgi::internal {
namespace {

// "0.690": milliseconds with three decimals, as printf's "%.3f" writes them, into `buffer`.
std::string_view FormatMillis(std::chrono::steady_clock::duration d, std::array<char, 32>& buffer) {
  const double ms = std::chrono::duration<double, std::milli>(d).count();
  const auto result =
      std::to_chars(buffer.data(), buffer.data() + buffer.size(), ms, std::chars_format::fixed, 3);
  return {buffer.data(), static_cast<std::size_t>(result.ptr - buffer.data())};
}

}  // namespace

void LogRequest(const http::Request& request, const http::Response& response,
                std::chrono::steady_clock::duration duration) {
  std::array<char, 16> status{};
  const auto status_end =
      std::to_chars(status.data(), status.data() + status.size(), response.status).ptr;
  std::array<char, 32> millis{};
  constexpr std::size_t kOwnFields = 5;
  std::array<log::FieldView, 16> on_stack{};
  std::vector<log::FieldView> on_heap;
  std::span<log::FieldView> fields(on_stack);
  if (kOwnFields + response.log_fields.size() > on_stack.size()) {
    on_heap.resize(kOwnFields + response.log_fields.size());
    fields = on_heap;
  }
  std::size_t count = 0;
  fields[count++] = {"id", request.request_id};
  fields[count++] = {"method", request.method};
  fields[count++] = {"path", request.path};
  fields[count++] = {
      "status",
      std::string_view(status.data(), static_cast<std::size_t>(status_end - status.data()))};
  fields[count++] = {"duration_ms", FormatMillis(duration, millis)};
  for (const auto& [key, value] : response.log_fields) fields[count++] = {key, value};
  log::Write(response.status >= 500 ? log::Level::kWarning : log::Level::kInfo, "request",
             fields.first(count));
}

}  // namespace s3upload::fcgi::internal
