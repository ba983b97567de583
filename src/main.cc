// s3-upload-signer: flags, start-up and wiring. Everything else lives in the modules.
#include <curl/curl.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "s3upload/app.h"
#include "s3upload/config.h"
#include "s3upload/fcgi.h"
#include "s3upload/log.h"
#include "s3upload/secure.h"
#include "s3upload/version.h"

namespace {

using namespace s3upload;

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The variable mod_fcgid users set with FcgidInitialEnv to pick the configuration file.
constexpr const char* kConfigEnvironmentVariable = "S3_UPLOAD_SIGNER_CONFIG";

constexpr std::string_view kUsage = R"(Usage: s3-upload-signer [OPTIONS]

A FastCGI responder that signs browser uploads to Amazon S3 (and S3-compatible stores) for
Fine Uploader, behind nginx or Apache. It verifies every request against the configuration and
refuses anything not explicitly allowed before computing a signature.

Options:
  -c, --config PATH     configuration file (default: $S3_UPLOAD_SIGNER_CONFIG if set,
                        else /etc/s3-upload-signer/config.yaml)
  -t, --check-config    check the configuration, print every error as file:line:column: message,
                        and exit (0 when it is valid)
  -l, --listen ADDRESS  listen on unix:/path/to/socket or HOST:PORT ([IPV6]:PORT)
                        (default: the socket passed by systemd socket activation, or on fd 0 by
                        mod_fcgid or spawn-fcgi)
  -n, --threads N       worker threads that serve at once (default: server.threads in the
                        configuration, else one per CPU, at least 2)
      --allow-core-dumps
                        leave the process dumpable (by default it is not: no core dump, no
                        ptrace or /proc/<pid>/mem by the same user, so no secret in either)
  -V, --version         print the version and exit
  -h, --help            print this help and exit

Signals: SIGTERM, SIGINT or SIGQUIT stop accepting, finish the requests in flight and exit 0;
SIGHUP reloads the configuration (a broken file is logged and the running one stays in use).
Logs go to standard error, one line per request.
)";

constexpr std::string_view kNoSocketHelp = R"(s3-upload-signer: no listening socket.
s3-upload-signer is a FastCGI responder for a web server; start it in one of these ways:
  - s3-upload-signer --listen unix:/run/s3-upload-signer/fcgi.sock   (or --listen 127.0.0.1:9000)
  - from systemd, with the s3-upload-signer.socket unit (socket activation)
  - from Apache mod_fcgid or spawn-fcgi, which pass the listening socket on standard input
Try 's3-upload-signer --help' for more.
)";

struct Flags {
  std::string config_path;
  bool check_config = false;
  std::optional<std::string> listen;
  std::optional<int> threads;
  bool allow_core_dumps = false;
  bool version = false;
  bool help = false;
};

void Fail(std::string_view message) {
  std::fprintf(stderr, "s3-upload-signer: %.*s\nTry 's3-upload-signer --help' for more.\n",
               static_cast<int>(message.size()), message.data());
}

std::optional<Flags> ParseFlags(int argc, char** argv) {
  Flags flags;
  const char* from_environment = std::getenv(kConfigEnvironmentVariable);
  flags.config_path = from_environment != nullptr && *from_environment != '\0'
                          ? from_environment
                          : std::string(config::kDefaultConfigPath);
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::optional<std::string_view> inline_value;
    if (arg.starts_with("--") && arg.find('=') != std::string_view::npos) {
      inline_value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
    }
    auto value = [&]() -> std::optional<std::string> {
      if (inline_value) return std::string(*inline_value);
      if (i + 1 >= argc) {
        Fail(std::string(arg) + " needs a value");
        return std::nullopt;
      }
      return std::string(argv[++i]);
    };
    if (arg == "-c" || arg == "--config") {
      const auto v = value();
      if (!v) return std::nullopt;
      flags.config_path = *v;
    } else if (arg == "-t" || arg == "--check-config") {
      flags.check_config = true;
    } else if (arg == "-l" || arg == "--listen") {
      const auto v = value();
      if (!v) return std::nullopt;
      flags.listen = *v;
    } else if (arg == "-n" || arg == "--threads") {
      const auto v = value();
      if (!v) return std::nullopt;
      int threads = 0;
      const auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), threads);
      if (ec != std::errc() || end != v->data() + v->size() || threads < 1 || threads > 1024) {
        Fail("--threads takes a number from 1 to 1024, not '" + *v + "'");
        return std::nullopt;
      }
      flags.threads = threads;
    } else if (arg == "--allow-core-dumps") {
      flags.allow_core_dumps = true;
    } else if (arg == "-V" || arg == "--version") {
      flags.version = true;
    } else if (arg == "-h" || arg == "--help") {
      flags.help = true;
    } else {
      Fail("unknown option '" + std::string(arg) + "'");
      return std::nullopt;
    }
  }
  return flags;
}

int CheckConfig(const std::string& path) {
  const config::LoadResult loaded = config::LoadFile(path);
  if (!loaded.ok()) {
    for (const config::ConfigError& error : loaded.errors) {
      std::fprintf(stderr, "%s\n", error.ToString().c_str());
    }
    std::fprintf(stderr, "s3-upload-signer: configuration file %s test failed (%zu error%s)\n",
                 path.c_str(), loaded.errors.size(), loaded.errors.size() == 1 ? "" : "s");
    return kExitFailure;
  }
  // Valid, but maybe not finished (the packaged file starts like that): say what is missing.
  for (const std::string& missing : config::StillToFillIn(*loaded.snapshot)) {
    std::fprintf(stderr, "s3-upload-signer: note: %s\n", missing.c_str());
  }
  for (const std::string& warning : config::Warnings(*loaded.snapshot)) {
    std::fprintf(stderr, "s3-upload-signer: warning: %s\n", warning.c_str());
  }
  std::fprintf(stderr, "s3-upload-signer: configuration file %s test is successful\n",
               path.c_str());
  return kExitOk;
}

// Connects the FastCGI server to the application without either knowing the other.
class ApplicationHandler final : public fcgi::RequestHandler {
 public:
  explicit ApplicationHandler(app::Application& application) : application_(application) {}
  std::size_t MaxBodyBytes() const override { return application_.MaxBodyBytes(); }
  http::Response Handle(const http::Request& request) override {
    return application_.Handle(request);
  }

 private:
  app::Application& application_;
};

// Lets a stop signal reach the server whenever it arrives: before the server exists it is
// remembered and passed on as soon as the server is attached.
class RunningServer {
 public:
  void Stop() {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
    if (server_ != nullptr) server_->Stop();
  }
  void Attach(fcgi::Server& server) {
    std::lock_guard lock(mutex_);
    server_ = &server;
    if (stop_requested_) server_->Stop();
  }
  void Detach() {
    std::lock_guard lock(mutex_);
    server_ = nullptr;
  }

 private:
  std::mutex mutex_;
  fcgi::Server* server_ = nullptr;
  bool stop_requested_ = false;
};

void WarnAboutConfiguration(const config::Snapshot& snapshot) {
  for (const std::string& missing : config::StillToFillIn(snapshot)) {
    log::Write(log::Level::kWarning, missing, {{"config", snapshot.source_path}});
  }
  for (const std::string& warning : config::Warnings(snapshot)) {
    log::Write(log::Level::kWarning, warning, {{"config", snapshot.source_path}});
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Flags> flags = ParseFlags(argc, argv);
  if (!flags) return kExitUsage;
  if (flags->help) {
    std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
    return kExitOk;
  }
  if (flags->version) {
    std::printf("%s %s\n", kProgramName, kVersion);
    return kExitOk;
  }
  // Before any secret is read: a core dump (or a debugger of the same user) would see them all.
  // The secrets' own pages are also excluded from dumps (secure::SecureBuffer), for
  // --allow-core-dumps; the OpenSSL contexts keyed with them are not.
  if (!flags->allow_core_dumps && !secure::DisableCoreDumps()) {
    std::perror("s3-upload-signer: prctl(PR_SET_DUMPABLE, 0)");
    return kExitFailure;
  }
  if (flags->check_config) return CheckConfig(flags->config_path);

  // libcurl's global state, once, before any thread exists (S3 and webhook calls).
  curl_global_init(CURL_GLOBAL_DEFAULT);
  struct CurlCleanup {
    ~CurlCleanup() { curl_global_cleanup(); }
  } curl_cleanup;

  app::Options app_options;
  auto application = app::Application::Create(flags->config_path, std::move(app_options));
  if (!application.ok()) {
    std::fprintf(stderr, "%s\ns3-upload-signer: not started: the configuration has errors\n",
                 application.status().message().c_str());
    return kExitFailure;
  }
  const std::shared_ptr<const config::Snapshot> snapshot = (*application)->snapshot();

  // From here on, lines may wait in the buffer: whatever way main returns, they are written first.
  log::SetBufferSize(snapshot->server.log_buffer_bytes);
  struct FlushLogAtExit {
    ~FlushLogAtExit() { log::Flush(); }
  } flush_log_at_exit;

  // The watcher blocks the stop and reload signals before the socket exists: from the moment a
  // socket file is there, SIGTERM must mean "stop and clean up", never the default "die".
  RunningServer running;
  fcgi::SignalWatcher signals([&running] { running.Stop(); },
                              [&application] { (*application)->Reload(); });

  std::optional<fcgi::ListeningSocket> socket;
  if (flags->listen) {
    auto opened = fcgi::OpenListenSpec(*flags->listen);
    if (!opened.ok()) {
      Fail(opened.status().message());
      return kExitFailure;
    }
    socket = std::move(*opened);
  } else {
    socket = fcgi::InheritedListeningSocket();
  }
  if (!socket) {
    std::fwrite(kNoSocketHelp.data(), 1, kNoSocketHelp.size(), stderr);
    return kExitUsage;
  }

  fcgi::ServerOptions options;
  options.threads =
      flags->threads.value_or(snapshot->server.threads.value_or(fcgi::DefaultThreads()));
  options.io_timeout = snapshot->server.io_timeout;
  options.idle_timeout = snapshot->server.idle_timeout;
  // One standby per outbound call the cap allows: a worker waiting on S3 or a webhook always has
  // one to serve in its place (fcgi.h).
  options.standby_threads = (*application)->max_outbound_calls();

  log::Write(log::Level::kInfo, "started",
             {{"version", kVersion},
              {"socket", socket->description},
              {"threads", std::to_string(options.threads)},
              {"config", snapshot->source_path},
              {"profiles", std::to_string(snapshot->profiles.size())},
              {"max_outbound_calls", std::to_string((*application)->max_outbound_calls())},
              {"routes", std::to_string(snapshot->routes.size())},
              {"core_dumps", secure::CoreDumpsEnabled() ? "allowed" : "off"}});
  WarnAboutConfiguration(*snapshot);

  ApplicationHandler handler(**application);
  fcgi::Server server(std::move(*socket), options, handler);
  running.Attach(server);
  const Status status = server.Run();
  running.Detach();
  if (!status.ok()) {
    log::Write(log::Level::kError, "server failed", {{"error", status.message()}});
    return kExitFailure;
  }
  log::Write(log::Level::kInfo, "stopped");
  return kExitOk;
}
