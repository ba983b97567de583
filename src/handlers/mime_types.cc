// The extension table: sorted by extension, searched by bisection.
#include "handlers/mime_types.h"

#include <algorithm>
#include <array>
#include <utility>

namespace s3upload::handlers::internal {
namespace {

using Entry = std::pair<std::string_view, std::string_view>;

// Sorted by extension (checked by a test). Types as the IANA registry and the WHATWG MIME
// Sniffing standard name them; where browsers disagree, the registered one.
constexpr std::array kTable = {
    Entry{"7z", "application/x-7z-compressed"},
    Entry{"aac", "audio/aac"},
    Entry{"avif", "image/avif"},
    Entry{"bmp", "image/bmp"},
    Entry{"bz2", "application/x-bzip2"},
    Entry{"css", "text/css"},
    Entry{"csv", "text/csv"},
    Entry{"doc", "application/msword"},
    Entry{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
    Entry{"epub", "application/epub+zip"},
    Entry{"flac", "audio/flac"},
    Entry{"gif", "image/gif"},
    Entry{"gz", "application/gzip"},
    Entry{"heic", "image/heic"},
    Entry{"heif", "image/heif"},
    Entry{"htm", "text/html"},
    Entry{"html", "text/html"},
    Entry{"ico", "image/vnd.microsoft.icon"},
    Entry{"ics", "text/calendar"},
    Entry{"jpeg", "image/jpeg"},
    Entry{"jpg", "image/jpeg"},
    Entry{"js", "text/javascript"},
    Entry{"json", "application/json"},
    Entry{"m4a", "audio/mp4"},
    Entry{"md", "text/markdown"},
    Entry{"mjs", "text/javascript"},
    Entry{"mkv", "video/x-matroska"},
    Entry{"mov", "video/quicktime"},
    Entry{"mp3", "audio/mpeg"},
    Entry{"mp4", "video/mp4"},
    Entry{"mpeg", "video/mpeg"},
    Entry{"odp", "application/vnd.oasis.opendocument.presentation"},
    Entry{"ods", "application/vnd.oasis.opendocument.spreadsheet"},
    Entry{"odt", "application/vnd.oasis.opendocument.text"},
    Entry{"oga", "audio/ogg"},
    Entry{"ogg", "audio/ogg"},
    Entry{"ogv", "video/ogg"},
    Entry{"opus", "audio/opus"},
    Entry{"pdf", "application/pdf"},
    Entry{"png", "image/png"},
    Entry{"ppt", "application/vnd.ms-powerpoint"},
    Entry{"pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
    Entry{"rar", "application/vnd.rar"},
    Entry{"rtf", "application/rtf"},
    Entry{"svg", "image/svg+xml"},
    Entry{"tar", "application/x-tar"},
    Entry{"tif", "image/tiff"},
    Entry{"tiff", "image/tiff"},
    Entry{"tsv", "text/tab-separated-values"},
    Entry{"txt", "text/plain"},
    Entry{"wav", "audio/wav"},
    Entry{"weba", "audio/webm"},
    Entry{"webm", "video/webm"},
    Entry{"webp", "image/webp"},
    Entry{"xls", "application/vnd.ms-excel"},
    Entry{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    Entry{"xml", "application/xml"},
    Entry{"zip", "application/zip"},
};

constexpr bool IsSorted() {
  for (std::size_t i = 1; i < kTable.size(); ++i) {
    if (!(kTable[i - 1].first < kTable[i].first)) return false;
  }
  return true;
}
static_assert(IsSorted(), "kTable must be sorted by extension, without repeats");

char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

std::optional<std::string_view> MediaTypeForExtension(std::string_view extension) {
  std::string lower(extension);
  std::transform(lower.begin(), lower.end(), lower.begin(), ToLower);
  const auto it = std::lower_bound(
      kTable.begin(), kTable.end(), lower,
      [](const Entry& entry, const std::string& wanted) { return entry.first < wanted; });
  if (it == kTable.end() || it->first != lower) return std::nullopt;
  return it->second;
}

std::string FileExtension(std::string_view name) {
  const std::size_t separator = name.find_last_of("/\\");
  const std::string_view base =
      separator == std::string_view::npos ? name : name.substr(separator + 1);
  const std::size_t dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return "";
  std::string extension(base.substr(dot + 1));
  std::transform(extension.begin(), extension.end(), extension.begin(), ToLower);
  return extension;
}

}  // namespace s3upload::handlers::internal
