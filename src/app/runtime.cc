// One S3 client per profile, built with the snapshot (no network activity: clients connect on use),
// and the timing of every outbound call for the metrics.
#include "app/runtime.h"

namespace s3upload::app {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string_view Outcome(const s3::HeadResult& result) {
  return std::holds_alternative<s3::Error>(result) ? "error" : "ok";
}
std::string_view Outcome(const s3::DeleteResult& result) {
  return std::holds_alternative<s3::Error>(result) ? "error" : "ok";
}

// Decorators that time each call: the S3 client and the notifier stay free of metrics.
class TimedObjectStore final : public s3::ObjectStore {
 public:
  TimedObjectStore(std::unique_ptr<s3::ObjectStore> store, metrics::Registry& metrics)
      : store_(std::move(store)), metrics_(metrics) {}

  s3::HeadResult Head(const std::string& key) override {
    const auto started = SteadyClock::now();
    s3::HeadResult result = store_->Head(key);
    metrics_.ObserveOutboundCall("s3", "head", Outcome(result), SteadyClock::now() - started);
    return result;
  }
  s3::DeleteResult Delete(const std::string& key) override {
    const auto started = SteadyClock::now();
    s3::DeleteResult result = store_->Delete(key);
    metrics_.ObserveOutboundCall("s3", "delete", Outcome(result), SteadyClock::now() - started);
    return result;
  }
  std::string PresignGet(const std::string& key, std::chrono::seconds expires,
                         aws::TimePoint now) override {
    return store_->PresignGet(key, expires, now);
  }

 private:
  std::unique_ptr<s3::ObjectStore> store_;
  metrics::Registry& metrics_;
};

// The multipart calls, timed the same way (operations create, list_parts, complete, abort).
class TimedMultipartStore final : public s3::MultipartStore {
 public:
  TimedMultipartStore(std::unique_ptr<s3::MultipartStore> store, metrics::Registry& metrics)
      : store_(std::move(store)), metrics_(metrics) {}

  s3::CreateResult Create(const s3::NewObject& object) override {
    return Timed("create", [&] { return store_->Create(object); });
  }
  s3::ListPartsResult ListParts(const std::string& key, const std::string& upload_id,
                                std::uint32_t marker, std::uint32_t max_parts) override {
    return Timed("list_parts",
                 [&] { return store_->ListParts(key, upload_id, marker, max_parts); });
  }
  s3::CompleteResult Complete(const std::string& key, const std::string& upload_id,
                              const std::vector<s3::PartToComplete>& parts) override {
    return Timed("complete", [&] { return store_->Complete(key, upload_id, parts); });
  }
  s3::AbortResult Abort(const std::string& key, const std::string& upload_id) override {
    return Timed("abort", [&] { return store_->Abort(key, upload_id); });
  }
  std::string PresignPart(const std::string& key, const std::string& upload_id,
                          std::uint32_t part_number, std::chrono::seconds expires,
                          aws::TimePoint now) override {
    return store_->PresignPart(key, upload_id, part_number, expires, now);
  }
  const s3::BucketLocation& location() const override { return store_->location(); }

 private:
  template <typename Call>
  auto Timed(std::string_view operation, const Call& call) -> decltype(call()) {
    const auto started = SteadyClock::now();
    auto result = call();
    metrics_.ObserveOutboundCall("s3", operation,
                                 std::holds_alternative<s3::Error>(result) ? "error" : "ok",
                                 SteadyClock::now() - started);
    return result;
  }

  std::unique_ptr<s3::MultipartStore> store_;
  metrics::Registry& metrics_;
};

class TimedNotifier final : public notify::Notifier {
 public:
  TimedNotifier(notify::Notifier& notifier, metrics::Registry& metrics)
      : notifier_(notifier), metrics_(metrics) {}

  notify::WebhookResult Notify(const notify::WebhookTarget& target,
                               const notify::UploadEvent& event, aws::TimePoint now) override {
    const auto started = SteadyClock::now();
    notify::WebhookResult result = notifier_.Notify(target, event, now);
    metrics_.ObserveOutboundCall(
        "webhook", "notify",
        std::holds_alternative<notify::WebhookFailure>(result) ? "error" : "ok",
        SteadyClock::now() - started);
    return result;
  }

 private:
  notify::Notifier& notifier_;
  metrics::Registry& metrics_;
};

}  // namespace

Runtime::Runtime(std::shared_ptr<const config::Snapshot> snapshot, outbound::Transport& transport,
                 outbound::Limiter& limiter, notify::Notifier& notifier, metrics::Registry& metrics,
                 std::function<aws::TimePoint()> clock)
    : snapshot_(std::move(snapshot)),
      metrics_(metrics),
      timed_notifier_(std::make_unique<TimedNotifier>(notifier, metrics)) {
  outbound::CallOptions options;
  options.connect_timeout = snapshot_->s3.connect_timeout;
  options.deadline = snapshot_->s3.timeout;
  options.retry.max_attempts = snapshot_->s3.retries + 1;
  for (const auto& [name, profile] : snapshot_->profiles) {
    s3::BucketLocation location{profile.endpoint, profile.rules.addressing, profile.rules.bucket,
                                profile.rules.region};
    auto client = std::make_unique<s3::S3Client>(std::move(location), profile.server_credentials,
                                                 transport, limiter, options, clock);
    stores_.emplace(name, std::make_unique<TimedObjectStore>(std::move(client), metrics));
    if (profile.multipart) {
      // Creating and completing an upload is PutObject: the signing key's right.
      auto multipart = std::make_unique<s3::MultipartClient>(
          s3::BucketLocation{profile.endpoint, profile.rules.addressing, profile.rules.bucket,
                             profile.rules.region},
          profile.signing_credentials, transport, limiter, options, clock);
      multipart_stores_.emplace(
          name, std::make_unique<TimedMultipartStore>(std::move(multipart), metrics));
    }
  }
}

Runtime::~Runtime() = default;

s3::ObjectStore& Runtime::StoreFor(const config::Profile& profile) {
  return *stores_.find(profile.name)->second;
}

s3::MultipartStore* Runtime::MultipartStoreFor(const config::Profile& profile) {
  const auto it = multipart_stores_.find(profile.name);
  return it == multipart_stores_.end() ? nullptr : it->second.get();
}

notify::Notifier& Runtime::Notifier() { return *timed_notifier_; }

}  // namespace s3upload::app
