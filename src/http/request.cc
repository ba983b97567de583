// Request accessors, and the packed header list.
#include <algorithm>
#include <array>
#include <cstring>

#include "s3upload/http.h"

namespace s3upload::http {
namespace {

// What one request's headers usually take: reserved at the first header, so that a browser's
// headers fit without the buffer growing (and within glibc's per-thread cache, up to 1032 bytes).
constexpr std::size_t kInitialHeaderBytes = 1024;
constexpr std::size_t kSizeBytes = sizeof(std::uint32_t);

std::uint32_t ReadSize(const char* at) {
  std::uint32_t size = 0;
  std::memcpy(&size, at, kSizeBytes);
  return size;
}

}  // namespace

char* Headers::Append(std::size_t name_size, std::string_view value) {
  // The FastCGI layer bounds names and values far below 4 GiB (fcgi::kMaxParamValueBytes).
  const auto sizes = std::array<std::uint32_t, 2>{static_cast<std::uint32_t>(name_size),
                                                  static_cast<std::uint32_t>(value.size())};
  const std::size_t at = packed_.size();
  const std::size_t needed = at + 2 * kSizeBytes + name_size + value.size();
  if (at == 0) packed_.reserve(std::max(needed, kInitialHeaderBytes));
  packed_.resize(needed);  // past the first reserve, growing geometrically
  char* out = packed_.data() + at;
  std::memcpy(out, sizes.data(), 2 * kSizeBytes);
  std::copy_n(value.data(), value.size(), out + 2 * kSizeBytes + name_size);
  ++count_;
  return out + 2 * kSizeBytes;
}

void Headers::Add(std::string_view lower_name, std::string_view value) {
  char* name = Append(lower_name.size(), value);
  std::copy_n(lower_name.data(), lower_name.size(), name);
}

void Headers::AddFromCgi(std::string_view cgi_name, std::string_view value) {
  char* name = Append(cgi_name.size(), value);
  for (const char c : cgi_name) {
    *name++ = c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
}

std::optional<std::string_view> Headers::Find(std::string_view lower_name) const {
  const char* at = packed_.data();
  const char* const end = at + packed_.size();
  while (at < end) {
    const std::uint32_t name_size = ReadSize(at);
    const std::uint32_t value_size = ReadSize(at + kSizeBytes);
    const char* const name = at + 2 * kSizeBytes;
    if (std::string_view(name, name_size) == lower_name) {
      return std::string_view(name + name_size, value_size);
    }
    at = name + name_size + value_size;
  }
  return std::nullopt;
}

void Headers::clear() {
  packed_.clear();
  count_ = 0;
}

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
  return headers.Find(lower_name);
}

}  // namespace s3upload::http
