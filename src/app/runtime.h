// Runtime: one configuration snapshot together with what is built from it for handlers (an S3
// client per profile). Swapped as a whole on reload, so a request always sees a matching pair.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "s3upload/config.h"
#include "s3upload/handlers.h"
#include "s3upload/metrics.h"
#include "s3upload/notify.h"
#include "s3upload/outbound.h"
#include "s3upload/s3.h"
#include "s3upload/s3_multipart.h"

namespace s3upload::app {

class Runtime final : public handlers::Services {
 public:
  Runtime(std::shared_ptr<const config::Snapshot> snapshot, outbound::Transport& transport,
          outbound::Limiter& limiter, notify::Notifier& notifier, metrics::Registry& metrics,
          std::function<aws::TimePoint()> clock);
  ~Runtime() override;

  const config::Snapshot& snapshot() const { return *snapshot_; }
  const std::shared_ptr<const config::Snapshot>& shared_snapshot() const { return snapshot_; }

  s3::ObjectStore& StoreFor(const config::Profile& profile) override;
  s3::MultipartStore* MultipartStoreFor(const config::Profile& profile) override;
  notify::Notifier& Notifier() override;
  const metrics::Registry& Metrics() override { return metrics_; }

 private:
  std::shared_ptr<const config::Snapshot> snapshot_;
  metrics::Registry& metrics_;
  std::unique_ptr<notify::Notifier> timed_notifier_;
  std::map<std::string, std::unique_ptr<s3::ObjectStore>, std::less<>> stores_;
  std::map<std::string, std::unique_ptr<s3::MultipartStore>, std::less<>> multipart_stores_;
};

}  // namespace s3upload::app
