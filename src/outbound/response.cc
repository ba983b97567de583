// HttpResponse accessors.
#include "s3upload/outbound.h"

namespace s3upload::outbound {

std::optional<std::string_view> HttpResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return std::string_view(value);
  }
  return std::nullopt;
}

}  // namespace s3upload::outbound
