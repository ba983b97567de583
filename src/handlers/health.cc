// The health handler: a cheap answer with what an operator wants to see first, and 503 while the
// configuration cannot serve uploads, so that a load balancer or monitor notices an unconfigured
// instance (the package installs one: it refuses to sign until an operator fills in a profile).
#include <string>

#include "s3upload/handlers.h"
#include "s3upload/version.h"

namespace s3upload::handlers {
http::Response Health(const http::Request& /*request*/, const Context& context) {
  const std::vector<std::string> missing = config::StillToFillIn(context.config);
  const std::string reason = missing.empty() ? "" : missing.front();
  std::string body = reason.empty() ? R"({"status":"ok")" : R"({"status":"unconfigured")";
  body += ",\"version\":" + http::JsonQuote(kVersion);
  body += ",\"generation\":" + std::to_string(context.config_generation);
  if (!reason.empty()) body += ",\"reason\":" + http::JsonQuote(reason);
  body += "}";
  return http::JsonResponse(reason.empty() ? 200 : 503, std::move(body));
}

}  // namespace s3upload::handlers
