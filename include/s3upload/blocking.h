// blocking: a thread that is about to wait on another server says so, to the pool that runs it.
//
// Why: the FastCGI server keeps about as many serving threads as the machine has cores, because
// signing only needs CPU and every thread beyond that costs wake-ups and context switches. A
// request that waits seconds on S3 or a webhook would take one of those few threads away from
// signing. So the code that waits opens a Region for the wait, and the pool that runs the thread
// (fcgi::Server) lets a standby thread serve in its place meanwhile.
//
// Contract
// - SetThreadObserver installs the observer of the calling thread (the pool does it on each of its
//   threads) and returns the previous one. nullptr: regions on this thread do nothing.
// - Region: the outermost region on a thread calls the observer's BlockingStarted, on that thread,
//   when it opens; nested regions call nothing. Its end is not reported: the pool takes the thread
//   back when the thread next asks for work.
//
// Thread-safety: the observer and the nesting depth are per thread; a region is opened and closed
// on the same thread.
#pragma once

namespace s3upload::blocking {

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void BlockingStarted() = 0;
};

Observer* SetThreadObserver(Observer* observer);

class Region {
 public:
  Region();
  ~Region();
  Region(const Region&) = delete;
  Region& operator=(const Region&) = delete;
};

}  // namespace s3upload::blocking
