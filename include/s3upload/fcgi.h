// fcgi: the FastCGI server. Where the listening socket comes from, the worker threads, signals,
// reading params and body, writing the response. It knows nothing of S3: it turns each FastCGI
// request into an http::Request, calls RequestHandler::Handle, and writes the http::Response back.
//
// Contract
// - Listening socket, in this order: --listen (unix:/path or HOST:PORT), systemd socket activation
//   (LISTEN_PID is us and LISTEN_FDS=1: fd 3), a listening socket inherited on fd 0 (mod_fcgid,
//   spawn-fcgi). With none of these the caller gets nullopt and must refuse to run, rather than act
//   as a one-shot CGI.
// - Threads do not belong to connections. The listening socket and every idle connection wait in
//   one epoll set that all worker threads wait on; a worker takes a connection only when a request
//   is ready on it, serves exactly that request, and puts a kept-alive connection (nginx
//   fastcgi_keep_conn) back into the set. So idle keep-alive connections never pin worker threads,
//   and the thread count only has to cover requests being processed at the same time.
// - `threads` workers serve at once. `standby_threads` more sleep until a serving worker opens a
//   blocking::Region (an outbound call): one of them then serves in its place, and the worker, once
//   its request is answered, takes a place back or goes to sleep as the standby. So requests that
//   wait on S3 or a webhook never take a serving thread away from signing, which only needs CPU:
//   size `threads` to the cores and `standby_threads` to the waits at once (the outbound cap).
// - Every accepted connection has read and write timeouts (io_timeout): a stalled peer costs a
//   worker at most that long. A new connection that sends no request within io_timeout, and an
//   idle kept-alive connection after idle_timeout, are closed.
// - The request body is read to its end before the handler runs. Above MaxBodyBytes the body is
//   discarded (Request::body_too_large) and the connection is not kept alive. The same for params
//   over kMaxParams and the sizes beside it (Request::params_refused).
// - A connection that is not kept alive is closed once the answer is written; libfcgi's wait for
//   the peer to close first is left to connections with input still unread.
// - Stop(): stop accepting, close idle connections, answer every request already being read or
//   processed, then Run returns. Safe from any thread, idempotent.
// - One log line per request: method, path, status, duration_ms and the response's log_fields.
//   Lines the log buffers (log::SetBufferSize) are flushed every half second and when Run returns.
//
// Thread-safety: RequestHandler::Handle is called from several worker threads at once.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "s3upload/http.h"
#include "s3upload/status.h"

namespace s3upload::fcgi {

// Limits on the params of one request, checked as they are copied out of libfcgi (which has
// already read and allocated all of them: it takes whatever the web server sends, so the web
// server's own header limits are what bound its memory). A request over any of them reaches the
// RequestHandler with Request::params_refused set, its other params not copied and its body
// discarded; the application answers it 431 before any handler runs. nginx and Apache stay well
// within these with their default header limits.
inline constexpr std::size_t kMaxParams = 256;  // entries, FCGI_ROLE (added by libfcgi) included
inline constexpr std::size_t kMaxParamNameBytes = 1024;
inline constexpr std::size_t kMaxParamValueBytes = std::size_t{32} * 1024;
inline constexpr std::size_t kMaxParamsBytes = std::size_t{128} * 1024;  // names and values

class RequestHandler {
 public:
  virtual ~RequestHandler() = default;
  virtual std::size_t MaxBodyBytes() const = 0;
  virtual http::Response Handle(const http::Request& request) = 0;
};

struct ListeningSocket {
  enum class Origin { kListenFlag, kSystemd, kInherited };
  int fd = -1;
  Origin origin = Origin::kListenFlag;
  std::string description;  // for the start-up log: "unix:/run/x.sock", "127.0.0.1:9000", "fd 0"
  std::string unix_path;    // set when we created a unix socket (removed again on exit)
};

// Creates, binds and listens. "unix:/path" (mode 0660, a stale socket file is replaced) or
// "HOST:PORT" / "[V6HOST]:PORT".
StatusOr<ListeningSocket> OpenListenSpec(std::string_view spec);
// systemd's socket (then LISTEN_* are removed from the environment), else fd 0 if it is a listening
// socket, else nullopt.
std::optional<ListeningSocket> InheritedListeningSocket();

// The default of ServerOptions::threads where the configuration gives none: one per CPU this
// process may run on (sched_getaffinity, so a cpuset or taskset counts), at least 2, so that one
// request stalled on a slow web server connection never stops all serving.
int DefaultThreads();

struct ServerOptions {
  int threads = 8;
  int standby_threads = 0;
  std::chrono::milliseconds io_timeout{30'000};
  std::chrono::milliseconds idle_timeout{300'000};
};

class Server {
 public:
  Server(ListeningSocket socket, ServerOptions options, RequestHandler& handler);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Serves until Stop() and returns after the last request in flight was answered.
  Status Run();
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Turns SIGTERM/SIGINT into on_stop and SIGHUP into on_reload, on a thread of its own (signalfd),
// so no handler code ever runs in signal context. Construct it before any other thread starts: it
// blocks those signals (and ignores SIGPIPE) for the whole process.
class SignalWatcher {
 public:
  SignalWatcher(std::function<void()> on_stop, std::function<void()> on_reload);
  ~SignalWatcher();  // stops the watcher thread
  SignalWatcher(const SignalWatcher&) = delete;
  SignalWatcher& operator=(const SignalWatcher&) = delete;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace s3upload::fcgi
