// Request accessors.
#include "s3upload/http.h"

namespace s3upload::http {

std::optional<std::string_view> Request::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace s3upload::http
