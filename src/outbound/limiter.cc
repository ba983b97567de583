// Limiter: a counting semaphore with a bounded wait, so that a dead upstream can hold at most
// max_concurrent worker threads and every other caller gives up quickly instead of queueing.
#include <chrono>
#include <mutex>
#include <optional>

#include "s3upload/outbound.h"

namespace s3upload::outbound {

Limiter::Limiter(int max_concurrent) : max_concurrent_(max_concurrent) {}

Limiter::Permit::Permit(Permit&& other) noexcept : limiter_(other.limiter_) {
  // The moved-from permit no longer holds the slot, so its destructor must not release it.
  other.limiter_ = nullptr;
}

Limiter::Permit::~Permit() {
  if (limiter_ != nullptr) limiter_->Release();
}

std::optional<Limiter::Permit> Limiter::TryAcquire(std::chrono::milliseconds wait) {
  std::unique_lock lock(mutex_);
  // wait_for with a predicate copes with spurious wake-ups and with a slot that another waiter
  // took first; a zero or negative wait only checks once.
  if (!freed_.wait_for(lock, wait, [this] { return in_use_ < max_concurrent_; })) {
    return std::nullopt;
  }
  ++in_use_;
  return Permit(this);
}

int Limiter::in_use() const {
  std::lock_guard lock(mutex_);
  return in_use_;
}

void Limiter::Release() {
  {
    std::lock_guard lock(mutex_);
    --in_use_;
  }
  // One slot became free: one waiter can take it.
  freed_.notify_one();
}

}  // namespace s3upload::outbound
