// One S3 client per profile, built with the snapshot (no network activity: clients connect on use).
#include "app/runtime.h"

namespace s3upload::app {

Runtime::Runtime(std::shared_ptr<const config::Snapshot> snapshot, outbound::Transport& transport,
                 outbound::Limiter& limiter, notify::Notifier& notifier,
                 std::function<aws::TimePoint()> clock)
    : snapshot_(std::move(snapshot)), notifier_(notifier) {
  outbound::CallOptions options;
  options.connect_timeout = snapshot_->s3.connect_timeout;
  options.deadline = snapshot_->s3.timeout;
  options.retry.max_attempts = snapshot_->s3.retries + 1;
  for (const auto& [name, profile] : snapshot_->profiles) {
    s3::BucketLocation location{profile.endpoint, profile.rules.addressing, profile.rules.bucket,
                                profile.rules.region};
    stores_.emplace(name, std::make_unique<s3::S3Client>(std::move(location),
                                                         profile.server_credentials, transport,
                                                         limiter, options, clock));
  }
}

s3::ObjectStore& Runtime::StoreFor(const config::Profile& profile) {
  return *stores_.find(profile.name)->second;
}

}  // namespace s3upload::app
