// Warnings: what a valid configuration allows that an operator should be reminded of.
#include <string>
#include <vector>

#include "s3upload/config.h"

namespace s3upload::config {

std::vector<std::string> Warnings(const Snapshot& snapshot) {
  std::vector<std::string> warnings;
  int number = 0;
  for (const Route& route : snapshot.routes) {
    ++number;
    const bool acts =
        route.handler == HandlerKind::kSign || route.handler == HandlerKind::kParams ||
        route.handler == HandlerKind::kSuccess || route.handler == HandlerKind::kDelete ||
        route.handler == HandlerKind::kMultipart;
    if (acts && route.auth.kind == RouteAuth::Kind::kNone) {
      warnings.push_back("route " + std::to_string(number) + " (" + route.path +
                         (route.is_prefix ? "*" : "") + ", " +
                         std::string(HandlerName(route.handler)) +
                         ") has auth: none: anyone who can reach it may " +
                         (route.handler == HandlerKind::kSign     ? "get signatures"
                          : route.handler == HandlerKind::kParams ? "get signed uploads"
                          : route.handler == HandlerKind::kMultipart
                              ? "start multipart uploads (their tokens bind no user)"
                          : route.handler == HandlerKind::kSuccess ? "confirm uploads"
                                                                   : "delete files") +
                         " within profile \"" + (route.profile ? route.profile->name : "") + "\"");
    }
  }
  return warnings;
}

}  // namespace s3upload::config
