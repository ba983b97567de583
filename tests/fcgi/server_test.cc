// The FastCGI server with a fake handler, driven by a minimal FastCGI client written here: param
// mapping, body limits, keep-alive connections that must not pin worker threads, peers that never
// speak, idle timeouts, many clients and bursts of connections on few threads, and stopping while
// idle, with a request in flight or with one that has just arrived.
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "s3upload/blocking.h"
#include "s3upload/fcgi.h"
#include "s3upload/log.h"

namespace s3upload::fcgi {
namespace {

using namespace std::chrono_literals;

// ---- a minimal FastCGI client ------------------------------------------------------------------

constexpr unsigned char kBeginRequest = 1, kEndRequest = 3, kParams = 4, kStdin = 5, kStdout = 6;

class FcgiClient {
 public:
  explicit FcgiClient(const std::string& socket_path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    timeval tv{10, 0};  // a hung server fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~FcgiClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  void Begin(bool keep_connection) {
    const unsigned char body[8] = {
        0, 1, static_cast<unsigned char>(keep_connection ? 1 : 0), 0, 0, 0, 0, 0};
    Record(kBeginRequest, std::string(reinterpret_cast<const char*>(body), 8));
  }
  void Params(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string data;
    for (const auto& [name, value] : params) {
      data += static_cast<char>(name.size());
      if (value.size() < 128) {
        data += static_cast<char>(value.size());
      } else {
        const auto n = static_cast<std::uint32_t>(value.size());
        data += static_cast<char>(0x80 | (n >> 24));
        data += static_cast<char>((n >> 16) & 0xff);
        data += static_cast<char>((n >> 8) & 0xff);
        data += static_cast<char>(n & 0xff);
      }
      data += name;
      data += value;
    }
    Record(kParams, data);
    Record(kParams, "");
  }
  void Stdin(const std::string& data, bool end) {
    for (std::size_t i = 0; i < data.size(); i += 60000) Record(kStdin, data.substr(i, 60000));
    if (end) Record(kStdin, "");
  }
  // Reads records until END_REQUEST; returns the concatenated stdout, or "" on EOF/timeout.
  std::string ReadResponse() {
    std::string out;
    for (;;) {
      unsigned char header[8];
      if (!ReadExactly(header, 8)) return "";
      const std::size_t length = (header[4] << 8) | header[5];
      std::string content(length + header[6], '\0');
      if (!ReadExactly(content.data(), content.size())) return "";
      if (header[1] == kStdout) out += content.substr(0, length);
      if (header[1] == kEndRequest) return out;
    }
  }
  std::string Request(const std::vector<std::pair<std::string, std::string>>& params,
                      const std::string& body = "", bool keep = false) {
    Begin(keep);
    Params(params);
    Stdin(body, true);
    return ReadResponse();
  }
  // False once the server has closed its end (EPIPE).
  bool SendByte() { return ::send(fd_, "x", 1, MSG_NOSIGNAL) == 1; }
  bool PeerClosed() {
    char byte;
    return ::recv(fd_, &byte, 1, 0) == 0;
  }

 private:
  void Record(unsigned char type, const std::string& content) {
    const unsigned char header[8] = {1,
                                     type,
                                     0,
                                     1,
                                     static_cast<unsigned char>(content.size() >> 8),
                                     static_cast<unsigned char>(content.size() & 0xff),
                                     0,
                                     0};
    std::string record(reinterpret_cast<const char*>(header), 8);
    record += content;
    [[maybe_unused]] const ssize_t n = ::send(fd_, record.data(), record.size(), MSG_NOSIGNAL);
  }
  bool ReadExactly(void* buffer, std::size_t size) {
    auto* p = static_cast<char*>(buffer);
    while (size > 0) {
      const ssize_t n = ::recv(fd_, p, size, 0);
      if (n <= 0) return false;
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
};

// ---- a fake handler ----------------------------------------------------------------------------

class RecordingHandler final : public RequestHandler {
 public:
  std::size_t MaxBodyBytes() const override { return 1024; }
  http::Response Handle(const http::Request& request) override {
    {
      std::lock_guard lock(mutex_);
      last_ = request;
      ++calls_;
    }
    if (request.path == "/slow" || request.path == "/waits-elsewhere") {
      // "/waits-elsewhere" stands for an outbound call: it waits inside a blocking::Region.
      std::optional<blocking::Region> elsewhere;
      if (request.path == "/waits-elsewhere") elsewhere.emplace();
      std::unique_lock lock(mutex_);
      slow_started_ = true;
      changed_.notify_all();
      changed_.wait_for(lock, 10s, [this] { return release_slow_; });
    }
    http::Response response = http::JsonResponse(
        200, "{\"body_bytes\":" + std::to_string(request.body.size()) +
                 ",\"too_large\":" + (request.body_too_large ? "true" : "false") + "}");
    if (request.path == "/many-fields") {
      for (int i = 0; i < 40; ++i) {
        response.log_fields.emplace_back("f" + std::to_string(i), "v" + std::to_string(i));
      }
    }
    return response;
  }
  http::Request last() {
    std::lock_guard lock(mutex_);
    return last_;
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  void WaitForSlowRequest() {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, 10s, [this] { return slow_started_; });
  }
  void ReleaseSlowRequest() {
    std::lock_guard lock(mutex_);
    release_slow_ = true;
    changed_.notify_all();
  }
  // For a next slow request, once the previous one has been answered.
  void RearmSlowRequest() {
    std::lock_guard lock(mutex_);
    slow_started_ = false;
    release_slow_ = false;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  http::Request last_;
  int calls_ = 0;
  bool slow_started_ = false;
  bool release_slow_ = false;
};

// ---- fixture -----------------------------------------------------------------------------------

class ServerTest : public ::testing::Test {
 protected:
  void Start(int threads, std::chrono::milliseconds idle_timeout = 60s, int standby_threads = 0) {
    path_ = (std::filesystem::temp_directory_path() / ("s3us-fcgi-" + std::to_string(::getpid()) +
                                                       "-" + std::to_string(counter_++) + ".sock"))
                .string();
    auto socket = OpenListenSpec("unix:" + path_);
    ASSERT_TRUE(socket.ok()) << socket.status().message();
    ServerOptions options;
    options.threads = threads;
    options.standby_threads = standby_threads;
    options.io_timeout = 2s;
    options.idle_timeout = idle_timeout;
    server_ = std::make_unique<Server>(std::move(*socket), options, handler_);
    runner_ = std::thread([this] { run_status_ok_ = server_->Run().ok(); });
  }
  void TearDown() override {
    if (server_) {
      handler_.ReleaseSlowRequest();
      server_->Stop();
      runner_.join();
    }
  }
  static std::vector<std::pair<std::string, std::string>> Get(const std::string& path) {
    return {{"REQUEST_METHOD", "GET"}, {"DOCUMENT_URI", path}, {"QUERY_STRING", ""}};
  }

  static inline int counter_ = 0;
  std::string path_;
  RecordingHandler handler_;
  std::unique_ptr<Server> server_;
  std::thread runner_;
  std::atomic<bool> run_status_ok_{false};
};

TEST_F(ServerTest, MapsParamsIntoTheRequestAndWritesTheResponse) {
  Start(2);
  FcgiClient client(path_);
  ASSERT_TRUE(client.connected());
  const std::string response = client.Request({{"REQUEST_METHOD", "POST"},
                                               {"SCRIPT_NAME", "/s3"},
                                               {"PATH_INFO", "/signature"},
                                               {"QUERY_STRING", "v4=true"},
                                               {"CONTENT_TYPE", "application/json"},
                                               {"CONTENT_LENGTH", "5"},
                                               {"REMOTE_USER", "alice"},
                                               {"HTTP_X_CSRF_TOKEN", "tok123"},
                                               {"HTTP_ORIGIN", "https://app.example"}},
                                              "hello");
  EXPECT_EQ(response,
            "Status: 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "Content-Length: 34\r\n"
            "\r\n"
            R"({"body_bytes":5,"too_large":false})");
  const http::Request seen = handler_.last();
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.path, "/s3/signature");  // SCRIPT_NAME + PATH_INFO when there is no DOCUMENT_URI
  EXPECT_EQ(seen.query, "v4=true");
  EXPECT_EQ(seen.content_length, 5u);
  EXPECT_EQ(seen.remote_user, "alice");
  EXPECT_EQ(seen.Header("x-csrf-token"), "tok123");
  EXPECT_EQ(seen.Header("origin"), "https://app.example");
  EXPECT_EQ(seen.body, "hello");
  EXPECT_FALSE(seen.request_id.empty());
}

TEST_F(ServerTest, AHeadResponseHasTheHeadersOfAGetAndNoBody) {
  Start(1);
  FcgiClient client(path_);
  EXPECT_EQ(client.Request({{"REQUEST_METHOD", "HEAD"}, {"DOCUMENT_URI", "/x"}}),
            "Status: 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Cache-Control: no-store\r\n"
            "Content-Length: 34\r\n"
            "\r\n");
}

TEST_F(ServerTest, DocumentUriWinsOverScriptName) {
  Start(1);
  FcgiClient client(path_);
  client.Request({{"REQUEST_METHOD", "GET"},
                  {"DOCUMENT_URI", "/health"},
                  {"SCRIPT_NAME", "/x"},
                  {"REQUEST_ID", "abc123"}});
  EXPECT_EQ(handler_.last().path, "/health");
  EXPECT_EQ(handler_.last().request_id, "abc123");
}

// nginx sends both Debian's fastcgi_params REMOTE_USER ($remote_user, which a client can set with
// an Authorization: Basic header when nginx does no basic auth) and the snippet's own, later one
// (the user auth_request established). The later one must win.
TEST_F(ServerTest, ARepeatedParamTakesItsLastValue) {
  Start(1);
  FcgiClient client(path_);
  client.Request({{"REQUEST_METHOD", "GET"},
                  {"DOCUMENT_URI", "/x"},
                  {"REMOTE_USER", "mallory"},
                  {"REMOTE_USER", "alice"}});
  EXPECT_EQ(handler_.last().remote_user, "alice");
}

// A refused body is read to its end, so a kept-alive connection stays in step and carries the
// next request (closing it would race web servers that pool connections, like mod_proxy_fcgi).
TEST_F(ServerTest, OversizedBodyIsFlaggedAndTheConnectionStaysInStep) {
  Start(1);
  FcgiClient client(path_);
  const std::string body(5000, 'x');
  const std::string response = client.Request(
      {{"REQUEST_METHOD", "POST"}, {"DOCUMENT_URI", "/x"}, {"CONTENT_LENGTH", "5000"}}, body,
      /*keep=*/true);
  EXPECT_NE(response.find(R"("too_large":true)"), std::string::npos) << response;
  EXPECT_TRUE(handler_.last().body.empty());
  const std::string next = client.Request(
      {{"REQUEST_METHOD", "POST"}, {"DOCUMENT_URI", "/y"}, {"CONTENT_LENGTH", "5"}}, "hello",
      /*keep=*/true);
  EXPECT_NE(next.find(R"({"body_bytes":5,"too_large":false})"), std::string::npos) << next;
  EXPECT_EQ(handler_.last().path, "/y");
}

// Past 8 MiB the server stops reading a refused body: the rest would be taken for the next
// request, so the connection is closed after the answer.
TEST_F(ServerTest, ABodyTooLargeEvenToDiscardClosesTheConnection) {
  Start(1);
  FcgiClient client(path_);
  const std::string body(std::size_t{8} * 1024 * 1024 + 120000, 'x');
  const std::string response =
      client.Request({{"REQUEST_METHOD", "POST"}, {"DOCUMENT_URI", "/x"}}, body, /*keep=*/true);
  EXPECT_NE(response.find(R"("too_large":true)"), std::string::npos) << response.substr(0, 200);
  EXPECT_TRUE(client.PeerClosed());
}

TEST_F(ServerTest, OversizedBodyWithoutContentLengthIsStillCaught) {
  Start(1);
  FcgiClient client(path_);
  const std::string response =
      client.Request({{"REQUEST_METHOD", "POST"}, {"DOCUMENT_URI", "/x"}}, std::string(2000, 'y'));
  EXPECT_NE(response.find(R"("too_large":true)"), std::string::npos) << response;
}

TEST_F(ServerTest, KeptAliveConnectionsDoNotPinWorkerThreads) {
  Start(1);  // one worker only
  std::vector<std::unique_ptr<FcgiClient>> kept;
  for (int i = 0; i < 20; ++i) {
    kept.push_back(std::make_unique<FcgiClient>(path_));
    const std::string response = kept.back()->Request(Get("/k"), "", /*keep=*/true);
    ASSERT_NE(response.find("Status: 200"), std::string::npos) << i;
  }
  // 20 idle kept-alive connections and one worker: a new connection is still served, and so is a
  // second request on every kept one.
  FcgiClient fresh(path_);
  EXPECT_NE(fresh.Request(Get("/fresh")).find("Status: 200"), std::string::npos);
  for (auto& client : kept) {
    EXPECT_NE(client->Request(Get("/again"), "", true).find("Status: 200"), std::string::npos);
  }
}

TEST_F(ServerTest, SilentPeerNeverOccupiesTheOnlyWorker) {
  Start(1);
  FcgiClient silent(path_);  // connects and sends nothing
  FcgiClient half(path_);
  half.Begin(false);  // starts a request and stalls
  std::this_thread::sleep_for(100ms);
  FcgiClient client(path_);
  EXPECT_NE(client.Request(Get("/x")).find("Status: 200"), std::string::npos);
}

TEST_F(ServerTest, PeerThatHangsUpMidRequestNeverReachesTheHandler) {
  Start(1);
  {
    FcgiClient client(path_);
    client.Begin(false);
    client.Params({{"REQUEST_METHOD", "POST"}, {"DOCUMENT_URI", "/partial"}});
    client.Stdin("partial body", /*end=*/false);
  }  // hangs up before the end of the body
  {
    FcgiClient client(path_);
    client.Begin(false);  // hangs up right after BEGIN_REQUEST
  }
  FcgiClient client(path_);
  EXPECT_NE(client.Request(Get("/after")).find("Status: 200"), std::string::npos);
  EXPECT_EQ(handler_.calls(), 1);
  EXPECT_EQ(handler_.last().path, "/after");
}

TEST_F(ServerTest, IdleKeptAliveConnectionsAreClosedAfterTheIdleTimeout) {
  Start(1, /*idle_timeout=*/300ms);
  FcgiClient client(path_);
  ASSERT_NE(client.Request(Get("/x"), "", true).find("Status: 200"), std::string::npos);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.PeerClosed());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(ServerTest, StopWhileIdleReturnsPromptly) {
  Start(4);
  FcgiClient kept(path_);
  ASSERT_NE(kept.Request(Get("/x"), "", true).find("Status: 200"), std::string::npos);
  const auto start = std::chrono::steady_clock::now();
  server_->Stop();
  runner_.join();
  server_.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_TRUE(run_status_ok_);
  EXPECT_TRUE(kept.PeerClosed());
  EXPECT_FALSE(std::filesystem::exists(path_));  // our unix socket file is removed
}

TEST_F(ServerTest, StopFinishesTheRequestInFlight) {
  Start(2);
  std::string slow_response;
  std::thread slow([&] {
    FcgiClient client(path_);
    slow_response = client.Request(Get("/slow"));
  });
  handler_.WaitForSlowRequest();
  server_->Stop();
  std::this_thread::sleep_for(100ms);
  FcgiClient late(path_);
  EXPECT_FALSE(late.connected() && !late.Request(Get("/late")).empty());  // no longer accepting
  handler_.ReleaseSlowRequest();
  slow.join();
  runner_.join();
  server_.reset();
  EXPECT_NE(slow_response.find("Status: 200"), std::string::npos);
}

// A request read to its end on a connection the web server did not ask to keep: the server closes
// at once. libfcgi's careful close would instead read and drop whatever the peer sends, for as long
// as it sends it, with the worker waiting.
TEST_F(ServerTest, AConnectionNotKeptIsClosedAtOnceAfterTheAnswer) {
  Start(1);
  FcgiClient client(path_);
  ASSERT_NE(client.Request(Get("/x"), "", /*keep=*/false).find("Status: 200"), std::string::npos);
  bool closed = false;
  for (int i = 0; i < 100 && !closed; ++i) {
    closed = !client.SendByte();
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(closed);
}

// The CPUs this thread may run on (as a cpuset or taskset limits them), never fewer than 2.
TEST(DefaultThreadsTest, OnePerAvailableCpuAtLeastTwo) {
  int on_one_cpu = 0;
  std::thread pinned([&] {
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(0, &one);
    if (::sched_setaffinity(0, sizeof one, &one) == 0) on_one_cpu = DefaultThreads();
  });
  pinned.join();
  EXPECT_EQ(on_one_cpu, 2);
  cpu_set_t all;
  ASSERT_EQ(::sched_getaffinity(0, sizeof all, &all), 0);
  EXPECT_EQ(DefaultThreads(), std::max(2, CPU_COUNT(&all)));
}

// The only worker waits on another server (a blocking::Region): the standby serves meanwhile.
TEST_F(ServerTest, AStandbyServesWhileAWorkerWaitsOnAnotherServer) {
  Start(1, 60s, /*standby_threads=*/1);
  std::string waiting_response;
  std::thread waiting([&] {
    FcgiClient client(path_);
    waiting_response = client.Request(Get("/waits-elsewhere"));
  });
  handler_.WaitForSlowRequest();
  const auto start = std::chrono::steady_clock::now();
  FcgiClient other(path_);
  EXPECT_NE(other.Request(Get("/meanwhile")).find("Status: 200"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);  // not after the wait (10 s)
  handler_.ReleaseSlowRequest();
  waiting.join();
  EXPECT_NE(waiting_response.find("Status: 200"), std::string::npos);
}

// A standby does not serve while the workers keep their places (threads is what serves at once),
// and a worker back from waiting elsewhere, its place taken, becomes the standby.
TEST_F(ServerTest, AStandbySleepsWhileEveryPlaceIsTaken) {
  Start(1, 60s, /*standby_threads=*/1);
  {
    std::thread waiting([&] { FcgiClient(path_).Request(Get("/waits-elsewhere")); });
    handler_.WaitForSlowRequest();
    EXPECT_NE(FcgiClient(path_).Request(Get("/meanwhile")).find("Status: 200"), std::string::npos);
    handler_.ReleaseSlowRequest();
    waiting.join();
  }
  handler_.RearmSlowRequest();
  const int served = handler_.calls();
  std::thread slow([&] { FcgiClient(path_).Request(Get("/slow")); });
  handler_.WaitForSlowRequest();
  FcgiClient queued(path_);
  queued.Begin(/*keep_connection=*/false);
  queued.Params(Get("/queued"));
  queued.Stdin("", true);
  std::this_thread::sleep_for(300ms);  // time for a wrongly awake standby to take it
  EXPECT_EQ(handler_.calls(), served + 1);
  handler_.ReleaseSlowRequest();
  EXPECT_NE(queued.ReadResponse().find("Status: 200"), std::string::npos);
  slow.join();
}

// The request's line carries the server's own fields, then every one of the response's, however
// many.
TEST_F(ServerTest, TheLogLineCarriesEveryFieldOfTheResponse) {
  const int captured = ::memfd_create("log", MFD_CLOEXEC);
  ASSERT_GE(captured, 0);
  log::SetOutputFd(captured);
  Start(1);
  FcgiClient client(path_);
  const std::string response = client.Request({{"REQUEST_METHOD", "GET"},
                                               {"DOCUMENT_URI", "/many-fields"},
                                               {"REMOTE_USER", "alice"},
                                               {"REQUEST_ID", "id-1"}});
  log::SetOutputFd(STDERR_FILENO);
  EXPECT_NE(response.find("Status: 200"), std::string::npos);
  std::string out;
  char buffer[4096];
  for (ssize_t n;
       (n = ::pread(captured, buffer, sizeof buffer, static_cast<off_t>(out.size()))) > 0;) {
    out.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(captured);
  const std::string expected =
      " level=info msg=request id=id-1 method=GET path=/many-fields status=200 ";
  const std::size_t start = out.find(expected);
  ASSERT_NE(start, std::string::npos) << out;
  const std::string line = out.substr(start, out.find('\n', start) - start);
  EXPECT_NE(line.find(" duration_ms="), std::string::npos) << line;
  std::string fields;
  for (int i = 0; i < 40; ++i) fields += " f" + std::to_string(i) + "=v" + std::to_string(i);
  EXPECT_TRUE(line.ends_with(fields)) << line;
  // Whom the request acted for is the application's to say (a log field), not REMOTE_USER's.
  EXPECT_EQ(line.find("user="), std::string::npos) << line;
}

// A request that has fully arrived when Stop() comes is still answered, even though every worker
// is busy at that moment.
TEST_F(ServerTest, StopAnswersARequestThatHasAlreadyArrived) {
  Start(1);
  FcgiClient waiting(path_);
  ASSERT_NE(waiting.Request(Get("/first"), "", /*keep=*/true).find("Status: 200"),
            std::string::npos);
  std::string slow_response;
  std::thread slow([&] {
    FcgiClient client(path_);
    slow_response = client.Request(Get("/slow"));
  });
  handler_.WaitForSlowRequest();
  // The kept connection's next request arrives while the only worker is busy.
  waiting.Begin(/*keep_connection=*/true);
  waiting.Params(Get("/waiting"));
  waiting.Stdin("", true);
  std::this_thread::sleep_for(100ms);  // sequencing only: the request is in the socket buffer
  server_->Stop();
  handler_.ReleaseSlowRequest();
  EXPECT_NE(waiting.ReadResponse().find("Status: 200"), std::string::npos);
  slow.join();
  runner_.join();
  server_.reset();
  EXPECT_NE(slow_response.find("Status: 200"), std::string::npos);
  EXPECT_TRUE(run_status_ok_);
}

TEST_F(ServerTest, StopBeforeRunReturnsAtOnce) {
  path_ = (std::filesystem::temp_directory_path() /
           ("s3us-fcgi-" + std::to_string(::getpid()) + "-early.sock"))
              .string();
  auto socket = OpenListenSpec("unix:" + path_);
  ASSERT_TRUE(socket.ok()) << socket.status().message();
  Server server(std::move(*socket), ServerOptions{}, handler_);
  server.Stop();
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(server.Run().ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  EXPECT_FALSE(std::filesystem::exists(path_));
}

// Many kept-alive clients at once on few threads: every request is answered, on its own connection
// (each connection is only ever served by one worker at a time, whichever epoll wakes).
TEST_F(ServerTest, ManyKeptAliveClientsOnFewThreadsAreAllServed) {
  Start(3);
  constexpr int kClients = 24;
  constexpr int kRequests = 40;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  clients.reserve(kClients);
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      FcgiClient client(path_);
      for (int i = 0; i < kRequests; ++i) {
        const std::string body = std::to_string(c) + "/" + std::to_string(i);
        const std::string response =
            client.Request({{"REQUEST_METHOD", "POST"},
                            {"DOCUMENT_URI", "/k"},
                            {"CONTENT_LENGTH", std::to_string(body.size())}},
                           body, /*keep=*/true);
        if (response.find("\"body_bytes\":" + std::to_string(body.size())) != std::string::npos) {
          ++answered;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(answered.load(), kClients * kRequests);
  EXPECT_EQ(handler_.calls(), kClients * kRequests);
}

// More new connections at once than one worker accepts in a batch: all are served. (Kept alive:
// closing a connection makes libfcgi wait for the peer to close too, which this client only does
// at the end.)
TEST_F(ServerTest, ABurstOfNewConnectionsIsServed) {
  Start(2);
  constexpr int kConnections = 100;
  std::vector<std::unique_ptr<FcgiClient>> burst;
  for (int i = 0; i < kConnections; ++i) {
    burst.push_back(std::make_unique<FcgiClient>(path_));
    ASSERT_TRUE(burst.back()->connected()) << i;
  }
  for (auto& client : burst) {
    client->Begin(/*keep_connection=*/true);
    client->Params(Get("/burst"));
    client->Stdin("", true);
  }
  int answered = 0;
  for (auto& client : burst) {
    if (client->ReadResponse().find("Status: 200") != std::string::npos) ++answered;
  }
  EXPECT_EQ(answered, kConnections);
}

// Idle connections expire while others keep the workers busy: the housekeeping never closes a
// connection in use, and a connection used often enough is never closed.
TEST_F(ServerTest, IdleTimeoutClosesOnlyIdleConnections) {
  Start(2, /*idle_timeout=*/300ms);
  FcgiClient idle(path_);
  ASSERT_NE(idle.Request(Get("/x"), "", true).find("Status: 200"), std::string::npos);
  FcgiClient busy(path_);
  const auto until = std::chrono::steady_clock::now() + 1500ms;
  int requests = 0;
  while (std::chrono::steady_clock::now() < until) {
    ASSERT_NE(busy.Request(Get("/busy"), "", true).find("Status: 200"), std::string::npos)
        << requests;
    ++requests;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(idle.PeerClosed());
}

TEST(OpenListenSpec, RejectsMalformedSpecs) {
  EXPECT_FALSE(OpenListenSpec("nonsense").ok());
  EXPECT_FALSE(OpenListenSpec("unix:").ok());
  EXPECT_FALSE(OpenListenSpec(":9000").ok());
  EXPECT_FALSE(OpenListenSpec("[::1]9000").ok());
  EXPECT_FALSE(OpenListenSpec("unix:/" + std::string(200, 'a')).ok());
}

TEST(OpenListenSpec, ListensOnLoopbackTcp) {
  auto socket = OpenListenSpec("127.0.0.1:0");
  ASSERT_TRUE(socket.ok()) << socket.status().message();
  EXPECT_GE(socket->fd, 0);
  ::close(socket->fd);
}

TEST(OpenListenSpec, RefusesToReplaceSomethingThatIsNotASocket) {
  const std::string path = (std::filesystem::temp_directory_path() / "s3us-not-a-socket").string();
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    std::fclose(f);
  }
  EXPECT_FALSE(OpenListenSpec("unix:" + path).ok());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace s3upload::fcgi
