// A diagnostic for bench/run: s3-upload-signer's own FastCGI server (src/fcgi: worker threads on
// one epoll set, the per-request log line) with a handler that answers the same constant JSON as
// the bare libfcgi ceiling (bare_fcgi.cc) and does nothing else. Between the ceiling and the real
// responder, it tells how much of the gap is the server and how much the signing.
//
//   s3us-server-constant SOCKET_PATH [THREADS]     (default 8 threads, as the responder's default)
//
// Stops on SIGTERM/SIGINT like the responder (fcgi::SignalWatcher, fcgi::Server::Stop).
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "s3upload/fcgi.h"
#include "s3upload/http.h"

namespace {

class ConstantHandler final : public s3upload::fcgi::RequestHandler {
 public:
  std::size_t MaxBodyBytes() const override { return 64 * 1024; }
  s3upload::http::Response Handle(const s3upload::http::Request&) override {
    s3upload::http::Response response;
    // The same headers as the responder's answers (WriteResponse adds Content-Length).
    response.headers = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
    response.body =
        "{\"signature\":\"0000000000000000000000000000000000000000000000000000000000000000\"}";
    return response;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s SOCKET_PATH [THREADS]\n", argv[0]);
    return 2;
  }
  s3upload::fcgi::ServerOptions options;
  options.threads = argc == 3 ? std::atoi(argv[2]) : 8;
  if (options.threads < 1) {
    std::fprintf(stderr, "threads must be at least 1\n");
    return 2;
  }
  // Before any other thread exists (the watcher blocks the signals for the whole process).
  std::atomic<s3upload::fcgi::Server*> running{nullptr};
  s3upload::fcgi::SignalWatcher signals(
      [&running] {
        if (s3upload::fcgi::Server* server = running.load(); server != nullptr) server->Stop();
      },
      [] {});
  auto socket = s3upload::fcgi::OpenListenSpec(std::string("unix:") + argv[1]);
  if (!socket.ok()) {
    std::fprintf(stderr, "%s\n", socket.status().message().c_str());
    return 1;
  }
  ConstantHandler handler;
  s3upload::fcgi::Server server(std::move(*socket), options, handler);
  running.store(&server);
  const s3upload::Status status = server.Run();
  running.store(nullptr);
  return status.ok() ? 0 : 1;
}
