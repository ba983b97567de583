// The FastCGI server: one dispatcher thread owns the listening socket and every idle connection in
// an epoll set; worker threads serve one request at a time on a connection that has data waiting.
//
// Why not the classic libfcgi loop (each thread blocking in FCGX_Accept_r)? With nginx's
// fastcgi_keep_conn, FCGX_Accept_r on a kept-alive connection blocks until the web server sends the
// next request on that very connection, so every idle cached connection pins a thread, and once
// threads <= cached connections, new connections starve. Here a thread is only ever busy with a
// request whose first bytes have already arrived: idle connections cost a file descriptor, not a
// thread, and a peer that connects and sends nothing never occupies a worker.
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
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "fcgi/request_io.h"
#include "s3upload/fcgi.h"
#include "s3upload/log.h"

namespace s3upload::fcgi {
namespace {

using SteadyClock = std::chrono::steady_clock;

// How often the dispatcher wakes up to close idle connections even when nothing happens.
constexpr int kHousekeepingIntervalMs = 1000;
// After running out of file descriptors, how long to wait before accepting again.
constexpr auto kAcceptPauseAfterEmfile = std::chrono::milliseconds(500);

void SetTimeouts(int fd, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

std::string FormatMillis(SteadyClock::duration d) {
  const double ms = std::chrono::duration<double, std::milli>(d).count();
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", ms);
  return buffer;
}

}  // namespace

class Server::Impl {
 public:
  Impl(ListeningSocket socket, ServerOptions options, RequestHandler& handler)
      : socket_(std::move(socket)),
        options_(options),
        handler_(handler),
        // Made here, not in Run: a Stop() that comes before Run must still wake the dispatcher.
        wake_fd_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

  ~Impl() {
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status Run();
  void Stop();

 private:
  // Dispatcher thread.
  void DispatchLoop();
  void AcceptPending(SteadyClock::time_point now);
  void WatchConnection(int fd, SteadyClock::time_point deadline, bool first_time);
  void CloseIdleConnection(int fd);
  void CloseExpiredConnections(SteadyClock::time_point now);
  void SetAccepting(bool accepting);
  void Wake();

  // Worker threads.
  void WorkerLoop();
  void ServeOneRequest(int fd);
  int TakeReadyConnection();
  void ReturnConnection(int fd);

  ListeningSocket socket_;
  const ServerOptions options_;
  RequestHandler& handler_;
  int wake_fd_ = -1;
  int epoll_fd_ = -1;

  std::mutex mutex_;
  std::condition_variable ready_cv_;
  std::deque<int> ready_;         // connections with a request waiting, for the workers
  std::vector<int> returned_;     // kept-alive connections handed back to the dispatcher
  bool stop_requested_ = false;   // Stop() was called
  bool dispatcher_done_ = false;  // nothing more will be queued; workers drain and exit

  // Dispatcher-only: connections in the epoll set and when they expire.
  std::unordered_map<int, SteadyClock::time_point> watched_;
  bool accepting_ = true;
  SteadyClock::time_point accept_paused_until_{};
};

Status Server::Impl::Run() {
  // When libfcgi closes a connection it half-closes it and then waits for the peer to close too, up
  // to this many milliseconds (default 2000), on the worker thread. nginx closes at once; a peer
  // that does not would hold a worker for two seconds after every request. An operator's own
  // setting wins.
  ::setenv("LIBFCGI_OS_CLOSE_POLL_TIMEOUT", "200", /*overwrite=*/0);
  if (FCGX_Init() != 0) return Status::Error("FCGX_Init failed");
  // Several processes may share an inherited socket (spawn-fcgi -F): accept must never block.
  const int flags = ::fcntl(socket_.fd, F_GETFL);
  if (flags < 0 || ::fcntl(socket_.fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return Status::Error(std::string("cannot make the listening socket non-blocking: ") +
                         std::strerror(errno));
  }
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) {
    return Status::Error(std::string("epoll/eventfd: ") + std::strerror(errno));
  }
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  SetAccepting(true);

  std::vector<std::thread> workers;
  workers.reserve(static_cast<std::size_t>(options_.threads));
  for (int i = 0; i < options_.threads; ++i) workers.emplace_back([this] { WorkerLoop(); });
  DispatchLoop();
  for (std::thread& worker : workers) worker.join();
  return Status::Ok();
}

void Server::Impl::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (stop_requested_) return;
    stop_requested_ = true;
  }
  Wake();
}

void Server::Impl::Wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] const ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void Server::Impl::SetAccepting(bool accepting) {
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = socket_.fd;
  ::epoll_ctl(epoll_fd_, accepting ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, socket_.fd, &event);
  accepting_ = accepting;
}

void Server::Impl::DispatchLoop() {
  std::vector<epoll_event> events(64);
  std::vector<int> handed_back;
  auto next_housekeeping = SteadyClock::now();
  for (;;) {
    const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()),
                               kHousekeepingIntervalMs);
    const auto now = SteadyClock::now();
    std::vector<int> ready_now;
    for (int i = 0; i < n; ++i) {
      const int fd = events[static_cast<std::size_t>(i)].data.fd;
      const std::uint32_t what = events[static_cast<std::size_t>(i)].events;
      if (fd == socket_.fd) {
        AcceptPending(now);
      } else if (fd == wake_fd_) {
        std::uint64_t ignored = 0;
        [[maybe_unused]] const ssize_t r = ::read(wake_fd_, &ignored, sizeof ignored);
      } else if ((what & EPOLLIN) != 0) {
        watched_.erase(fd);  // EPOLLONESHOT: it stays registered but disarmed while a worker has it
        ready_now.push_back(fd);
      } else {
        CloseIdleConnection(fd);  // hang-up or error without data: nothing to serve
      }
    }

    bool stopping = false;
    {
      std::lock_guard lock(mutex_);
      for (int fd : ready_now) ready_.push_back(fd);
      handed_back.swap(returned_);
      stopping = stop_requested_;
    }
    if (!ready_now.empty()) ready_cv_.notify_all();

    for (int fd : handed_back) {
      if (stopping) {
        ::close(fd);
      } else {
        WatchConnection(fd, now + options_.idle_timeout, /*first_time=*/false);
      }
    }
    handed_back.clear();

    if (stopping) break;
    if (!accepting_ && now >= accept_paused_until_) SetAccepting(true);
    if (now >= next_housekeeping) {
      CloseExpiredConnections(now);
      next_housekeeping = now + std::chrono::milliseconds(kHousekeepingIntervalMs);
    }
  }

  // Stop: no new connections; idle ones are closed (nothing is running on them); connections that
  // already carry a request are still in `ready_` and get served by the workers before they exit.
  if (accepting_) SetAccepting(false);
  // A socket we created goes away at once, so that clients are refused instead of queueing behind a
  // process that is leaving. Sockets from systemd or a parent stay theirs: systemd keeps queueing
  // connections for the next start.
  if (socket_.origin == ListeningSocket::Origin::kListenFlag) {
    if (!socket_.unix_path.empty()) ::unlink(socket_.unix_path.c_str());
    ::close(socket_.fd);
  }
  while (!watched_.empty()) CloseIdleConnection(watched_.begin()->first);
  {
    std::lock_guard lock(mutex_);
    dispatcher_done_ = true;
    for (int fd : returned_) ::close(fd);
    returned_.clear();
  }
  ready_cv_.notify_all();
}

void Server::Impl::AcceptPending(SteadyClock::time_point now) {
  for (;;) {
    const int fd = ::accept4(socket_.fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      SetTimeouts(fd, options_.io_timeout);
      const int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof yes);  // fails harmlessly on unix
      // A new connection gets io_timeout to send its first request.
      WatchConnection(fd, now + options_.io_timeout, /*first_time=*/true);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
      log::Write(log::Level::kError, "out of file descriptors or memory; pausing accept",
                 {{"error", std::strerror(errno)}});
      SetAccepting(false);
      accept_paused_until_ = now + kAcceptPauseAfterEmfile;
      return;
    }
    log::Write(log::Level::kError, "accept failed", {{"error", std::strerror(errno)}});
    return;
  }
}

void Server::Impl::WatchConnection(int fd, SteadyClock::time_point deadline, bool first_time) {
  epoll_event event{};
  event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  event.data.fd = fd;
  if (::epoll_ctl(epoll_fd_, first_time ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, fd, &event) != 0) {
    ::close(fd);
    return;
  }
  watched_[fd] = deadline;
}

void Server::Impl::CloseIdleConnection(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  watched_.erase(fd);
}

void Server::Impl::CloseExpiredConnections(SteadyClock::time_point now) {
  std::vector<int> expired;
  for (const auto& [fd, deadline] : watched_) {
    if (deadline <= now) expired.push_back(fd);
  }
  for (int fd : expired) CloseIdleConnection(fd);
}

int Server::Impl::TakeReadyConnection() {
  std::unique_lock lock(mutex_);
  ready_cv_.wait(lock, [this] { return !ready_.empty() || dispatcher_done_; });
  if (ready_.empty()) return -1;
  const int fd = ready_.front();
  ready_.pop_front();
  return fd;
}

void Server::Impl::ReturnConnection(int fd) {
  {
    std::lock_guard lock(mutex_);
    if (dispatcher_done_) {
      ::close(fd);
      return;
    }
    returned_.push_back(fd);
  }
  Wake();
}

void Server::Impl::WorkerLoop() {
  for (int fd = TakeReadyConnection(); fd >= 0; fd = TakeReadyConnection()) {
    ServeOneRequest(fd);
  }
}

void Server::Impl::ServeOneRequest(int fd) {
  FCGX_Request fcgi_request;
  FCGX_InitRequest(&fcgi_request, /*sock=*/-1, /*flags=*/0);
  fcgi_request.ipcFd = fd;
  // FCGX_Accept_r starts by finishing the "previous" request; with keepConnection unset it would
  // close the connection we are handing it.
  fcgi_request.keepConnection = 1;
  if (FCGX_Accept_r(&fcgi_request) < 0) return;  // closed, timed out or not FastCGI; fd is closed
  // libfcgi's ReadParams treats a read error (timeout, reset) like the end of the params and
  // FCGX_Accept_r then reports success: the stream's error is the only trace of it.
  if (FCGX_GetError(fcgi_request.in) != 0) {
    fcgi_request.keepConnection = 0;
    FCGX_Finish_r(&fcgi_request);
    return;
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
  {
    std::lock_guard lock(mutex_);
    if (stop_requested_) fcgi_request.keepConnection = 0;  // finishing: do not keep connections
  }
  // The line is written before FCGX_Finish_r sends the end of the response (libfcgi buffers up to
  // 8 KiB; only /metrics answers more): whoever gets an answer can rely on its log line being there
  // already (tests, and operators tailing the log).
  const auto duration = SteadyClock::now() - started;
  if (read_ok) {
    log::LogFields fields = {{"id", request.request_id},
                             {"method", request.method},
                             {"path", request.path},
                             {"status", std::to_string(response.status)},
                             {"duration_ms", FormatMillis(duration)}};
    if (!request.remote_user.empty()) fields.emplace_back("user", request.remote_user);
    for (auto& field : response.log_fields) fields.push_back(std::move(field));
    log::Write(response.status >= 500 ? log::Level::kWarning : log::Level::kInfo, "request",
               fields);
  } else {
    log::Write(log::Level::kWarning, "connection failed while reading a request",
               {{"id", request.request_id}, {"method", request.method}, {"path", request.path}});
  }
  FCGX_Finish_r(&fcgi_request);  // flushes, ends the request; closes the connection unless kept

  if (fcgi_request.ipcFd >= 0) {  // kept alive: back to the dispatcher until the next request
    const int kept = fcgi_request.ipcFd;
    fcgi_request.ipcFd = -1;
    ReturnConnection(kept);
  }
}

Server::Server(ListeningSocket socket, ServerOptions options, RequestHandler& handler)
    : impl_(std::make_unique<Impl>(std::move(socket), options, handler)) {}
Server::~Server() = default;
Status Server::Run() { return impl_->Run(); }
void Server::Stop() { impl_->Stop(); }

}  // namespace s3upload::fcgi
