// Where the listening socket comes from: --listen, systemd socket activation, or fd 0.
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "s3upload/fcgi.h"

namespace s3upload::fcgi {
namespace {

constexpr int kBacklog = 1024;  // like spawn-fcgi; the kernel caps it at net.core.somaxconn
constexpr int kSystemdFirstFd = 3;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

bool IsListeningSocket(int fd) {
  int accepting = 0;
  socklen_t length = sizeof accepting;
  return ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) == 0 && accepting != 0;
}

StatusOr<ListeningSocket> OpenUnix(std::string_view path) {
  sockaddr_un address{};
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    return Status::Error("unix socket path is empty or longer than " +
                         std::to_string(sizeof address.sun_path - 1) + " bytes");
  }
  address.sun_family = AF_UNIX;
  std::memcpy(address.sun_path, path.data(), path.size());
  const std::string path_string(path);

  // A socket file left behind by a previous run is replaced; anything else at that path is not
  // ours.
  struct stat st {};
  if (::lstat(path_string.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) return Status::Error(path_string + " exists and is not a socket");
    ::unlink(path_string.c_str());
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(Errno("socket"));
  // 0660: the web server reaches it through the socket's group; nobody else may connect.
  const mode_t old_umask = ::umask(0117);
  const int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::umask(old_umask);
  if (bound != 0 || ::listen(fd, kBacklog) != 0) {
    const Status error = Status::Error(Errno("cannot listen on unix:" + path_string));
    ::close(fd);
    return error;
  }
  return ListeningSocket{fd, ListeningSocket::Origin::kListenFlag, "unix:" + path_string,
                         path_string};
}

StatusOr<ListeningSocket> OpenTcp(std::string_view spec) {
  std::string host;
  std::string port;
  if (!spec.empty() && spec.front() == '[') {
    const std::size_t close = spec.find("]:");
    if (close == std::string_view::npos) return Status::Error("expected [IPV6]:PORT");
    host = std::string(spec.substr(1, close - 1));
    port = std::string(spec.substr(close + 2));
  } else {
    const std::size_t colon = spec.rfind(':');
    if (colon == std::string_view::npos) return Status::Error("expected HOST:PORT or unix:/path");
    host = std::string(spec.substr(0, colon));
    port = std::string(spec.substr(colon + 1));
  }
  if (host.empty() || port.empty()) return Status::Error("expected HOST:PORT or unix:/path");

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    return Status::Error("cannot resolve " + std::string(spec) + ": " + ::gai_strerror(rc));
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> owner(found, ::freeaddrinfo);
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error(Errno("socket"));
  const int yes = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, kBacklog) != 0) {
    const Status error = Status::Error(Errno("cannot listen on " + std::string(spec)));
    ::close(fd);
    return error;
  }
  return ListeningSocket{fd, ListeningSocket::Origin::kListenFlag, std::string(spec), ""};
}

}  // namespace

StatusOr<ListeningSocket> OpenListenSpec(std::string_view spec) {
  if (spec.starts_with("unix:")) return OpenUnix(spec.substr(5));
  return OpenTcp(spec);
}

std::optional<ListeningSocket> InheritedListeningSocket() {
  const char* listen_pid = std::getenv("LISTEN_PID");
  const char* listen_fds = std::getenv("LISTEN_FDS");
  if (listen_pid != nullptr && listen_fds != nullptr &&
      std::strtol(listen_pid, nullptr, 10) == static_cast<long>(::getpid())) {
    // Children must not believe the sockets are theirs (sd_listen_fds semantics).
    ::unsetenv("LISTEN_PID");
    ::unsetenv("LISTEN_FDS");
    ::unsetenv("LISTEN_FDNAMES");
    if (std::strtol(listen_fds, nullptr, 10) >= 1 && IsListeningSocket(kSystemdFirstFd)) {
      return ListeningSocket{kSystemdFirstFd, ListeningSocket::Origin::kSystemd,
                             "systemd socket (fd 3)", ""};
    }
  }
  if (IsListeningSocket(STDIN_FILENO)) {
    return ListeningSocket{STDIN_FILENO, ListeningSocket::Origin::kInherited,
                           "inherited socket (fd 0)", ""};
  }
  return std::nullopt;
}

}  // namespace s3upload::fcgi
