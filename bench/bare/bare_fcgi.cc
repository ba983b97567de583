// The ceiling of the benchmark (bench/run): the classic libfcgi responder and nothing else. N
// threads each loop in FCGX_Accept_r on one listening unix socket, read the whole body and answer
// a constant small JSON. No routing, no parsing, no signing, no log line: whatever s3-upload-signer
// does beyond this is what its ratio to this ceiling measures.
//
//   s3us-bare-fcgi SOCKET_PATH [THREADS]     (default 128 threads, as the reference)
//
// A stale socket file is replaced. Exits at once on SIGTERM/SIGINT (libfcgi's own SIGTERM handler
// only sets a flag that threads blocked in accept never see); bench/run removes the socket file
// with its temporary folder.
#include <fcgiapp.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <thread>
#include <vector>

namespace {

// A v4 REST answer's size and headers: {"signature":"<64 hex digits>"}, with the headers the
// responder sends. Content-Length matters: without it nginx would answer the client in chunked
// encoding, extra work for nginx and wrk that the real responder never causes.
constexpr std::string_view kBody =
    "{\"signature\":\"0000000000000000000000000000000000000000000000000000000000000000\"}";
constexpr std::string_view kReply =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n"
    "Content-Length: 80\r\n"
    "\r\n"
    "{\"signature\":\"0000000000000000000000000000000000000000000000000000000000000000\"}";
static_assert(kBody.size() == 80 && kReply.ends_with(kBody));

void Serve(int listen_fd) {
  FCGX_Request request;
  FCGX_InitRequest(&request, listen_fd, 0);
  char buffer[8192];
  while (FCGX_Accept_r(&request) >= 0) {
    // Read the body to its end, as a real responder must before answering.
    while (FCGX_GetStr(buffer, sizeof buffer, request.in) > 0) {
    }
    FCGX_PutStr(kReply.data(), static_cast<int>(kReply.size()), request.out);
    FCGX_Finish_r(&request);
  }
}

void ExitNow(int) { _exit(0); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: %s SOCKET_PATH [THREADS]\n", argv[0]);
    return 2;
  }
  const int threads = argc == 3 ? std::atoi(argv[2]) : 128;
  if (threads < 1) {
    std::fprintf(stderr, "threads must be at least 1\n");
    return 2;
  }
  // Before FCGX_Init, which installs its handler only where the disposition is still the default.
  struct sigaction exit_now {};
  exit_now.sa_handler = ExitNow;
  ::sigaction(SIGTERM, &exit_now, nullptr);
  ::sigaction(SIGINT, &exit_now, nullptr);
  if (FCGX_Init() != 0) {
    std::fprintf(stderr, "FCGX_Init failed\n");
    return 1;
  }
  ::unlink(argv[1]);
  const int listen_fd = FCGX_OpenSocket(argv[1], 1024);
  if (listen_fd < 0) {
    std::fprintf(stderr, "cannot listen on %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  ::chmod(argv[1], 0660);
  std::fprintf(stderr, "bare libfcgi responder on unix:%s, %d threads\n", argv[1], threads);
  std::vector<std::thread> pool;
  pool.reserve(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i) pool.emplace_back(Serve, listen_fd);
  for (std::thread& t : pool) t.join();
  return 0;
}
