// Error values: positions converted to 1-based, rendered like compilers and `nginx -t` do.
#include "config/diagnostics.h"

#include <algorithm>
#include <utility>

namespace s3upload::config {

std::string ConfigError::ToString() const {
  if (line <= 0) {
    return file + ": " + message;
  }
  return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

namespace internal {

void Diagnostics::Error(const YAML::Mark& mark, std::string message) {
  if (mark.is_null() || mark.line < 0) {
    FileError(std::move(message));
    return;
  }
  errors_.push_back(
      ConfigError{file_, mark.line + 1, std::max(mark.column, 0) + 1, std::move(message)});
}

void Diagnostics::FileError(std::string message) {
  errors_.push_back(ConfigError{file_, 0, 0, std::move(message)});
}

std::vector<ConfigError> Diagnostics::TakeSorted() {
  // Stable, so that several errors at one position keep the order they were found in.
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    return a.line != b.line ? a.line < b.line : a.column < b.column;
  });
  return std::exchange(errors_, {});
}

}  // namespace internal
}  // namespace s3upload::config
