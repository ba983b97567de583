#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "s3upload/blocking.h"

namespace s3upload::blocking {
namespace {

class RecordingObserver final : public Observer {
 public:
  void BlockingStarted() override { events += "started;"; }
  std::string events;
};

// Installs an observer for the test's thread and removes it again.
class RegionTest : public ::testing::Test {
 protected:
  void SetUp() override { previous_ = SetThreadObserver(&observer_); }
  void TearDown() override { SetThreadObserver(previous_); }
  RecordingObserver observer_;
  Observer* previous_ = nullptr;
};

TEST_F(RegionTest, ARegionTellsTheObserverWhenItOpens) {
  {
    Region region;
    EXPECT_EQ(observer_.events, "started;");
  }
  Region next;  // outermost again once the first has closed
  EXPECT_EQ(observer_.events, "started;started;");
}

TEST_F(RegionTest, OnlyTheOutermostOfNestedRegionsIsReported) {
  {
    Region outer;
    { Region inner; }
    Region second_inner;
  }
  EXPECT_EQ(observer_.events, "started;");
  Region again;
  EXPECT_EQ(observer_.events, "started;started;");
}

TEST_F(RegionTest, AnotherThreadsRegionsAreNotThisObserversBusiness) {
  std::thread other([] { Region region; });
  other.join();
  EXPECT_EQ(observer_.events, "");
}

TEST(RegionWithoutObserverTest, DoesNothingAndSetThreadObserverReturnsThePreviousOne) {
  { Region region; }
  RecordingObserver first;
  RecordingObserver second;
  EXPECT_EQ(SetThreadObserver(&first), nullptr);
  EXPECT_EQ(SetThreadObserver(&second), &first);
  EXPECT_EQ(SetThreadObserver(nullptr), &second);
  { Region region; }
  EXPECT_EQ(first.events + second.events, "");
}

}  // namespace
}  // namespace s3upload::blocking
