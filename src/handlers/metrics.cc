// The metrics handler: the registry in the Prometheus text exposition format. Off unless a route
// names it; restrict who may read it in the web server (it tells what is refused and how often).
#include "s3upload/handlers.h"

namespace s3upload::handlers {

http::Response Metrics(const http::Request& /*request*/, const Context& context) {
  http::Response response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  response.headers.emplace_back("Cache-Control", "no-store");
  response.body = context.services->Metrics().RenderText();
  return response;
}

}  // namespace s3upload::handlers
