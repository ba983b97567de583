// What a valid configuration still lacks before it can serve uploads.
#include "s3upload/config.h"

namespace s3upload::config {

std::vector<std::string> StillToFillIn(const Snapshot& snapshot) {
  std::vector<std::string> missing;
  if (snapshot.profiles.empty()) {
    missing.emplace_back(
        "no profile is configured: add one under `profiles` (bucket, region, credentials, key "
        "rules, size, content types)");
  }
  bool has_sign_route = false;
  for (const Route& route : snapshot.routes) {
    has_sign_route = has_sign_route || route.handler == HandlerKind::kSign ||
                     route.handler == HandlerKind::kParams ||
                     route.handler == HandlerKind::kMultipart;
  }
  if (!has_sign_route) {
    missing.emplace_back(
        "no route with `handler: sign` or `handler: params` is configured: nothing will be signed "
        "until one names a profile");
  }
  return missing;
}

}  // namespace s3upload::config
