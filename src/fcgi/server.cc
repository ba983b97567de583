// The FastCGI server: worker threads that all wait in epoll_wait on one shared epoll set holding
// the listening socket and every idle connection; the thread that epoll wakes for a connection
// serves its request itself.
//
// Why not the classic libfcgi loop (each thread blocking in FCGX_Accept_r)? With nginx's
// fastcgi_keep_conn, FCGX_Accept_r on a kept-alive connection blocks until the web server sends the
// next request on that very connection, so every idle cached connection pins a thread, and once
// threads <= cached connections, new connections starve. Here a thread is only ever busy with a
// request whose first bytes have already arrived: idle connections cost a file descriptor, not a
// thread, and a peer that connects and sends nothing never occupies a worker.
//
// Why no dispatcher thread? A dispatcher that owns the epoll set and hands ready connections to
// workers (and gets kept-alive ones back) costs every request two thread hand-offs: a wake-up of a
// worker, a wake-up of the dispatcher, and the context switches in between, which on a small
// machine are a large share of the whole request. With the workers in epoll_wait themselves the
// kernel does the hand-off: it wakes one waiting thread per ready event, and a worker that finishes
// a request picks the next ready connection without sleeping at all.
//
// What keeps that safe:
// - Every connection is registered EPOLLONESHOT: an event disarms it, so exactly one worker gets
//   it, and nothing else watches the connection while that worker reads, handles and answers. The
//   worker re-arms a kept-alive connection (EPOLL_CTL_MOD) after FCGX_Finish_r.
// - The listening socket is EPOLLONESHOT too: one worker accepts at most kAcceptBatch connections
//   and re-arms it, so a burst of connections never wakes every thread into accept(), and one
//   thread never accepts a long burst while the connections it already accepted, being in the
//   epoll set, are taken up by the others.
// - Idle connections are closed by whichever worker the housekeeping timer (a oneshot timerfd in
//   the same set) wakes. A slot per file descriptor, under slots_mutex_, says who owns a
//   connection, and an event carries the slot's generation: a worker only serves a connection it
//   could claim while it was idle, so an event that raced with housekeeping closing it (or with the
//   descriptor being reused for a new connection) is dropped.
// - Stop writes an eventfd that stays readable (level-triggered, never read): every worker, now and
//   in every later epoll_wait, wakes up, serves the requests that have already arrived, and
//   leaves.
//
// Serving places: at most options_.threads workers wait for or serve requests at once; the
// options_.standby_threads others sleep on pool_changed_. A worker about to wait on another server
// (blocking::Region, opened by outbound calls) gives its place up and wakes a standby, which serves
// meanwhile; once its request is answered, the worker takes a free place again or sleeps. Only an
// outbound call touches pool_mutex_: a worker that keeps its place never does.
//
// libfcgi still does all of the protocol work: a worker gives it an already accepted connection by
// setting FCGX_Request::ipcFd before FCGX_Accept_r (which only accepts when ipcFd < 0), and takes a
// kept-alive connection back out after FCGX_Finish_r. The request object's listen_sock is -1, so
// libfcgi itself can never block in accept(): when a connection fails, FCGX_Accept_r closes it and
// returns an error at once.
#include <fcgiapp.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fcgi/request_io.h"
#include "fcgi/request_log.h"
#include "s3upload/blocking.h"
#include "s3upload/fcgi.h"
#include "s3upload/log.h"

namespace s3upload::fcgi {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How often a worker wakes up to close expired idle connections even when nothing else happens
// (and to resume accepting after a pause).
constexpr auto kHousekeepingInterval = std::chrono::milliseconds(500);
// After running out of file descriptors, how long to wait before accepting again.
constexpr auto kAcceptPauseAfterEmfile = std::chrono::milliseconds(500);
// Connections one worker accepts before it re-arms the listening socket for the others.
constexpr int kAcceptBatch = 16;
// Events a stopping worker takes per epoll_wait while it serves what has already arrived.
constexpr int kDrainBatch = 16;

// epoll_event.data: a connection is its descriptor and its slot's generation (31 bits, so that the
// top bit is free); the server's own descriptors have the top bit set.
constexpr std::uint64_t kListenToken = std::uint64_t{1} << 63;
constexpr std::uint64_t kWakeToken = kListenToken | 1;
constexpr std::uint64_t kTimerToken = kListenToken | 2;
constexpr std::uint32_t kGenerationMask = 0x7fffffff;

std::uint64_t ConnectionToken(int fd, std::uint32_t generation) {
  return (std::uint64_t{generation} << 32) | static_cast<std::uint32_t>(fd);
}

void SetTimeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

}  // namespace

class Server::Impl {
 public:
  Impl(ListeningSocket socket, ServerOptions options, RequestHandler& handler)
      : socket_(std::move(socket)),
        options_(options),
        handler_(handler),
        // Made here, not in Run: a Stop() that comes before Run must still wake the workers.
        wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  ~Impl() {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (timer_fd_ >= 0) ::close(timer_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status Run();
  void Stop();

 private:
  // Who has a connection. Only kIdle connections may be closed by someone other than their owner.
  enum class SlotState : std::uint8_t {
    kClosed,  // no connection of ours (or one libfcgi closed while a worker had it)
    kArming,  // a worker is registering or re-arming it; an event for it may already be under way
    kIdle,    // armed in the epoll set, nobody has it
    kBusy,    // a worker claimed it and is serving a request on it
  };
  struct Slot {
    std::uint32_t generation = 0;
    SlotState state = SlotState::kClosed;
    SteadyClock::time_point deadline{};  // when an idle connection is closed
  };

  // A worker's serving place, and its blocking::Observer: it gives the place up when the worker
  // starts waiting on another server.
  class Place final : public blocking::Observer {
   public:
    explicit Place(Impl& server) : server_(server) { blocking::SetThreadObserver(this); }
    ~Place() override { blocking::SetThreadObserver(nullptr); }
    Place(const Place&) = delete;
    Place& operator=(const Place&) = delete;
    // Waits for a free place, or until the server is stopping (the worker then drains without one).
    void Take();
    bool held() const { return held_; }
    void BlockingStarted() override;  // the place is taken back after the request (WorkerLoop)

   private:
    Impl& server_;
    bool held_ = false;
  };

  void WorkerLoop();
  // Returns true when it served a request.
  bool HandleEvent(const epoll_event& event, bool stopping);
  void AcceptPending();
  void Housekeep();
  void StopAccepting();
  void RearmListener();

  // Connection slots.
  std::uint32_t Register(int fd);
  void Arm(int fd, std::uint32_t generation, SteadyClock::time_point deadline, int op);
  bool Claim(int fd, std::uint32_t generation);
  void CloseClaimed(int fd, std::uint32_t generation);
  void CloseIdleConnections(bool only_expired);

  void ServeConnection(int fd, std::uint32_t generation, std::uint32_t events);
  // Serves one request; returns the connection if it is kept alive, else -1 (libfcgi closed it).
  int ServeOneRequest(int fd);

  ListeningSocket socket_;
  const ServerOptions options_;
  RequestHandler& handler_;
  int wake_fd_ = -1;
  int epoll_fd_ = -1;
  int timer_fd_ = -1;
  std::atomic<bool> stopping_{false};

  // Accepting: one thread at a time, and never while the listening socket is being closed.
  std::mutex accept_mutex_;
  bool listening_ = false;        // the socket is in the epoll set
  bool socket_released_ = false;  // StopAccepting ran: the socket is no longer ours to use
  bool accept_paused_ = false;    // out of descriptors: not re-armed until accept_resumes_
  SteadyClock::time_point accept_resumes_{};

  std::mutex slots_mutex_;
  std::vector<Slot> slots_;  // indexed by file descriptor

  std::mutex pool_mutex_;
  std::condition_variable pool_changed_;  // a place became free, or the server is stopping
  int places_taken_ = 0;
};

Status Server::Impl::Run() {
  // When libfcgi closes a connection it half-closes it and then waits for the peer to close too, up
  // to this many milliseconds (default 2000), on the worker thread. nginx closes at once; a peer
  // that does not would hold a worker for two seconds after every request. An operator's own
  // setting wins.
  ::setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "200", /*overwrite=*/0);
  if (FCGX_Init() != 0) return Status::Error("FCGX_Init failed");
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  timer_fd_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
  if (epoll_fd_ < 0 || timer_fd_ < 0 || wake_fd_ < 0) {
    return Status::Error(std::string("epoll/eventfd/timerfd: ") + std::strerror(errno));
  }
  // Level-triggered and never read: once Stop() wrote it, every epoll_wait returns at once.
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = kWakeToken;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
  const auto interval = std::chrono::duration_cast<std::chrono::nanoseconds>(kHousekeepingInterval);
  itimerspec period{};
  period.it_interval.tv_sec = static_cast<time_t>(interval.count() / 1'000'000'000);
  period.it_interval.tv_nsec = static_cast<long>(interval.count() % 1'000'000'000);
  period.it_value = period.it_interval;
  ::timerfd_settime(timer_fd_, 0, &period, nullptr);
  // Oneshot: one worker at a time does the housekeeping, and re-arms the timer when done.
  epoll_event timer{};
  timer.events = EPOLLIN | EPOLLONESHOT;
  timer.data.u64 = kTimerToken;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, timer_fd_, &timer);
  {
    std::lock_guard lock(accept_mutex_);
    if (!socket_released_) {  // else Stop() came first: serve nothing
      // Several processes may share an inherited socket (spawn-fcgi -F): accept must never block.
      const int flags = ::fcntl(socket_.fd, F_GETFL);
      if (flags < 0 || ::fcntl(socket_.fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        return Status::Error(std::string("cannot make the listening socket non-blocking: ") +
                             std::strerror(errno));
      }
      epoll_event listen{};
      listen.events = EPOLLIN | EPOLLONESHOT;
      listen.data.u64 = kListenToken;
      if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, socket_.fd, &listen) != 0) {
        return Status::Error(std::string("epoll: ") + std::strerror(errno));
      }
      listening_ = true;
    }
  }

  const int all_workers = options_.threads + options_.standby_threads;
  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(all_workers));
  for (int i = 0; i < all_workers; ++i) workers.emplace_back([this] { WorkerLoop(); });
  for (std::thread& worker : workers) worker.join();

  // Every worker has left: what is still idle (no request arrived on it in time) is closed.
  StopAccepting();
  CloseIdleConnections(/*only_expired=*/false);
  log::Flush();
  return Status::Ok();
}

void Server::Impl::Stop() {
  if (stopping_.exchange(true)) return;
  // No new connections from now on, also while every worker is busy with a long request.
  StopAccepting();
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
  // Standby workers wake up to help drain. The lock orders this after any waiter's check of
  // stopping_, so none of them misses the notification.
  { std::lock_guard lock(pool_mutex_); }
  pool_changed_.notify_all();
}

void Server::Impl::Place::Take() {
  std::unique_lock lock(server_.pool_mutex_);
  server_.pool_changed_.wait(lock, [this] {
    return server_.places_taken_ < server_.options_.threads || server_.stopping_.load();
  });
  if (server_.places_taken_ >= server_.options_.threads) return;
  ++server_.places_taken_;
  held_ = true;
}

void Server::Impl::Place::BlockingStarted() {
  if (!held_) return;  // a standby that is serving without a place, or a second call
  held_ = false;
  {
    std::lock_guard lock(server_.pool_mutex_);
    --server_.places_taken_;
  }
  server_.pool_changed_.notify_one();
}

void Server::Impl::StopAccepting() {
  std::lock_guard lock(accept_mutex_);
  if (socket_released_) return;
  socket_released_ = true;
  if (listening_) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, socket_.fd, nullptr);
  listening_ = false;
  // A socket we created goes away at once, so that clients are refused instead of queueing behind a
  // process that is leaving. Sockets from systemd or a parent stay theirs: systemd keeps queueing
  // connections for the next start.
  if (socket_.origin == ListeningSocket::Origin::kListenFlag) {
    if (!socket_.unix_path.empty()) ::unlink(socket_.unix_path.c_str());
    ::close(socket_.fd);
  }
}

void Server::Impl::WorkerLoop() {
  Place place(*this);
  std::array<epoll_event, kDrainBatch> events{};
  for (;;) {
    if (!place.held()) place.Take();  // sleeps while every place is taken; not when stopping
    const bool stopping = stopping_.load();
    // One event at a time while serving: a worker that took two ready connections would make the
    // second wait for the first request while other workers may be idle. Stopping, without
    // blocking: whatever has arrived is served (the wake-up event is always among the ready ones).
    const int n =
        ::epoll_wait(epoll_fd_, events.data(), stopping ? kDrainBatch : 1, stopping ? 0 : -1);
    if (n < 0 && errno != EINTR) {
      log::Write(log::Level::kError, "epoll_wait failed", {{"error", std::strerror(errno)}});
      if (stopping) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // never spin
      continue;
    }
    bool served = false;
    for (int i = 0; i < n; ++i) {
      served = HandleEvent(events[static_cast<std::size_t>(i)], stopping) || served;
    }
    if (stopping && !served) return;
  }
}

bool Server::Impl::HandleEvent(const epoll_event& event, bool stopping) {
  const std::uint64_t token = event.data.u64;
  if (token == kWakeToken) return false;
  if (token == kListenToken) {
    if (!stopping) AcceptPending();
    return false;
  }
  if (token == kTimerToken) {
    if (!stopping) Housekeep();
    return false;
  }
  const int fd = static_cast<int>(token & 0xffffffff);
  const auto generation = static_cast<std::uint32_t>(token >> 32);
  if (!Claim(fd, generation)) return false;  // closed by housekeeping meanwhile
  ServeConnection(fd, generation, event.events);
  return true;
}

void Server::Impl::AcceptPending() {
  std::lock_guard lock(accept_mutex_);
  if (!listening_) return;
  for (int accepted = 0; accepted < kAcceptBatch;) {
    const int fd = ::accept4(socket_.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      ++accepted;
      SetTimeouts(fd, options_.io_timeout);
      const int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  // fails harmlessly on unix
      // A new connection gets io_timeout to send its first request.
      Arm(fd, Register(fd), SteadyClock::now() + options_.io_timeout, EPOLL_CTL_ADD);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      log::Write(log::Level::kError, "out of file descriptors or memory; pausing accept",
                 {{"error", std::strerror(errno)}});
      // Left disarmed: housekeeping re-arms it once the pause is over.
      accept_paused_ = true;
      accept_resumes_ = SteadyClock::now() + kAcceptPauseAfterEmfile;
      return;
    }
    log::Write(log::Level::kError, "accept failed", {{"error", std::strerror(errno)}});
    break;
  }
  RearmListener();
}

// With accept_mutex_ held and listening_ true.
void Server::Impl::RearmListener() {
  epoll_event listen{};
  listen.events = EPOLLIN | EPOLLONESHOT;
  listen.data.u64 = kListenToken;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, socket_.fd, &listen);
}

void Server::Impl::Housekeep() {
  std::uint64_t expirations = 0;
  [[maybe_unused]] const ssize_t r = ::read(timer_fd_, &expirations, sizeof expirations);
  {
    std::lock_guard lock(accept_mutex_);
    if (accept_paused_ && listening_ && SteadyClock::now() >= accept_resumes_) {
      accept_paused_ = false;
      RearmListener();
    }
  }
  CloseIdleConnections(/*only_expired=*/true);
  log::Flush();  // buffered lines (log.h) wait at most one interval
  epoll_event timer{};
  timer.events = EPOLLIN | EPOLLONESHOT;
  timer.data.u64 = kTimerToken;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, timer_fd_, &timer);
}

// A descriptor accept() just returned: whatever its slot said is stale (the kernel only reuses a
// number once the connection that had it is closed), so the slot starts over with a new generation.
std::uint32_t Server::Impl::Register(int fd) {
  std::lock_guard lock(slots_mutex_);
  const auto index = static_cast<std::size_t>(fd);
  if (index >= slots_.size()) slots_.resize(index + 1);
  Slot& slot = slots_[index];
  slot.generation = (slot.generation + 1) & kGenerationMask;
  slot.state = SlotState::kArming;
  return slot.generation;
}

// Puts a connection (registered, or claimed by the caller) into the epoll set, armed for its next
// request. The slot is kArming around epoll_ctl: housekeeping leaves it alone (it might otherwise
// close the descriptor between the two, and epoll_ctl reach a new connection under the same
// number), while a worker woken by the event may already claim it.
void Server::Impl::Arm(int fd, std::uint32_t generation, SteadyClock::time_point deadline, int op) {
  {
    std::lock_guard lock(slots_mutex_);
    Slot& slot = slots_[static_cast<std::size_t>(fd)];
    slot.state = SlotState::kArming;
    slot.deadline = deadline;
  }
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  event.data.u64 = ConnectionToken(fd, generation);
  const bool armed = ::epoll_ctl(epoll_fd_, op, fd, &event) == 0;
  std::lock_guard lock(slots_mutex_);
  Slot& slot = slots_[static_cast<std::size_t>(fd)];
  if (slot.generation != generation || slot.state != SlotState::kArming) return;  // claimed
  if (armed) {
    slot.state = SlotState::kIdle;
  } else {
    slot.state = SlotState::kClosed;
    ::close(fd);
  }
}

bool Server::Impl::Claim(int fd, std::uint32_t generation) {
  std::lock_guard lock(slots_mutex_);
  const auto index = static_cast<std::size_t>(fd);
  if (index >= slots_.size()) return false;
  Slot& slot = slots_[index];
  if (slot.generation != generation ||
      (slot.state != SlotState::kIdle && slot.state != SlotState::kArming)) {
    return false;
  }
  slot.state = SlotState::kBusy;
  return true;
}

void Server::Impl::CloseClaimed(int fd, std::uint32_t generation) {
  {
    std::lock_guard lock(slots_mutex_);
    Slot& slot = slots_[static_cast<std::size_t>(fd)];
    if (slot.generation == generation) slot.state = SlotState::kClosed;
  }
  ::close(fd);  // also takes it out of the epoll set (the descriptor is never duplicated)
}

void Server::Impl::CloseIdleConnections(bool only_expired) {
  std::vector<int> closing;
  {
    const auto now = SteadyClock::now();
    std::lock_guard lock(slots_mutex_);
    for (std::size_t fd = 0; fd < slots_.size(); ++fd) {
      Slot& slot = slots_[fd];
      if (slot.state != SlotState::kIdle || (only_expired && slot.deadline > now)) continue;
      // kClosed before the descriptor is: an event already taken for it can no longer be claimed.
      slot.state = SlotState::kClosed;
      closing.push_back(static_cast<int>(fd));
    }
  }
  for (const int fd : closing) ::close(fd);
}

void Server::Impl::ServeConnection(int fd, std::uint32_t generation, std::uint32_t events) {
  if ((events & EPOLLIN) == 0) {  // hang-up or error without data: nothing to serve
    CloseClaimed(fd, generation);
    return;
  }
  const int kept = ServeOneRequest(fd);
  if (kept < 0) return;  // closed by libfcgi; its slot may already belong to a new connection
  if (stopping_.load()) {
    CloseClaimed(fd, generation);
    return;
  }
  Arm(fd, generation, SteadyClock::now() + options_.idle_timeout, EPOLL_CTL_MOD);
}

int Server::Impl::ServeOneRequest(int fd) {
  FCGX_Request fcgi_request;
  FCGX_InitRequest(&fcgi_request, /*sock=*/-1, /*flags=*/0);
  fcgi_request.ipcFd = fd;
  // FCGX_Accept_r starts by finishing the "previous" request; with keepConnection unset it would
  // close the connection we are handing it.
  fcgi_request.keepConnection = 1;
  if (FCGX_Accept_r(&fcgi_request) < 0) return -1;  // closed, timed out or not FastCGI
  // libfcgi's ReadParams treats a read error (timeout, reset) like the end of the params and
  // FCGX_Accept_r then reports success: the stream's error is the only trace of it.
  if (FCGX_GetError(fcgi_request.in) != 0) {
    fcgi_request.keepConnection = 0;
    FCGX_Finish_r(&fcgi_request);
    return -1;
  }

  const auto started = SteadyClock::now();
  http::Request request;
  const bool read_ok = internal::ReadRequest(fcgi_request, handler_.MaxBodyBytes(), request);
  http::Response response;
  if (read_ok) {
    try {
      response = handler_.Handle(request);
    } catch (const std::exception& e) {
      // Handlers return errors as values; this only guards the process against the unforeseen.
      log::Write(log::Level::kError, "handler threw",
                 {{"id", request.request_id}, {"error", e.what()}});
      response = http::JsonError(500, "internal error");
    }
    internal::WriteResponse(fcgi_request, request, response);
  } else {
    fcgi_request.keepConnection = 0;
  }
  if (stopping_.load()) fcgi_request.keepConnection = 0;  // finishing: do not keep connections
  // Closing a connection whose request was read to its end: nothing the web server sent is left
  // unread, so close at once. libfcgi would otherwise shut down the sending side and wait for the
  // web server to close first (against a TCP reset on unread data), the worker idle meanwhile:
  // without keep-alive, that is a wait per request on a pool sized to the cores. A request left
  // unread (a body too large even to discard) still gets that careful close.
  if (fcgi_request.keepConnection == 0 && read_ok && FCGX_HasSeenEOF(fcgi_request.in) == EOF) {
    fcgi_request.detached = 1;  // FCGX_Finish_r then closes without the shutdown-and-wait
  }
  // The line is written before FCGX_Finish_r sends the end of the response (libfcgi buffers up to
  // 8 KiB; only /metrics answers more): whoever gets an answer can rely on its log line being there
  // already (tests, and operators tailing the log).
  const auto duration = SteadyClock::now() - started;
  if (read_ok) {
    internal::LogRequest(request, response, duration);
  } else {
    log::Write(log::Level::kWarning, "connection failed while reading a request",
               {{"id", request.request_id}, {"method", request.method}, {"path", request.path}});
  }
  FCGX_Finish_r(&fcgi_request);  // flushes, ends the request; closes the connection unless kept
  return fcgi_request.ipcFd;     // -1 once libfcgi closed it
}

int DefaultThreads() {
  cpu_set_t cpus;
  CPU_ZERO(&cpus);
  const int available = ::sched_getaffinity(0, sizeof cpus, &cpus) == 0
                            ? CPU_COUNT(&cpus)
                            : static_cast<int>(std::thread::hardware_concurrency());
  return std::max(2, available);
}

Server::Server(ListeningSocket socket, ServerOptions options, RequestHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(socket), options, handler)) {}
Server::~Server() = default;
Status Server::Run() { return impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace s3upload::fcgi
