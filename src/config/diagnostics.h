// Collects every configuration error with its position, so one run of --check-config shows them
// all.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

#include "s3upload/config.h"

namespace s3upload::config::internal {

class Diagnostics {
 public:
  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  // yaml-cpp marks are 0-based and -1 when unknown; an unknown mark becomes a file-level error.
  void Error(const YAML::Mark& mark, std::string message);
  // An error about the file as a whole (cannot open it, ...): no position.
  void FileError(std::string message);

  std::size_t count() const { return errors_.size(); }
  bool empty() const { return errors_.empty(); }
  const std::string& file() const { return file_; }

  // The errors in the order they appear in the file (file-level errors first).
  std::vector<ConfigError> TakeSorted();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

}  // namespace s3upload::config::internal
