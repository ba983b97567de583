// Signals become calls on an ordinary thread (signalfd), so no application code ever runs in signal
// context and blocking calls in workers are never interrupted by EINTR.
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <thread>

#include "s3upload/fcgi.h"
#include "s3upload/log.h"

namespace s3upload::fcgi {

class SignalWatcher::Impl {
 public:
  Impl(std::function<void()> on_stop, std::function<void()> on_reload)
      : on_stop_(std::move(on_stop)), on_reload_(std::move(on_reload)) {
    // A peer that disappears mid-response must cost an EPIPE, not the process.
    std::signal(SIGPIPE, SIG_IGN);
    sigemptyset(&signals_);
    for (int s : {SIGTERM, SIGINT, SIGQUIT, SIGHUP}) sigaddset(&signals_, s);
    // Blocked here, in the thread that starts all others, so every later thread inherits the mask
    // and the signals can only be collected from the signalfd.
    pthread_sigmask(SIG_BLOCK, &signals_, nullptr);
    signal_fd_ = ::signalfd(-1, &signals_, SFD_CLOEXEC);
    quit_fd_ = ::eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { Loop(); });
  }

  ~Impl() {
    const std::uint64_t one = 1;
    [[maybe_unused]] const ssize_t n = ::write(quit_fd_, &one, sizeof one);
    thread_.join();
    ::close(signal_fd_);
    ::close(quit_fd_);
  }

 private:
  void Loop() {
    pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {quit_fd_, POLLIN, 0}};
    for (;;) {
      if (::poll(fds, 2, -1) < 0) continue;
      if ((fds[1].revents & POLLIN) != 0) return;
      if ((fds[0].revents & POLLIN) == 0) continue;
      signalfd_siginfo info{};
      if (::read(signal_fd_, &info, sizeof info) != sizeof info) continue;
      if (info.ssi_signo == SIGHUP) {
        log::Write(log::Level::kInfo, "SIGHUP: reloading the configuration");
        on_reload_();
      } else {
        log::Write(log::Level::kInfo, "stopping: finishing the requests in flight",
                   {{"signal", ::sigabbrev_np(static_cast<int>(info.ssi_signo))}});
        on_stop_();
      }
    }
  }

  std::function<void()> on_stop_;
  std::function<void()> on_reload_;
  sigset_t signals_{};
  int signal_fd_ = -1;
  int quit_fd_ = -1;
  std::thread thread_;
};

SignalWatcher::SignalWatcher(std::function<void()> on_stop, std::function<void()> on_reload)
    : impl_(std::make_unique<Impl>(std::move(on_stop), std::move(on_reload))) {}
SignalWatcher::~SignalWatcher() = default;

}  // namespace s3upload::fcgi
