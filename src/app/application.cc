// The application: the current runtime (snapshot + S3 clients) and the dispatch of one request.
#include <algorithm>
#include <mutex>
#include <string>
#include <utility>

#include "app/authenticate.h"
#include "app/runtime.h"
#include "s3upload/app.h"
#include "s3upload/handlers.h"
#include "s3upload/log.h"
#include "s3upload/routing.h"

namespace s3upload::app {
namespace {

std::string JoinErrors(const std::vector<config::ConfigError>& errors) {
  std::string out;
  for (const config::ConfigError& error : errors) {
    if (!out.empty()) out += '\n';
    out += error.ToString();
  }
  return out;
}

std::string JoinMethods(const std::vector<std::string>& methods) {
  std::string out;
  for (const std::string& method : methods) {
    if (!out.empty()) out += ", ";
    out += method;
  }
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<Application>> Application::Create(const std::string& config_path,
                                                           Options options) {
  config::LoadResult loaded = config::LoadFile(config_path);
  if (!loaded.ok()) return Status::Error(JoinErrors(loaded.errors));
  return std::make_unique<Application>(std::move(loaded.snapshot), std::move(options));
}

Application::Application(std::shared_ptr<const config::Snapshot> snapshot, Options options)
    : options_(std::move(options)) {
  if (!options_.clock) options_.clock = [] { return std::chrono::system_clock::now(); };
  if (!options_.transport) options_.transport = outbound::NewCurlTransport();
  metrics_ = std::make_unique<metrics::Registry>();
  metrics_->SetConfigGeneration(generation_.load());
  limiter_ = std::make_unique<outbound::Limiter>(snapshot->server.max_outbound_calls);
  notifier_ = std::make_unique<notify::WebhookNotifier>(*options_.transport, *limiter_);
  SetRuntime(std::make_shared<Runtime>(std::move(snapshot), *options_.transport, *limiter_,
                                       *notifier_, *metrics_, options_.clock));
}

Application::~Application() = default;

std::shared_ptr<Runtime> Application::CurrentRuntime() const {
  std::lock_guard lock(runtime_mutex_);
  return runtime_;
}

void Application::SetRuntime(std::shared_ptr<Runtime> runtime) {
  const std::size_t max_body_bytes = runtime->snapshot().server.max_body_bytes;
  std::shared_ptr<Runtime> previous;
  {
    std::lock_guard lock(runtime_mutex_);
    previous = std::exchange(runtime_, std::move(runtime));
    max_body_bytes_.store(max_body_bytes);
  }
  // `previous` (unless a request still holds it) is destroyed here, outside the lock.
}

std::shared_ptr<const config::Snapshot> Application::snapshot() const {
  return CurrentRuntime()->shared_snapshot();
}

int Application::max_outbound_calls() const { return limiter_->max_concurrent(); }

std::size_t Application::MaxBodyBytes() const { return max_body_bytes_.load(); }

http::Response Application::Handle(const http::Request& request) const {
  metrics_->RequestStarted();
  std::string route_label = "none";
  std::string user = request.remote_user;  // until a caller is authenticated
  http::Response response = Dispatch(request, route_label, user);
  if (!user.empty()) {
    response.log_fields.insert(response.log_fields.begin(), {"user", std::move(user)});
  }
  metrics_->RequestFinished();
  CountResponse(route_label, response);
  return response;
}

http::Response Application::Dispatch(const http::Request& request, std::string& route_label,
                                     std::string& user) const {
  // One runtime for the whole request, even if a reload happens meanwhile.
  const std::shared_ptr<Runtime> runtime = CurrentRuntime();
  const config::Snapshot& snapshot = runtime->snapshot();
  if (request.body_too_large) {
    http::Response response =
        http::JsonError(413, "request body too large (limit " +
                                 std::to_string(snapshot.server.max_body_bytes) + " bytes)");
    response.log_fields = {{"refused", "request.body.too-large"}};
    return response;
  }
  const routing::Match match = routing::MatchRoute(snapshot, request.method, request.path);
  if (std::holds_alternative<routing::NotFound>(match)) {
    return http::JsonError(404, "not found");
  }
  if (const auto* wrong_method = std::get_if<routing::MethodNotAllowed>(&match)) {
    http::Response response = http::JsonError(405, "method not allowed");
    response.headers.emplace_back("Allow", JoinMethods(wrong_method->allowed));
    return response;
  }
  const config::Route& route = *std::get<const config::Route*>(match);
  // The configured pattern, not the request's path: the label set stays as small as the config.
  route_label = route.is_prefix ? route.path + "*" : route.path;
  // Over the FastCGI layer's limits: refused before origins, auth and the handler look at the
  // request (the params it carries are not all there); an unknown path or method keeps its 404/405.
  if (request.params_refused) {
    http::Response response = http::JsonResponse(
        431, R"({"error":"request header fields too large",)"
             R"("message":"request header fields too large","preventRetry":true})");
    response.log_fields = {{"refused", request.params_refused->rule}};
    if (!request.params_refused->detail.empty()) {
      response.log_fields.emplace_back("detail", request.params_refused->detail);
    }
    if (route.profile != nullptr) response.log_fields.emplace_back("profile", route.profile->name);
    return response;
  }
  const aws::TimePoint now = options_.clock();
  std::variant<verify::Caller, http::Response> authenticated = Authenticate(request, route, now);
  if (auto* refusal = std::get_if<http::Response>(&authenticated)) {
    if (route.profile != nullptr) refusal->log_fields.emplace_back("profile", route.profile->name);
    return std::move(*refusal);
  }
  user = std::get<verify::Caller>(authenticated).user;
  const handlers::Context context{
      snapshot,           route,        std::move(std::get<verify::Caller>(authenticated)), now,
      generation_.load(), runtime.get()};
  switch (route.handler) {
    case config::HandlerKind::kSign:
      return handlers::Sign(request, context);
    case config::HandlerKind::kParams:
      return handlers::Params(request, context);
    case config::HandlerKind::kMultipart:
      return handlers::Multipart(request, context);
    case config::HandlerKind::kSuccess:
      return handlers::Success(request, context);
    case config::HandlerKind::kDelete:
      return handlers::Delete(request, context);
    case config::HandlerKind::kHealth:
      return handlers::Health(request, context);
    case config::HandlerKind::kMetrics:
      return handlers::Metrics(request, context);
  }
  return http::JsonError(500, "internal error");
}

void Application::CountResponse(const std::string& route_label,
                                const http::Response& response) const {
  metrics_->CountRequest(route_label, response.status);
  // The handlers already say what they did in their log fields; counting reads the same facts.
  std::string_view signed_kind, version;
  for (const auto& [name, value] : response.log_fields) {
    if (name == "refused") metrics_->CountRefusal(value);
    if (name == "signed") signed_kind = value;
    if (name == "version") version = value;
  }
  if (!signed_kind.empty()) metrics_->CountSignature(signed_kind, version);
}

bool Application::Reload() {
  const std::shared_ptr<const config::Snapshot> current = snapshot();
  config::LoadResult loaded = config::LoadFile(current->source_path);
  if (!loaded.ok()) {
    log::Write(
        log::Level::kError, "reload failed; the running configuration stays in use",
        {{"config", current->source_path}, {"generation", std::to_string(generation_.load())}});
    for (const config::ConfigError& error : loaded.errors) {
      log::Write(log::Level::kError, error.ToString());
    }
    metrics_->CountReload(false);
    return false;
  }
  if (loaded.snapshot->server.max_outbound_calls != limiter_->max_concurrent()) {
    log::Write(log::Level::kWarning,
               "server.max_outbound_calls changed; the new value takes effect at the next start",
               {{"running", std::to_string(limiter_->max_concurrent())}});
  }
  SetRuntime(std::make_shared<Runtime>(std::move(loaded.snapshot), *options_.transport, *limiter_,
                                       *notifier_, *metrics_, options_.clock));
  // The log buffer is the one server setting a reload changes (threads, timeouts and sockets stay):
  // switched before the line below, which then already goes the new way.
  log::SetBufferSize(snapshot()->server.log_buffer_bytes);
  const std::uint64_t generation = ++generation_;
  metrics_->CountReload(true);
  metrics_->SetConfigGeneration(generation);
  log::Write(log::Level::kInfo, "configuration reloaded",
             {{"config", current->source_path}, {"generation", std::to_string(generation)}});
  for (const std::string& warning : config::Warnings(*snapshot())) {
    log::Write(log::Level::kWarning, warning, {{"config", current->source_path}});
  }
  return true;
}

}  // namespace s3upload::app
