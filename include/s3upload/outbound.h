// outbound: HTTP calls the responder makes itself (to S3 and to webhooks), on libcurl.
//
// Contract
// - Transport performs one HTTP exchange. Any HTTP status is a response (HttpResponse); only
// failures
//   to get one (connection refused, timeout, TLS or protocol error) are a CallError. It never
//   throws. The libcurl implementation keeps a pool of easy handles so that connections are reused
//   across calls and threads; every CURL handle is owned by RAII. curl_global_init is the caller's
//   job (main), once, before any thread starts.
// - Limiter caps the calls in progress at once. A worker that cannot get a permit quickly gives up
//   (kBusy) instead of waiting: a slow or dead S3 or webhook can hold at most `max_concurrent`
//   worker threads, whatever the load, so signing keeps being answered.
// - CallWithRetries runs one logical call under a deadline: it retries connection failures,
// timeouts
//   and 5xx answers (never 4xx) with exponential backoff and full jitter, re-building the request
//   for every attempt (a signed request carries its own date), and never runs past the deadline:
//   each attempt gets at most the time that is left. The whole call after the permit is one
//   blocking::Region: the thread's pool (fcgi::Server) lets a standby thread serve meanwhile.
//
// Thread-safety: Transport::Perform, Limiter and CallWithRetries may be used from any number of
// threads at once.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>

#include "s3upload/http.h"

namespace s3upload::outbound {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "POST", "DELETE", ...
  std::string url;     // absolute, already percent-encoded
  http::Fields headers;
  std::string body;
};

struct HttpResponse {
  long status = 0;
  http::Fields headers;  // names lower-cased
  std::string body;      // empty for HEAD

  std::optional<std::string_view> Header(std::string_view lower_name) const;
};

enum class FailureKind {
  kConnect,   // could not connect (refused, unreachable, DNS)
  kTimeout,   // connect or total timeout
  kProtocol,  // TLS, malformed response, reset mid-exchange
  kBusy,      // no permit from the Limiter: too many calls in progress
};

struct CallError {
  FailureKind kind = FailureKind::kConnect;
  std::string message;  // for the log
};

using CallResult = std::variant<HttpResponse, CallError>;

struct Timeouts {
  std::chrono::milliseconds connect{2000};
  std::chrono::milliseconds total{10000};  // the whole exchange, connect included
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual CallResult Perform(const HttpRequest& request, const Timeouts& timeouts) = 0;
};

// libcurl (OpenSSL TLS). Response bodies above max_response_bytes fail as kProtocol.
std::unique_ptr<Transport> NewCurlTransport(std::size_t max_response_bytes = std::size_t{1024} *
                                                                             1024);

class Limiter {
 public:
  explicit Limiter(int max_concurrent);

  // Holding a Permit is holding one of the slots; it is released when the Permit is destroyed.
  class Permit {
   public:
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&&) = delete;
    Permit(const Permit&) = delete;
    ~Permit();

   private:
    friend class Limiter;
    explicit Permit(Limiter* limiter) : limiter_(limiter) {}
    Limiter* limiter_;
  };

  // A permit if one is free now or within `wait`; nullopt otherwise.
  std::optional<Permit> TryAcquire(std::chrono::milliseconds wait);

  int max_concurrent() const { return max_concurrent_; }
  int in_use() const;

 private:
  void Release();
  const int max_concurrent_;
  mutable std::mutex mutex_;
  std::condition_variable freed_;
  int in_use_ = 0;
};

struct RetryPolicy {
  int max_attempts = 3;                       // 1 = no retry
  std::chrono::milliseconds base_delay{100};  // before the 2nd attempt, doubled each time
  std::chrono::milliseconds max_delay{1000};
};

struct CallOptions {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds deadline{10000};  // all attempts and waits together
  std::chrono::milliseconds permit_wait{50};  // how long to wait for a Limiter permit
  RetryPolicy retry;
  // For tests: the clock and the sleep between attempts.
  std::function<std::chrono::steady_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  // For tests: a number in [0, 1) for the jitter.
  std::function<double()> random;
};

struct CallOutcome {
  CallResult result;
  int attempts = 0;  // how many exchanges were tried
};

// `make_request(attempt)` builds the request for attempt 1, 2, ... (re-signed each time).
// One Limiter permit is held for the whole call, retries included.
CallOutcome CallWithRetries(Transport& transport, Limiter& limiter,
                            const std::function<HttpRequest(int attempt)>& make_request,
                            const CallOptions& options);

// Whether an outcome is worth another attempt: connection failures, timeouts, protocol errors and
// 5xx; never kBusy and never a 4xx.
bool IsRetryable(const CallResult& result);

}  // namespace s3upload::outbound
