// retries.cc: what is retried, how often, the backoff and its full jitter, the deadline (with an
// injected clock and sleep, so these do not depend on timing), the Limiter permit around the
// whole call; then a few real-time checks with libcurl against test_http_server.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "outbound/test_http_server.h"
#include "s3upload/blocking.h"
#include "s3upload/outbound.h"

namespace s3upload::outbound {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

HttpResponse Status(long status) { return HttpResponse{status, {}, ""}; }
CallError Failure(FailureKind kind) { return CallError{kind, "scripted"}; }

long StatusOf(const CallResult& result) {
  const auto* response = std::get_if<HttpResponse>(&result);
  return response != nullptr ? response->status : -1;
}

std::optional<FailureKind> KindOf(const CallResult& result) {
  const auto* error = std::get_if<CallError>(&result);
  if (error == nullptr) return std::nullopt;
  return error->kind;
}

// A clock that only moves when the code under test sleeps or the fake transport "works".
struct FakeTime {
  Clock::time_point now = Clock::time_point() + std::chrono::hours(1);
  std::vector<milliseconds> sleeps;

  void Install(CallOptions& options) {
    options.now = [this] { return now; };
    options.sleep = [this](milliseconds d) {
      sleeps.push_back(d);
      now += d;
    };
  }
};

// Answers from a script (the last entry repeats); each exchange takes `duration` of fake time,
// or the whole total timeout if that is shorter (as a real transport would time out).
class ScriptedTransport final : public Transport {
 public:
  ScriptedTransport(FakeTime& time, std::vector<CallResult> script,
                    milliseconds duration = milliseconds(10), const Limiter* limiter = nullptr)
      : time_(time), script_(std::move(script)), duration_(duration), limiter_(limiter) {}

  CallResult Perform(const HttpRequest& request, const Timeouts& timeouts) override {
    requests.push_back(request);
    timeouts_seen.push_back(timeouts);
    started_at.push_back(time_.now);
    if (limiter_ != nullptr) in_use_seen.push_back(limiter_->in_use());
    time_.now += std::min(duration_, timeouts.total);
    const std::size_t i = std::min(requests.size() - 1, script_.size() - 1);
    return script_[i];
  }

  std::vector<HttpRequest> requests;
  std::vector<Timeouts> timeouts_seen;
  std::vector<Clock::time_point> started_at;
  std::vector<int> in_use_seen;

 private:
  FakeTime& time_;
  std::vector<CallResult> script_;
  milliseconds duration_;
  const Limiter* limiter_;
};

HttpRequest NumberedRequest(int attempt) {
  return HttpRequest{
      "GET", "http://example.invalid/", {{"x-attempt", std::to_string(attempt)}}, ""};
}

CallOptions Options(int max_attempts, milliseconds deadline = milliseconds(60000)) {
  CallOptions options;
  options.deadline = deadline;
  options.connect_timeout = milliseconds(2000);
  options.retry.max_attempts = max_attempts;
  options.retry.base_delay = milliseconds(100);
  options.retry.max_delay = milliseconds(1000);
  options.random = [] { return 0.5; };
  return options;
}

TEST(IsRetryableTest, FailuresAnd5xxButNever4xxOrBusy) {
  EXPECT_TRUE(IsRetryable(Failure(FailureKind::kConnect)));
  EXPECT_TRUE(IsRetryable(Failure(FailureKind::kTimeout)));
  EXPECT_TRUE(IsRetryable(Failure(FailureKind::kProtocol)));
  EXPECT_FALSE(IsRetryable(Failure(FailureKind::kBusy)));
  for (long status : {500L, 502L, 503L, 504L, 599L}) EXPECT_TRUE(IsRetryable(Status(status)));
  for (long status : {200L, 204L, 301L, 304L, 400L, 403L, 404L, 409L, 429L, 499L}) {
    EXPECT_FALSE(IsRetryable(Status(status))) << status;
  }
}

TEST(CallWithRetriesTest, A503ThenSuccessTakesTwoAttempts) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(503), Status(200)});
  Limiter limiter(4);
  CallOptions options = Options(3);
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(StatusOf(outcome.result), 200);
  EXPECT_EQ(outcome.attempts, 2);
  ASSERT_EQ(transport.requests.size(), 2u);
  // The request is rebuilt for every attempt.
  EXPECT_EQ(transport.requests[0].headers[0].second, "1");
  EXPECT_EQ(transport.requests[1].headers[0].second, "2");
  EXPECT_EQ(time.sleeps.size(), 1u);
}

TEST(CallWithRetriesTest, PersistentServerErrorStopsAtMaxAttempts) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(500)});
  Limiter limiter(4);
  CallOptions options = Options(4);
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(StatusOf(outcome.result), 500);
  EXPECT_EQ(outcome.attempts, 4);
  EXPECT_EQ(transport.requests.size(), 4u);
  EXPECT_EQ(time.sleeps.size(), 3u);
}

TEST(CallWithRetriesTest, ClientErrorsAreNotRetried) {
  for (long status : {400L, 403L, 404L, 429L}) {
    FakeTime time;
    ScriptedTransport transport(time, {Status(status), Status(200)});
    Limiter limiter(4);
    CallOptions options = Options(5);
    time.Install(options);
    const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
    EXPECT_EQ(StatusOf(outcome.result), status);
    EXPECT_EQ(outcome.attempts, 1) << status;
    EXPECT_TRUE(time.sleeps.empty());
  }
}

TEST(CallWithRetriesTest, ConnectTimeoutAndProtocolFailuresAreRetried) {
  FakeTime time;
  ScriptedTransport transport(time, {Failure(FailureKind::kConnect), Failure(FailureKind::kTimeout),
                                     Failure(FailureKind::kProtocol), Status(204)});
  Limiter limiter(4);
  CallOptions options = Options(4);
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(StatusOf(outcome.result), 204);
  EXPECT_EQ(outcome.attempts, 4);
}

TEST(CallWithRetriesTest, LastFailureIsReturnedWhenAttemptsRunOut) {
  FakeTime time;
  ScriptedTransport transport(time, {Failure(FailureKind::kConnect)});
  Limiter limiter(4);
  CallOptions options = Options(2);
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(KindOf(outcome.result), FailureKind::kConnect);
  EXPECT_EQ(outcome.attempts, 2);
}

TEST(CallWithRetriesTest, MaxAttemptsBelowOneStillMakesOneAttempt) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(503)});
  Limiter limiter(4);
  CallOptions options = Options(0);
  time.Install(options);
  EXPECT_EQ(CallWithRetries(transport, limiter, NumberedRequest, options).attempts, 1);
}

TEST(CallWithRetriesTest, BackoffDoublesFromTheBaseAndIsCapped) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(503)});
  Limiter limiter(4);
  CallOptions options = Options(7);
  options.random = [] { return 0.5; };
  time.Install(options);
  CallWithRetries(transport, limiter, NumberedRequest, options);
  // Caps 100, 200, 400, 800, 1000, 1000; half of each.
  const std::vector<milliseconds> expected = {milliseconds(50),  milliseconds(100),
                                              milliseconds(200), milliseconds(400),
                                              milliseconds(500), milliseconds(500)};
  EXPECT_EQ(time.sleeps, expected);
}

TEST(CallWithRetriesTest, FullJitterSpansZeroToTheCap) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(503)});
  Limiter limiter(4);
  CallOptions options = Options(5);
  std::deque<double> randoms = {0.0, 0.25, 0.999999, 0.75};
  options.random = [&randoms] {
    const double r = randoms.front();
    randoms.pop_front();
    return r;
  };
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(outcome.attempts, 5);
  // A zero wait is no sleep at all; then 1/4 of 200, just under 400, 3/4 of 800.
  const std::vector<milliseconds> expected = {milliseconds(50), milliseconds(399),
                                              milliseconds(600)};
  EXPECT_EQ(time.sleeps, expected);
  // Attempt 2 started right after attempt 1.
  EXPECT_EQ(transport.started_at[1] - transport.started_at[0], milliseconds(10));
}

TEST(CallWithRetriesTest, DefaultRandomJitterStaysWithinTheCap) {
  const std::vector<milliseconds> caps = {milliseconds(100), milliseconds(200), milliseconds(400),
                                          milliseconds(800)};
  std::vector<std::vector<milliseconds>> by_retry(caps.size());
  for (int call = 0; call < 200; ++call) {
    FakeTime time;
    ScriptedTransport transport(time, {Status(500)});
    Limiter limiter(1);
    CallOptions options = Options(5);
    options.random = nullptr;  // the built-in thread-local generator
    time.Install(options);
    const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
    ASSERT_EQ(outcome.attempts, 5);
    // Reconstruct each wait from the attempt start times (a zero wait has no sleep call).
    for (std::size_t i = 1; i < transport.started_at.size(); ++i) {
      const auto wait = std::chrono::duration_cast<milliseconds>(
          transport.started_at[i] - transport.started_at[i - 1] - milliseconds(10));
      by_retry[i - 1].push_back(wait);
    }
  }
  for (std::size_t r = 0; r < caps.size(); ++r) {
    const auto [low, high] = std::minmax_element(by_retry[r].begin(), by_retry[r].end());
    EXPECT_GE(*low, milliseconds(0)) << r;
    EXPECT_LE(*high, caps[r]) << r;
    // Uniform over [0, cap]: 200 draws land in both halves.
    EXPECT_LT(*low, caps[r] / 2) << r;
    EXPECT_GT(*high, caps[r] / 2) << r;
  }
}

TEST(CallWithRetriesTest, EachAttemptGetsOnlyTheTimeThatIsLeft) {
  FakeTime time;
  // Every exchange takes 400 ms (or times out earlier at its total).
  ScriptedTransport transport(time, {Failure(FailureKind::kTimeout)}, milliseconds(400));
  Limiter limiter(4);
  CallOptions options = Options(10, milliseconds(1000));
  options.connect_timeout = milliseconds(300);
  options.random = [] { return 0.0; };
  time.Install(options);
  const Clock::time_point start = time.now;
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(KindOf(outcome.result), FailureKind::kTimeout);
  ASSERT_EQ(outcome.attempts, 3);
  EXPECT_EQ(transport.timeouts_seen[0].total, milliseconds(1000));
  EXPECT_EQ(transport.timeouts_seen[0].connect, milliseconds(300));
  EXPECT_EQ(transport.timeouts_seen[1].total, milliseconds(600));
  EXPECT_EQ(transport.timeouts_seen[1].connect, milliseconds(300));
  EXPECT_EQ(transport.timeouts_seen[2].total, milliseconds(200));
  EXPECT_EQ(transport.timeouts_seen[2].connect, milliseconds(200));
  EXPECT_EQ(time.now - start, milliseconds(1000));
}

TEST(CallWithRetriesTest, NeverSleepsPastTheDeadline) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(503)}, milliseconds(500));
  Limiter limiter(4);
  CallOptions options = Options(5, milliseconds(1000));
  options.retry.base_delay = milliseconds(1000);
  options.random = [] { return 0.99; };  // a 990 ms wait, with 500 ms left
  time.Install(options);
  const Clock::time_point start = time.now;
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(StatusOf(outcome.result), 503);
  EXPECT_EQ(outcome.attempts, 1);
  EXPECT_TRUE(time.sleeps.empty());
  EXPECT_LE(time.now - start, milliseconds(1000));
}

TEST(CallWithRetriesTest, NoRetryWhenTooLittleTimeIsLeft) {
  FakeTime time;
  ScriptedTransport transport(time, {Failure(FailureKind::kConnect)}, milliseconds(995));
  Limiter limiter(4);
  CallOptions options = Options(5, milliseconds(1000));
  options.random = [] { return 0.0; };
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(KindOf(outcome.result), FailureKind::kConnect);  // the last real outcome
  EXPECT_EQ(outcome.attempts, 1);
}

TEST(CallWithRetriesTest, RetriesWhileTimeRemains) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(502)}, milliseconds(100));
  Limiter limiter(4);
  CallOptions options = Options(100, milliseconds(1000));
  options.retry.base_delay = milliseconds(100);
  options.retry.max_delay = milliseconds(100);
  options.random = [] { return 0.5; };  // 50 ms between attempts
  time.Install(options);
  const Clock::time_point start = time.now;
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(StatusOf(outcome.result), 502);
  // Attempts start at 0, 150, ..., 900 ms; the 7th, at 900, still gets its 100 ms.
  EXPECT_EQ(outcome.attempts, 7);
  for (const Clock::time_point& at : transport.started_at)
    EXPECT_LT(at - start, milliseconds(1000));
  EXPECT_LE(time.now - start, milliseconds(1000));
}

TEST(CallWithRetriesTest, SpentDeadlineMakesNoAttempt) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(200)});
  Limiter limiter(4);
  CallOptions options = Options(3, milliseconds(0));
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(KindOf(outcome.result), FailureKind::kTimeout);
  EXPECT_EQ(outcome.attempts, 0);
  EXPECT_TRUE(transport.requests.empty());
}

TEST(CallWithRetriesTest, OnePermitIsHeldForTheWholeCall) {
  FakeTime time;
  Limiter limiter(2);
  ScriptedTransport transport(time, {Status(500), Status(500), Status(200)}, milliseconds(10),
                              &limiter);
  CallOptions options = Options(3);
  time.Install(options);
  const CallOutcome outcome = CallWithRetries(transport, limiter, NumberedRequest, options);
  EXPECT_EQ(outcome.attempts, 3);
  EXPECT_EQ(transport.in_use_seen, (std::vector<int>{1, 1, 1}));
  EXPECT_EQ(limiter.in_use(), 0);
}

TEST(CallWithRetriesTest, BusyWithoutAnAttemptWhenNoPermitComes) {
  FakeTime time;
  ScriptedTransport transport(time, {Status(200)});
  Limiter limiter(1);
  std::optional<Limiter::Permit> held = limiter.TryAcquire(milliseconds(0));
  ASSERT_TRUE(held.has_value());
  CallOptions options = Options(3);
  options.permit_wait = milliseconds(30);
  time.Install(options);
  int built = 0;
  const auto start = Clock::now();
  const CallOutcome outcome = CallWithRetries(
      transport, limiter,
      [&](int attempt) {
        ++built;
        return NumberedRequest(attempt);
      },
      options);
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(KindOf(outcome.result), FailureKind::kBusy);
  EXPECT_EQ(outcome.attempts, 0);
  EXPECT_EQ(built, 0);
  EXPECT_TRUE(transport.requests.empty());
  EXPECT_GE(elapsed, milliseconds(25));
  EXPECT_LT(elapsed, milliseconds(1000));
  EXPECT_EQ(limiter.in_use(), 1);
}

// The thread's pool hears of the wait (blocking.h) once per call, around every attempt and the
// backoff sleeps between them; a call refused for want of a permit makes no wait to announce.
TEST(CallWithRetriesTest, TheWholeCallIsOneBlockingRegion) {
  struct Recorder final : blocking::Observer {
    void BlockingStarted() override { events += "started;"; }
    std::string events;
  } recorder;
  blocking::Observer* const previous = blocking::SetThreadObserver(&recorder);
  FakeTime time;
  ScriptedTransport transport(time, {Status(500), Status(200)});
  CallOptions options = Options(3);
  time.Install(options);
  Limiter limiter(1);
  options.sleep = [&](milliseconds d) {
    recorder.events += "sleep;";
    time.now += d;
  };
  CallWithRetries(
      transport, limiter,
      [&](int attempt) {
        recorder.events += "attempt;";
        return NumberedRequest(attempt);
      },
      options);
  { blocking::Region after; }  // reported: the call's region has closed
  EXPECT_EQ(recorder.events, "started;attempt;sleep;attempt;started;");
  recorder.events.clear();
  std::optional<Limiter::Permit> held = limiter.TryAcquire(milliseconds(0));
  options.permit_wait = milliseconds(0);
  EXPECT_EQ(KindOf(CallWithRetries(transport, limiter, NumberedRequest, options).result),
            FailureKind::kBusy);
  EXPECT_EQ(recorder.events, "");
  blocking::SetThreadObserver(previous);
}

// ---------------------------------------------------------------------------------------------
// Real time, real libcurl
// ---------------------------------------------------------------------------------------------

TEST(CallWithRetriesRealTimeTest, DeadlineHoldsAgainstAServerThatNeverAnswers) {
  test::TestHttpServer server([](const test::ReceivedRequest&) {
    test::CannedReply reply;
    reply.action = test::CannedReply::Action::kHang;
    return reply;
  });
  auto transport = NewCurlTransport();
  Limiter limiter(4);
  CallOptions options;
  options.deadline = milliseconds(400);
  options.connect_timeout = milliseconds(200);
  options.retry = RetryPolicy{5, milliseconds(10), milliseconds(20)};
  const auto start = Clock::now();
  const CallOutcome outcome = CallWithRetries(
      *transport, limiter,
      [&](int) {
        return HttpRequest{"GET", server.Url("/"), {}, ""};
      },
      options);
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(KindOf(outcome.result), FailureKind::kTimeout);
  EXPECT_EQ(outcome.attempts, 1);  // the first attempt used the whole deadline
  EXPECT_GE(elapsed, milliseconds(380));
  EXPECT_LT(elapsed, milliseconds(400 + 800));
}

TEST(CallWithRetriesRealTimeTest, RefusedConnectionsAreRetriedUntilTheDeadline) {
  test::ClosedPort port;
  auto transport = NewCurlTransport();
  Limiter limiter(4);
  CallOptions options;
  options.deadline = milliseconds(300);
  options.retry = RetryPolicy{1000, milliseconds(20), milliseconds(40)};
  const auto start = Clock::now();
  const CallOutcome outcome = CallWithRetries(
      *transport, limiter,
      [&](int) {
        return HttpRequest{"GET", port.Url("/"), {}, ""};
      },
      options);
  const auto elapsed = Clock::now() - start;
  EXPECT_EQ(KindOf(outcome.result), FailureKind::kConnect);
  EXPECT_GT(outcome.attempts, 2);
  EXPECT_LT(outcome.attempts, 1000);
  EXPECT_LT(elapsed, milliseconds(300 + 500));
}

TEST(CallWithRetriesRealTimeTest, EightThreadsShareTheCapAndTheConnections) {
  test::TestHttpServer server([](const test::ReceivedRequest&) {
    test::CannedReply reply;
    reply.body = "ok";
    reply.delay = milliseconds(3);
    return reply;
  });
  auto transport = NewCurlTransport();
  Limiter limiter(4);
  CallOptions options;
  options.permit_wait = milliseconds(10000);
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 15; ++i) {
        const CallOutcome outcome = CallWithRetries(
            *transport, limiter,
            [&](int) {
              return HttpRequest{"GET", server.Url("/"), {}, ""};
            },
            options);
        if (StatusOf(outcome.result) == 200 && outcome.attempts == 1) ++good;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(good, 8 * 15);
  EXPECT_LE(server.max_in_flight(), 4);
  // No more handles in use than permits, each keeping its keep-alive connection.
  EXPECT_LE(server.accepted_connections(), 4);
  EXPECT_EQ(limiter.in_use(), 0);
}

}  // namespace
}  // namespace s3upload::outbound
