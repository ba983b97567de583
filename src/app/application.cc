// The application: the current configuration snapshot and the dispatch of one request.
#include <string>

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
                                                           Clock clock) {
  config::LoadResult loaded = config::LoadFile(config_path);
  if (!loaded.ok()) return Status::Error(JoinErrors(loaded.errors));
  return std::make_unique<Application>(std::move(loaded.snapshot), std::move(clock));
}

Application::Application(std::shared_ptr<const config::Snapshot> snapshot, Clock clock)
    : snapshot_(std::move(snapshot)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

std::size_t Application::MaxBodyBytes() const { return snapshot_.load()->server.max_body_bytes; }

http::Response Application::Handle(const http::Request& request) const {
  // One snapshot for the whole request, even if a reload happens meanwhile.
  const std::shared_ptr<const config::Snapshot> snapshot = snapshot_.load();
  if (request.body_too_large) {
    return http::JsonError(413, "request body too large (limit " +
                                    std::to_string(snapshot->server.max_body_bytes) + " bytes)");
  }
  const routing::Match match = routing::MatchRoute(*snapshot, request.method, request.path);
  if (std::holds_alternative<routing::NotFound>(match)) {
    return http::JsonError(404, "not found");
  }
  if (const auto* wrong_method = std::get_if<routing::MethodNotAllowed>(&match)) {
    http::Response response = http::JsonError(405, "method not allowed");
    response.headers.emplace_back("Allow", JoinMethods(wrong_method->allowed));
    return response;
  }
  const config::Route& route = *std::get<const config::Route*>(match);
  const handlers::Context context{*snapshot, route, clock_(), generation_.load()};
  switch (route.handler) {
    case config::HandlerKind::kSign:
      return handlers::Sign(request, context);
    case config::HandlerKind::kHealth:
      return handlers::Health(request, context);
    case config::HandlerKind::kSuccess:
    case config::HandlerKind::kDelete:
      return handlers::NotImplementedYet(request, context);
  }
  return http::JsonError(500, "internal error");
}

bool Application::Reload() {
  const std::shared_ptr<const config::Snapshot> current = snapshot_.load();
  config::LoadResult loaded = config::LoadFile(current->source_path);
  if (!loaded.ok()) {
    log::Write(
        log::Level::kError, "reload failed; the running configuration stays in use",
        {{"config", current->source_path}, {"generation", std::to_string(generation_.load())}});
    for (const config::ConfigError& error : loaded.errors) {
      log::Write(log::Level::kError, error.ToString());
    }
    return false;
  }
  snapshot_.store(std::move(loaded.snapshot));
  const std::uint64_t generation = ++generation_;
  log::Write(log::Level::kInfo, "configuration reloaded",
             {{"config", current->source_path}, {"generation", std::to_string(generation)}});
  return true;
}

}  // namespace s3upload::app
