// limiter.cc: slots, the bounded wait, release by the Permit's destructor and by moves, and the cap
// holding under contention.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "s3upload/outbound.h"

namespace s3upload::outbound {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

TEST(LimiterTest, GivesAtMostMaxConcurrentPermits) {
  Limiter limiter(2);
  EXPECT_EQ(limiter.max_concurrent(), 2);
  std::optional<Limiter::Permit> a = limiter.TryAcquire(milliseconds(0));
  std::optional<Limiter::Permit> b = limiter.TryAcquire(milliseconds(0));
  EXPECT_TRUE(a.has_value());
  EXPECT_TRUE(b.has_value());
  EXPECT_EQ(limiter.in_use(), 2);
  EXPECT_FALSE(limiter.TryAcquire(milliseconds(0)).has_value());
  EXPECT_EQ(limiter.in_use(), 2);
}

TEST(LimiterTest, PermitIsReleasedOnDestruction) {
  Limiter limiter(1);
  {
    std::optional<Limiter::Permit> permit = limiter.TryAcquire(milliseconds(0));
    ASSERT_TRUE(permit.has_value());
    EXPECT_EQ(limiter.in_use(), 1);
  }
  EXPECT_EQ(limiter.in_use(), 0);
  EXPECT_TRUE(limiter.TryAcquire(milliseconds(0)).has_value());
  EXPECT_EQ(limiter.in_use(), 0);  // the temporary permit is gone again
}

TEST(LimiterTest, MovedPermitReleasesOnce) {
  Limiter limiter(2);
  std::optional<Limiter::Permit> first = limiter.TryAcquire(milliseconds(0));
  ASSERT_TRUE(first.has_value());
  {
    Limiter::Permit moved(std::move(*first));
    first.reset();  // the moved-from permit holds nothing
    EXPECT_EQ(limiter.in_use(), 1);
  }
  EXPECT_EQ(limiter.in_use(), 0);
}

TEST(LimiterTest, WaitsUpToTheGivenTimeThenGivesUp) {
  Limiter limiter(1);
  std::optional<Limiter::Permit> held = limiter.TryAcquire(milliseconds(0));
  ASSERT_TRUE(held.has_value());
  const auto start = Clock::now();
  EXPECT_FALSE(limiter.TryAcquire(milliseconds(100)).has_value());
  const auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, milliseconds(95));
  EXPECT_LT(elapsed, milliseconds(1000));
}

TEST(LimiterTest, WaiterGetsTheSlotWhenItIsFreed) {
  Limiter limiter(1);
  std::optional<Limiter::Permit> held = limiter.TryAcquire(milliseconds(0));
  ASSERT_TRUE(held.has_value());
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(50));
    held.reset();
  });
  const auto start = Clock::now();
  std::optional<Limiter::Permit> next = limiter.TryAcquire(milliseconds(5000));
  const auto elapsed = Clock::now() - start;
  releaser.join();
  EXPECT_TRUE(next.has_value());
  EXPECT_LT(elapsed, milliseconds(2000));
  EXPECT_EQ(limiter.in_use(), 1);
}

TEST(LimiterTest, CapHoldsUnderContention) {
  Limiter limiter(3);
  std::atomic<int> inside{0};
  std::atomic<int> most_inside{0};
  std::atomic<int> acquired{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        std::optional<Limiter::Permit> permit = limiter.TryAcquire(milliseconds(2000));
        if (!permit) continue;
        ++acquired;
        const int now_inside = ++inside;
        int seen = most_inside;
        while (now_inside > seen && !most_inside.compare_exchange_weak(seen, now_inside)) {
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        --inside;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(acquired, 8 * 50);
  EXPECT_LE(most_inside, 3);
  EXPECT_EQ(limiter.in_use(), 0);
}

TEST(LimiterTest, ZeroSlotsNeverGivesAPermit) {
  Limiter limiter(0);
  EXPECT_FALSE(limiter.TryAcquire(milliseconds(10)).has_value());
}

}  // namespace
}  // namespace s3upload::outbound
