// A scripted outbound::Transport for the notify tests: it records every request and the timeouts
// it was given, and answers from a queue (the last answer repeats once the queue is down to one).
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "s3upload/outbound.h"

namespace s3upload::notify::notify_test {

inline outbound::HttpResponse Response(long status, std::string body = "") {
  outbound::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

inline outbound::CallError Error(outbound::FailureKind kind, std::string message) {
  return outbound::CallError{kind, std::move(message)};
}

class FakeTransport final : public outbound::Transport {
 public:
  struct Call {
    outbound::HttpRequest request;
    outbound::Timeouts timeouts;
  };

  explicit FakeTransport(std::vector<outbound::CallResult> answers)
      : answers_(answers.begin(), answers.end()) {}

  // Runs inside Perform, before the answer is returned (e.g. to move a fake clock on).
  void set_on_perform(std::function<void()> on_perform) { on_perform_ = std::move(on_perform); }

  outbound::CallResult Perform(const outbound::HttpRequest& request,
                               const outbound::Timeouts& timeouts) override {
    std::lock_guard<std::mutex> lock(mutex_);
    calls_.push_back({request, timeouts});
    if (on_perform_) on_perform_();
    outbound::CallResult answer = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    return answer;
  }

  std::vector<Call> calls() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return calls_;
  }

 private:
  mutable std::mutex mutex_;
  std::deque<outbound::CallResult> answers_;
  std::function<void()> on_perform_;
  std::vector<Call> calls_;
};

// Call options that never sleep and never wait for a permit, on a clock that only moves when a
// test moves it (`*clock`).
inline outbound::CallOptions TestOptions(std::chrono::steady_clock::time_point* clock) {
  outbound::CallOptions options;
  options.connect_timeout = std::chrono::milliseconds(700);
  options.deadline = std::chrono::milliseconds(5000);
  options.permit_wait = std::chrono::milliseconds(0);
  options.retry.max_attempts = 3;
  options.retry.base_delay = std::chrono::milliseconds(100);
  options.retry.max_delay = std::chrono::milliseconds(400);
  options.now = [clock] { return *clock; };
  options.sleep = [clock](std::chrono::milliseconds delay) { *clock += delay; };
  options.random = [] { return 0.5; };
  return options;
}

}  // namespace s3upload::notify::notify_test
