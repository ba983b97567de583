// app: the one function the FastCGI layer calls. Owns the current configuration snapshot,
// dispatches a request to its handler, and reloads the configuration on demand.
//
// Contract
// - Handle never throws and always returns a complete response: 413 when the body was over the
//   limit, 404 for an unknown path, 405 with Allow for a wrong method, else the handler's answer.
//   Every error response is JSON.
// - Each request runs against one snapshot from start to end. Reload builds a new snapshot from the
//   same file; if it has errors they are logged (file:line:column) and the running snapshot stays.
//   A successful reload is visible to the next request; requests in flight finish on the old one.
//
// Thread-safety: Handle, Reload, MaxBodyBytes and generation may be called concurrently.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "s3upload/aws.h"
#include "s3upload/config.h"
#include "s3upload/http.h"
#include "s3upload/status.h"

namespace s3upload::app {

using Clock = std::function<aws::TimePoint()>;

class Application {
 public:
  // Loads the configuration; the errors come back as one Status message, one error per line.
  static StatusOr<std::unique_ptr<Application>> Create(const std::string& config_path,
                                                       Clock clock = nullptr);
  // For tests: start from an already loaded snapshot (Reload then re-reads snapshot->source_path).
  Application(std::shared_ptr<const config::Snapshot> snapshot, Clock clock);

  http::Response Handle(const http::Request& request) const;
  std::size_t MaxBodyBytes() const;

  // true when the new configuration is in use; false (and logged) when the old one stays.
  bool Reload();

  std::uint64_t generation() const { return generation_.load(); }
  std::shared_ptr<const config::Snapshot> snapshot() const { return snapshot_.load(); }

 private:
  std::atomic<std::shared_ptr<const config::Snapshot>> snapshot_;
  std::atomic<std::uint64_t> generation_{1};
  Clock clock_;
};

}  // namespace s3upload::app
