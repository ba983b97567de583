// CallWithRetries: one logical outbound call under one deadline and one Limiter permit, retried
// with capped exponential backoff and full jitter ("AWS Architecture Blog: Exponential Backoff And
// Jitter"): the wait before retry n is uniform in [0, min(max_delay, base * 2^(n-1))], so clients
// that failed together do not retry together.
#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <string>
#include <thread>
#include <variant>

#include "s3upload/blocking.h"
#include "s3upload/outbound.h"

namespace s3upload::outbound {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A retry is only started if at least this much of the deadline is left after the backoff wait:
// less is not enough for a TCP connect plus one request/response on any real network, so the
// attempt could only end as a timeout and would merely hide the more useful previous outcome.
constexpr milliseconds kMinimumRetryTime{20};

double ThreadLocalRandom() {
  // One engine per thread: no lock on the hot path, and threads do not share a sequence.
  thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

// The cap of the wait before retry `retry` (1 = before the second attempt).
milliseconds BackoffCap(const RetryPolicy& policy, int retry) {
  const milliseconds max_delay = std::max(policy.max_delay, milliseconds(0));
  milliseconds cap = std::max(policy.base_delay, milliseconds(0));
  // Doubling step by step, stopping at max_delay, cannot overflow whatever the attempt count.
  for (int i = 1; i < retry && cap < max_delay; ++i) cap *= 2;
  return std::min(cap, max_delay);
}

milliseconds Jittered(milliseconds cap, double random) {
  // The injected source promises [0, 1); clamping keeps a misbehaving one inside [0, cap].
  random = std::clamp(random, 0.0, 1.0);
  return milliseconds(static_cast<milliseconds::rep>(static_cast<double>(cap.count()) * random));
}

milliseconds Remaining(Clock::time_point deadline, Clock::time_point now) {
  return std::chrono::duration_cast<milliseconds>(deadline - now);
}

}  // namespace

bool IsRetryable(const CallResult& result) {
  if (const auto* error = std::get_if<CallError>(&result)) {
    return error->kind != FailureKind::kBusy;
  }
  const long status = std::get<HttpResponse>(result).status;
  return status >= 500 && status <= 599;
}

CallOutcome CallWithRetries(Transport& transport, Limiter& limiter,
                            const std::function<HttpRequest(int attempt)>& make_request,
                            const CallOptions& options) {
  const std::function<Clock::time_point()> now =
      options.now ? options.now : [] { return Clock::now(); };
  const std::function<void(milliseconds)> sleep =
      options.sleep ? options.sleep : [](milliseconds d) { std::this_thread::sleep_for(d); };
  const std::function<double()> random = options.random ? options.random : ThreadLocalRandom;

  // The deadline starts before the permit wait: the caller's budget covers queueing too.
  const Clock::time_point deadline = now() + options.deadline;

  const std::optional<Limiter::Permit> permit = limiter.TryAcquire(options.permit_wait);
  if (!permit) {
    return {CallError{FailureKind::kBusy, "outbound call limit reached (" +
                                              std::to_string(limiter.max_concurrent()) +
                                              " in progress)"},
            0};
  }
  // From here on the thread waits on the network: its pool lets another thread serve meanwhile.
  const blocking::Region waiting;

  CallOutcome outcome{CallError{FailureKind::kTimeout, "deadline passed before the first attempt"},
                      0};
  const int max_attempts = std::max(options.retry.max_attempts, 1);
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    if (attempt > 1) {
      const milliseconds delay = Jittered(BackoffCap(options.retry, attempt - 1), random());
      // Never sleep into the deadline: if the wait leaves no room for a real attempt, the
      // previous outcome is the answer.
      if (Remaining(deadline, now()) - delay < kMinimumRetryTime) break;
      if (delay > milliseconds(0)) sleep(delay);
    }
    const milliseconds remaining = Remaining(deadline, now());
    if (remaining <= milliseconds(0) || (attempt > 1 && remaining < kMinimumRetryTime)) break;

    const Timeouts timeouts{std::min(options.connect_timeout, remaining), remaining};
    outcome.result = transport.Perform(make_request(attempt), timeouts);
    outcome.attempts = attempt;
    if (!IsRetryable(outcome.result)) break;
  }
  return outcome;
}

}  // namespace s3upload::outbound
