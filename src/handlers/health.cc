// The health handler: a cheap liveness answer with what an operator wants to see first.
#include <string>

#include "s3upload/handlers.h"
#include "s3upload/version.h"

namespace s3upload::handlers {

http::Response Health(const http::Request& /*request*/, const Context& context) {
  return http::JsonResponse(
      200, std::string(R"({"status":"ok","version":)") + http::JsonQuote(kVersion) +
               ",\"generation\":" + std::to_string(context.config_generation) + "}");
}

}  // namespace s3upload::handlers
