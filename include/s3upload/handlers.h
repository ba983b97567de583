// handlers: one function per handler kind: request -> verify -> act -> response.
//
// Contract
// - A handler gets the request and everything it may use (the snapshot, the matched route, the
// current
//   time) in a Context; it reads nothing else: no environment, no files, no YAML.
// - sign: Fine Uploader's signature endpoint. Verifies the whole request with verify/ before any
//   signature is computed; a refusal answers HTTP 500 {"invalid": true} (what Fine Uploader S3
//   expects) and names the refusing rule in the log fields, never in the body.
// - health: 200 {"status":"ok","version":...,"generation":N}.
// - success, delete: configured and routed today; they answer 501 until the S3 client lands.
// - Every response is JSON; log_fields always carry "profile" when the route has one, and "refused"
//   plus "detail" for a refusal.
//
// Thread-safety: handlers are re-entrant; Context is read-only.
#pragma once

#include <cstdint>

#include "s3upload/aws.h"
#include "s3upload/config.h"
#include "s3upload/http.h"

namespace s3upload::handlers {

struct Context {
  const config::Snapshot& config;
  const config::Route& route;
  aws::TimePoint now;
  std::uint64_t config_generation = 0;
};

http::Response Sign(const http::Request& request, const Context& context);
http::Response Health(const http::Request& request, const Context& context);
http::Response NotImplementedYet(const http::Request& request, const Context& context);

}  // namespace s3upload::handlers
