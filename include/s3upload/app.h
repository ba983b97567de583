// app: the one function the FastCGI layer calls. Owns the current configuration snapshot and what
// is built from it (one S3 client per profile), dispatches a request to its handler, and reloads
// the configuration on demand.
//
// Contract
// - Handle never throws and always returns a complete response: 413 when the body was over the
//   limit, 404 for an unknown path, 405 with Allow for a wrong method, 431 for params over the
//   FastCGI limits (before origins and auth), else the route's auth refusal or its handler's
//   answer. Every error response is JSON.
// - The response's log fields start with `user`: whom the request acted for, the authenticated
//   caller (a token's subject on token routes, whatever REMOTE_USER says), or for a request refused
//   before authentication the REMOTE_USER the web server passed; absent when that is empty.
// - Each request runs against one snapshot (and its S3 clients) from start to end. Reload builds a
//   new snapshot from the same file; if it has errors they are logged (file:line:column) and the
//   running snapshot stays. A successful reload is visible to the next request; requests in flight
//   finish on the old one.
// - Process-wide, not reloaded: the outbound HTTP transport (its connection pool), the cap on
//   outbound calls (server.max_outbound_calls), the webhook notifier and the metrics (requests by
//   route and status, in flight, signatures, refusals by rule — read from the handlers' log
//   fields —, outbound call durations, reloads).
//
// Thread-safety: Handle, Reload, MaxBodyBytes and generation may be called concurrently.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "s3upload/aws.h"
#include "s3upload/config.h"
#include "s3upload/http.h"
#include "s3upload/metrics.h"
#include "s3upload/notify.h"
#include "s3upload/outbound.h"
#include "s3upload/status.h"

namespace s3upload::app {

using Clock = std::function<aws::TimePoint()>;

struct Options {
  Clock clock;  // default: the system clock
  // The HTTP transport for S3 and webhooks; default: libcurl. Tests pass fakes.
  std::shared_ptr<outbound::Transport> transport;
};

class Runtime;

class Application {
 public:
  // Loads the configuration; the errors come back as one Status message, one error per line.
  static StatusOr<std::unique_ptr<Application>> Create(const std::string& config_path,
                                                       Options options = {});
  // Starts from an already loaded snapshot (Reload then re-reads snapshot->source_path).
  Application(std::shared_ptr<const config::Snapshot> snapshot, Options options);
  ~Application();

  http::Response Handle(const http::Request& request) const;
  std::size_t MaxBodyBytes() const;

  // true when the new configuration is in use; false (and logged) when the old one stays.
  bool Reload();

  std::uint64_t generation() const { return generation_.load(); }
  std::shared_ptr<const config::Snapshot> snapshot() const;
  int max_outbound_calls() const;
  const metrics::Registry& metrics() const { return *metrics_; }

 private:
  // Sets route_label to the matched route's pattern, and user to the authenticated caller's.
  http::Response Dispatch(const http::Request& request, std::string& route_label,
                          std::string& user) const;
  void CountResponse(const std::string& route_label, const http::Response& response) const;
  std::shared_ptr<Runtime> CurrentRuntime() const;
  void SetRuntime(std::shared_ptr<Runtime> runtime);

  Options options_;
  std::unique_ptr<metrics::Registry> metrics_;
  std::unique_ptr<outbound::Limiter> limiter_;
  std::unique_ptr<notify::Notifier> notifier_;
  // A mutex, not std::atomic<std::shared_ptr>: libstdc++'s is a spin lock, and a worker preempted
  // while holding it (more workers than cores) leaves every other worker spinning until it runs
  // again.
  mutable std::mutex runtime_mutex_;
  std::shared_ptr<Runtime> runtime_;
  // runtime_'s server.max_body_bytes, read for every request before its body without touching
  // runtime_.
  std::atomic<std::size_t> max_body_bytes_{0};
  std::atomic<std::uint64_t> generation_{1};
};

}  // namespace s3upload::app
