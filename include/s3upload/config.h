// config: the one YAML file, turned into an immutable Snapshot.
//
// Contract
// - LoadFile reads the file once and returns either a complete Snapshot or every error found, each
//   with file:line:column (1-based, like `nginx -t`). An unknown key, a wrong type, a missing
//   required field, a bad value, a reference to an undefined profile or credential, an unreadable
//   secret or a secret file readable by others is an error: a typo never silently weakens a rule.
// - Secrets are read here (from a file such as a systemd credential, or from an environment
//   variable) and handed to aws::Credentials; nothing else in the program reads the environment
//   or parses YAML.
// - A Snapshot never changes after it is built. A reload builds a new one; the application swaps
//   it atomically and requests in flight keep the one they started with (shared_ptr).
//
// Thread-safety: loading is re-entrant; a Snapshot is immutable and safe to share.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "s3upload/aws.h"
#include "s3upload/verify.h"

namespace s3upload::config {

inline constexpr std::string_view kDefaultConfigPath = "/etc/s3-upload-signer/config.yaml";

enum class HandlerKind { kSign, kSuccess, kDelete, kHealth };
std::string_view HandlerName(HandlerKind kind);  // "sign", "success", "delete", "health"

struct Profile {
  std::string name;
  verify::UploadRules rules;
  // scheme://host[:port] of the S3 API, e.g. "https://s3.eu-west-1.amazonaws.com".
  std::string endpoint;
  std::shared_ptr<const aws::Credentials> signing_credentials;
};

struct Route {
  // Exact path, or a prefix when the configured path ends in "/*" (stored without the '*';
  // used by delete, whose path carries the file's uuid).
  std::string path;
  bool is_prefix = false;
  std::vector<std::string> methods;  // upper case, e.g. {"POST"}
  HandlerKind handler = HandlerKind::kSign;
  const Profile* profile = nullptr;  // into the same Snapshot; null only for health
};

struct ServerSettings {
  int threads = 8;                                      // worker threads (overridden by --threads)
  std::size_t max_body_bytes = std::size_t{64} * 1024;  // larger bodies are answered 413
  std::chrono::seconds io_timeout{
      30};  // a read or write on a connection that stalls this long fails
  std::chrono::seconds idle_timeout{300};  // an idle kept-alive connection is closed after this
};

struct Snapshot {
  Snapshot() = default;
  Snapshot(const Snapshot&) = delete;  // Route::profile points into `profiles`
  Snapshot& operator=(const Snapshot&) = delete;

  std::string source_path;
  ServerSettings server;
  std::map<std::string, Profile, std::less<>> profiles;
  std::vector<Route> routes;
};

struct ConfigError {
  std::string file;
  int line = 0;    // 1-based; 0 when the error is about the file as a whole
  int column = 0;  // 1-based
  std::string message;
  // "file:line:column: message" (or "file: message" when line is 0)
  std::string ToString() const;
};

struct LoadResult {
  std::shared_ptr<const Snapshot> snapshot;  // null when errors is not empty
  std::vector<ConfigError> errors;
  bool ok() const { return snapshot != nullptr; }
};

// How the loader looks up environment variables (secret_env); tests pass their own.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> ProcessEnvironment(const std::string& name);

LoadResult LoadFile(const std::string& path, const EnvironmentLookup& env = ProcessEnvironment);
// The same from text; `file_name` is used in errors, `base_dir` resolves relative secret files.
LoadResult LoadString(std::string_view yaml, const std::string& file_name,
                      const std::string& base_dir,
                      const EnvironmentLookup& env = ProcessEnvironment);

}  // namespace s3upload::config
