// Fuzz target: http::QueryValue, how the handlers read single query parameters (the sign
// handler's "v4", the delete handler's "key" and "bucket").
//
// Input: the first byte's low four bits are the length of the parameter name that follows it; the
// rest is the query string. Each input also asks for "v4", "key" and "bucket".
//
// Invariant: QueryValue(query, name) is the value of the first field with that name in
// ParseFormUrlEncoded(query), and nullopt when the name is absent or the query is malformed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_support.h"
#include "s3upload/http.h"

namespace {

using namespace s3upload;

std::optional<std::string> Expected(const std::optional<http::Fields>& fields,
                                    std::string_view name) {
  if (!fields) return std::nullopt;
  for (const auto& [field_name, value] : *fields) {
    if (field_name == name) return value;
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t name_size = std::min<std::size_t>(data[0] & 0x0f, size - 1);
  const std::string_view name = fuzz::AsText(data + 1, name_size);
  const std::string_view query = fuzz::AsText(data + 1 + name_size, size - 1 - name_size);

  const std::optional<http::Fields> fields = http::ParseFormUrlEncoded(query);
  for (const std::string_view asked :
       {name, std::string_view("v4"), std::string_view("key"), std::string_view("bucket")}) {
    S3US_FUZZ_CHECK(http::QueryValue(query, asked) == Expected(fields, asked));
  }
  return 0;
}
