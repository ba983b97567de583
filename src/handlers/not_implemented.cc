// success and delete are configured and routed already; their S3 client arrives in a later release.
#include "s3upload/handlers.h"

namespace s3upload::handlers {

http::Response NotImplementedYet(const http::Request& /*request*/, const Context& context) {
  http::Response response =
      http::JsonError(501, std::string(config::HandlerName(context.route.handler)) +
                               " is not implemented in this version");
  if (context.route.profile != nullptr) {
    response.log_fields.emplace_back("profile", context.route.profile->name);
  }
  return response;
}

}  // namespace s3upload::handlers
