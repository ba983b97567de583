// A tiny HTTP/1.1 server for the outbound tests: plain sockets, one thread per connection,
// keep-alive, canned replies chosen by a handler. It counts accepted connections (to see connection
// reuse) and requests, and can answer late, never, or with an interim 100 Continue. Only what the
// tests need: Content-Length request bodies, no chunked requests, no pipelining.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "s3upload/http.h"

namespace s3upload::outbound::test {

struct ReceivedRequest {
  std::string method;
  std::string target;    // as sent: path and query
  http::Fields headers;  // names lower-cased
  std::string body;

  std::optional<std::string> Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
      if (name == lower_name) return value;
    }
    return std::nullopt;
  }
};

struct CannedReply {
  enum class Action {
    kAnswer,  // send the reply
    kHang,    // read the request, then never answer (until the server stops)
    kClose,   // close the connection without answering
  };
  Action action = Action::kAnswer;
  int status = 200;
  http::Fields headers;
  std::string body;
  bool interim_continue = false;       // send "HTTP/1.1 100 Continue" (with a header) first
  bool chunked = false;                // Transfer-Encoding: chunked instead of Content-Length
  bool close_after = false;            // Connection: close, then close
  std::chrono::milliseconds delay{0};  // wait before answering
};

class TestHttpServer {
 public:
  using Handler = std::function<CannedReply(const ReceivedRequest&)>;

  explicit TestHttpServer(Handler handler) : handler_(std::move(handler)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw std::runtime_error("socket");
    const int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 128) != 0) {
      ::close(listen_fd_);
      throw std::runtime_error("bind/listen");
    }
    socklen_t length = sizeof address;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  TestHttpServer(const TestHttpServer&) = delete;
  TestHttpServer& operator=(const TestHttpServer&) = delete;

  ~TestHttpServer() {
    stop_ = true;
    accept_thread_.join();
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(mutex_);
      threads.swap(connection_threads_);
    }
    for (std::thread& thread : threads) thread.join();
    ::close(listen_fd_);
  }

  int port() const { return port_; }
  std::string Url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
  }

  int accepted_connections() const { return accepted_; }
  int requests() const { return requests_; }
  int max_in_flight() const { return max_in_flight_; }
  std::vector<ReceivedRequest> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  static constexpr int kPollMs = 10;

  void AcceptLoop() {
    while (!stop_) {
      pollfd pfd{listen_fd_, POLLIN, 0};
      if (::poll(&pfd, 1, kPollMs) <= 0) continue;
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) continue;
      ++accepted_;
      std::lock_guard lock(mutex_);
      connection_threads_.emplace_back([this, fd] {
        ServeConnection(fd);
        ::close(fd);
      });
    }
  }

  // Reads more bytes into `buffer`; false when the peer closed, on error, or when stopping.
  bool ReadMore(int fd, std::string& buffer) {
    while (!stop_) {
      pollfd pfd{fd, POLLIN, 0};
      const int ready = ::poll(&pfd, 1, kPollMs);
      if (ready < 0) return false;
      if (ready == 0) continue;
      char chunk[65536];
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    return false;
  }

  static bool SendAll(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  static std::string Lower(std::string text) {
    for (char& c : text) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
  }

  // One request from the front of `buffer` (consumed), or nullopt when the connection ends.
  std::optional<ReceivedRequest> ReadRequest(int fd, std::string& buffer) {
    std::size_t head_end;
    while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!ReadMore(fd, buffer)) return std::nullopt;
    }
    ReceivedRequest request;
    const std::string head = buffer.substr(0, head_end);
    std::size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const std::size_t first_space = request_line.find(' ');
    const std::size_t second_space = request_line.find(' ', first_space + 1);
    request.method = request_line.substr(0, first_space);
    request.target = request_line.substr(first_space + 1, second_space - first_space - 1);
    std::size_t content_length = 0;
    while (line_end != std::string::npos && line_end < head.size()) {
      const std::size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line =
          head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
      const std::size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      request.headers.emplace_back(Lower(line.substr(0, colon)), value);
      if (request.headers.back().first == "content-length") content_length = std::stoul(value);
    }
    buffer.erase(0, head_end + 4);
    while (buffer.size() < content_length) {
      if (!ReadMore(fd, buffer)) return std::nullopt;
    }
    request.body = buffer.substr(0, content_length);
    buffer.erase(0, content_length);
    return request;
  }

  static std::string Serialize(const CannedReply& reply, bool head_request) {
    std::string out;
    if (reply.interim_continue) out += "HTTP/1.1 100 Continue\r\nx-interim: yes\r\n\r\n";
    out += "HTTP/1.1 " + std::to_string(reply.status) + " " +
           std::string(http::ReasonPhrase(reply.status)) + "\r\n";
    bool has_length = false;
    for (const auto& [name, value] : reply.headers) {
      out += name + ": " + value + "\r\n";
      if (Lower(name) == "content-length") has_length = true;
    }
    if (reply.chunked) {
      out += "Transfer-Encoding: chunked\r\n";
    } else if (!has_length) {
      out += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n";
    }
    if (reply.close_after) out += "Connection: close\r\n";
    out += "\r\n";
    if (head_request) return out;
    if (reply.chunked) {
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", reply.body.size());
      if (!reply.body.empty()) out += size + reply.body + "\r\n";
      out += "0\r\n\r\n";
    } else {
      out += reply.body;
    }
    return out;
  }

  void ServeConnection(int fd) {
    std::string buffer;
    while (!stop_) {
      std::optional<ReceivedRequest> request = ReadRequest(fd, buffer);
      if (!request) return;
      const int in_flight = ++in_flight_;
      int seen = max_in_flight_;
      while (in_flight > seen && !max_in_flight_.compare_exchange_weak(seen, in_flight)) {
      }
      ++requests_;
      const CannedReply reply = handler_(*request);
      {
        std::lock_guard lock(mutex_);
        received_.push_back(*request);
      }
      if (reply.delay > std::chrono::milliseconds(0)) std::this_thread::sleep_for(reply.delay);
      --in_flight_;
      switch (reply.action) {
        case CannedReply::Action::kHang:
          while (!stop_) std::this_thread::sleep_for(std::chrono::milliseconds(kPollMs));
          return;
        case CannedReply::Action::kClose:
          return;
        case CannedReply::Action::kAnswer:
          break;
      }
      if (!SendAll(fd, Serialize(reply, request->method == "HEAD"))) return;
      if (reply.close_after) return;
    }
  }

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<int> requests_{0};
  std::atomic<int> in_flight_{0};
  std::atomic<int> max_in_flight_{0};
  mutable std::mutex mutex_;
  std::vector<ReceivedRequest> received_;
  std::vector<std::thread> connection_threads_;
  std::thread accept_thread_;
};

// A port on 127.0.0.1 that refuses connections: bound (so nothing else gets it) but not listening,
// so a connect is answered with a reset at once.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ClosedPort(const ClosedPort&) = delete;
  ClosedPort& operator=(const ClosedPort&) = delete;
  ~ClosedPort() { ::close(fd_); }

  std::string Url(std::string_view target) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(target);
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace s3upload::outbound::test
