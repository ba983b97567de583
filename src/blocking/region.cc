// The per-thread observer and nesting depth behind blocking::Region.
#include "s3upload/blocking.h"

namespace s3upload::blocking {
namespace {

thread_local Observer* thread_observer = nullptr;
thread_local int open_regions = 0;

}  // namespace

Observer* SetThreadObserver(Observer* observer) {
  Observer* previous = thread_observer;
  thread_observer = observer;
  return previous;
}

Region::Region() {
  if (open_regions++ == 0 && thread_observer != nullptr) thread_observer->BlockingStarted();
}

Region::~Region() { --open_regions; }

}  // namespace s3upload::blocking
