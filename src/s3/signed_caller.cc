// SignedCaller: one S3 call through outbound/, signed afresh for every attempt.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3upload/s3.h"

namespace s3upload::s3 {

SignedCaller::SignedCaller(BucketLocation location,
                           std::shared_ptr<const aws::Credentials> credentials,
                           outbound::Transport& transport, outbound::Limiter& limiter,
                           outbound::CallOptions options, std::function<aws::TimePoint()> clock)
    : location_(std::move(location)),
      credentials_(std::move(credentials)),
      transport_(transport),
      limiter_(limiter),
      options_(std::move(options)),
      clock_(clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); }) {}

outbound::CallOutcome SignedCaller::Call(std::string_view method, const std::string& key,
                                         const std::vector<aws::QueryParam>& query,
                                         const std::vector<aws::Header>& headers,
                                         const std::string& body) {
  return outbound::CallWithRetries(
      transport_, limiter_,
      [&](int /*attempt*/) {
        return SignedS3Request(method, location_, key, query, headers, body, *credentials_,
                               clock_());
      },
      options_);
}

}  // namespace s3upload::s3
